// The integration-test support library tested against itself: the recording upstream and the
// raw client over plain TCP, TLS and mTLS, the timeouts that keep tests from hanging, child
// processes, and the demo upstream as a real process.
#include <gtest/gtest.h>

#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/raw_connection.hpp"
#include "support/recording_upstream.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

using namespace rampart::test;
using Clock = std::chrono::steady_clock;

namespace {

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

TlsOptions server_tls(const TestPki& pki) {
    TlsOptions tls;
    tls.certificate_file = pki.server_cert;
    tls.private_key_file = pki.server_key;
    return tls;
}

TlsOptions verifying_client(const TestPki& pki) {
    TlsOptions tls;
    tls.ca_file = pki.ca_cert;
    tls.server_name = "localhost";
    return tls;
}

// A listener that never accepts: connects complete in the kernel backlog, nothing answers.
class SilentListener {
  public:
    SilentListener() : socket_(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) {
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t length = sizeof(address);
        bool listening =
            ::bind(socket_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
            ::listen(socket_, 8) == 0 &&
            ::getsockname(socket_, reinterpret_cast<sockaddr*>(&address), &length) == 0;
        EXPECT_TRUE(listening);
        port_ = ntohs(address.sin_port);
    }
    ~SilentListener() { ::close(socket_); }
    std::uint16_t port() const { return port_; }

  private:
    int socket_;
    std::uint16_t port_ = 0;
};

}  // namespace

TEST(TempDir, WritesPrivateFilesAndRemovesEverything) {
    std::string directory;
    {
        TempDir temp;
        directory = temp.path();
        std::string path = temp.write("nested/config.yaml", "listen: 8443\n");
        EXPECT_EQ(path, directory + "/nested/config.yaml");
        struct stat status {};
        ASSERT_EQ(::stat(path.c_str(), &status), 0);
        EXPECT_EQ(status.st_mode & 0777, 0600u);
    }
    EXPECT_FALSE(std::filesystem::exists(directory));
}

TEST(Process, CapturesOutputEnvironmentAndExitStatus) {
    TempDir temp;
    Process process("/bin/sh", {"-c", "echo \"out $RAMPART_TEST_VALUE\"; echo err >&2; exit 3"},
                    temp.path(), {{"RAMPART_TEST_VALUE", "42"}});
    EXPECT_EQ(process.wait_for_exit(5s), 3);
    EXPECT_EQ(process.output(), "out 42\n");
    EXPECT_EQ(process.errors(), "err\n");
}

TEST(Process, ReportsSignalsAndTimesOutWhileRunning) {
    TempDir temp;
    Process process("/bin/sleep", {"30"}, temp.path());
    EXPECT_TRUE(process.running());
    EXPECT_EQ(process.wait_for_exit(50ms), std::nullopt);
    process.signal(SIGTERM);
    EXPECT_EQ(process.wait_for_exit(5s), 128 + SIGTERM);
    EXPECT_FALSE(process.wait_for_port(free_port(), 1s)) << "an exited process has no port";
}

TEST(Process, ChildInheritsNoSocketsOfTheTest) {
    RecordingUpstream upstream;
    RawConnection connection(upstream.port());
    ASSERT_TRUE(connection.connect()) << connection.error();
    TempDir temp;
    // ls lists its standard streams and the directory it reads (3): nothing else.
    Process process("/bin/ls", {"/proc/self/fd"}, temp.path());
    EXPECT_EQ(process.wait_for_exit(5s), 0);
    EXPECT_EQ(process.output(), "0\n1\n2\n3\n");
}

TEST(Process, RefusesAMissingExecutable) {
    TempDir temp;
    EXPECT_THROW(Process("/nonexistent/rampart", {}, temp.path()), std::runtime_error);
}

TEST(RecordingUpstream, RecordsRequestsAsSentOnAKeptAliveConnection) {
    RecordingUpstream upstream;
    RawConnection connection(upstream.port());
    ASSERT_TRUE(connection.connect()) << connection.error();
    ASSERT_TRUE(connection.send(
        "GET /a/../b?x=1%20 HTTP/1.1\r\nHost: example.test\r\nX-Dup: one\r\nx-dup: two\r\n\r\n"
        "POST /orders HTTP/1.1\r\nHost: example.test\r\nTransfer-Encoding: chunked\r\n\r\n"
        "3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"));

    auto first = connection.read_response();
    ASSERT_TRUE(first) << connection.error();
    EXPECT_EQ(first->status, 200u);
    EXPECT_EQ(first->get("content-type"), "application/json");
    EXPECT_EQ(first->json().at("method"), "GET");
    EXPECT_EQ(first->json().at("target"), "/a/../b?x=1%20");
    auto second = connection.read_response();
    ASSERT_TRUE(second) << connection.error();
    EXPECT_EQ(second->json().at("method"), "POST");

    auto requests = upstream.requests();
    ASSERT_EQ(requests.size(), 2u);
    HeaderList expected{{"Host", "example.test"}, {"X-Dup", "one"}, {"x-dup", "two"}};
    EXPECT_EQ(requests[0].headers, expected);
    EXPECT_EQ(requests[0].get_all("X-DUP"), (std::vector<std::string>{"one", "two"}));
    EXPECT_EQ(requests[1].body, "abcde");
    EXPECT_EQ(requests[1].connection_number, 1u);
    EXPECT_EQ(upstream.connection_count(), 1u);
}

TEST(RecordingUpstream, AnswersWhatTheHandlerSays) {
    RecordingUpstream upstream;
    upstream.set_handler([](const RecordedRequest& request) {
        UpstreamResponse response;
        response.status = 418;
        response.headers = {
            {"X-Seen", request.get("x-probe")}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
        response.body = "short and stout";
        return response;
    });
    auto response = http_request(upstream.port(), "GET", "/", {{"X-Probe", "p1"}});
    EXPECT_EQ(response.status, 418u);
    EXPECT_EQ(response.get("x-seen"), "p1");
    EXPECT_EQ(response.get_all("set-cookie"), (std::vector<std::string>{"a=1", "b=2"}));
    EXPECT_EQ(response.body, "short and stout");

    auto head = http_request(upstream.port(), "HEAD", "/");
    EXPECT_EQ(head.get("content-length"), "15");
    EXPECT_EQ(head.body, "");
}

TEST(RecordingUpstream, SendsRawBytesAndClosesWhenAsked) {
    RecordingUpstream upstream;
    upstream.set_handler([](const RecordedRequest&) {
        UpstreamResponse response;
        response.raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc";
        response.close_connection = true;
        return response;
    });
    RawConnection connection(upstream.port());
    ASSERT_TRUE(connection.connect()) << connection.error();
    ASSERT_TRUE(connection.send(format_request("GET", "/")));
    EXPECT_EQ(connection.read_all_until_close(2s),
              "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc");
}

TEST(RecordingUpstream, SurvivesGarbageAndKeepsServing) {
    RecordingUpstream upstream;
    {
        RawConnection connection(upstream.port());
        ASSERT_TRUE(connection.connect()) << connection.error();
        ASSERT_TRUE(connection.send("\x16\x03\x01 not HTTP at all\r\n\r\n"));
        EXPECT_TRUE(connection.closed_within(2s));
    }
    {
        RawConnection connection(upstream.port());
        ASSERT_TRUE(connection.connect()) << connection.error();
        ASSERT_TRUE(connection.send("GET / HTTP/1.1\r\nContent-Length: 100\r\n\r\nshort"));
        connection.close();  // gone before the body is complete
    }
    EXPECT_EQ(http_request(upstream.port(), "GET", "/after").status, 200u);
    EXPECT_EQ(upstream.request_count(), 1u);
}

TEST(RecordingUpstream, StopClosesOpenConnections) {
    RecordingUpstream upstream;
    RawConnection connection(upstream.port());
    ASSERT_TRUE(connection.connect()) << connection.error();
    ASSERT_TRUE(connection.send(format_request("GET", "/")));
    ASSERT_TRUE(connection.read_response());
    upstream.stop();
    EXPECT_TRUE(connection.closed_within(2s));
    upstream.stop();
}

TEST(RawConnection, TimeoutsBoundEveryWait) {
    RecordingUpstream upstream;
    upstream.set_handler([](const RecordedRequest&) {
        UpstreamResponse response;
        response.delay = 1500ms;
        return response;
    });
    RawConnection connection(upstream.port());
    ASSERT_TRUE(connection.connect()) << connection.error();
    ASSERT_TRUE(connection.send(format_request("GET", "/slow")));

    auto started = Clock::now();
    EXPECT_FALSE(connection.read_response(200ms));
    EXPECT_FALSE(connection.closed_within(200ms));
    EXPECT_LT(Clock::now() - started, 1s);

    SilentListener silent;
    RawConnection handshake(silent.port(), TlsOptions{});
    started = Clock::now();
    EXPECT_FALSE(handshake.connect(300ms));
    EXPECT_LT(Clock::now() - started, 1s);
    EXPECT_TRUE(contains(handshake.error(), "TLS handshake")) << handshake.error();
}

TEST(RawConnection, DelayedResponseArrivesAfterTheDelay) {
    RecordingUpstream upstream;
    upstream.set_handler([](const RecordedRequest&) {
        UpstreamResponse response;
        response.delay = 300ms;
        return response;
    });
    auto started = Clock::now();
    EXPECT_EQ(http_request(upstream.port(), "GET", "/").status, 200u);
    EXPECT_GE(Clock::now() - started, 300ms);
}

TEST(RawConnection, ConnectFailsOnAClosedPort) {
    RawConnection connection(free_port());
    EXPECT_FALSE(connection.connect(1s));
    EXPECT_TRUE(contains(connection.error(), "refused")) << connection.error();
}

class TlsSupport : public ::testing::Test {
  protected:
    TempDir temp;
    TestPki pki = make_test_pki(temp);
};

TEST_F(TlsSupport, PkiFilesArePrivatePem) {
    for (const auto& path : {pki.ca_cert, pki.server_cert, pki.server_key, pki.client_cert,
                             pki.client_key, pki.other_ca_cert}) {
        struct stat status {};
        ASSERT_EQ(::stat(path.c_str(), &status), 0) << path;
        EXPECT_EQ(status.st_mode & 0777, 0600u) << path;
    }
}

TEST_F(TlsSupport, VerifiedTls13RoundTrip) {
    RecordingUpstream upstream(server_tls(pki));
    RawConnection connection(upstream.port(), verifying_client(pki));
    ASSERT_TRUE(connection.connect()) << connection.error();
    EXPECT_EQ(connection.negotiated_protocol(), "TLSv1.3");
    EXPECT_TRUE(contains(connection.peer_certificate_subject(), "CN=localhost"))
        << connection.peer_certificate_subject();
    ASSERT_TRUE(connection.send(format_request("GET", "/tls")));
    auto response = connection.read_response();
    ASSERT_TRUE(response) << connection.error();
    EXPECT_EQ(response->json().at("target"), "/tls");
    EXPECT_EQ(upstream.requests().at(0).target, "/tls");
}

TEST_F(TlsSupport, VerifiesTheIpAddressWithoutSni) {
    RecordingUpstream upstream(server_tls(pki));
    TlsOptions client;
    client.ca_file = pki.ca_cert;
    RawConnection connection(upstream.port(), client);
    EXPECT_TRUE(connection.connect()) << connection.error();
}

TEST_F(TlsSupport, RefusesAServerFromAnotherCaOrName) {
    RecordingUpstream upstream(server_tls(pki));
    TlsOptions other_ca = verifying_client(pki);
    other_ca.ca_file = pki.other_ca_cert;
    RawConnection untrusted(upstream.port(), other_ca);
    EXPECT_FALSE(untrusted.connect());
    EXPECT_TRUE(contains(untrusted.error(), "certificate verify failed")) << untrusted.error();

    TlsOptions wrong_name = verifying_client(pki);
    wrong_name.server_name = "api.example.com";
    RawConnection mismatched(upstream.port(), wrong_name);
    EXPECT_FALSE(mismatched.connect());
    EXPECT_TRUE(contains(mismatched.error(), "hostname mismatch")) << mismatched.error();
}

TEST_F(TlsSupport, NegotiatesTheRequestedTls12CipherAndGroup) {
    RecordingUpstream upstream(server_tls(pki));
    TlsOptions client;
    client.max_version = TlsVersion::tls1_2;
    client.cipher_list = "ECDHE-ECDSA-CHACHA20-POLY1305";
    client.groups = "P-384:P-256";  // P-256 too: TLS 1.2 also limits the certificate curve
    RawConnection connection(upstream.port(), client);
    ASSERT_TRUE(connection.connect()) << connection.error();
    EXPECT_EQ(connection.negotiated_protocol(), "TLSv1.2");
    EXPECT_EQ(connection.negotiated_cipher(), "ECDHE-ECDSA-CHACHA20-POLY1305");
    EXPECT_EQ(connection.negotiated_group(), "secp384r1");
}

TEST_F(TlsSupport, NegotiatesTheRequestedTls13Suite) {
    RecordingUpstream upstream(server_tls(pki));
    TlsOptions client;
    client.min_version = TlsVersion::tls1_3;
    client.ciphersuites = "TLS_CHACHA20_POLY1305_SHA256";
    client.groups = "X25519";
    RawConnection connection(upstream.port(), client);
    ASSERT_TRUE(connection.connect()) << connection.error();
    EXPECT_EQ(connection.negotiated_cipher(), "TLS_CHACHA20_POLY1305_SHA256");
    EXPECT_EQ(connection.negotiated_group(), "x25519");
}

TEST_F(TlsSupport, Tls10IsRefusedByATls12MinimumServer) {
    TlsOptions legacy_client;
    legacy_client.min_version = TlsVersion::tls1_0;
    legacy_client.max_version = TlsVersion::tls1_0;

    TlsOptions modern_server = server_tls(pki);
    modern_server.min_version = TlsVersion::tls1_2;
    RecordingUpstream modern(modern_server);
    RawConnection refused(modern.port(), legacy_client);
    EXPECT_FALSE(refused.connect());
    EXPECT_TRUE(contains(refused.error(), "protocol version")) << refused.error();

    // The same client gets TLS 1.0 where it is allowed: the refusal above was the minimum's.
    TlsOptions legacy_server = server_tls(pki);
    legacy_server.min_version = TlsVersion::tls1_0;
    RecordingUpstream legacy(legacy_server);
    RawConnection accepted(legacy.port(), legacy_client);
    ASSERT_TRUE(accepted.connect()) << accepted.error();
    EXPECT_EQ(accepted.negotiated_protocol(), "TLSv1");
}

TEST_F(TlsSupport, MutualTlsAcceptsTheClientCertificate) {
    TlsOptions server = server_tls(pki);
    server.ca_file = pki.ca_cert;
    RecordingUpstream upstream(server);
    TlsOptions client = verifying_client(pki);
    client.certificate_file = pki.client_cert;
    client.private_key_file = pki.client_key;
    auto response = https_request(upstream.port(), "GET", "/mtls", {}, {}, client);
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(upstream.request_count(), 1u);
}

TEST_F(TlsSupport, MutualTlsRefusesAClientWithoutCertificate) {
    TlsOptions server = server_tls(pki);
    server.ca_file = pki.ca_cert;
    RecordingUpstream upstream(server);

    // TLS 1.2: the server's refusal ends the handshake.
    TlsOptions tls12_client = verifying_client(pki);
    tls12_client.max_version = TlsVersion::tls1_2;
    RawConnection tls12(upstream.port(), tls12_client);
    EXPECT_FALSE(tls12.connect());
    EXPECT_TRUE(contains(tls12.error(), "handshake failure")) << tls12.error();

    // TLS 1.3: the client finishes first; the refusal arrives as an alert on the first read.
    RawConnection tls13(upstream.port(), verifying_client(pki));
    if (tls13.connect()) {
        tls13.send(format_request("GET", "/"));
        EXPECT_FALSE(tls13.read_response(2s));
        EXPECT_TRUE(contains(tls13.error(), "certificate required")) << tls13.error();
    }
    EXPECT_THROW(https_request(upstream.port(), "GET", "/", {}, {}, verifying_client(pki)),
                 std::runtime_error);
    EXPECT_EQ(upstream.request_count(), 0u);
}

class DemoUpstream : public ::testing::Test {
  protected:
    void SetUp() override { ASSERT_TRUE(process.wait_for_port(port)) << process.errors(); }

    TempDir temp;
    std::uint16_t port = free_port();
    Process process{demo_upstream_binary(),
                    {"--address", "127.0.0.1", "--port", std::to_string(port)},
                    temp.path()};
};

TEST_F(DemoUpstream, ServesUsersOrdersAndIdentity) {
    auto health = http_request(port, "GET", "/healthz");
    EXPECT_EQ(health.json(), (boost::json::value{{"status", "ok"}}));

    auto users = http_request(port, "GET", "/api/v1/users");
    EXPECT_EQ(users.status, 200u);
    EXPECT_EQ(users.get("content-type"), "application/json");
    EXPECT_TRUE(users.has("deprecation"));
    ASSERT_EQ(users.json().as_array().size(), 3u);
    EXPECT_EQ(users.json().at(0).at("username"), "alice");
    EXPECT_TRUE(users.json().at(0).as_object().contains("password_hash"));

    auto order = http_request(port, "GET", "/api/v2/orders/o3");
    EXPECT_EQ(order.status, 200u);
    EXPECT_FALSE(order.has("deprecation"));
    EXPECT_EQ(order.json().at("owner_id"), "u2");

    auto whoami = http_request(port, "GET", "/api/v2/whoami",
                               {{"X-User-Id", "u1"}, {"X-Scopes", "orders:read"}});
    EXPECT_EQ(whoami.json().at("X-User-Id"), "u1");
    EXPECT_EQ(whoami.json().at("X-Scopes"), "orders:read");
    EXPECT_TRUE(whoami.json().at("X-Consumer").is_null());
}

TEST_F(DemoUpstream, CreatesOrdersAndReportsErrorsAsJson) {
    auto created = http_request(port, "POST", "/api/v2/orders", {{"X-User-Id", "u2"}},
                                R"({"item":"pen","quantity":2,"total":4})");
    EXPECT_EQ(created.status, 201u);
    EXPECT_EQ(created.get("location"), "/api/v2/orders/o6");
    EXPECT_EQ(created.json().at("owner_id"), "u2");

    auto crash = http_request(port, "GET", "/api/v1/debug/crash");
    EXPECT_EQ(crash.status, 500u);
    EXPECT_TRUE(contains(crash.body, "Traceback")) << crash.body;
    EXPECT_TRUE(contains(crash.body, "/srv/app/orders.py")) << crash.body;
    EXPECT_TRUE(contains(crash.body, "psycopg2")) << crash.body;

    auto missing = http_request(port, "GET", "/api/v2/orders/o99");
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(missing.json().at("error"), "Not Found");
    auto wrong_method = http_request(port, "POST", "/api/v2/users/u1");
    EXPECT_EQ(wrong_method.status, 405u);
    EXPECT_EQ(wrong_method.get("allow"), "GET, PATCH, DELETE");
    auto bad_body = http_request(port, "PUT", "/api/v2/orders/o1", {}, "not json");
    EXPECT_EQ(bad_body.status, 400u);
}

TEST_F(DemoUpstream, StopsCleanlyOnSigterm) {
    EXPECT_EQ(http_request(port, "GET", "/healthz").status, 200u);
    process.signal(SIGTERM);
    EXPECT_EQ(process.wait_for_exit(5s), 0);
    EXPECT_TRUE(contains(process.output(), "listening on http://127.0.0.1:")) << process.output();
    EXPECT_TRUE(contains(process.output(), "GET /healthz -> 200")) << process.output();
}
