#include "cli/bans_command.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <openssl/ssl.h>
#include <openssl/x509_vfy.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

namespace rampart::cli {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace json = boost::json;

struct BanOptions {
    std::string id;
    std::string kind = "address";
    std::string target;
    std::string ttl;
    std::string reason;
    std::string admin_ca;  // --admin-ca: the CA that signed the admin listener's certificate
};

struct AdminEndpoint {
    std::string host;
    std::string port;
    std::string token;
    bool tls = false;
    // Trust anchor for the admin listener's certificate; empty: the system's.
    std::string ca_file;
};

std::string admin_token(const config::Settings& settings) {
    if (const char* token = std::getenv("RAMPART_ADMIN_TOKEN"); token != nullptr && *token) {
        return token;
    }
    if (!settings.admin.token.empty()) {
        return settings.admin.token;
    }
    auto path = std::filesystem::path(settings.data_directory) / "admin-token";
    std::ifstream in(path);
    std::string token;
    if (!in || !std::getline(in, token) || token.empty()) {
        throw CommandError(
            "no admin token: set RAMPART_ADMIN_TOKEN, admin.token, or run the "
            "server once to create " +
            path.string());
    }
    return token;
}

// "http://127.0.0.1:9901" or "https://admin.example:9901" -> host, port, TLS.
void read_admin_url(std::string_view text, AdminEndpoint& endpoint) {
    static constexpr std::string_view usage =
        "RAMPART_ADMIN_URL must be http://host:port or https://host:port";
    if (text.starts_with("https://")) {
        endpoint.tls = true;
        text.remove_prefix(8);
    } else if (text.starts_with("http://")) {
        text.remove_prefix(7);
    } else {
        throw CommandError(std::string(usage));
    }
    text = text.substr(0, text.find('/'));
    auto colon = text.rfind(':');
    if (colon == std::string_view::npos) {
        throw CommandError(std::string(usage));
    }
    endpoint.host = std::string(text.substr(0, colon));
    endpoint.port = std::string(text.substr(colon + 1));
}

// Which certificate the admin listener's is checked against: --admin-ca or
// RAMPART_ADMIN_CA; else the data directory's self-signed certificate when the
// listener uses it; else the system's trust store. Never no check at all.
std::string admin_ca_file(const config::Settings& settings, const BanOptions& options) {
    if (!options.admin_ca.empty()) {
        return options.admin_ca;
    }
    if (const char* ca = std::getenv("RAMPART_ADMIN_CA"); ca != nullptr && *ca) {
        return ca;
    }
    if (settings.admin.tls && settings.admin.tls->self_signed) {
        return (std::filesystem::path(settings.data_directory) / "tls" / "self-signed.crt")
            .string();
    }
    return "";
}

AdminEndpoint admin_endpoint(const config::Settings& settings, const BanOptions& options) {
    AdminEndpoint endpoint;
    if (const char* url = std::getenv("RAMPART_ADMIN_URL"); url != nullptr && *url) {
        read_admin_url(url, endpoint);
    } else {
        if (!settings.admin.enabled) {
            throw CommandError("the admin listener is disabled in this configuration");
        }
        endpoint.host = settings.admin.address;
        // A listener on every address is reached on loopback (and its
        // certificate checked for that address).
        if (endpoint.host == "0.0.0.0") {
            endpoint.host = "127.0.0.1";
        } else if (endpoint.host == "::" || endpoint.host == "[::]") {
            endpoint.host = "::1";
        }
        endpoint.port = std::to_string(settings.admin.port);
        endpoint.tls = settings.admin.tls.has_value();
    }
    if (endpoint.host.size() > 2 && endpoint.host.front() == '[') {
        endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
    }
    if (endpoint.tls) {
        endpoint.ca_file = admin_ca_file(settings, options);
    }
    endpoint.token = admin_token(settings);
    return endpoint;
}

// A TLS client context that verifies the admin listener: the chain against
// the CA file (or the system's store), and the host as an IP address or a
// DNS name. A client certificate is presented when RAMPART_ADMIN_CLIENT_CERT
// and RAMPART_ADMIN_CLIENT_KEY name one (an admin listener with mTLS).
asio::ssl::context admin_tls_context(const AdminEndpoint& endpoint) {
    asio::ssl::context context(asio::ssl::context::tls_client);
    context.set_verify_mode(asio::ssl::verify_peer);
    boost::system::error_code error;
    if (endpoint.ca_file.empty()) {
        context.set_default_verify_paths(error);
    } else {
        context.load_verify_file(endpoint.ca_file, error);
    }
    if (error) {
        throw CommandError(
            "cannot read the CA certificate " +
            (endpoint.ca_file.empty() ? std::string("store of the system") : endpoint.ca_file) +
            ": " + error.message());
    }
    const char* certificate = std::getenv("RAMPART_ADMIN_CLIENT_CERT");
    const char* key = std::getenv("RAMPART_ADMIN_CLIENT_KEY");
    if (certificate != nullptr && *certificate && key != nullptr && *key) {
        context.use_certificate_chain_file(certificate, error);
        if (!error) {
            context.use_private_key_file(key, asio::ssl::context::pem, error);
        }
        if (error) {
            throw CommandError("cannot read the client certificate or key: " + error.message());
        }
    }
    return context;
}

void expect_host(SSL* ssl, const std::string& host) {
    boost::system::error_code not_an_address;
    asio::ip::make_address(host, not_an_address);
    X509_VERIFY_PARAM* parameters = SSL_get0_param(ssl);
    bool set = not_an_address ? (SSL_set_tlsext_host_name(ssl, host.c_str()) == 1 &&
                                 SSL_set1_host(ssl, host.c_str()) == 1)
                              : X509_VERIFY_PARAM_set1_ip_asc(parameters, host.c_str()) == 1;
    if (!set) {
        throw CommandError("cannot check the admin listener's certificate for " + host);
    }
}

http::response<http::string_body> send_request(beast::tcp_stream& tcp,
                                               const AdminEndpoint& endpoint,
                                               http::request<http::string_body>& request) {
    boost::system::error_code error;
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    if (!endpoint.tls) {
        http::write(tcp, request, error);
        if (!error) {
            http::read(tcp, buffer, response, error);
        }
        if (error) {
            throw CommandError("the admin API did not answer: " + error.message());
        }
        return response;
    }
    auto context = admin_tls_context(endpoint);
    beast::ssl_stream<beast::tcp_stream&> stream(tcp, context);
    expect_host(stream.native_handle(), endpoint.host);
    stream.handshake(asio::ssl::stream_base::client, error);
    if (error) {
        std::string reason = error.message();
        auto verification = SSL_get_verify_result(stream.native_handle());
        if (verification != X509_V_OK) {
            reason = std::string("the certificate was not accepted: ") +
                     X509_verify_cert_error_string(verification) +
                     " (give the CA with --admin-ca or RAMPART_ADMIN_CA)";
        }
        throw CommandError("TLS with the admin API at " + endpoint.host + ":" + endpoint.port +
                           " failed: " + reason);
    }
    http::write(stream, request, error);
    if (!error) {
        http::read(stream, buffer, response, error);
    }
    if (error && error != asio::ssl::error::stream_truncated) {
        throw CommandError("the admin API did not answer: " + error.message());
    }
    return response;
}

// One request to the admin API (HTTPS when the listener has TLS); the parsed
// JSON answer, or a CommandError with the problem's detail.
json::value call_admin(const config::Settings& settings, const BanOptions& options,
                       http::verb method, const std::string& target, const std::string& body = {}) {
    auto endpoint = admin_endpoint(settings, options);
    asio::io_context io;
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(10));
    boost::system::error_code error;
    asio::ip::tcp::resolver resolver(io);
    auto addresses = resolver.resolve(endpoint.host, endpoint.port, error);
    if (!error) {
        stream.connect(addresses, error);
    }
    if (error) {
        throw CommandError("cannot reach the admin API at " + endpoint.host + ":" + endpoint.port +
                           " (is the server running?): " + error.message());
    }
    http::request<http::string_body> request(method, target, 11);
    request.set(http::field::host, endpoint.host);
    request.set(http::field::authorization, "Bearer " + endpoint.token);
    if (!body.empty()) {
        request.set(http::field::content_type, "application/json");
        request.body() = body;
    }
    request.prepare_payload();
    auto response = send_request(stream, endpoint, request);
    json::value parsed = json::parse(response.body(), error);
    if (response.result_int() >= 400) {
        std::string detail = "HTTP " + std::to_string(response.result_int());
        if (!error && parsed.is_object() && parsed.as_object().contains("detail") &&
            parsed.as_object().at("detail").is_string()) {
            detail += ": " + std::string(parsed.as_object().at("detail").as_string());
        }
        throw CommandError(detail);
    }
    if (error) {
        throw CommandError("the admin API answered something that is not JSON");
    }
    return parsed;
}

std::string text_of(const json::object& object, std::string_view name) {
    auto found = object.find(name);
    if (found == object.end()) {
        return "-";
    }
    if (found->value().is_string()) {
        return printable(found->value().as_string());
    }
    return json::serialize(found->value());
}

int list_bans(const config::Settings& settings, const BanOptions& options) {
    auto answer = call_admin(settings, options, http::verb::get, "/admin/bans");
    Table table({"ID", "KIND", "TARGET", "EXPIRES", "BY", "REASON"});
    for (const auto& item : answer.as_object().at("bans").as_array()) {
        const auto& ban = item.as_object();
        table.add_row({text_of(ban, "id"), text_of(ban, "kind"), text_of(ban, "target"),
                       text_of(ban, "expires_at"), text_of(ban, "created_by"),
                       text_of(ban, "reason")});
    }
    table.print(std::cout);
    return 0;
}

int add_ban(const config::Settings& settings, const BanOptions& options) {
    json::object body{{"kind", options.kind}, {"target", options.target}};
    if (!options.ttl.empty()) {
        body["ttl"] = options.ttl;
    }
    if (!options.reason.empty()) {
        body["reason"] = options.reason;
    }
    auto answer =
        call_admin(settings, options, http::verb::post, "/admin/bans", json::serialize(body));
    const auto& ban = answer.as_object();
    std::cerr << "rampart: banned " << text_of(ban, "kind") << " " << text_of(ban, "target")
              << " until " << text_of(ban, "expires_at") << "\n";
    std::cout << text_of(ban, "id") << std::endl;
    return 0;
}

int lift_ban(const config::Settings& settings, const BanOptions& options) {
    if (options.id.empty() || options.id.find_first_of("/?#% ") != std::string::npos) {
        throw CommandError("a ban id such as ban_0123456789abcdef is required");
    }
    auto answer = call_admin(settings, options, http::verb::delete_, "/admin/bans/" + options.id);
    const auto& ban = answer.as_object();
    std::cerr << "rampart: lifted the ban of " << text_of(ban, "kind") << " "
              << text_of(ban, "target") << "\n";
    return 0;
}

}  // namespace

void add_bans_command(CLI::App& app, CommandLine& command_line) {
    auto* bans = app.add_subcommand(
        "bans",
        "Temporary bans of addresses, consumers, subjects and tokens (through the running "
        "server's admin API)");
    bans->require_subcommand(1);
    add_config_option(*bans, command_line);
    auto options = std::make_shared<BanOptions>();
    auto add_ca_option = [&options](CLI::App& command) {
        command.add_option(
            "--admin-ca", options->admin_ca,
            "With admin.tls: the CA certificate (PEM) the admin listener's certificate is checked "
            "against (default: RAMPART_ADMIN_CA, else the data directory's self-signed "
            "certificate when admin.tls uses it, else the system's store)");
    };

    auto* list = bans->add_subcommand("list", "List the bans in force, automatic ones included");
    add_ca_option(*list);
    set_action(*list, command_line,
               [options](const auto& settings) { return list_bans(settings, *options); });

    auto* add = bans->add_subcommand("add", "Ban a target for a while; prints the ban's id");
    add->add_option("--kind", options->kind, "address (default), consumer, subject or token")
        ->check(CLI::IsMember({"address", "consumer", "subject", "token"}));
    add->add_option("target", options->target,
                    "An address or network (203.0.113.7, 10.0.0.0/8, 2001:db8::/48), a consumer "
                    "or subject, or a token as jti:<id>, api_key:<id> or sha256:<hex>")
        ->required();
    add->add_option("--ttl", options->ttl,
                    "How long: 90m, 12h, 7d (default: abuse.bans.default_ttl)");
    add->add_option("--reason", options->reason, "Why, for the record");
    add_ca_option(*add);
    set_action(*add, command_line,
               [options](const auto& settings) { return add_ban(settings, *options); });

    auto* lift = bans->add_subcommand("lift", "Lift a ban now");
    lift->add_option("id", options->id, "The ban's id (from `bans list`)")->required();
    add_ca_option(*lift);
    set_action(*lift, command_line,
               [options](const auto& settings) { return lift_ban(settings, *options); });
}

}  // namespace rampart::cli
