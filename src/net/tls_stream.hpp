// The server side of TLS on a client connection, on OpenSSL directly.
//
// Asio's ssl::stream passes every record through a memory BIO pair and an
// engine that clears OpenSSL's error queue before every call, which in
// OpenSSL 3 frees sixteen slots each time: together about a tenth of the proxy
// path's instructions (docs/performance.md). Here OpenSSL's BIO is our own
// (tls_stream.cpp): it sends with send(2) directly, and reads from a buffer
// that an ordinary Asio read on the socket fills when OpenSSL asks for more.
// Asio's reads know when the socket is drained, so waiting for the next
// request costs no system call of its own. The upstream side, off the measured
// path and a client of many servers, keeps Beast's ssl_stream.
//
// One read and one write may be outstanding at a time, as with any Asio stream;
// the session never has more than one operation in flight.
#pragma once

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/compose.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/system/error_code.hpp>

#include <openssl/ssl.h>

#include <cstddef>
#include <memory>
#include <optional>

#include "net/client_socket.hpp"

namespace rampart::net {

// What one call of SSL_do_handshake, SSL_read_ex or SSL_write_ex came to.
struct TlsStep {
    // read_more: OpenSSL has consumed every byte received; read the socket.
    enum class Next { done, read_more, wait_writable };
    Next next = Next::done;
    boost::system::error_code error;
    std::size_t bytes = 0;
};

TlsStep tls_handshake_step(SSL* ssl);
TlsStep tls_read_step(SSL* ssl, boost::asio::mutable_buffer buffer);
TlsStep tls_write_step(SSL* ssl, boost::asio::const_buffer buffer);

class TlsStream {
  public:
    using executor_type = ClientSocket::executor_type;
    using lowest_layer_type = ClientSocket;

    // Takes the accepted socket; the handshake is the first operation.
    TlsStream(ClientSocket socket, boost::asio::ssl::context& context);
    // For the BIO (tls_stream.cpp): bytes received and not yet given to OpenSSL.
    struct Received {
        std::unique_ptr<char[]> storage;
        std::size_t begin = 0;
        std::size_t end = 0;
        int socket = -1;  // the descriptor the BIO sends on
    };
    ~TlsStream();
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    executor_type get_executor() { return socket_.get_executor(); }
    ClientSocket& socket() { return socket_; }
    SSL* native_handle() { return ssl_; }
    // False when OpenSSL could not create the connection's state (out of memory).
    bool valid() const { return ssl_ != nullptr; }

    template <typename Token>
    auto async_handshake(Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code)>(
            Operation<HandshakeStep, false>{*this, HandshakeStep{}}, token, socket_);
    }

    template <typename MutableBuffers, typename Token>
    auto async_read_some(const MutableBuffers& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            Operation<ReadStep, true>{
                *this, ReadStep{first_non_empty<boost::asio::mutable_buffer>(buffers)}},
            token, socket_);
    }

    template <typename ConstBuffers, typename Token>
    auto async_write_some(const ConstBuffers& buffers, Token&& token) {
        return boost::asio::async_compose<Token, void(boost::system::error_code, std::size_t)>(
            Operation<WriteStep, true>{
                *this, WriteStep{first_non_empty<boost::asio::const_buffer>(buffers)}},
            token, socket_);
    }

    // For a coroutine that reads the stream itself (the session's read_head):
    // one composed operation, with its executor bookkeeping and its dispatch,
    // fewer per read than async_read_some.
    // The next step of a read into `buffer`. Before the first wait of a read,
    // read_more without calling OpenSSL when it holds nothing and the
    // stream's buffer is empty; after a wait, OpenSSL is always called (it
    // may have a write to finish).
    TlsStep read_step(boost::asio::mutable_buffer buffer, bool waited) {
        return !waited && ReadStep{buffer}.needs_bytes(*this)
                   ? TlsStep{TlsStep::Next::read_more, {}, 0}
                   : tls_read_step(ssl_, buffer);
    }
    // The space a read_more step's socket read fills, and how much it filled.
    boost::asio::mutable_buffer socket_space() {
        received_.begin = received_.end = 0;
        return {received_.storage.get(), received_capacity};
    }
    void socket_filled(std::size_t bytes) { received_.end = bytes; }

  private:
    // needs_bytes: the step would only find that OpenSSL needs more bytes,
    // so the socket is read first. A read that waits for the client's next
    // request is most reads on a keep-alive connection, and the OpenSSL call
    // that would say so costs about a thousand instructions.
    struct HandshakeStep {
        TlsStep operator()(SSL* ssl) const { return tls_handshake_step(ssl); }
        bool needs_bytes(const TlsStream&) const { return false; }
    };
    struct ReadStep {
        boost::asio::mutable_buffer buffer;
        TlsStep operator()(SSL* ssl) const { return tls_read_step(ssl, buffer); }
        bool needs_bytes(const TlsStream& stream) const {
            return buffer.size() > 0 && stream.received_.begin == stream.received_.end &&
                   SSL_has_pending(stream.ssl_) == 0;
        }
    };
    struct WriteStep {
        boost::asio::const_buffer buffer;
        TlsStep operator()(SSL* ssl) const { return tls_write_step(ssl, buffer); }
        bool needs_bytes(const TlsStream&) const { return false; }
    };

    // OpenSSL reads or writes one buffer per call, as Asio's ssl::stream does.
    template <typename Buffer, typename Buffers>
    static Buffer first_non_empty(const Buffers& buffers) {
        for (auto it = boost::asio::buffer_sequence_begin(buffers);
             it != boost::asio::buffer_sequence_end(buffers); ++it) {
            if (Buffer buffer(*it); buffer.size() > 0) {
                return buffer;
            }
        }
        return {};
    }

    // Calls OpenSSL; when it has used every byte received, reads the socket,
    // and when the socket is full, waits until it is writable; then calls again. A result reached
    // before the first wait is posted, never delivered inside the initiating call, as every Asio
    // operation does.
    template <typename Step, bool with_bytes>
    struct Operation {
        TlsStream& stream;
        Step step;
        std::optional<TlsStep> finished{};
        bool waited = false;

        template <typename Self>
        void operator()(Self& self, boost::system::error_code wait_error = {}) {
            if (finished) {
                return complete(self, *finished);
            }
            if (wait_error) {
                return complete(self, TlsStep{TlsStep::Next::done, wait_error, 0});
            }
            auto result = waited || !step.needs_bytes(stream) ? step(stream.ssl_)
                                                                : TlsStep{TlsStep::Next::read_more, {}, 0};
            if (result.next == TlsStep::Next::read_more) {
                waited = true;
                auto& received = stream.received_;
                received.begin = received.end = 0;
                stream.socket_.async_read_some(
                    boost::asio::buffer(received.storage.get(), received_capacity),
                    std::move(self));
                return;
            }
            if (result.next == TlsStep::Next::wait_writable) {
                waited = true;
                stream.socket_.async_wait(boost::asio::socket_base::wait_write, std::move(self));
                return;
            }
            if (!waited) {
                finished = result;
                auto executor = stream.socket_.get_executor();
                boost::asio::post(executor, std::move(self));
                return;
            }
            complete(self, result);
        }

        // The socket read that read_more asked for.
        template <typename Self>
        void operator()(Self& self, boost::system::error_code read_error, std::size_t read) {
            if (read_error) {
                // The peer went away without close_notify, as Asio's stream reports it.
                if (read_error == boost::asio::error::eof) {
                    read_error = boost::asio::ssl::error::stream_truncated;
                }
                return complete(self, TlsStep{TlsStep::Next::done, read_error, 0});
            }
            stream.received_.end = read;
            (*this)(self);
        }

        template <typename Self>
        void complete(Self& self, const TlsStep& result) {
            if constexpr (with_bytes) {
                self.complete(result.error, result.bytes);
            } else {
                self.complete(result.error);
            }
        }
    };

    // A TLS record is at most 16 KiB plus 256 bytes of overhead, and its 5-byte header.
    static constexpr std::size_t received_capacity = 16 * 1024 + 256 + 5;

    ClientSocket socket_;
    Received received_;
    SSL* ssl_ = nullptr;
};

}  // namespace rampart::net
