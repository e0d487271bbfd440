// Size limits, timeouts and connection limits (security requirements HTTP-09 .. HTTP-11): the
// real binary over real TLS in front of a recording upstream, with short timeouts configured so
// that every wait stays bounded and brief.
#include <gtest/gtest.h>

#include <boost/json/value_to.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/gateway.hpp"
#include "support/ports.hpp"
#include "support/problem_assertions.hpp"
#include "support/raw_connection.hpp"
#include "support/recording_upstream.hpp"

namespace rampart::test {
namespace {

using Clock = std::chrono::steady_clock;

// /echo: the global body limit (1 MiB by default); /small: 100 bytes.
const std::string routes = simple_route("/echo", "[GET, POST]") +
                           simple_route("/small", "[POST]", "    max_body_bytes: 100\n");

std::unique_ptr<RawConnection> open_connection(std::uint16_t port) {
    auto connection = std::make_unique<RawConnection>(port, TlsOptions{});
    EXPECT_TRUE(connection->connect(3s)) << connection->error();
    return connection;
}

struct Refusal {
    std::optional<ParsedResponse> response;
    std::string error;
    bool closed = false;
    std::string after;
};

// Sends `bytes`, reads one response, then checks that the connection closes within 1 s.
Refusal send_and_read(RawConnection& connection, std::string_view bytes) {
    Refusal refusal;
    connection.send(bytes, 3s);  // the gateway may stop reading once it has refused
    refusal.response = connection.read_response(3s);
    if (!refusal.response) {
        refusal.error = connection.error();
    }
    refusal.closed = connection.closed_within(1s);
    refusal.after = connection.read_all_until_close(0ms);
    return refusal;
}

double seconds_since(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(HttpLimits, LongUriIs414) {
    GatewayStack stack(routes);
    // 16 KiB fits in the head buffer and is measured by the validator; 64 KiB overflows the
    // buffer first and must still be told apart from a large header section.
    for (std::string target :
         {"/echo?q=" + std::string(16 * 1024, 'a'), "/echo/" + std::string(16 * 1024, 'p'),
          "/echo?q=" + std::string(64 * 1024, 'a')}) {
        SCOPED_TRACE(target.size());
        auto connection = open_connection(stack.port);
        auto refusal = send_and_read(*connection, "GET " + target + " HTTP/1.1\r\nHost: a\r\n\r\n");
        ASSERT_TRUE(refusal.response) << refusal.error;
        EXPECT_EQ(refusal.response->status, 414u);
        expect_problem(*refusal.response);
        EXPECT_TRUE(refusal.closed);
    }
    EXPECT_EQ(stack.upstream.request_count(), 0u);
}

TEST(HttpLimits, TooManyHeaderFieldsIs431) {
    GatewayStack stack(routes);
    std::string head = "GET /echo HTTP/1.1\r\nHost: a\r\n";
    for (int i = 0; i < 300; ++i) {
        head += "X-F" + std::to_string(i) + ": v\r\n";
    }
    auto connection = open_connection(stack.port);
    auto refusal = send_and_read(*connection, head + "\r\n");
    ASSERT_TRUE(refusal.response) << refusal.error;
    EXPECT_EQ(refusal.response->status, 431u);
    expect_problem(*refusal.response);
    EXPECT_TRUE(refusal.closed);
    EXPECT_EQ(stack.upstream.request_count(), 0u);
}

TEST(HttpLimits, OneHugeHeaderFieldIs431) {
    GatewayStack stack(routes);
    auto connection = open_connection(stack.port);
    auto refusal = send_and_read(*connection, "GET /echo HTTP/1.1\r\nHost: a\r\nX-Big: " +
                                                  std::string(64 * 1024, 'b') + "\r\n\r\n");
    ASSERT_TRUE(refusal.response) << refusal.error;
    EXPECT_EQ(refusal.response->status, 431u);
    expect_problem(*refusal.response);
    EXPECT_TRUE(refusal.closed);
    EXPECT_EQ(stack.upstream.request_count(), 0u);
}

// Control for the two above: a head just inside the limits is served.
TEST(HttpLimits, HeadWithinLimitsIsServed) {
    GatewayStack stack(routes);
    HeaderList headers;
    for (int i = 0; i < 90; ++i) {
        headers.emplace_back("X-F" + std::to_string(i), std::string(100, 'v'));
    }
    auto response =
        https_request(stack.port, "GET", "/echo?q=" + std::string(7 * 1024, 'a'), headers);
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(stack.upstream.request_count(), 1u);
}

TEST(HttpLimits, HugeContentLengthIs413WithoutWaitingForTheBody) {
    GatewayStack stack(routes);
    auto connection = open_connection(stack.port);
    auto started = Clock::now();
    ASSERT_TRUE(
        connection->send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1073741824\r\n\r\n"));
    auto response = connection->read_response(3s);
    auto elapsed = seconds_since(started);
    ASSERT_TRUE(response) << connection->error();
    EXPECT_EQ(response->status, 413u);
    expect_problem(*response);
    EXPECT_LT(elapsed, 1.0) << "the 413 must not wait for the body";
    RecordProperty("huge_content_length_413_ms", static_cast<int>(elapsed * 1000));
    EXPECT_TRUE(connection->closed_within(1s));
    EXPECT_EQ(stack.upstream.request_count(), 0u);
}

TEST(HttpLimits, RouteBodyLimitBelowTheGlobalOne) {
    GatewayStack stack(routes);
    auto under = https_request(stack.port, "POST", "/small", {}, std::string(100, 'u'));
    EXPECT_EQ(under.status, 200u);
    ASSERT_EQ(stack.upstream.request_count(), 1u);
    EXPECT_EQ(stack.upstream.requests().at(0).body, std::string(100, 'u'));

    auto connection = open_connection(stack.port);
    auto refusal =
        send_and_read(*connection, format_request("POST", "/small", {}, std::string(101, 'o')));
    ASSERT_TRUE(refusal.response) << refusal.error;
    EXPECT_EQ(refusal.response->status, 413u);
    expect_problem(*refusal.response);
    EXPECT_TRUE(refusal.closed);
    EXPECT_EQ(stack.upstream.request_count(), 1u);

    // The global limit still lets the same body through on /echo.
    EXPECT_EQ(https_request(stack.port, "POST", "/echo", {}, std::string(101, 'o')).status, 200u);
    EXPECT_EQ(stack.upstream.request_count(), 2u);
}

TEST(HttpLimits, ChunkedBodyPassingTheLimitIs413AndClosed) {
    GatewayStack stack(routes);
    auto connection = open_connection(stack.port);
    std::string chunk = "32\r\n" + std::string(50, 'c') + "\r\n";  // 50 bytes each
    auto refusal = send_and_read(
        *connection, "POST /small HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
                         chunk + chunk + chunk + "0\r\n\r\n");
    ASSERT_TRUE(refusal.response) << refusal.error;
    EXPECT_EQ(refusal.response->status, 413u);
    expect_problem(*refusal.response);
    EXPECT_TRUE(refusal.closed);
    EXPECT_EQ(refusal.after.find("HTTP/"), std::string::npos);
    EXPECT_EQ(stack.upstream.request_count(), 0u);

    // Two chunks (100 bytes) are within the limit.
    auto accepted = open_connection(stack.port);
    ASSERT_TRUE(
        accepted->send("POST /small HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" +
                       chunk + chunk + "0\r\n\r\n"));
    auto response = accepted->read_response(3s);
    ASSERT_TRUE(response) << accepted->error();
    EXPECT_EQ(response->status, 200u);
    ASSERT_EQ(stack.upstream.request_count(), 1u);
    EXPECT_EQ(stack.upstream.requests().at(0).body, std::string(100, 'c'));
}

TEST(HttpLimits, ExpectContinueThenTheFinalResponse) {
    GatewayStack stack(routes);
    auto connection = open_connection(stack.port);
    ASSERT_TRUE(connection->send(
        "POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
    auto interim = connection->read_response(3s);
    ASSERT_TRUE(interim) << connection->error();
    EXPECT_EQ(interim->status, 100u);
    EXPECT_EQ(stack.upstream.request_count(), 0u) << "forwarded before the body was sent";
    ASSERT_TRUE(connection->send("hello"));
    auto final_response = connection->read_response(3s);
    ASSERT_TRUE(final_response) << connection->error();
    EXPECT_EQ(final_response->status, 200u);
    ASSERT_EQ(stack.upstream.request_count(), 1u);
    EXPECT_EQ(stack.upstream.requests().at(0).body, "hello");
}

TEST(HttpLimits, ExpectContinueWithOversizedLengthGets413WithoutContinue) {
    GatewayStack stack(routes);
    auto connection = open_connection(stack.port);
    ASSERT_TRUE(connection->send(
        "POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n"));
    auto response = connection->read_response(3s);
    ASSERT_TRUE(response) << connection->error();
    EXPECT_EQ(response->status, 413u) << "a 100 Continue came before the refusal";
    expect_problem(*response);
    EXPECT_TRUE(connection->closed_within(1s));
    EXPECT_EQ(connection->read_all_until_close(0ms).find("HTTP/"), std::string::npos);
    EXPECT_EQ(stack.upstream.request_count(), 0u);
}

// HTTP-09: a request that will be refused for its credentials gets the refusal instead of
// 100 Continue, so the client never sends a body nobody will read.
TEST(HttpLimits, ExpectContinueWithoutCredentialsGets401WithoutContinue) {
    GatewayStack stack(routes +
                       "  - path: /protected\n    methods: [POST]\n    upstream: app\n"
                       "    auth: api_key\n    authorize: authenticated\n");
    auto connection = open_connection(stack.port);
    ASSERT_TRUE(
        connection->send("POST /protected HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n"
                         "Authorization: ApiKey rk_notakey0000_wrong\r\n"
                         "Expect: 100-continue\r\n\r\n"));
    auto response = connection->read_response(3s);
    ASSERT_TRUE(response) << connection->error();
    EXPECT_EQ(response->status, 401u) << "a 100 Continue came before the refusal";
    expect_problem(*response);
    EXPECT_EQ(stack.upstream.request_count(), 0u);
}

// RFC 9110 §10.1.1: "A server that receives a 100-continue expectation in an HTTP/1.0 request
// MUST ignore that expectation": an HTTP/1.0 client gets its final response only.
TEST(HttpLimits, ExpectContinueIsIgnoredOnHttp10) {
    GatewayStack stack(routes);
    auto connection = open_connection(stack.port);
    ASSERT_TRUE(
        connection->send("POST /small HTTP/1.0\r\nHost: a\r\nContent-Length: 5\r\n"
                         "Expect: 100-continue\r\n\r\nhello"));
    auto response = connection->read_response(3s);
    ASSERT_TRUE(response) << connection->error();
    EXPECT_EQ(response->status, 200u) << "an HTTP/1.0 client got an interim response";
    // RFC 9110 §6.2: a server answers with the highest minor version it conforms to, so
    // HTTP/1.1 is a valid answer; what matters is that no 100 came first and the body arrived.
    EXPECT_TRUE(stack.upstream.wait_for_request_count(1, 2s));
    EXPECT_EQ(stack.upstream.requests().at(0).body, "hello");
}

// HTTP-10: a client dribbling its head is cut off by the header timeout (1 s here), and a
// normal client is served meanwhile.
TEST(HttpLimits, SlowHeadIsCutOffByTheHeaderTimeoutWhileOthersAreServed) {
    GatewayStack stack(routes, "limits: {header_timeout: 1s}");
    std::atomic<bool> slow_started{false};
    bool slow_closed = false;
    double slow_elapsed = 0;
    std::string slow_received;
    std::thread slow_client([&] {
        RawConnection connection(stack.port, TlsOptions{});
        if (!connection.connect(3s)) {
            slow_started = true;
            return;
        }
        auto started = Clock::now();
        connection.send("GET /echo HTTP/1.1\r\nHost: a\r\n");
        slow_started = true;
        std::string dribble = "X-Slow: abcdefghij";
        for (std::size_t i = 0; i < dribble.size() && !slow_closed; ++i) {  // at most ~5.4 s
            if (!connection.send(dribble.substr(i, 1), 1s)) {
                slow_closed = connection.closed_within(1s);
                break;
            }
            slow_closed = connection.closed_within(300ms);
        }
        slow_elapsed = seconds_since(started);
        slow_received = connection.read_all_until_close(0ms);
    });
    while (!slow_started) {
        std::this_thread::sleep_for(10ms);
    }
    std::this_thread::sleep_for(400ms);
    auto started = Clock::now();
    auto normal = https_request(stack.port, "GET", "/echo");
    auto normal_elapsed = seconds_since(started);
    slow_client.join();

    EXPECT_EQ(normal.status, 200u);
    EXPECT_LT(normal_elapsed, 0.5) << "a normal request waited behind the slow one";
    EXPECT_TRUE(slow_closed) << "the slow head was never cut off";
    EXPECT_GE(slow_elapsed, 0.9);
    EXPECT_LT(slow_elapsed, 1.7) << "cut off after " << slow_elapsed << " s";
    EXPECT_EQ(slow_received.rfind("HTTP/1.1 408 ", 0), 0u) << slow_received;
    EXPECT_EQ(stack.upstream.request_count(), 1u) << "only the normal request is forwarded";
}

// HTTP-10 at scale: 200 TLS connections dribble their heads, one header byte per connection
// about every half second. Every one is cut off by the header timeout (2 s here) with 408 or
// EOF, and a normal request issued meanwhile is answered at once.
TEST(HttpLimits, TwoHundredSlowHeadsAreAllCutOffWhileOthersAreServed) {
    GatewayStack stack(routes, "limits: {header_timeout: 2s}");
    constexpr std::size_t slow_count = 200;
    std::vector<std::unique_ptr<RawConnection>> slow;
    for (std::size_t i = 0; i < slow_count; ++i) {
        auto connection = std::make_unique<RawConnection>(stack.port, TlsOptions{});
        ASSERT_TRUE(connection->connect(3s)) << "connection " << i << ": " << connection->error();
        ASSERT_TRUE(connection->send("GET /echo HTTP/1.1\r\nHost: a\r\nX-Slow: "));
        slow.push_back(std::move(connection));
    }
    auto started = Clock::now();
    std::vector<bool> closed(slow_count, false);
    std::size_t closed_count = 0;
    double normal_elapsed = -1;
    unsigned normal_status = 0;
    // Bounded: at most 16 rounds; each sends a byte to every open connection and looks for a
    // close for 2 ms per connection (at most 0.4 s), then rests 100 ms.
    for (int round = 0; round < 16 && closed_count < slow_count; ++round) {
        if (round == 1) {  // mid-attack, a normal client
            auto normal_started = Clock::now();
            normal_status = https_request(stack.port, "GET", "/echo").status;
            normal_elapsed = seconds_since(normal_started);
        }
        for (std::size_t i = 0; i < slow_count; ++i) {
            if (closed[i]) {
                continue;
            }
            if (!slow[i]->send("a", 200ms) || slow[i]->closed_within(2ms)) {
                closed[i] = true;
                ++closed_count;
                // What arrived before the close (the cut-off closes without close_notify).
                std::string received = slow[i]->read_all_until_close(0ms);
                EXPECT_TRUE(received.empty() || received.rfind("HTTP/1.1 408 ", 0) == 0)
                    << "connection " << i << " got: " << received.substr(0, 40);
            }
        }
        std::this_thread::sleep_for(100ms);
    }
    double elapsed = seconds_since(started);
    EXPECT_EQ(closed_count, slow_count) << "slow heads still open after " << elapsed << " s";
    EXPECT_LT(elapsed, 5.0) << "the header timeout let the attack run for " << elapsed << " s";
    EXPECT_EQ(normal_status, 200u);
    EXPECT_LT(normal_elapsed, 0.5) << "a normal request waited " << normal_elapsed << " s";
    EXPECT_EQ(stack.upstream.request_count(), 1u) << "only the normal request is forwarded";
}

// HTTP-11: a stalled body is cut off by the body idle timeout (1 s here) with 408.
TEST(HttpLimits, StalledBodyIs408AndClosed) {
    GatewayStack stack(routes, "limits: {body_idle_timeout: 1s}");
    auto connection = open_connection(stack.port);
    auto started = Clock::now();
    ASSERT_TRUE(connection->send(
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789"));
    auto response = connection->read_response(3s);
    auto elapsed = seconds_since(started);
    ASSERT_TRUE(response) << connection->error();
    EXPECT_EQ(response->status, 408u);
    expect_problem(*response);
    EXPECT_GE(elapsed, 0.9);
    EXPECT_LT(elapsed, 1.7);
    EXPECT_TRUE(connection->closed_within(1s));
    EXPECT_EQ(stack.upstream.request_count(), 0u);
}

// HTTP-11: a body trickled fast enough to beat the idle timeout but slower than the minimum
// rate (1000 B/s after a 1 s grace here) is cut off with 408, long before the idle timeout
// (10 s) would fire.
TEST(HttpLimits, TrickledBodyBelowTheMinimumRateIs408) {
    GatewayStack stack(routes, "limits: {min_body_rate: 1000, body_rate_grace: 1s}");
    auto connection = open_connection(stack.port);
    auto started = Clock::now();
    ASSERT_TRUE(
        connection->send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100000\r\n\r\n"));
    bool closed = false;
    for (int i = 0; i < 20 && !closed; ++i) {  // 10 bytes every 200 ms: 50 B/s, at most 4 s
        if (!connection->send("0123456789")) {
            break;
        }
        closed = connection->closed_within(200ms);
    }
    auto received = connection->read_all_until_close(closed ? 0ms : 2s);
    auto elapsed = seconds_since(started);
    EXPECT_EQ(received.rfind("HTTP/1.1 408 ", 0), 0u) << received;
    EXPECT_GE(elapsed, 0.9);
    EXPECT_LT(elapsed, 2.5) << "cut off after " << elapsed << " s";
    EXPECT_EQ(stack.upstream.request_count(), 0u);
}

// A body that keeps the minimum rate is not cut off by the rate check.
TEST(HttpLimits, BodyAboveTheMinimumRateIsForwarded) {
    GatewayStack stack(routes, "limits: {min_body_rate: 1000, body_rate_grace: 500ms}");
    auto connection = open_connection(stack.port);
    ASSERT_TRUE(connection->send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 4000\r\n\r\n"));
    for (int i = 0; i < 8; ++i) {  // 500 bytes every 200 ms: 2500 B/s for 1.6 s
        ASSERT_TRUE(connection->send(std::string(500, 'x')));
        std::this_thread::sleep_for(200ms);
    }
    auto response = connection->read_response(3s);
    ASSERT_TRUE(response) << connection->error();
    EXPECT_EQ(response->status, 200u);
    EXPECT_EQ(stack.upstream.request_count(), 1u);
}

// HTTP-11: a TCP connection that never starts its TLS handshake is closed by the handshake
// timeout (500 ms here).
TEST(HttpLimits, SilentTcpConnectionIsClosedByTheHandshakeTimeout) {
    RecordingUpstream upstream;
    auto port = free_port();
    auto admin_port = free_port();
    auto config = gateway_config(port, admin_port, upstream.port(), routes);
    auto tls = config.find("tls: {self_signed: true}");
    ASSERT_NE(tls, std::string::npos);
    config.replace(tls, 24, "tls: {self_signed: true, handshake_timeout: 500ms}");
    Gateway gateway(port, admin_port, config);

    RawConnection silent(port);  // plain TCP: no ClientHello is ever sent
    ASSERT_TRUE(silent.connect(2s)) << silent.error();
    auto started = Clock::now();
    EXPECT_TRUE(silent.closed_within(2s)) << "the silent connection stayed open";
    auto elapsed = seconds_since(started);
    EXPECT_GE(elapsed, 0.4);
    EXPECT_LT(elapsed, 1.2);
    EXPECT_EQ(https_request(port, "GET", "/echo").status, 200u);
}

// HTTP-11: an idle keep-alive connection is closed by the keep-alive timeout (1 s here), and
// only an idle one: a request within the timeout is served on the same connection.
TEST(HttpLimits, IdleKeepAliveConnectionIsClosed) {
    GatewayStack stack(routes, "limits: {keep_alive_timeout: 1s}");
    auto connection = open_connection(stack.port);
    ASSERT_TRUE(connection->send(format_request("GET", "/echo")));
    auto first = connection->read_response(3s);
    ASSERT_TRUE(first) << connection->error();
    EXPECT_EQ(first->status, 200u);
    EXPECT_FALSE(connection->closed_within(500ms)) << "closed well before the keep-alive timeout";
    ASSERT_TRUE(connection->send(format_request("GET", "/echo")));
    auto second = connection->read_response(3s);
    ASSERT_TRUE(second) << connection->error();
    EXPECT_EQ(second->status, 200u);

    auto idle_since = Clock::now();
    EXPECT_TRUE(connection->closed_within(2500ms)) << "the idle connection stayed open";
    auto idle = seconds_since(idle_since);
    EXPECT_GE(idle, 0.8);
    EXPECT_LT(idle, 1.7);
    EXPECT_EQ(connection->read_all_until_close(0ms), "") << "nothing is sent on an idle close";
}

// After a refusal the gateway half-closes and drains what the client still sends for a
// moment (the lingering close, 2 s), so that a reset does not destroy the answer. A client
// that then neither sends nor closes is dropped at the end of that moment, not held open.
TEST(HttpLimits, ARefusedClientThatStaysSilentIsDroppedAfterTheLingeringClose) {
    GatewayStack stack(routes);
    auto open_connections = [&stack] {
        auto metrics = http_request(stack.admin_port, "GET", "/metrics").body;
        auto line = metrics.find("\nrampart_open_connections ");
        return line == std::string::npos
                   ? -1
                   : std::stoi(metrics.substr(
                         line + std::string_view("\nrampart_open_connections ").size()));
    };
    auto connection = open_connection(stack.port);
    ASSERT_TRUE(
        connection->send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: "
                         "1\r\nTransfer-Encoding: chunked\r\n\r\n"));
    auto response = connection->read_response(3s);
    ASSERT_TRUE(response) << connection->error();
    EXPECT_EQ(response->status, 400u);
    auto refused = Clock::now();
    EXPECT_EQ(open_connections(), 1);
    int open = 1;
    for (int poll = 0; poll < 40 && open != 0; ++poll) {  // at most 4 s
        std::this_thread::sleep_for(100ms);
        open = open_connections();
    }
    auto elapsed = seconds_since(refused);
    EXPECT_EQ(open, 0) << "the silent client's connection is still open";
    EXPECT_GE(elapsed, 1.5);
    EXPECT_LT(elapsed, 3.5);
}

// HTTP-11: connection N+1 from one address is refused while N stay usable.
TEST(HttpLimits, ConnectionsPerAddressAreCapped) {
    GatewayStack stack(routes, "limits: {max_connections_per_ip: 3}");
    // The gateway's start-up probes may hold a slot for a moment: retry the first three briefly.
    std::vector<std::unique_ptr<RawConnection>> open;
    for (int attempt = 0; attempt < 40 && open.size() < 3; ++attempt) {
        auto connection = std::make_unique<RawConnection>(stack.port, TlsOptions{});
        if (connection->connect(2s)) {
            open.push_back(std::move(connection));
        } else {
            std::this_thread::sleep_for(25ms);
        }
    }
    ASSERT_EQ(open.size(), 3u);

    RawConnection fourth(stack.port, TlsOptions{});
    bool refused = !fourth.connect(2s);
    if (!refused) {
        // A TLS 1.3 client may finish its handshake before it sees the close.
        fourth.send(format_request("GET", "/echo"));
        refused = !fourth.read_response(2s);
    }
    EXPECT_TRUE(refused) << "the fourth connection from 127.0.0.1 was served";

    for (auto& connection : open) {
        ASSERT_TRUE(connection->send(format_request("GET", "/echo")));
        auto response = connection->read_response(3s);
        ASSERT_TRUE(response) << connection->error();
        EXPECT_EQ(response->status, 200u);
    }
    EXPECT_EQ(stack.upstream.request_count(), 3u);

    // A freed slot is available again.
    open.pop_back();
    bool admitted = false;
    for (int attempt = 0; attempt < 40 && !admitted; ++attempt) {
        RawConnection again(stack.port, TlsOptions{});
        if (again.connect(2s) && again.send(format_request("GET", "/echo"))) {
            auto response = again.read_response(2s);
            admitted = response && response->status == 200;
        }
        if (!admitted) {
            std::this_thread::sleep_for(25ms);
        }
    }
    EXPECT_TRUE(admitted);
}

// Keep-alive on both sides: several requests on one client connection reuse one upstream
// connection.
TEST(HttpLimits, KeepAliveReusesOneUpstreamConnection) {
    GatewayStack stack(routes);
    auto connection = open_connection(stack.port);
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(connection->send(format_request("GET", "/echo?n=" + std::to_string(i))));
        auto response = connection->read_response(3s);
        ASSERT_TRUE(response) << connection->error();
        EXPECT_EQ(response->status, 200u);
        EXPECT_NE(response->get("connection"), "close");
    }
    ASSERT_EQ(stack.upstream.request_count(), 5u);
    EXPECT_EQ(stack.upstream.connection_count(), 1u);
    auto requests = stack.upstream.requests();
    for (std::size_t i = 0; i < requests.size(); ++i) {
        EXPECT_EQ(requests[i].target, "/echo?n=" + std::to_string(i));
        EXPECT_EQ(requests[i].connection_number, 1u);
    }
    EXPECT_FALSE(connection->closed_within(100ms));
}

}  // namespace
}  // namespace rampart::test
