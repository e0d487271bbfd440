// TLS-05 through the real binary: client-initiated renegotiation is refused, session resumption
// works, and 0-RTT early data is rejected, so a replayable request never reaches the upstream
// from the early-data flight. The client is plain OpenSSL over a blocking socket with receive
// and send timeouts, because the test needs calls (SSL_renegotiate, SSL_write_early_data) that
// the other test clients do not expose.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <memory>
#include <string>

#include "support/gateway.hpp"
#include "support/recording_upstream.hpp"
#include "support/tls_options.hpp"

namespace rampart::test {
namespace {

struct ContextDeleter {
    void operator()(SSL_CTX* context) const { SSL_CTX_free(context); }
};
struct SessionDeleter {
    void operator()(SSL_SESSION* session) const { SSL_SESSION_free(session); }
};
using ContextPointer = std::unique_ptr<SSL_CTX, ContextDeleter>;
using SessionPointer = std::unique_ptr<SSL_SESSION, SessionDeleter>;

// A client context that keeps the sessions it is given, so a later connection can resume one.
ContextPointer client_context(TlsVersion version) {
    ContextPointer context(SSL_CTX_new(TLS_client_method()));
    TlsOptions options;
    options.min_version = version;
    options.max_version = version;
    apply_tls_options(context.get(), options, false);
    SSL_CTX_set_session_cache_mode(context.get(), SSL_SESS_CACHE_CLIENT);
    return context;
}

// One blocking TLS connection to 127.0.0.1:port; every socket call gives up after 3 s.
class OpenSslConnection {
  public:
    OpenSslConnection(SSL_CTX* context, std::uint16_t port) : ssl_(SSL_new(context)) {
        socket_ = ::socket(AF_INET, SOCK_STREAM, 0);
        timeval timeout{3, 0};
        ::setsockopt(socket_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
        ::setsockopt(socket_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_port = htons(port);
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        connected_ = ::connect(socket_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
        SSL_set_fd(ssl_, socket_);
        SSL_set_tlsext_host_name(ssl_, "localhost");
    }
    ~OpenSslConnection() {
        SSL_free(ssl_);
        ::close(socket_);
    }
    OpenSslConnection(const OpenSslConnection&) = delete;
    OpenSslConnection& operator=(const OpenSslConnection&) = delete;

    SSL* ssl() { return ssl_; }
    bool connected() const { return connected_; }
    bool handshake() { return connected_ && SSL_connect(ssl_) == 1; }

    bool write(const std::string& bytes) {
        return SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size())) ==
               static_cast<int>(bytes.size());
    }

    // Reads until the text holds a complete response head and `Content-Length` bytes of body,
    // or the peer stops; enough for the small answers of these tests.
    std::string read_response() {
        std::string received;
        char buffer[4096];
        while (!response_is_complete(received)) {
            int count = SSL_read(ssl_, buffer, sizeof buffer);
            if (count <= 0) {
                break;
            }
            received.append(buffer, static_cast<std::size_t>(count));
        }
        return received;
    }

  private:
    static bool response_is_complete(const std::string& received) {
        auto head_end = received.find("\r\n\r\n");
        if (head_end == std::string::npos) {
            return false;
        }
        auto length_at = received.find("Content-Length: ");
        if (length_at == std::string::npos || length_at > head_end) {
            return true;
        }
        auto length = std::stoul(received.substr(length_at + 16));
        return received.size() >= head_end + 4 + length;
    }

    SSL* ssl_;
    int socket_ = -1;
    bool connected_ = false;
};

const std::string request = "GET /echo HTTP/1.1\r\nHost: localhost\r\n\r\n";

class TlsSession : public ::testing::Test {
  protected:
    GatewayStack stack{simple_route("/echo", "[GET, POST]")};
};

// Client-initiated renegotiation over TLS 1.2 is refused: the renegotiation handshake fails
// (the server answers no_renegotiation or closes), and no second handshake completes.
TEST_F(TlsSession, ClientInitiatedRenegotiationIsRefused) {
    auto context = client_context(TlsVersion::tls1_2);
    OpenSslConnection connection(context.get(), stack.port);
    ASSERT_TRUE(connection.handshake()) << "TLS 1.2 handshake failed";
    ASSERT_TRUE(connection.write(request));
    ASSERT_EQ(connection.read_response().rfind("HTTP/1.1 200 ", 0), 0u);

    ASSERT_EQ(SSL_renegotiate(connection.ssl()), 1) << "the client could not even ask";
    int outcome = SSL_do_handshake(connection.ssl());
    // The renegotiation completes only if the server takes part in it; reading drives it.
    if (outcome == 1) {
        connection.write(request);
        connection.read_response();
    }
    EXPECT_EQ(SSL_renegotiate_pending(connection.ssl()), 1)
        << "a renegotiation completed against the gateway";
    EXPECT_EQ(SSL_num_renegotiations(connection.ssl()), 1);
    ERR_clear_error();
}

// Resumption works (TLS 1.3 tickets), but early data is rejected even when the client insists
// on sending it: the server's ticket allows none, and a client that ignores that and sends a
// request in the 0-RTT flight sees it rejected and never answered or forwarded.
TEST_F(TlsSession, ResumptionWorksAndEarlyDataIsRejected) {
    auto context = client_context(TlsVersion::tls1_3);
    SessionPointer session;
    {
        OpenSslConnection first(context.get(), stack.port);
        ASSERT_TRUE(first.handshake());
        ASSERT_TRUE(first.write(request));
        ASSERT_EQ(first.read_response().rfind("HTTP/1.1 200 ", 0), 0u);
        // TLS 1.3 tickets arrive after the handshake, read along with the response.
        session.reset(SSL_get1_session(first.ssl()));
        ASSERT_TRUE(session);
        ASSERT_EQ(SSL_SESSION_is_resumable(session.get()), 1) << "no session ticket was issued";
        EXPECT_EQ(SSL_SESSION_get_max_early_data(session.get()), 0u)
            << "the gateway's ticket invites early data";
        SSL_shutdown(first.ssl());
    }
    ASSERT_TRUE(stack.upstream.wait_for_request_count(1, std::chrono::seconds(2)));

    // A client that sends early data anyway, as if the ticket allowed it.
    ASSERT_EQ(SSL_SESSION_set_max_early_data(session.get(), 16384), 1);
    OpenSslConnection second(context.get(), stack.port);
    ASSERT_TRUE(second.connected());
    ASSERT_EQ(SSL_set_session(second.ssl(), session.get()), 1);
    const std::string early_request =
        "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nearly";
    std::size_t written = 0;
    ASSERT_EQ(
        SSL_write_early_data(second.ssl(), early_request.data(), early_request.size(), &written), 1)
        << "the client did not send early data";
    ASSERT_EQ(SSL_connect(second.ssl()), 1) << "handshake after early data failed";
    EXPECT_EQ(SSL_session_reused(second.ssl()), 1) << "the session was not resumed";
    EXPECT_EQ(SSL_get_early_data_status(second.ssl()), SSL_EARLY_DATA_REJECTED);

    // The connection goes on as a normal one: a request after the handshake is served, and the
    // upstream never saw the early POST.
    ASSERT_TRUE(second.write(request));
    EXPECT_EQ(second.read_response().rfind("HTTP/1.1 200 ", 0), 0u);
    ASSERT_TRUE(stack.upstream.wait_for_request_count(2, std::chrono::seconds(2)));
    for (const auto& forwarded : stack.upstream.requests()) {
        EXPECT_EQ(forwarded.method, "GET") << "the early-data request reached the upstream";
    }
}

}  // namespace
}  // namespace rampart::test
