#include "auth/jwks_fetch.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <array>
#include <exception>

#include "net/tls_context.hpp"

namespace rampart::auth {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t max_header_bytes = 16 * 1024;

// What the watchdog and the exchange share: the watchdog may fire after the
// coroutine has finished, so it holds its own reference.
struct Exchange {
    explicit Exchange(asio::io_context& io, asio::ssl::context& tls)
        : resolver(io), stream(io, tls), watchdog(io) {}
    tcp::resolver resolver;
    asio::ssl::stream<tcp::socket> stream;
    asio::steady_timer watchdog;
    bool timed_out = false;
};

struct Target {
    std::string host;
    std::string port;
    std::string path;  // origin-form: path and query
};

std::optional<Target> parse_target(const std::string& uri) {
    auto url = boost::urls::parse_absolute_uri(uri);
    if (!url || url->scheme() != "https" || url->has_userinfo() || url->host_address().empty()) {
        return std::nullopt;
    }
    Target target;
    target.host = std::string(url->host_address());
    target.port = url->has_port() ? std::string(url->port()) : "443";
    target.path = url->encoded_path().empty() ? "/" : std::string(url->encoded_path());
    if (url->has_query()) {
        target.path += "?" + std::string(url->encoded_query());
    }
    return target;
}

bool in_v4_range(const asio::ip::address_v4& address, std::uint32_t network, unsigned prefix) {
    auto mask = prefix == 0 ? 0u : ~std::uint32_t(0) << (32 - prefix);
    return (address.to_uint() & mask) == (network & mask);
}

bool is_non_public_v4(const asio::ip::address_v4& address) {
    struct Range {
        std::uint32_t network;
        unsigned prefix;
    };
    static constexpr std::array<Range, 13> ranges{{
        {0x00000000, 8},   // "this network"
        {0x0A000000, 8},   // 10/8
        {0x64400000, 10},  // 100.64/10, carrier-grade NAT
        {0x7F000000, 8},   // loopback
        {0xA9FE0000, 16},  // link-local (cloud metadata lives here)
        {0xAC100000, 12},  // 172.16/12
        {0xC0000000, 24},  // IETF protocol assignments
        {0xC0000200, 24},  // TEST-NET-1
        {0xC0A80000, 16},  // 192.168/16
        {0xC6120000, 15},  // benchmarking
        {0xC6336400, 24},  // TEST-NET-2
        {0xCB007100, 24},  // TEST-NET-3
        {0xE0000000, 3},   // multicast, reserved and broadcast
    }};
    for (const auto& range : ranges) {
        if (in_v4_range(address, range.network, range.prefix)) {
            return true;
        }
    }
    return false;
}

asio::ip::address_v4 embedded_v4(const asio::ip::address_v6::bytes_type& bytes) {
    return asio::ip::address_v4({bytes[12], bytes[13], bytes[14], bytes[15]});
}

bool is_non_public_v6(const asio::ip::address_v6& address) {
    if (address.is_loopback() || address.is_unspecified() || address.is_link_local() ||
        address.is_site_local() || address.is_multicast()) {
        return true;
    }
    auto bytes = address.to_bytes();
    if (address.is_v4_mapped()) {
        return is_non_public_v4(embedded_v4(bytes));
    }
    if ((bytes[0] & 0xFE) == 0xFC) {
        return true;  // fc00::/7, unique local
    }
    bool first_twelve_zero = true;
    for (int i = 0; i < 12; ++i) {
        first_twelve_zero = first_twelve_zero && bytes[i] == 0;
    }
    if (first_twelve_zero) {
        return true;  // ::/96, the deprecated IPv4-compatible form
    }
    static constexpr std::array<unsigned char, 12> nat64{0x00, 0x64, 0xFF, 0x9B};
    if (std::equal(nat64.begin(), nat64.end(), bytes.begin())) {
        return is_non_public_v4(embedded_v4(bytes));  // 64:ff9b::/96
    }
    return false;
}

JwksFetchOutcome failed(std::string failure) {
    return JwksFetchOutcome{std::nullopt, std::move(failure)};
}

asio::awaitable<JwksFetchOutcome> exchange_with(std::shared_ptr<Exchange> exchange,
                                                const Target& target,
                                                const JwksFetchSettings& settings) {
    auto [resolve_error, results] =
        co_await exchange->resolver.async_resolve(target.host, target.port, use_nothrow);
    if (exchange->timed_out) {
        co_return failed("timed out resolving the host");
    }
    if (resolve_error) {
        co_return failed("cannot resolve the host: " + resolve_error.message());
    }
    std::vector<tcp::endpoint> endpoints;
    for (const auto& entry : results) {
        auto endpoint = entry.endpoint();
        if (settings.allow_private_addresses || !is_non_public_address(endpoint.address())) {
            endpoints.push_back(endpoint);
        }
    }
    if (endpoints.empty()) {
        co_return failed(
            "the host resolves only to loopback, private or link-local addresses "
            "(allow_private_addresses is false)");
    }
    auto [connect_error, connected] =
        co_await asio::async_connect(exchange->stream.next_layer(), endpoints, use_nothrow);
    if (exchange->timed_out) {
        co_return failed("timed out connecting");
    }
    if (connect_error) {
        co_return failed("cannot connect: " + connect_error.message());
    }
    config::UpstreamTls verification;  // verify = true: the host name must match
    net::prepare_upstream_tls_stream(exchange->stream.native_handle(), target.host, verification);
    auto [handshake_error] =
        co_await exchange->stream.async_handshake(asio::ssl::stream_base::client, use_nothrow);
    if (exchange->timed_out) {
        co_return failed("timed out in the TLS handshake");
    }
    if (handshake_error) {
        co_return failed("TLS handshake failed: " + handshake_error.message());
    }
    http::request<http::empty_body> request{http::verb::get, target.path, 11};
    auto host = target.host.find(':') == std::string::npos ? target.host : "[" + target.host + "]";
    request.set(http::field::host, target.port == "443" ? host : host + ":" + target.port);
    request.set(http::field::user_agent, "rampart-jwks");
    request.set(http::field::accept, "application/jwk-set+json, application/json");
    request.keep_alive(false);
    auto [write_error, written] =
        co_await http::async_write(exchange->stream, request, use_nothrow);
    if (exchange->timed_out) {
        co_return failed("timed out sending the request");
    }
    if (write_error) {
        co_return failed("cannot send the request: " + write_error.message());
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(max_header_bytes);
    parser.body_limit(settings.max_bytes);
    auto [read_error, read] =
        co_await http::async_read(exchange->stream, buffer, parser, use_nothrow);
    if (exchange->timed_out) {
        co_return failed("timed out reading the response");
    }
    if (read_error == http::error::body_limit) {
        co_return failed("the response is larger than max_jwks_bytes; aborted");
    }
    if (read_error) {
        co_return failed("cannot read the response: " + read_error.message());
    }
    auto status = parser.get().result_int();
    if (status / 100 == 3) {
        co_return failed("the server answered a redirect (" + std::to_string(status) +
                         "), which is never followed");
    }
    if (status != 200) {
        co_return failed("the server answered " + std::to_string(status));
    }
    co_return JwksFetchOutcome{parser.release().body(), {}};
}

}  // namespace

JwksFetchSettings JwksFetchSettings::from(const config::ExternalIssuerSettings& issuer) {
    JwksFetchSettings settings;
    settings.uri = issuer.jwks_uri.value_or("");
    config::UpstreamTls tls;
    tls.ca_file = issuer.ca_file;
    try {
        settings.tls = net::make_upstream_tls_context(tls);
    } catch (const std::exception& error) {
        throw config::ConfigError(issuer.location + ": issuers." + issuer.name +
                                  ".ca_file: " + error.what());
    }
    settings.allow_private_addresses = issuer.allow_private_addresses;
    settings.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(issuer.fetch_timeout);
    settings.max_bytes = issuer.max_jwks_bytes;
    return settings;
}

bool is_non_public_address(const asio::ip::address& address) {
    return address.is_v4() ? is_non_public_v4(address.to_v4()) : is_non_public_v6(address.to_v6());
}

asio::awaitable<JwksFetchOutcome> async_fetch_jwks(asio::io_context& io,
                                                   const JwksFetchSettings& settings) {
    auto target = parse_target(settings.uri);
    if (!target) {
        co_return failed("jwks_uri is not an https URL with a host");
    }
    if (!settings.tls) {
        co_return failed("no TLS context");
    }
    auto exchange = std::make_shared<Exchange>(io, *settings.tls);
    exchange->watchdog.expires_after(settings.timeout);
    exchange->watchdog.async_wait([exchange](boost::system::error_code error) {
        if (error) {
            return;  // cancelled: the exchange finished in time
        }
        exchange->timed_out = true;
        exchange->resolver.cancel();
        boost::system::error_code ignored;
        exchange->stream.next_layer().close(ignored);
    });
    auto outcome = co_await exchange_with(exchange, *target, settings);
    exchange->watchdog.cancel();
    boost::system::error_code ignored;
    exchange->stream.next_layer().close(ignored);  // no TLS close_notify: nothing more to say
    co_return outcome;
}

JwksFetchOutcome fetch_jwks(const JwksFetchSettings& settings) {
    asio::io_context io(1);
    JwksFetchOutcome outcome = failed("the fetch did not complete");
    asio::co_spawn(io, async_fetch_jwks(io, settings),
                   [&outcome](std::exception_ptr error, JwksFetchOutcome result) {
                       outcome = error ? failed("internal error") : std::move(result);
                   });
    io.run();
    return outcome;
}

}  // namespace rampart::auth
