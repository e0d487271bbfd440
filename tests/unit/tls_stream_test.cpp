// The client connection's TLS stream against Asio's TLS client over a real
// loopback TCP connection: handshake, both directions, a write larger than the
// socket buffers (partial writes and waiting for the socket), the message
// writer's write without waiting, the two ways a
// peer ends (close_notify, or TCP alone), and a deadline cancelling a read.
#include <gtest/gtest.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>

#include "net/message_writer.hpp"
#include "net/socket_deadline.hpp"
#include "net/tls_context.hpp"
#include "net/tls_stream.hpp"

namespace {

namespace asio = boost::asio;
namespace ssl = asio::ssl;
namespace fs = std::filesystem;
using rampart::net::DeadlineSweep;
using rampart::net::SocketDeadline;
using rampart::net::TlsStream;
using namespace std::chrono_literals;

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

class TlsStreamTest : public ::testing::Test {
  protected:
    void SetUp() override {
        std::string pattern = (fs::temp_directory_path() / "rampart-tls-stream-XXXXXX").string();
        directory_ = ::mkdtemp(pattern.data());
        auto paths = rampart::net::ensure_self_signed_certificate(directory_);
        server_context_.use_certificate_chain_file(paths.certificate_file);
        server_context_.use_private_key_file(paths.private_key_file, ssl::context::pem);
        client_context_.load_verify_file(paths.certificate_file);
        client_context_.set_verify_mode(ssl::verify_peer);

        asio::ip::tcp::acceptor acceptor(io_, {asio::ip::make_address("127.0.0.1"), 0});
        client_.next_layer().connect(acceptor.local_endpoint());
        rampart::net::ClientSocket accepted(io_.get_executor());
        acceptor.accept(accepted);
        server_.emplace(std::move(accepted), server_context_);
        ASSERT_TRUE(server_->valid());
    }
    void TearDown() override { fs::remove_all(directory_); }

    // Runs the client's and the server's coroutines to the end (at most 10 s).
    void run(asio::awaitable<void> client_side, asio::awaitable<void> server_side) {
        int finished = 0;
        auto done = [this, &finished](std::exception_ptr failure) {
            if (failure) {
                std::rethrow_exception(failure);
            }
            if (++finished == 2) {
                io_.stop();
            }
        };
        asio::co_spawn(io_, std::move(client_side), done);
        asio::co_spawn(io_, std::move(server_side), done);
        io_.run_for(10s);
        EXPECT_EQ(finished, 2) << "a side did not finish";
    }

    asio::awaitable<void> client_handshake() {
        auto [error] = co_await client_.async_handshake(ssl::stream_base::client, use_nothrow);
        EXPECT_FALSE(error) << error.message();
    }
    // The client side of the large-write tests: handshakes, waits 200 ms while
    // the server's socket buffers fill up, then reads `received` whole.
    asio::awaitable<void> slow_reader(std::string& received) {
        co_await client_handshake();
        asio::steady_timer pause(io_);
        pause.expires_after(200ms);
        co_await pause.async_wait(use_nothrow);
        auto [error, read] =
            co_await asio::async_read(client_, asio::buffer(received), use_nothrow);
        EXPECT_FALSE(error) << error.message();
    }
    asio::awaitable<void> server_handshake() {
        auto [error] = co_await server_->async_handshake(use_nothrow);
        EXPECT_FALSE(error) << error.message();
    }

    fs::path directory_;
    asio::io_context io_;
    ssl::context server_context_{ssl::context::tls_server};
    ssl::context client_context_{ssl::context::tls_client};
    ssl::stream<asio::ip::tcp::socket> client_{io_, client_context_};
    std::optional<TlsStream> server_;
};

TEST_F(TlsStreamTest, CarriesARequestAndAResponse) {
    std::string request = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    std::string response = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
    std::string received_request(request.size(), '\0');
    std::string received_response(response.size(), '\0');
    run(
        [&]() -> asio::awaitable<void> {
            co_await client_handshake();
            co_await asio::async_write(client_, asio::buffer(request), use_nothrow);
            co_await asio::async_read(client_, asio::buffer(received_response), use_nothrow);
        }(),
        [&]() -> asio::awaitable<void> {
            co_await server_handshake();
            auto [read_error, read] =
                co_await asio::async_read(*server_, asio::buffer(received_request), use_nothrow);
            EXPECT_FALSE(read_error) << read_error.message();
            auto [write_error, written] =
                co_await asio::async_write(*server_, asio::buffer(response), use_nothrow);
            EXPECT_FALSE(write_error) << write_error.message();
            EXPECT_EQ(written, response.size());
        }());
    EXPECT_EQ(received_request, request);
    EXPECT_EQ(received_response, response);
}

TEST_F(TlsStreamTest, WritesMoreThanTheSocketHoldsWhileThePeerReadsSlowly) {
    std::string large(4 * 1024 * 1024, '\0');
    for (std::size_t i = 0; i < large.size(); ++i) {
        large[i] = static_cast<char>('a' + i % 26);
    }
    std::string received(large.size(), '\0');
    // Small socket buffers: the write must stop on a full socket many times.
    server_->socket().set_option(asio::socket_base::send_buffer_size(16 * 1024));
    client_.next_layer().set_option(asio::socket_base::receive_buffer_size(16 * 1024));
    run(slow_reader(received), [&]() -> asio::awaitable<void> {
        co_await server_handshake();
        auto [error, written] =
            co_await asio::async_write(*server_, asio::buffer(large), use_nothrow);
        EXPECT_FALSE(error) << error.message();
        EXPECT_EQ(written, large.size());
    }());
    EXPECT_TRUE(received == large);
}

// The message writer's first step: OpenSSL writes what the socket takes at
// once, and the stream's own write finishes the rest with the same bytes.
TEST_F(TlsStreamTest, AWriteWithoutWaitingStopsAtAFullSocketAndTheStreamFinishesIt) {
    std::string head = "HTTP/1.1 200 OK\r\nContent-Length: 1048576\r\n\r\n";
    std::string body(1024 * 1024, '\0');
    for (std::size_t i = 0; i < body.size(); ++i) {
        body[i] = static_cast<char>('A' + i % 23);
    }
    std::string received(head.size() + body.size(), '\0');
    server_->socket().set_option(asio::socket_base::send_buffer_size(16 * 1024));
    client_.next_layer().set_option(asio::socket_base::receive_buffer_size(16 * 1024));
    std::size_t written_at_once = 0;
    run(slow_reader(received), [&]() -> asio::awaitable<void> {
        co_await server_handshake();
        auto write =
            rampart::net::write_without_waiting(*server_, {asio::buffer(head), asio::buffer(body)});
        written_at_once = write.written;
        EXPECT_FALSE(write.error) << write.error.message();
        EXPECT_FALSE(write.finished()) << "the socket took a megabyte at once";
        auto [error, written] = co_await rampart::net::finish_write(*server_, write);
        EXPECT_FALSE(error) << error.message();
        EXPECT_EQ(write.written + written, received.size());
    }());
    EXPECT_GT(written_at_once, head.size());
    EXPECT_TRUE(received == head + body);
}

TEST_F(TlsStreamTest, ASmallWriteWithoutWaitingGoesWhole) {
    std::string response = "HTTP/1.1 204 No Content\r\n\r\n";
    std::string received(response.size(), '\0');
    run(
        [&]() -> asio::awaitable<void> {
            co_await client_handshake();
            auto [error, read] =
                co_await asio::async_read(client_, asio::buffer(received), use_nothrow);
            EXPECT_FALSE(error) << error.message();
        }(),
        [&]() -> asio::awaitable<void> {
            co_await server_handshake();
            auto write = rampart::net::write_without_waiting(*server_, {asio::buffer(response)});
            EXPECT_TRUE(write.finished());
            EXPECT_FALSE(write.error) << write.error.message();
            EXPECT_EQ(write.written, response.size());
        }());
    EXPECT_EQ(received, response);
}

// Bytes OpenSSL has decrypted but not handed out yet, and records still in the
// stream's buffer, are read without waiting for the socket: the client sends
// everything and then waits, so a read that went to the socket would hang.
TEST_F(TlsStreamTest, SmallReadsTakeWhatOpenSslAndTheBufferAlreadyHold) {
    std::string first = "GET /first HTTP/1.1\r\nHost: a\r\n\r\n";
    std::string second = "GET /second HTTP/1.1\r\nHost: a\r\n\r\n";
    std::string received;
    run(
        [&]() -> asio::awaitable<void> {
            co_await client_handshake();
            // Two records written back to back: one socket read on the server gets both.
            std::array<asio::const_buffer, 1> one{asio::buffer(first)};
            co_await asio::async_write(client_, one, use_nothrow);
            co_await asio::async_write(client_, asio::buffer(second), use_nothrow);
            char ignored = 0;
            co_await client_.async_read_some(asio::buffer(&ignored, 1), use_nothrow);
        }(),
        [&]() -> asio::awaitable<void> {
            co_await server_handshake();
            asio::steady_timer pause(io_);
            pause.expires_after(100ms);  // both records are in the socket by now
            co_await pause.async_wait(use_nothrow);
            std::array<char, 5> piece{};
            while (received.size() < first.size() + second.size()) {
                auto [error, read] =
                    co_await server_->async_read_some(asio::buffer(piece), use_nothrow);
                if (error) {
                    ADD_FAILURE() << error.message();
                    break;
                }
                received.append(piece.data(), read);
            }
            server_->socket().close();
        }());
    EXPECT_EQ(received, first + second);
}

// The steps a coroutine reads with in place of async_read_some (the
// session's read_head): small reads take what OpenSSL and the buffer already
// hold before the socket is read again, and a message of several records
// arrives whole.
TEST_F(TlsStreamTest, ReadStepsCarryWhatAsyncReadSomeWould) {
    std::string first = "GET /first HTTP/1.1\r\nHost: a\r\n\r\n";
    std::string large(40000, 'x');  // three records
    std::string received;
    std::size_t socket_reads = 0;
    run(
        [&]() -> asio::awaitable<void> {
            co_await client_handshake();
            co_await asio::async_write(client_, asio::buffer(first), use_nothrow);
            co_await asio::async_write(client_, asio::buffer(large), use_nothrow);
            char ignored = 0;
            co_await client_.async_read_some(asio::buffer(&ignored, 1), use_nothrow);
        }(),
        [&]() -> asio::awaitable<void> {
            co_await server_handshake();
            std::array<char, 7> piece{};
            while (received.size() < first.size() + large.size()) {
                std::size_t read = 0;
                for (bool waited = false;; waited = true) {
                    auto step = server_->read_step(asio::buffer(piece), waited);
                    if (step.next == rampart::net::TlsStep::Next::done) {
                        EXPECT_FALSE(step.error) << step.error.message();
                        read = step.bytes;
                        break;
                    }
                    EXPECT_EQ(step.next, rampart::net::TlsStep::Next::read_more);
                    auto [error, bytes] = co_await server_->socket().async_read_some(
                        server_->socket_space(), use_nothrow);
                    if (error) {
                        ADD_FAILURE() << error.message();
                        co_return;
                    }
                    server_->socket_filled(bytes);
                    ++socket_reads;
                }
                received.append(piece.data(), read);
            }
            server_->socket().close();
        }());
    EXPECT_EQ(received, first + large);
    // Reads of 7 bytes: far fewer socket reads than pieces, so the steps used
    // what OpenSSL and the stream's buffer held.
    EXPECT_LT(socket_reads, received.size() / 7 / 10);
}

TEST_F(TlsStreamTest, AClosedTlsSessionReadsAsEndOfStream) {
    run(
        [&]() -> asio::awaitable<void> {
            co_await client_handshake();
            // Sends close_notify, then would wait for the server's: not waited for.
            client_.async_shutdown(asio::detached);
        }(),
        [&]() -> asio::awaitable<void> {
            co_await server_handshake();
            char byte = 0;
            auto [error, read] =
                co_await server_->async_read_some(asio::buffer(&byte, 1), use_nothrow);
            EXPECT_EQ(error, asio::error::eof) << error.message();
        }());
}

TEST_F(TlsStreamTest, AConnectionClosedWithoutCloseNotifyReadsAsTruncated) {
    run(
        [&]() -> asio::awaitable<void> {
            co_await client_handshake();
            client_.next_layer().shutdown(asio::ip::tcp::socket::shutdown_send);  // FIN only
        }(),
        [&]() -> asio::awaitable<void> {
            co_await server_handshake();
            char byte = 0;
            auto [error, read] =
                co_await server_->async_read_some(asio::buffer(&byte, 1), use_nothrow);
            EXPECT_EQ(error, ssl::error::stream_truncated) << error.message();
        }());
}

TEST_F(TlsStreamTest, AHandshakeWithSomethingElseThanTlsFails) {
    run(
        [&]() -> asio::awaitable<void> {
            co_await asio::async_write(client_.next_layer(),
                                       asio::buffer(std::string("GET / HTTP/1.1\r\n\r\n")),
                                       use_nothrow);
        }(),
        [&]() -> asio::awaitable<void> {
            auto [error] = co_await server_->async_handshake(use_nothrow);
            EXPECT_EQ(error.category(), asio::error::get_ssl_category()) << error.message();
        }());
}

TEST_F(TlsStreamTest, ADeadlineCancelsAReadThatWaitsForTheClient) {
    DeadlineSweep sweep(io_);
    sweep.start();
    run([&]() -> asio::awaitable<void> { co_await client_handshake(); }(),
        [&]() -> asio::awaitable<void> {
            co_await server_handshake();
            SocketDeadline deadline(sweep, server_->socket());
            deadline.expires_after(100ms);
            char byte = 0;
            auto [error, read] =
                co_await server_->async_read_some(asio::buffer(&byte, 1), use_nothrow);
            EXPECT_EQ(error, asio::error::operation_aborted) << error.message();
            EXPECT_TRUE(deadline.fired());
        }());
}

}  // namespace
