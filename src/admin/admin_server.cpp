#include "admin/admin_server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/object.hpp>

#include <openssl/crypto.h>

#include "net/server.hpp"
#include "pipeline/problem.hpp"
#include "util/request_id.hpp"
#include "util/ascii.hpp"

namespace rampart::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

using AdminRequest = http::request<http::string_body>;
using AdminResponse = http::response<http::string_body>;

AdminResponse json_response(http::status status, const boost::json::object& body) {
    AdminResponse response{status, 11};
    response.set(http::field::content_type, "application/json");
    response.set(http::field::cache_control, "no-store");
    response.body() = boost::json::serialize(body);
    return response;
}

AdminResponse problem(http::status status, std::string_view detail) {
    AdminResponse response{status, 11};
    response.set(http::field::content_type, "application/problem+json");
    response.set(http::field::cache_control, "no-store");
    response.body() = pipeline::problem_body(status, detail, util::new_request_id());
    return response;
}

// Constant-time comparison of the bearer token with the admin token.
bool authorized(const AdminRequest& request, const std::string& token) {
    std::string_view header = request[http::field::authorization];
    constexpr std::string_view scheme = "Bearer ";
    if (token.empty() || header.size() != scheme.size() + token.size() ||
        !util::equals_ignoring_case(header.substr(0, scheme.size()), scheme)) {
        return false;
    }
    return CRYPTO_memcmp(header.data() + scheme.size(), token.data(), token.size()) == 0;
}

AdminResponse handle(net::Server& server, const AdminRequest& request) {
    std::string_view target = request.target();
    if (auto query = target.find('?'); query != std::string_view::npos) {
        target = target.substr(0, query);
    }
    bool get = request.method() == http::verb::get || request.method() == http::verb::head;
    if (target == "/healthz" && get) {
        return json_response(http::status::ok, {{"status", "ok"}});
    }
    if (target == "/readyz" && get) {
        return server.draining() ? json_response(http::status::service_unavailable, {{"status", "draining"}})
                                 : json_response(http::status::ok, {{"status", "ready"}});
    }
    if (target == "/metrics" && get) {
        AdminResponse response{http::status::ok, 11};
        response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        response.body() = server.metrics().render_prometheus();
        return response;
    }
    if (target.starts_with("/admin/")) {
        if (!authorized(request, server.admin_token())) {
            auto response = problem(http::status::unauthorized, "The admin token is missing or wrong.");
            response.set(http::field::www_authenticate, "Bearer realm=\"rampart-admin\"");
            return response;
        }
        if (target == "/admin/reload") {
            if (request.method() != http::verb::post) {
                auto response = problem(http::status::method_not_allowed, "Use POST.");
                response.set(http::field::allow, "POST");
                return response;
            }
            auto result = server.reload();
            return json_response(result.ok ? http::status::ok : http::status::unprocessable_entity,
                                 {{"reloaded", result.ok}, {"message", result.message}});
        }
    }
    return problem(http::status::not_found, "No such admin resource.");
}

asio::awaitable<void> serve_admin_connection(net::Server& server, asio::ip::tcp::socket socket) {
    beast::tcp_stream stream(std::move(socket));
    beast::flat_buffer buffer;
    for (int served = 0; served < 1000; ++served) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(16 * 1024);
        parser.body_limit(64 * 1024);
        stream.expires_after(30s);
        auto [read_error, read] = co_await http::async_read(stream, buffer, parser, use_nothrow);
        if (read_error) {
            break;
        }
        auto request = parser.release();
        auto response = handle(server, request);
        response.keep_alive(request.keep_alive());
        response.prepare_payload();
        auto [write_error, written] = co_await http::async_write(stream, response, use_nothrow);
        if (write_error || !request.keep_alive()) {
            break;
        }
    }
    boost::system::error_code ignored;
    stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
}

}  // namespace

asio::awaitable<void> run_admin_listener(net::Server& server, asio::ip::tcp::acceptor& acceptor) {
    for (;;) {
        auto [error, socket] = co_await acceptor.async_accept(use_nothrow);
        if (error == asio::error::operation_aborted || !acceptor.is_open()) {
            co_return;
        }
        if (!error) {
            asio::co_spawn(acceptor.get_executor(), serve_admin_connection(server, std::move(socket)),
                           asio::detached);
        }
    }
}

}  // namespace rampart::admin
