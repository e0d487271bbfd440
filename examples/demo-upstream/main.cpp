// demo-upstream: a small plain-HTTP/1.1 JSON API (see demo_api.hpp) that `make run` puts
// behind Rampart. One thread, asynchronous, keep-alive.
#include "demo_api.hpp"

#include <CLI/CLI.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <chrono>
#include <cstdint>
#include <iostream>
#include <memory>
#include <optional>

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t max_body_bytes = 1024 * 1024;
constexpr auto idle_timeout = std::chrono::seconds(60);

// One client connection: read a request, answer it, repeat while the client keeps it alive.
class Session : public std::enable_shared_from_this<Session> {
  public:
    Session(tcp::socket socket, demo::DemoApi& api) : stream_(std::move(socket)), api_(api) {}

    void read_request() {
        parser_.emplace();
        parser_->body_limit(max_body_bytes);
        stream_.expires_after(idle_timeout);
        http::async_read(stream_, buffer_, *parser_,
                         [self = shared_from_this()](beast::error_code error, std::size_t) {
                             self->on_request(error);
                         });
    }

  private:
    void on_request(beast::error_code error) {
        if (error == http::error::end_of_stream) {
            stream_.socket().shutdown(tcp::socket::shutdown_send, error);
            return;
        }
        if (error) {
            // A malformed request gets one JSON 400, then the connection closes: after a
            // parse error the stream position is unknown.
            if (error.category() == make_error_code(http::error::bad_target).category()) {
                response_ = {http::status::bad_request, 11};
                response_.set(http::field::content_type, "application/json");
                response_.body() = R"({"error":"Bad Request","message":"malformed request"})";
                response_.keep_alive(false);
                response_.prepare_payload();
                write_response();
            }
            return;
        }
        const auto& request = parser_->get();
        response_ = api_.handle(request);
        std::cout << request.method_string() << ' ' << request.target() << " -> "
                  << response_.result_int() << std::endl;
        write_response();
    }

    void write_response() {
        http::async_write(stream_, response_,
                          [self = shared_from_this()](beast::error_code error, std::size_t) {
                              self->on_written(error);
                          });
    }

    void on_written(beast::error_code error) {
        if (error) {
            return;
        }
        if (!response_.keep_alive()) {
            stream_.socket().shutdown(tcp::socket::shutdown_send, error);
            return;
        }
        read_request();
    }

    beast::tcp_stream stream_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    http::response<http::string_body> response_;
    demo::DemoApi& api_;
};

void accept_connections(tcp::acceptor& acceptor, demo::DemoApi& api) {
    acceptor.async_accept([&](beast::error_code error, tcp::socket socket) {
        if (!error) {
            std::make_shared<Session>(std::move(socket), api)->read_request();
        }
        accept_connections(acceptor, api);
    });
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{"demo-upstream: an in-memory users/orders JSON API to put behind Rampart"};
    std::string address = "127.0.0.1";
    std::uint16_t port = 9000;
    app.add_option("--address", address, "address to listen on")->capture_default_str();
    app.add_option("--port", port, "TCP port to listen on")->capture_default_str();
    CLI11_PARSE(app, argc, argv);

    try {
        asio::io_context io;
        demo::DemoApi api;
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address(address), port));
        accept_connections(acceptor, api);
        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](beast::error_code, int) { io.stop(); });
        std::cout << "demo-upstream listening on http://" << address << ':' << port << std::endl;
        io.run();
    } catch (const std::exception& error) {
        std::cerr << "demo-upstream: " << error.what() << '\n';
        return 1;
    }
    return 0;
}
