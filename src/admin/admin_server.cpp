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
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <memory>
#include <optional>

#include "admin/admin_access.hpp"
#include "admin/admin_api.hpp"
#include "admin/admin_responses.hpp"
#include "net/client_certificate.hpp"
#include "net/server.hpp"

namespace rampart::admin {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

AdminResponse unauthorized() {
    auto response =
        problem_response(http::status::unauthorized, "The admin credential is missing or wrong.");
    response.set(http::field::www_authenticate, "Bearer realm=\"rampart-admin\"");
    return response;
}

// The probes and /metrics: open to every peer of the listener, never the store.
std::optional<AdminResponse> probe_response(net::Server& server, std::string_view target,
                                            bool get) {
    if (!get) {
        return std::nullopt;
    }
    if (target == "/healthz") {
        return json_response(http::status::ok, {{"status", "ok"}});
    }
    if (target == "/readyz") {
        return server.draining()
                   ? json_response(http::status::service_unavailable, {{"status", "draining"}})
                   : json_response(http::status::ok, {{"status", "ready"}});
    }
    if (target == "/metrics") {
        AdminResponse response{http::status::ok, 11};
        response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        response.body() = server.metrics().render_prometheus();
        return response;
    }
    return std::nullopt;
}

AdminResponse reload(net::Server& server, const AdminRequest& request) {
    if (request.method() != http::verb::post) {
        auto response = problem_response(http::status::method_not_allowed, "Use POST.");
        response.set(http::field::allow, "POST");
        return response;
    }
    auto result = server.reload();
    return json_response(result.ok ? http::status::ok : http::status::unprocessable_entity,
                         {{"reloaded", result.ok}, {"message", result.message}});
}

// Who the request proves to be: the bearer token when the request carries one (a wrong token is
// never rescued by a certificate), else the verified client certificate.
std::optional<AdminCaller> identify_caller(net::Server& server, const config::Admin& settings,
                                           const AdminRequest& request,
                                           const net::ClientCertificate* certificate) {
    auto authorization = request[http::field::authorization];
    if (!authorization.empty() || certificate == nullptr) {
        return identify_admin_caller(authorization, server.admin_token(), settings.principals);
    }
    return identify_admin_caller(*certificate, settings.principals);
}

asio::awaitable<AdminResponse> handle(net::Server& server, AdminApi& api,
                                      const AdminRequest& request, const asio::ip::address& peer,
                                      const net::ClientCertificate* certificate) {
    std::string_view target = request.target();
    std::string_view query;
    if (auto mark = target.find('?'); mark != std::string_view::npos) {
        query = target.substr(mark + 1);
        target = target.substr(0, mark);
    }
    bool get = request.method() == http::verb::get || request.method() == http::verb::head;
    if (auto probe = probe_response(server, target, get)) {
        co_return std::move(*probe);
    }
    constexpr std::string_view admin_prefix = "/admin/";
    if (!target.starts_with(admin_prefix)) {
        co_return problem_response(http::status::not_found, "No such admin resource.");
    }
    auto snapshot = server.snapshot();
    const auto& settings = snapshot->settings().admin;
    auto client_ip = peer.to_string();
    if (!source_is_allowed(settings, peer)) {
        server.security_events().emit("admin_source_refused", nullptr, {{"client_ip", client_ip}});
        co_return problem_response(http::status::forbidden,
                                   "The admin API is not open to this address.");
    }
    auto caller = identify_caller(server, settings, request, certificate);
    if (!caller) {
        server.security_events().emit("admin_auth_failed", nullptr, {{"client_ip", client_ip}});
        co_return unauthorized();
    }
    target.remove_prefix(admin_prefix.size());
    if (target == "reload") {
        if (!may_perform(*caller, true)) {
            co_return problem_response(http::status::forbidden,
                                       "This admin credential may only read.");
        }
        co_return reload(server, request);
    }
    // Store work and password hashing run on the blocking pool, never on the control thread
    // that also answers the probes.
    AdminResponse response;
    bool ran = co_await server.auth().blocking_pool().run(
        [&] { response = api.handle(request, target, query, *caller, client_ip); });
    if (!ran) {
        co_return problem_response(http::status::service_unavailable,
                                   "The server is busy; try again shortly.");
    }
    co_return response;
}

template <class Stream>
asio::awaitable<void> serve_requests(net::Server& server, AdminApi& api, Stream& stream,
                                     const asio::ip::address& peer,
                                     const net::ClientCertificate* certificate) {
    beast::flat_buffer buffer;
    for (int served = 0; served < 1000; ++served) {
        http::request_parser<http::string_body> parser;
        parser.header_limit(16 * 1024);
        parser.body_limit(64 * 1024);
        beast::get_lowest_layer(stream).expires_after(30s);
        auto [read_error, read] = co_await http::async_read(stream, buffer, parser, use_nothrow);
        if (read_error) {
            break;
        }
        auto request = parser.release();
        auto response = co_await handle(server, api, request, peer, certificate);
        response.keep_alive(request.keep_alive());
        response.prepare_payload();
        auto [write_error, written] = co_await http::async_write(stream, response, use_nothrow);
        if (write_error || !request.keep_alive()) {
            break;
        }
    }
}

asio::awaitable<void> serve_admin_connection(net::Server& server, std::shared_ptr<AdminApi> api,
                                             asio::ip::tcp::socket socket) {
    boost::system::error_code endpoint_error;
    auto peer = socket.remote_endpoint(endpoint_error).address();
    if (endpoint_error) {
        co_return;
    }
    // The TLS context of the snapshot current at accept: a reload changes the certificate of
    // the connections that follow.
    auto tls = server.snapshot()->admin_tls();
    if (!tls) {
        beast::tcp_stream stream(std::move(socket));
        co_await serve_requests(server, *api, stream, peer, nullptr);
        boost::system::error_code ignored;
        stream.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
        co_return;
    }
    beast::ssl_stream<beast::tcp_stream> stream(beast::tcp_stream(std::move(socket)), *tls);
    stream.next_layer().expires_after(10s);
    auto [handshake_error] =
        co_await stream.async_handshake(asio::ssl::stream_base::server, use_nothrow);
    if (handshake_error) {
        stream.next_layer().close();
        co_return;
    }
    auto certificate = net::verified_client_certificate(stream.native_handle());
    co_await serve_requests(server, *api, stream, peer, certificate ? &*certificate : nullptr);
    stream.next_layer().expires_after(2s);
    co_await stream.async_shutdown(use_nothrow);
    stream.next_layer().close();
}

}  // namespace

asio::awaitable<void> run_admin_listener(net::Server& server, asio::ip::tcp::acceptor& acceptor) {
    // Shared with the connections, which may outlive this loop during shutdown.
    auto api = std::make_shared<AdminApi>(server);
    for (;;) {
        auto [error, socket] = co_await acceptor.async_accept(use_nothrow);
        if (error == asio::error::operation_aborted || !acceptor.is_open()) {
            co_return;
        }
        if (!error) {
            asio::co_spawn(acceptor.get_executor(),
                           serve_admin_connection(server, api, std::move(socket)), asio::detached);
        }
    }
}

}  // namespace rampart::admin
