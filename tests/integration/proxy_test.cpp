// Proxying through the real binary over real TLS: keep-alive both ways, the
// headers that go upstream and come back, retries, timeouts, health.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "support/gateway.hpp"
#include "support/ports.hpp"
#include "support/raw_connection.hpp"
#include "support/recording_upstream.hpp"

using namespace rampart::test;
using namespace std::chrono_literals;

namespace {

struct ProxyTest : ::testing::Test {
    RecordingUpstream upstream;
    std::uint16_t port = free_port();
    std::uint16_t admin_port = free_port();

    std::unique_ptr<Gateway> start(const std::string& routes, const std::string& extra = "") {
        return std::make_unique<Gateway>(
            port, admin_port, gateway_config(port, admin_port, upstream.port(), routes, extra));
    }
};

}  // namespace

TEST_F(ProxyTest, KeepAliveOnBothSidesReusesOneUpstreamConnection) {
    auto gateway = start(simple_route("/items/{id}"));
    RawConnection client(port, TlsOptions{});
    ASSERT_TRUE(client.connect());
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(client.send(
            format_request("GET", "/items/" + std::to_string(i), {{"Host", "localhost"}})));
        auto response = client.read_response();
        ASSERT_TRUE(response);
        EXPECT_EQ(response->status, 200u);
    }
    EXPECT_EQ(upstream.request_count(), 5u);
    EXPECT_EQ(upstream.connection_count(), 1u);
    EXPECT_EQ(upstream.requests().back().target, "/items/4");
}

// An upstream connection goes back to the pool only when the upstream's answer
// allows it. The upstream here keeps its socket open whatever it says, so a
// connection Rampart reused against the answer's word would show as fewer
// upstream connections than requests.
TEST_F(ProxyTest, UpstreamConnectionsAreReusedOnlyWhenTheAnswerAllowsIt) {
    struct Case {
        std::string answer;
        std::size_t connections_for_three_requests;
    };
    const std::vector<Case> cases = {
        {"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}", 3},
        {"HTTP/1.1 200 OK\r\nConnection: x-trace, Close\r\nContent-Length: 2\r\n\r\n{}", 3},
        {"HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\n{}", 3},
        {"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\n{}", 1},
        {"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", 1},
    };
    auto gateway = start(simple_route("/items"));
    std::size_t connections_before = 0;
    for (const auto& each : cases) {
        upstream.set_handler([&each](const RecordedRequest&) {
            UpstreamResponse response;
            response.raw = each.answer;
            return response;
        });
        RawConnection client(port, TlsOptions{});
        ASSERT_TRUE(client.connect());
        for (int i = 0; i < 3; ++i) {
            ASSERT_TRUE(client.send(format_request("GET", "/items", {{"Host", "localhost"}})));
            auto response = client.read_response();
            ASSERT_TRUE(response) << each.answer;
            EXPECT_EQ(response->status, 200u) << each.answer;
        }
        auto connections = upstream.connection_count() - connections_before;
        // A pooled connection left by the case before may serve this case's first request.
        EXPECT_GE(connections + (connections_before > 0 ? 1 : 0),
                  each.connections_for_three_requests)
            << each.answer;
        EXPECT_LE(connections, each.connections_for_three_requests) << each.answer;
        connections_before = upstream.connection_count();
    }
}

// The upstream closes each connection after answering, without saying so: the
// pooled connection is stale when the next request takes it. An idempotent
// request then goes once more on a new connection (not counted as a retry);
// a POST is not sent again, since Rampart cannot know the upstream never got it.
TEST_F(ProxyTest, AStalePooledConnectionIsReplacedOnceForIdempotentRequestsOnly) {
    upstream.set_handler([](const RecordedRequest&) {
        UpstreamResponse response;
        response.raw = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        response.close_connection = true;  // closes after the answer, which says nothing of it
        return response;
    });
    // No retries: a GET that succeeds did so by the stale connection's replacement.
    auto gateway = start(simple_route("/items", "[GET, POST]"), "    retries: 0");
    RawConnection client(port, TlsOptions{});  // one client connection: one worker's pool
    ASSERT_TRUE(client.connect());
    auto send = [&](const std::string& method) {
        EXPECT_TRUE(client.send(format_request(method, "/items", {{"Host", "localhost"}},
                                               method == "POST" ? "{}" : "")));
        auto response = client.read_response();
        return response ? response->status : 0u;
    };
    EXPECT_EQ(send("GET"), 200u);
    std::this_thread::sleep_for(200ms);  // the upstream's close reaches the pooled connection
    EXPECT_EQ(send("GET"), 200u);
    EXPECT_EQ(upstream.connection_count(), 2u);
    EXPECT_EQ(upstream.request_count(), 2u);
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(send("POST"), 502u);
    EXPECT_EQ(upstream.request_count(), 2u);
}

TEST_F(ProxyTest, ForwardedHeadersAreSetAndClientCopiesReplaced) {
    auto gateway = start(simple_route("/whoami"));
    auto response = https_request(port, "GET", "/whoami",
                                  {{"Host", "api.example"},
                                   {"X-Forwarded-For", "203.0.113.7"},
                                   {"X-Forwarded-Host", "evil.example"},
                                   {"X-Request-Id", "client-chosen-id"}});
    ASSERT_EQ(response.status, 200u);
    ASSERT_EQ(upstream.request_count(), 1u);
    auto seen = upstream.requests()[0];
    EXPECT_EQ(seen.get_all("X-Forwarded-For"), std::vector<std::string>{"127.0.0.1"});
    EXPECT_EQ(seen.get("X-Forwarded-Proto"), "https");
    EXPECT_EQ(seen.get("X-Forwarded-Host"), "api.example");
    EXPECT_EQ(seen.get("Host"), "api.example");
    // An untrusted client does not choose the request id.
    EXPECT_NE(seen.get("X-Request-Id"), "client-chosen-id");
    EXPECT_EQ(seen.get("X-Request-Id"), response.get("X-Request-Id"));
    EXPECT_EQ(response.get("X-Request-Id").size(), 32u);
}

TEST_F(ProxyTest, TrustedProxyChainGivesTheClientAddressAndRequestId) {
    auto gateway = start(simple_route("/whoami"), "trusted_proxies: [127.0.0.1/32]\n");
    auto response = https_request(
        port, "GET", "/whoami",
        {{"Host", "localhost"}, {"X-Forwarded-For", "198.51.100.9"}, {"X-Request-Id", "lb-1234"}});
    ASSERT_EQ(response.status, 200u);
    auto seen = upstream.requests().at(0);
    EXPECT_EQ(seen.get("X-Forwarded-For"), "198.51.100.9, 127.0.0.1");
    EXPECT_EQ(seen.get("X-Request-Id"), "lb-1234");
    EXPECT_EQ(response.get("X-Request-Id"), "lb-1234");
}

TEST_F(ProxyTest, HopByHopAndConnectionListedFieldsNeverReachTheUpstream) {
    auto gateway = start(simple_route("/items", "[POST]"));
    auto response = https_request(port, "POST", "/items",
                                  {{"Host", "localhost"},
                                   {"Connection", "keep-alive, X-Custom, X-Forwarded-For, Host"},
                                   {"X-Custom", "drop me"},
                                   {"Keep-Alive", "timeout=5"},
                                   {"Upgrade", "h2c"},
                                   {"HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA"},
                                   {"Proxy-Authorization", "Basic Zm9vOmJhcg=="},
                                   {"X-HTTP-Method-Override", "DELETE"},
                                   {"Content-Type", "application/json"}},
                                  R"({"item":"widget"})");
    ASSERT_EQ(response.status, 200u);
    auto seen = upstream.requests().at(0);
    EXPECT_EQ(seen.method, "POST");
    EXPECT_EQ(seen.body, R"({"item":"widget"})");
    for (auto name : {"X-Custom", "Keep-Alive", "Upgrade", "HTTP2-Settings", "Proxy-Authorization",
                      "X-HTTP-Method-Override", "Transfer-Encoding"}) {
        EXPECT_FALSE(seen.has(name)) << name;
    }
    EXPECT_EQ(seen.get("X-Forwarded-For"), "127.0.0.1");  // listed in Connection, still set
    EXPECT_EQ(seen.get("Host"), "localhost");
    EXPECT_EQ(seen.get("Content-Length"), "17");
}

// The names a Connection field lists are collected (up to 16) before the fields are
// filtered; a longer list must still remove every listed field, the last one included.
TEST_F(ProxyTest, EveryFieldOfALongConnectionListIsRemoved) {
    auto gateway = start(simple_route("/items"));
    std::string listed = "keep-alive";
    for (int index = 0; index < 20; ++index) {
        listed += ", X-Listed-" + std::to_string(index);
    }
    auto response = https_request(port, "GET", "/items",
                                  {{"Host", "localhost"},
                                   {"Connection", listed},
                                   {"X-Listed-0", "first"},
                                   {"X-Listed-19", "last"},
                                   {"X-Kept", "not listed"}});
    ASSERT_EQ(response.status, 200u);
    auto seen = upstream.requests().at(0);
    EXPECT_FALSE(seen.has("X-Listed-0"));
    EXPECT_FALSE(seen.has("X-Listed-19"));
    EXPECT_EQ(seen.get("X-Kept"), "not listed");
}

TEST_F(ProxyTest, ChunkedRequestBodyGoesUpstreamWithContentLength) {
    auto gateway = start(simple_route("/items", "[POST]"));
    RawConnection client(port, TlsOptions{});
    ASSERT_TRUE(client.connect());
    ASSERT_TRUE(
        client.send("POST /items HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n"
                    "Content-Type: application/json\r\n\r\n"
                    "5\r\n{\"a\":\r\n3\r\n12}\r\n0\r\n\r\n"));
    auto response = client.read_response();
    ASSERT_TRUE(response);
    EXPECT_EQ(response->status, 200u);
    auto seen = upstream.requests().at(0);
    EXPECT_EQ(seen.body, "{\"a\":12}");
    EXPECT_EQ(seen.get("Content-Length"), "8");
    EXPECT_FALSE(seen.has("Transfer-Encoding"));
}

// What goes upstream is framed by one Content-Length of the body as received:
// on a request with a body, and on POST and PUT without one; never on a GET
// without a body, whatever framing fields the client sent.
TEST_F(ProxyTest, UpstreamRequestsCarryOneContentLengthOfTheirBody) {
    auto gateway = start(simple_route("/items", "[GET, POST, PUT, DELETE]"));
    RawConnection client(port, TlsOptions{});
    ASSERT_TRUE(client.connect());
    auto send = [&client](std::string_view method, const HeaderList& headers,
                          std::string_view body) {
        EXPECT_TRUE(client.send(format_request(method, "/items", headers, body)));
        auto response = client.read_response();
        EXPECT_TRUE(response && response->status == 200u);
    };
    send("POST", {{"Host", "localhost"}}, R"({"name":"widget"})");
    send("POST", {{"Host", "localhost"}, {"Content-Length", "0"}}, "");
    send("PUT", {{"Host", "localhost"}, {"Content-Length", "0"}}, "");
    send("GET", {{"Host", "localhost"}, {"Content-Length", "0"}}, "");
    send("DELETE", {{"Host", "localhost"}}, "");
    auto seen = upstream.requests();
    ASSERT_EQ(seen.size(), 5u);
    EXPECT_EQ(seen[0].get_all("Content-Length"), std::vector<std::string>{"17"});
    EXPECT_EQ(seen[0].body, R"({"name":"widget"})");
    EXPECT_EQ(seen[1].get_all("Content-Length"), std::vector<std::string>{"0"});
    EXPECT_EQ(seen[2].get_all("Content-Length"), std::vector<std::string>{"0"});
    EXPECT_FALSE(seen[3].has("Content-Length"));
    EXPECT_FALSE(seen[4].has("Content-Length"));
    for (const auto& request : seen) {
        EXPECT_FALSE(request.has("Transfer-Encoding")) << request.method;
        EXPECT_FALSE(request.has("Connection")) << request.method;
        EXPECT_EQ(request.version, 11u) << request.method;
    }
}

TEST_F(ProxyTest, ResponseBannersAndHopByHopFieldsAreStripped) {
    upstream.set_handler([](const RecordedRequest&) {
        UpstreamResponse response;
        response.headers = {{"Server", "Apache/2.4.1 (Unix)"},
                            {"X-Powered-By", "PHP/5.6"},
                            {"Connection", "X-Secret-Hop"},
                            {"X-Secret-Hop", "internal"},
                            {"Content-Type", "application/json"}};
        response.body = R"({"ok":true})";
        return response;
    });
    auto gateway = start(simple_route("/items"));
    auto response = https_request(port, "GET", "/items", {{"Host", "localhost"}});
    ASSERT_EQ(response.status, 200u);
    EXPECT_EQ(response.body, R"({"ok":true})");
    EXPECT_FALSE(response.has("Server"));
    EXPECT_FALSE(response.has("X-Powered-By"));
    EXPECT_FALSE(response.has("X-Secret-Hop"));
    EXPECT_FALSE(response.get("Strict-Transport-Security").empty());
}

// RFC 9110 §9.3.2, §15.3.5, §15.4.5: a response to HEAD, a 204 and a 304 have
// no body, and the keep-alive connection goes on after each. HEAD answers
// keep the length a GET would get; a 304 keeps its upstream's Content-Length;
// a 204 has none.
TEST_F(ProxyTest, BodilessResponsesAreFramedWithoutABody) {
    upstream.set_handler([](const RecordedRequest& request) {
        UpstreamResponse response;
        if (request.target == "/items/no-content") {
            response.status = 204;
        } else if (request.target == "/items/not-modified") {
            response.status = 304;
            response.headers = {{"Content-Length", "1234"}, {"ETag", "\"v7\""}};
        } else {
            response.headers = {{"Content-Type", "application/json"}};
            response.body = R"({"id":1,"name":"widget"})";
        }
        return response;
    });
    auto gateway = start(simple_route("/items/{id}"));
    RawConnection client(port, TlsOptions{});
    ASSERT_TRUE(client.connect());
    auto exchange = [&client](std::string_view method, std::string_view target) {
        EXPECT_TRUE(client.send(format_request(method, target, {{"Host", "localhost"}})));
        return client.read_response(5s, method == "HEAD");
    };

    auto head = exchange("HEAD", "/items/1");
    ASSERT_TRUE(head);
    EXPECT_EQ(head->status, 200u);
    EXPECT_EQ(head->get("Content-Length"), "24");
    EXPECT_EQ(head->body, "");

    auto unrouted_head = exchange("HEAD", "/nowhere");  // a problem Rampart generated
    ASSERT_TRUE(unrouted_head);
    EXPECT_EQ(unrouted_head->status, 404u);
    auto problem = https_request(port, "GET", "/nowhere", {{"Host", "localhost"}});
    EXPECT_EQ(unrouted_head->get("Content-Length"), std::to_string(problem.body.size()));

    auto no_content = exchange("GET", "/items/no-content");
    ASSERT_TRUE(no_content);
    EXPECT_EQ(no_content->status, 204u);
    EXPECT_FALSE(no_content->has("Content-Length"));

    auto not_modified = exchange("GET", "/items/not-modified");
    ASSERT_TRUE(not_modified);
    EXPECT_EQ(not_modified->status, 304u);
    EXPECT_EQ(not_modified->get("Content-Length"), "1234");
    EXPECT_EQ(not_modified->get("ETag"), "\"v7\"");

    // Nothing of a body was left on the connection: the next answer is whole.
    auto after = exchange("GET", "/items/2");
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 200u);
    EXPECT_EQ(after->body, R"({"id":1,"name":"widget"})");
    EXPECT_FALSE(client.closed_within(200ms));
}

TEST_F(ProxyTest, UnroutedRequestsAreNeverProxied) {
    auto gateway = start(simple_route("/items"));
    for (auto target :
         {"/", "/items/1", "/v0/users", "/internal/metrics", "/swagger.json", "/metrics"}) {
        auto response = https_request(port, "GET", target, {{"Host", "localhost"}});
        EXPECT_EQ(response.status, 404u) << target;
        EXPECT_EQ(response.get("Content-Type"), "application/problem+json") << target;
    }
    auto response = https_request(port, "DELETE", "/items", {{"Host", "localhost"}});
    EXPECT_EQ(response.status, 405u);
    EXPECT_EQ(response.get("Allow"), "GET, HEAD");
    EXPECT_EQ(upstream.request_count(), 0u);
}

TEST_F(ProxyTest, UnreachableUpstreamIs502AndSlowUpstreamIs504) {
    {
        std::uint16_t closed_port = free_port();
        auto config = gateway_config(port, admin_port, closed_port, simple_route("/items"));
        Gateway gateway(port, admin_port, config);
        auto response = https_request(port, "GET", "/items", {{"Host", "localhost"}});
        EXPECT_EQ(response.status, 502u);
        EXPECT_EQ(response.body.find(std::to_string(closed_port)), std::string::npos);
        EXPECT_EQ(response.body.find("127.0.0.1"), std::string::npos);
    }
    upstream.set_handler([](const RecordedRequest&) {
        UpstreamResponse response;
        response.delay = 1500ms;
        return response;
    });
    port = free_port();
    admin_port = free_port();
    auto config = gateway_config(port, admin_port, upstream.port(), simple_route("/slow"));
    auto position = config.find("response_timeout: 5s");
    config.replace(position, 21, "response_timeout: 300ms");
    Gateway gateway(port, admin_port, config);
    auto started = std::chrono::steady_clock::now();
    auto response = https_request(port, "GET", "/slow", {{"Host", "localhost"}});
    auto elapsed = std::chrono::steady_clock::now() - started;
    EXPECT_EQ(response.status, 504u);
    // GET is idempotent: one retry (retries: 1 by default), each bounded by the timeout.
    EXPECT_LT(elapsed, 1400ms);
}

TEST_F(ProxyTest, IdempotentRequestsMoveToAnotherTargetNonIdempotentDoNot) {
    RecordingUpstream second;
    auto routes = simple_route("/items", "[GET, POST]");
    auto config = gateway_config(port, admin_port, upstream.port(), routes);
    // One worker: round robin is per worker, and this test counts its turns.
    config.replace(config.find("workers: 2"), 10, "workers: 1");
    auto targets = "targets: [http://127.0.0.1:" + std::to_string(upstream.port()) + "]";
    config.replace(config.find(targets), targets.size(),
                   "targets: [http://127.0.0.1:" + std::to_string(upstream.port()) +
                       ", http://127.0.0.1:" + std::to_string(second.port()) + "]");
    Gateway gateway(port, admin_port, config);
    // Both targets answer: round robin spreads requests.
    for (int i = 0; i < 4; ++i) {
        EXPECT_EQ(https_request(port, "GET", "/items", {{"Host", "localhost"}}).status, 200u);
    }
    EXPECT_EQ(upstream.request_count(), 2u);
    EXPECT_EQ(second.request_count(), 2u);
    // One target fails with a reset after reading the request: GET is retried on the other.
    second.set_handler([](const RecordedRequest&) {
        UpstreamResponse response;
        response.raw = "";  // close without answering
        response.close_connection = true;
        return response;
    });
    int answered = 0;
    for (int i = 0; i < 4; ++i) {
        answered += https_request(port, "GET", "/items", {{"Host", "localhost"}}).status == 200u;
    }
    EXPECT_EQ(answered, 4);
    // A POST that reached the failing target is not replayed elsewhere.
    auto posts_before = upstream.request_count();
    int bad_gateways = 0;
    for (int i = 0; i < 4; ++i) {
        bad_gateways +=
            https_request(port, "POST", "/items", {{"Host", "localhost"}}, "{}").status == 502u;
    }
    EXPECT_GE(bad_gateways, 1);
    EXPECT_EQ(upstream.request_count() - posts_before, static_cast<std::size_t>(4 - bad_gateways));
}

TEST_F(ProxyTest, UpstreamErrorsAreMaskedByDefault) {
    upstream.set_handler([](const RecordedRequest&) {
        UpstreamResponse response;
        response.status = 500;
        response.headers = {{"Content-Type", "text/plain"}};
        response.body =
            "Traceback (most recent call last): File /srv/app/orders.py line 42 psycopg2";
        return response;
    });
    auto gateway = start(simple_route("/crash"));
    auto response = https_request(port, "GET", "/crash", {{"Host", "localhost"}});
    EXPECT_EQ(response.status, 500u);
    EXPECT_EQ(response.get("Content-Type"), "application/problem+json");
    EXPECT_EQ(response.body.find("Traceback"), std::string::npos);
    EXPECT_EQ(response.body.find("psycopg2"), std::string::npos);
    EXPECT_NE(response.body.find(response.get("X-Request-Id")), std::string::npos);
}

TEST_F(ProxyTest, AccessLogHasTheRequestAndNoSecrets) {
    auto gateway = start(simple_route("/items"));
    auto response = https_request(port, "GET", "/items?token=Canary-Query-5ecret",
                                  {{"Host", "localhost"},
                                   {"Authorization", "Bearer Canary-Token-5ecret"},
                                   {"Cookie", "session=Canary-Cookie-5ecret"}});
    ASSERT_EQ(response.status, 200u);
    EXPECT_TRUE(gateway->wait_for_access_log(response.get("X-Request-Id")));
    auto log = gateway->access_log();
    EXPECT_NE(log.find("\"route\":\"/items\""), std::string::npos);
    EXPECT_NE(log.find("\"status\":200"), std::string::npos);
    EXPECT_EQ(log.find("Canary"), std::string::npos);
}

TEST_F(ProxyTest, ActiveHealthChecksTakeAFailingTargetOutOfRotation) {
    RecordingUpstream second;
    std::atomic<bool> second_healthy{true};
    second.set_handler([&second_healthy](const RecordedRequest& request) {
        UpstreamResponse response;
        if (request.target == "/healthz" && !second_healthy) {
            response.status = 503;
        }
        return response;
    });
    auto config = gateway_config(port, admin_port, upstream.port(), simple_route("/items"));
    auto targets = "targets: [http://127.0.0.1:" + std::to_string(upstream.port()) + "]";
    config.replace(config.find(targets), targets.size(),
                   "targets: [http://127.0.0.1:" + std::to_string(upstream.port()) +
                       ", http://127.0.0.1:" + std::to_string(second.port()) +
                       "]\n    health:\n      active: {path: /healthz, interval: 100ms, "
                       "unhealthy_threshold: 2, healthy_threshold: 1}");
    Gateway gateway(port, admin_port, config);
    second_healthy = false;
    std::this_thread::sleep_for(500ms);
    auto before = second.request_count();
    for (int i = 0; i < 6; ++i) {
        EXPECT_EQ(https_request(port, "GET", "/items", {{"Host", "localhost"}}).status, 200u);
    }
    auto requests = second.requests();
    std::size_t routed_to_second = 0;
    for (std::size_t i = before; i < requests.size(); ++i) {
        routed_to_second += requests[i].target == "/items";
    }
    EXPECT_EQ(routed_to_second, 0u);
}
