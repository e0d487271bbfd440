#include "support/recording_upstream.hpp"
#include "util/ascii.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json/serialize.hpp>

#include <mutex>
#include <thread>
#include <type_traits>

namespace rampart::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t max_request_header_bytes = 1024 * 1024;
constexpr std::size_t max_request_body_bytes = 64 * 1024 * 1024;
constexpr auto idle_timeout = std::chrono::seconds(30);
constexpr std::string_view continue_response = "HTTP/1.1 100 Continue\r\n\r\n";

UpstreamResponse echo_method_and_target(const RecordedRequest& request) {
    UpstreamResponse response;
    response.headers = {{"Content-Type", "application/json"}};
    response.body = boost::json::serialize(
        boost::json::object{{"method", request.method}, {"target", request.target}});
    return response;
}

UpstreamResponse server_error(std::string message) {
    UpstreamResponse response;
    response.status = 500;
    response.headers = {{"Content-Type", "text/plain"}};
    response.body = std::move(message);
    return response;
}

RecordedRequest to_recorded(const http::request<http::string_body>& request,
                            std::size_t connection_number) {
    RecordedRequest recorded;
    recorded.method = std::string(request.method_string());
    recorded.target = std::string(request.target());
    recorded.version = request.version();
    for (const auto& field : request) {
        recorded.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    recorded.body = request.body();
    recorded.connection_number = connection_number;
    return recorded;
}

http::response<http::string_body> to_message(const UpstreamResponse& response, unsigned version,
                                             bool keep_alive, bool to_head_request) {
    http::response<http::string_body> message{static_cast<http::status>(response.status), version};
    for (const auto& [name, value] : response.headers) {
        message.insert(name, value);
    }
    message.keep_alive(keep_alive);
    bool sets_length = has_header(response.headers, "Content-Length") ||
                       has_header(response.headers, "Transfer-Encoding");
    if (to_head_request) {
        // A response to HEAD announces the length of the body it does not send.
        if (!sets_length) {
            message.content_length(response.body.size());
        }
    } else {
        message.body() = response.body;
        if (!sets_length) {
            message.prepare_payload();
        }
    }
    return message;
}

}  // namespace

namespace detail {

class UpstreamSessionBase {
  public:
    virtual ~UpstreamSessionBase() = default;
    virtual void close() = 0;
};

struct UpstreamServer {
    asio::io_context io;
    tcp::acceptor acceptor{io};
    std::optional<ssl::context> tls_context;
    std::thread thread;

    mutable std::mutex mutex;  // guards handler and requests
    RecordingUpstream::Handler handler = echo_method_and_target;
    std::vector<RecordedRequest> requests;
    std::atomic<std::size_t> connection_count{0};
    std::vector<std::weak_ptr<UpstreamSessionBase>> sessions;  // io thread only

    // Records the request and asks the test's handler for the answer; a throwing handler
    // becomes a 500 rather than a dead server thread.
    UpstreamResponse respond(RecordedRequest recorded) {
        RecordingUpstream::Handler current_handler;
        {
            std::lock_guard lock(mutex);
            requests.push_back(recorded);
            current_handler = handler;
        }
        try {
            return current_handler(recorded);
        } catch (const std::exception& error) {
            return server_error(std::string("handler threw: ") + error.what());
        }
    }

    void accept();
};

template <typename Stream>
class UpstreamSession : public UpstreamSessionBase,
                        public std::enable_shared_from_this<UpstreamSession<Stream>> {
  public:
    static constexpr bool is_tls = !std::is_same_v<Stream, beast::tcp_stream>;

    UpstreamSession(Stream stream, UpstreamServer& server, std::size_t connection_number)
        : stream_(std::move(stream)),
          timer_(server.io),
          server_(server),
          connection_number_(connection_number) {}

    void start() {
        if constexpr (is_tls) {
            socket().expires_after(idle_timeout);
            stream_.async_handshake(ssl::stream_base::server,
                                    [self = this->shared_from_this()](error_code error) {
                                        if (!error) {
                                            self->read_header();
                                        }
                                    });
        } else {
            read_header();
        }
    }

    void close() override {
        timer_.cancel();
        socket().close();
    }

  private:
    beast::tcp_stream& socket() { return beast::get_lowest_layer(stream_); }

    void read_header() {
        parser_.emplace();
        parser_->header_limit(max_request_header_bytes);
        parser_->body_limit(max_request_body_bytes);
        socket().expires_after(idle_timeout);
        http::async_read_header(stream_, buffer_, *parser_,
                                [self = this->shared_from_this()](error_code error, std::size_t) {
                                    if (!error) {
                                        self->on_header();
                                    }
                                });
    }

    // A client that sent "Expect: 100-continue" waits for this before sending the body.
    void on_header() {
        if (!rampart::util::equals_ignoring_case(parser_->get()[http::field::expect],
                                                 "100-continue")) {
            read_body();
            return;
        }
        asio::async_write(stream_, asio::buffer(continue_response),
                          [self = this->shared_from_this()](error_code error, std::size_t) {
                              if (!error) {
                                  self->read_body();
                              }
                          });
    }

    void read_body() {
        http::async_read(stream_, buffer_, *parser_,
                         [self = this->shared_from_this()](error_code error, std::size_t) {
                             if (!error) {
                                 self->on_request();
                             }
                         });
    }

    void on_request() {
        const auto& request = parser_->get();
        response_ = server_.respond(to_recorded(request, connection_number_));
        keep_alive_ = request.keep_alive() && !response_.close_connection;
        to_head_request_ = request.method() == http::verb::head;
        request_version_ = request.version();
        if (response_.delay.count() == 0) {
            write_response();
            return;
        }
        timer_.expires_after(response_.delay);
        timer_.async_wait([self = this->shared_from_this()](error_code error) {
            if (!error) {
                self->write_response();
            }
        });
    }

    void write_response() {
        socket().expires_after(idle_timeout);
        auto on_written = [self = this->shared_from_this()](error_code error, std::size_t) {
            if (!error) {
                self->after_response();
            }
        };
        if (response_.raw) {
            asio::async_write(stream_, asio::buffer(*response_.raw), on_written);
            return;
        }
        try {
            message_ = to_message(response_, request_version_, keep_alive_, to_head_request_);
        } catch (const std::exception& error) {
            // A handler asked for something Beast refuses (a body on a 204, say).
            message_ = to_message(server_error(error.what()), request_version_, keep_alive_,
                                  to_head_request_);
        }
        http::async_write(stream_, message_, on_written);
    }

    void after_response() {
        if (keep_alive_) {
            read_header();
            return;
        }
        if constexpr (is_tls) {
            socket().expires_after(std::chrono::seconds(2));
            stream_.async_shutdown(
                [self = this->shared_from_this()](error_code) { self->socket().close(); });
        } else {
            error_code ignored;
            socket().socket().shutdown(tcp::socket::shutdown_send, ignored);
        }
    }

    Stream stream_;
    asio::steady_timer timer_;
    UpstreamServer& server_;
    std::size_t connection_number_;
    beast::flat_buffer buffer_;
    std::optional<http::request_parser<http::string_body>> parser_;
    UpstreamResponse response_;
    http::response<http::string_body> message_;
    bool keep_alive_ = true;
    bool to_head_request_ = false;
    unsigned request_version_ = 11;
};

void UpstreamServer::accept() {
    acceptor.async_accept([this](error_code error, tcp::socket socket) {
        if (!acceptor.is_open()) {
            return;
        }
        if (!error) {
            std::size_t number = ++connection_count;
            std::erase_if(sessions, [](const auto& session) { return session.expired(); });
            beast::tcp_stream stream(std::move(socket));
            if (tls_context) {
                using TlsStream = ssl::stream<beast::tcp_stream>;
                auto session = std::make_shared<UpstreamSession<TlsStream>>(
                    TlsStream(std::move(stream), *tls_context), *this, number);
                sessions.push_back(session);
                session->start();
            } else {
                auto session = std::make_shared<UpstreamSession<beast::tcp_stream>>(
                    std::move(stream), *this, number);
                sessions.push_back(session);
                session->start();
            }
        }
        accept();
    });
}

}  // namespace detail

namespace {

// Listens on 127.0.0.1:<free port> and serves from a thread of its own; returns the port.
std::uint16_t start_server(detail::UpstreamServer& server, const TlsOptions* server_tls) {
    if (server_tls) {
        server.tls_context.emplace(ssl::context::tls_server);
        apply_tls_options(server.tls_context->native_handle(), *server_tls, true);
    }
    tcp::endpoint endpoint(asio::ip::address_v4::loopback(), 0);
    server.acceptor.open(endpoint.protocol());
    server.acceptor.bind(endpoint);
    server.acceptor.listen();
    server.accept();
    server.thread = std::thread([&server] { server.io.run(); });
    return server.acceptor.local_endpoint().port();
}

}  // namespace

RecordingUpstream::RecordingUpstream() : server_(std::make_unique<detail::UpstreamServer>()) {
    port_ = start_server(*server_, nullptr);
}

RecordingUpstream::RecordingUpstream(const TlsOptions& server_tls)
    : server_(std::make_unique<detail::UpstreamServer>()) {
    port_ = start_server(*server_, &server_tls);
}

RecordingUpstream::~RecordingUpstream() {
    stop();
}

void RecordingUpstream::stop() {
    if (!server_->thread.joinable()) {
        return;
    }
    asio::post(server_->io, [server = server_.get()] {
        error_code ignored;
        server->acceptor.close(ignored);
        for (const auto& session : server->sessions) {
            if (auto live_session = session.lock()) {
                live_session->close();
            }
        }
        server->io.stop();
    });
    server_->thread.join();
}

void RecordingUpstream::set_handler(Handler handler) {
    std::lock_guard lock(server_->mutex);
    server_->handler = std::move(handler);
}

std::size_t RecordingUpstream::request_count() const {
    std::lock_guard lock(server_->mutex);
    return server_->requests.size();
}

std::vector<RecordedRequest> RecordingUpstream::requests() const {
    std::lock_guard lock(server_->mutex);
    return server_->requests;
}

std::size_t RecordingUpstream::connection_count() const {
    return server_->connection_count;
}

bool RecordingUpstream::wait_for_request_count(std::size_t count,
                                               std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (request_count() < count) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return true;
}

}  // namespace rampart::test
