#include "observe/webhook/https_post.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/url/parse.hpp>

#include <memory>

#include "config/settings.hpp"
#include "net/tls_context.hpp"

namespace rampart::observe::webhook {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::uint32_t max_header_bytes = 16 * 1024;
constexpr std::uint64_t max_response_body_bytes = 64 * 1024;

// What the watchdog and the exchange share: the watchdog may fire after the
// coroutine has finished, so it holds its own reference.
struct Connection {
    Connection(asio::io_context& io, asio::ssl::context& tls)
        : resolver(io), stream(io, tls), watchdog(io) {}
    tcp::resolver resolver;
    asio::ssl::stream<tcp::socket> stream;
    asio::steady_timer watchdog;
    bool timed_out = false;
};

PostOutcome failed(std::string failure) {
    return PostOutcome{0, std::move(failure)};
}

asio::awaitable<PostOutcome> post_over(std::shared_ptr<Connection> connection,
                                       const HttpsTarget& target, std::string body,
                                       const HeaderPairs& headers) {
    auto [resolve_error, results] =
        co_await connection->resolver.async_resolve(target.host, target.port, use_nothrow);
    if (connection->timed_out) {
        co_return failed("timed out resolving the host");
    }
    if (resolve_error) {
        co_return failed("cannot resolve the host: " + resolve_error.message());
    }
    auto [connect_error, connected] =
        co_await asio::async_connect(connection->stream.next_layer(), results, use_nothrow);
    if (connection->timed_out) {
        co_return failed("timed out connecting");
    }
    if (connect_error) {
        co_return failed("cannot connect: " + connect_error.message());
    }
    config::UpstreamTls verification;  // verify = true: the host name must match
    net::prepare_upstream_tls_stream(connection->stream.native_handle(), target.host, verification);
    auto [handshake_error] =
        co_await connection->stream.async_handshake(asio::ssl::stream_base::client, use_nothrow);
    if (connection->timed_out) {
        co_return failed("timed out in the TLS handshake");
    }
    if (handshake_error) {
        co_return failed("TLS handshake failed: " + handshake_error.message());
    }
    http::request<http::string_body> request{http::verb::post, target.path, 11};
    auto host = target.host.find(':') == std::string::npos ? target.host : "[" + target.host + "]";
    request.set(http::field::host, target.port == "443" ? host : host + ":" + target.port);
    request.set(http::field::user_agent, "rampart-security-events");
    request.set(http::field::content_type, "application/json");
    for (const auto& [name, value] : headers) {
        request.set(name, value);
    }
    request.keep_alive(false);
    request.body() = std::move(body);
    request.prepare_payload();
    auto [write_error, written] =
        co_await http::async_write(connection->stream, request, use_nothrow);
    if (connection->timed_out) {
        co_return failed("timed out sending the request");
    }
    if (write_error) {
        co_return failed("cannot send the request: " + write_error.message());
    }
    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.header_limit(max_header_bytes);
    parser.body_limit(max_response_body_bytes);
    auto [read_error, read] =
        co_await http::async_read(connection->stream, buffer, parser, use_nothrow);
    if (connection->timed_out) {
        co_return failed("timed out reading the response");
    }
    if (read_error && !parser.is_header_done()) {
        co_return failed("cannot read the response: " + read_error.message());
    }
    // The status is all that counts: a receiver that said 2xx and then sent
    // an oversized or truncated body still received the events.
    auto status = parser.get().result_int();
    PostOutcome outcome{status, {}};
    if (!outcome.delivered()) {
        outcome.failure = "the receiver answered " + std::to_string(status);
    }
    co_return outcome;
}

}  // namespace

std::optional<HttpsTarget> parse_https_target(const std::string& url) {
    auto parsed = boost::urls::parse_absolute_uri(url);
    if (!parsed || parsed->scheme() != "https" || parsed->host_address().empty()) {
        return std::nullopt;
    }
    HttpsTarget target;
    target.host = std::string(parsed->host_address());
    target.port = parsed->has_port() ? std::string(parsed->port()) : "443";
    target.path = parsed->encoded_path().empty() ? "/" : std::string(parsed->encoded_path());
    if (parsed->has_query()) {
        target.path += "?" + std::string(parsed->encoded_query());
    }
    return target;
}

asio::awaitable<PostOutcome> async_post_json(asio::io_context& io, asio::ssl::context& tls,
                                             const HttpsTarget& target, std::string body,
                                             const HeaderPairs& headers,
                                             std::chrono::milliseconds timeout) {
    try {
        auto connection = std::make_shared<Connection>(io, tls);
        connection->watchdog.expires_after(timeout);
        connection->watchdog.async_wait([connection](boost::system::error_code error) {
            if (error) {
                return;  // cancelled: the exchange finished in time
            }
            connection->timed_out = true;
            connection->resolver.cancel();
            boost::system::error_code ignored;
            connection->stream.next_layer().close(ignored);
        });
        auto outcome = co_await post_over(connection, target, std::move(body), headers);
        connection->watchdog.cancel();
        boost::system::error_code ignored;
        connection->stream.next_layer().close(ignored);
        co_return outcome;
    } catch (const std::exception&) {
        co_return failed("internal error");
    }
}

}  // namespace rampart::observe::webhook
