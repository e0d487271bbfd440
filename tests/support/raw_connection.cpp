#include "support/raw_connection.hpp"

#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/parse.hpp>

#include <array>
#include <stdexcept>

namespace rampart::test {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using boost::system::error_code;

namespace {

constexpr std::size_t max_response_header_bytes = 1024 * 1024;
constexpr std::size_t max_response_body_bytes = 64 * 1024 * 1024;
constexpr auto request_timeout = std::chrono::seconds(10);

ParsedResponse to_parsed_response(http::response<http::string_body>&& message) {
    ParsedResponse response;
    response.status = message.result_int();
    response.reason = std::string(message.reason());
    response.version = message.version();
    for (const auto& field : message) {
        response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
    }
    response.body = std::move(message.body());
    return response;
}

bool is_body_method(std::string_view method) {
    return method == "POST" || method == "PUT" || method == "PATCH";
}

}  // namespace

boost::json::value ParsedResponse::json() const {
    return boost::json::parse(body);
}

// The socket always sits inside an ssl::stream; plain connections use its next layer only.
struct RawConnection::State {
    State(std::uint16_t port, std::optional<TlsOptions> tls)
        : port(port), tls(std::move(tls)), context(make_context(this->tls)), stream(io, context) {}

    static ssl::context make_context(const std::optional<TlsOptions>& tls) {
        ssl::context context(ssl::context::tls_client);
        if (tls) {
            apply_tls_options(context.native_handle(), *tls, false);
        }
        return context;
    }

    tcp::socket& socket() { return stream.next_layer(); }
    SSL* ssl_handle() { return stream.native_handle(); }

    // Runs one asynchronous operation to completion or until the timeout, then cancels it:
    // the whole client is blocking, but no call can block longer than it was told to.
    template <typename Start>
    error_code run(Start&& start, std::chrono::steady_clock::duration timeout) {
        std::optional<error_code> outcome;
        last_transferred = 0;
        auto on_done = [this, &outcome](error_code error, auto... transferred) {
            outcome = error;
            if constexpr (sizeof...(transferred) == 1) {
                last_transferred = (transferred + ...);
            }
        };
        if (tls && handshake_done) {
            start(stream, on_done);
        } else {
            start(socket(), on_done);
        }
        io.restart();
        io.run_for(timeout);
        if (outcome) {
            return *outcome;
        }
        error_code ignored;
        socket().cancel(ignored);
        io.restart();
        io.run();
        return asio::error::timed_out;
    }

    std::uint16_t port;
    std::optional<TlsOptions> tls;
    bool handshake_done = false;
    std::size_t last_transferred = 0;
    asio::io_context io;
    ssl::context context;
    ssl::stream<tcp::socket> stream;
    beast::flat_buffer buffer;
};

RawConnection::RawConnection(std::uint16_t port)
    : state_(std::make_unique<State>(port, std::nullopt)) {}

RawConnection::RawConnection(std::uint16_t port, const TlsOptions& tls)
    : state_(std::make_unique<State>(port, tls)) {}

RawConnection::~RawConnection() = default;

bool RawConnection::connect(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    tcp::endpoint endpoint(asio::ip::address_v4::loopback(), state_->port);
    if (state_->tls && !state_->tls->source_address.empty()) {
        error_code bind_error;
        state_->socket().open(tcp::v4(), bind_error);
        if (!bind_error) {
            state_->socket().bind(
                tcp::endpoint(asio::ip::make_address(state_->tls->source_address), 0), bind_error);
        }
        if (bind_error) {
            error_ = "bind to " + state_->tls->source_address + ": " + bind_error.message();
            return false;
        }
    }
    error_code error = state_->run(
        [&](auto&, auto handler) { state_->socket().async_connect(endpoint, handler); }, timeout);
    if (error) {
        error_ = "connect to 127.0.0.1:" + std::to_string(state_->port) + ": " + error.message();
        return false;
    }
    if (!state_->tls) {
        return true;
    }
    SSL* ssl = state_->ssl_handle();
    const TlsOptions& tls = *state_->tls;
    if (!tls.server_name.empty()) {
        SSL_set_tlsext_host_name(ssl, tls.server_name.c_str());
    }
    if (!tls.ca_file.empty()) {
        // OpenSSL 3 checks an IP address against the certificate's IP SANs.
        SSL_set1_host(ssl, tls.server_name.empty() ? "127.0.0.1" : tls.server_name.c_str());
    }
    error = state_->run(
        [&](auto&, auto handler) {
            state_->stream.async_handshake(ssl::stream_base::client, handler);
        },
        deadline - std::chrono::steady_clock::now());
    if (error) {
        error_ = "TLS handshake: " + error.message();
        if (long verify_result = SSL_get_verify_result(ssl); verify_result != X509_V_OK) {
            error_ +=
                std::string(" (certificate: ") + X509_verify_cert_error_string(verify_result) + ")";
        }
        if (auto details = take_openssl_errors(); !details.empty()) {
            error_ += " [" + details + "]";
        }
        return false;
    }
    state_->handshake_done = true;
    return true;
}

std::string RawConnection::negotiated_protocol() const {
    return state_->handshake_done ? SSL_get_version(state_->ssl_handle()) : "";
}

std::string RawConnection::negotiated_cipher() const {
    return state_->handshake_done ? SSL_get_cipher_name(state_->ssl_handle()) : "";
}

std::string RawConnection::negotiated_group() const {
    if (!state_->handshake_done) {
        return {};
    }
    SSL* ssl = state_->ssl_handle();
    const char* name = SSL_group_to_name(ssl, SSL_get_negotiated_group(ssl));
    return name ? name : "";
}

std::string RawConnection::peer_certificate_subject() const {
    if (!state_->handshake_done) {
        return {};
    }
    X509* certificate = SSL_get0_peer_certificate(state_->ssl_handle());
    if (!certificate) {
        return {};
    }
    BIO* memory = BIO_new(BIO_s_mem());
    X509_NAME_print_ex(memory, X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
    char* data = nullptr;
    long length = BIO_get_mem_data(memory, &data);
    std::string subject(data, static_cast<std::size_t>(length));
    BIO_free(memory);
    return subject;
}

bool RawConnection::send(std::string_view bytes, std::chrono::milliseconds timeout) {
    error_code error = state_->run(
        [&](auto& stream, auto handler) {
            asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()), handler);
        },
        timeout);
    if (error) {
        error_ = "send: " + error.message();
    }
    return !error;
}

std::optional<ParsedResponse> RawConnection::read_response(std::chrono::milliseconds timeout,
                                                           bool to_head_request) {
    http::response_parser<http::string_body> parser;
    parser.header_limit(max_response_header_bytes);
    parser.body_limit(max_response_body_bytes);
    parser.skip(to_head_request);
    error_code error = state_->run(
        [&](auto& stream, auto handler) {
            http::async_read(stream, state_->buffer, parser, handler);
        },
        timeout);
    if (error) {
        error_ = "read_response: " + error.message();
        return std::nullopt;
    }
    return to_parsed_response(parser.release());
}

std::string RawConnection::read_all_until_close(std::chrono::milliseconds timeout) {
    closed_within(timeout);
    std::string received = beast::buffers_to_string(state_->buffer.data());
    state_->buffer.consume(state_->buffer.size());
    return received;
}

bool RawConnection::closed_within(std::chrono::milliseconds timeout) {
    constexpr std::size_t read_size = 16 * 1024;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        error_code error = state_->run(
            [&](auto& stream, auto handler) {
                stream.async_read_some(state_->buffer.prepare(read_size), handler);
            },
            deadline - std::chrono::steady_clock::now());
        state_->buffer.commit(state_->last_transferred);
        if (error == asio::error::timed_out) {
            return false;
        }
        if (error) {
            error_ = "connection closed: " + error.message();
            return true;
        }
    }
    return false;
}

void RawConnection::close() {
    error_code ignored;
    state_->socket().close(ignored);
}

std::string format_request(std::string_view method, std::string_view target,
                           const HeaderList& headers, std::string_view body,
                           bool close_connection) {
    std::string request = std::string(method) + " " + std::string(target) + " HTTP/1.1\r\n";
    if (!has_header(headers, "Host")) {
        request += "Host: localhost\r\n";
    }
    for (const auto& [name, value] : headers) {
        request += name + ": " + value + "\r\n";
    }
    bool sets_length =
        has_header(headers, "Content-Length") || has_header(headers, "Transfer-Encoding");
    if (!sets_length && (!body.empty() || is_body_method(method))) {
        request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
    }
    if (close_connection && !has_header(headers, "Connection")) {
        request += "Connection: close\r\n";
    }
    request += "\r\n";
    request += body;
    return request;
}

namespace {

ParsedResponse one_request(RawConnection& connection, std::uint16_t port, std::string_view method,
                           std::string_view target, const HeaderList& headers,
                           std::string_view body) {
    auto where = " " + std::string(method) + " " + std::string(target) +
                 " on 127.0.0.1:" + std::to_string(port);
    if (!connection.connect(request_timeout) ||
        !connection.send(format_request(method, target, headers, body, true), request_timeout)) {
        throw std::runtime_error("request" + where + " failed: " + connection.error());
    }
    auto response = connection.read_response(request_timeout, method == "HEAD");
    if (!response) {
        throw std::runtime_error("no response to" + where + ": " + connection.error());
    }
    return std::move(*response);
}

}  // namespace

ParsedResponse https_request(std::uint16_t port, std::string_view method, std::string_view target,
                             const HeaderList& headers, std::string_view body,
                             const TlsOptions& tls) {
    RawConnection connection(port, tls);
    return one_request(connection, port, method, target, headers, body);
}

ParsedResponse http_request(std::uint16_t port, std::string_view method, std::string_view target,
                            const HeaderList& headers, std::string_view body) {
    RawConnection connection(port);
    return one_request(connection, port, method, target, headers, body);
}

}  // namespace rampart::test
