#include "net/tls_stream.hpp"

#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>

#include <openssl/bio.h>
#include <openssl/err.h>

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace rampart::net {

namespace {

namespace asio = boost::asio;

// SSL_get_error reads the thread's error queue: it must hold nothing from an
// earlier call. Clearing it costs sixteen frees in OpenSSL 3, so only when
// something is there.
void forget_earlier_errors() {
    if (ERR_peek_error() != 0) {
        ERR_clear_error();
    }
}

TlsStep failure(boost::system::error_code error) {
    return TlsStep{TlsStep::Next::done, error, 0};
}

// Maps a failed call to the error Asio's ssl::stream reports for it.
TlsStep classify_failure(SSL* ssl, int result) {
    switch (SSL_get_error(ssl, result)) {
        case SSL_ERROR_WANT_READ:
            return TlsStep{TlsStep::Next::read_more, {}, 0};
        case SSL_ERROR_WANT_WRITE:
            return TlsStep{TlsStep::Next::wait_writable, {}, 0};
        case SSL_ERROR_ZERO_RETURN:  // close_notify
            return failure(asio::error::eof);
        case SSL_ERROR_SYSCALL: {
            int code = errno;
            ERR_clear_error();
            if (code == 0) {
                return failure(asio::ssl::error::stream_truncated);
            }
            return failure(boost::system::error_code(code, asio::error::get_system_category()));
        }
        default: {
            auto code = ERR_get_error();
            ERR_clear_error();
            if (ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
                return failure(asio::ssl::error::stream_truncated);
            }
            return failure(
                boost::system::error_code(static_cast<int>(code), asio::error::get_ssl_category()));
        }
    }
}

// OpenSSL's view of the connection: reads come from the bytes the stream
// received, writes go straight to the socket.
int received_read(BIO* bio, char* out, int size) {
    BIO_clear_retry_flags(bio);
    auto* received = static_cast<TlsStream::Received*>(BIO_get_data(bio));
    auto available = received->end - received->begin;
    if (available == 0) {
        BIO_set_retry_read(bio);  // SSL_ERROR_WANT_READ: the stream reads the socket
        return -1;
    }
    auto count = std::min(available, static_cast<std::size_t>(std::max(size, 0)));
    std::memcpy(out, received->storage.get() + received->begin, count);
    received->begin += count;
    return static_cast<int>(count);
}

int socket_write(BIO* bio, const char* in, int size) {
    BIO_clear_retry_flags(bio);
    auto* received = static_cast<TlsStream::Received*>(BIO_get_data(bio));
    // MSG_NOSIGNAL: a peer that reset the connection costs an EPIPE, not the process.
    auto sent = ::send(received->socket, in, static_cast<std::size_t>(std::max(size, 0)),
                       MSG_NOSIGNAL | MSG_DONTWAIT);
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) {
        BIO_set_retry_write(bio);
        return -1;
    }
    return static_cast<int>(sent);  // -1 with errno: SSL_ERROR_SYSCALL
}

long bio_control(BIO*, int command, long, void*) {
    switch (command) {
        case BIO_CTRL_FLUSH:  // every write has already gone to the socket
        case BIO_CTRL_DUP:
            return 1;
        default:
            return 0;
    }
}

int bio_create(BIO* bio) {
    BIO_set_init(bio, 1);
    return 1;
}

const BIO_METHOD* received_bio_method() {
    static const BIO_METHOD* method = [] {
        auto* created =
            BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "rampart client connection");
        if (created != nullptr) {
            BIO_meth_set_read(created, received_read);
            BIO_meth_set_write(created, socket_write);
            BIO_meth_set_ctrl(created, bio_control);
            BIO_meth_set_create(created, bio_create);
        }
        return created;
    }();
    return method;
}

}  // namespace

namespace {

// One OpenSSL call: `call` returns 1 on success and stores the bytes moved.
template <typename Call>
TlsStep attempt(SSL* ssl, Call call) {
    forget_earlier_errors();
    errno = 0;
    std::size_t bytes = 0;
    int result = call(bytes);
    if (result == 1) {
        return TlsStep{TlsStep::Next::done, {}, bytes};
    }
    return classify_failure(ssl, result);
}

}  // namespace

TlsStep tls_handshake_step(SSL* ssl) {
    return attempt(ssl, [ssl](std::size_t&) { return SSL_do_handshake(ssl); });
}

TlsStep tls_read_step(SSL* ssl, asio::mutable_buffer buffer) {
    if (buffer.size() == 0) {
        return TlsStep{};
    }
    return attempt(ssl, [ssl, buffer](std::size_t& read) {
        return SSL_read_ex(ssl, buffer.data(), buffer.size(), &read);
    });
}

TlsStep tls_write_step(SSL* ssl, asio::const_buffer buffer) {
    if (buffer.size() == 0) {
        return TlsStep{};
    }
    return attempt(ssl, [ssl, buffer](std::size_t& written) {
        return SSL_write_ex(ssl, buffer.data(), buffer.size(), &written);
    });
}

TlsStream::TlsStream(ClientSocket socket, asio::ssl::context& context)
    : socket_(std::move(socket)), ssl_(SSL_new(context.native_handle())) {
    received_.storage = std::make_unique<char[]>(received_capacity);
    received_.socket = static_cast<int>(socket_.native_handle());
    const auto* method = received_bio_method();
    BIO* bio = ssl_ != nullptr && method != nullptr ? BIO_new(method) : nullptr;
    if (bio == nullptr) {
        SSL_free(ssl_);
        ssl_ = nullptr;
        return;
    }
    BIO_set_data(bio, &received_);
    SSL_set_bio(ssl_, bio, bio);  // one reference, owned by the SSL object
    // A write that found the socket full is retried with the same bytes, from
    // wherever the caller's buffer is; a large write may complete partially.
    // OpenSSL's record buffers are kept between records (no
    // SSL_MODE_RELEASE_BUFFERS): freeing and allocating them again cost three
    // 17 KiB allocations per keep-alive request.
    SSL_set_mode(ssl_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    SSL_clear_mode(ssl_, SSL_MODE_RELEASE_BUFFERS);
    SSL_set_accept_state(ssl_);
}

TlsStream::~TlsStream() {
    if (ssl_ != nullptr) {
        SSL_free(ssl_);
    }
}

}  // namespace rampart::net
