#include "cli/bans_command.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

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
};

struct AdminEndpoint {
    std::string host;
    std::string port;
    std::string token;
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

// "http://127.0.0.1:9901" -> host and port; plain HTTP only.
AdminEndpoint admin_endpoint(const config::Settings& settings) {
    AdminEndpoint endpoint;
    if (const char* url = std::getenv("RAMPART_ADMIN_URL"); url != nullptr && *url) {
        std::string_view text(url);
        constexpr std::string_view scheme = "http://";
        if (!text.starts_with(scheme)) {
            throw CommandError("RAMPART_ADMIN_URL must be http://host:port");
        }
        text.remove_prefix(scheme.size());
        text = text.substr(0, text.find('/'));
        auto colon = text.rfind(':');
        if (colon == std::string_view::npos) {
            throw CommandError("RAMPART_ADMIN_URL must be http://host:port");
        }
        endpoint.host = std::string(text.substr(0, colon));
        endpoint.port = std::string(text.substr(colon + 1));
    } else {
        if (!settings.admin.enabled) {
            throw CommandError("the admin listener is disabled in this configuration");
        }
        if (settings.admin.tls) {
            throw CommandError(
                "the admin listener uses TLS, which this command does not speak; "
                "use the admin API (docs/admin-api.md) with an HTTPS client");
        }
        endpoint.host = settings.admin.address;
        endpoint.port = std::to_string(settings.admin.port);
    }
    if (endpoint.host.size() > 2 && endpoint.host.front() == '[') {
        endpoint.host = endpoint.host.substr(1, endpoint.host.size() - 2);
    }
    endpoint.token = admin_token(settings);
    return endpoint;
}

// One request to the admin API; the parsed JSON answer, or a CommandError
// with the problem's detail.
json::value call_admin(const config::Settings& settings, http::verb method,
                       const std::string& target, const std::string& body = {}) {
    auto endpoint = admin_endpoint(settings);
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
    http::write(stream, request, error);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    if (!error) {
        http::read(stream, buffer, response, error);
    }
    if (error) {
        throw CommandError("the admin API did not answer: " + error.message());
    }
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

int list_bans(const config::Settings& settings) {
    auto answer = call_admin(settings, http::verb::get, "/admin/bans");
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
    auto answer = call_admin(settings, http::verb::post, "/admin/bans", json::serialize(body));
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
    auto answer = call_admin(settings, http::verb::delete_, "/admin/bans/" + options.id);
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

    auto* list = bans->add_subcommand("list", "List the bans in force, automatic ones included");
    set_action(*list, command_line, [](const auto& settings) { return list_bans(settings); });

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
    set_action(*add, command_line,
               [options](const auto& settings) { return add_ban(settings, *options); });

    auto* lift = bans->add_subcommand("lift", "Lift a ban now");
    lift->add_option("id", options->id, "The ban's id (from `bans list`)")->required();
    set_action(*lift, command_line,
               [options](const auto& settings) { return lift_ban(settings, *options); });
}

}  // namespace rampart::cli
