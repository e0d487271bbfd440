// Rate limits through the real binary (RL-01, RL-02, RL-04): two workers,
// real TLS on loopback, requests in parallel over several connections. The
// limits are GCRA in the in-process store shared by the workers; periods are
// short where a test waits for the budget to come back.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "auth/secret_token.hpp"
#include "store/open_store.hpp"
#include "support/gateway.hpp"
#include "support/problem_assertions.hpp"
#include "support/raw_connection.hpp"
#include "support/store_records.hpp"

namespace {

using namespace rampart::test;
using namespace std::chrono_literals;
namespace json = boost::json;

std::string limits_config(const std::string& limits, const std::string& headers = "on_limit") {
    return "rate_limit:\n  headers: " + headers + "\n  limits:\n" + limits;
}

int count_of(const std::string& text, std::string_view part) {
    int count = 0;
    for (auto position = text.find(part); position != std::string::npos;
         position = text.find(part, position + part.size())) {
        ++count;
    }
    return count;
}

// Seconds in the t parameter of a RateLimit field ("name";r=0;t=7).
std::string reset_of(const std::string& field) {
    auto position = field.find(";t=");
    return position == std::string::npos ? "" : field.substr(position + 3);
}

TEST(RateLimit, ABurstOfParallelRequestsAdmitsExactlyTheBurst) {
    GatewayStack stack(simple_route("/items"),
                       limits_config("    - {name: per_ip, key: [client_ip], rate: 1, period: 1h, "
                                     "burst: 20}\n"));
    std::atomic<int> admitted{0};
    std::atomic<int> limited{0};
    std::vector<std::thread> clients;
    for (int client = 0; client < 6; ++client) {
        clients.emplace_back([&] {
            for (int request = 0; request < 10; ++request) {
                auto response = https_request(stack.port, "GET", "/items");
                (response.status == 200 ? admitted : limited) += 1;
            }
        });
    }
    for (auto& client : clients) {
        client.join();
    }
    EXPECT_EQ(admitted.load(), 20);
    EXPECT_EQ(limited.load(), 40);
    EXPECT_EQ(stack.upstream.requests().size(), 20u);
}

// RL-01: with 100 per 60 s, r counts 99..0; request 101 is a 429 whose Retry-After equals t,
// and after t seconds a request passes again.
TEST(RateLimit, RemainingCountsDownAndRetryAfterIsHonoured) {
    GatewayStack stack(simple_route("/items"),
                       limits_config("    - {name: default, key: [client_ip], rate: 100, "
                                     "period: 60s}\n",
                                     "on_all_responses"));
    RawConnection connection(stack.port, TlsOptions{});
    ASSERT_TRUE(connection.connect()) << connection.error();
    for (int expected = 99; expected >= 0; --expected) {
        ASSERT_TRUE(connection.send(format_request("GET", "/items")));
        auto response = connection.read_response();
        ASSERT_TRUE(response) << connection.error();
        ASSERT_EQ(response->status, 200u);
        EXPECT_EQ(response->get("RateLimit-Policy"), "\"default\";q=100;w=60");
        EXPECT_TRUE(response->get("RateLimit")
                        .starts_with("\"default\";r=" + std::to_string(expected) + ";t="))
            << response->get("RateLimit");
    }
    ASSERT_TRUE(connection.send(format_request("GET", "/items")));
    auto refused = connection.read_response();
    ASSERT_TRUE(refused);
    EXPECT_EQ(refused->status, 429u);
    expect_problem(*refused);
    EXPECT_EQ(refused->get("RateLimit-Policy"), "\"default\";q=100;w=60");
    auto delay = reset_of(refused->get("RateLimit"));
    EXPECT_TRUE(refused->get("RateLimit").starts_with("\"default\";r=0;t="));
    EXPECT_EQ(refused->get("Retry-After"), delay);
    ASSERT_FALSE(delay.empty());
    std::this_thread::sleep_for(std::chrono::seconds(std::stoi(delay)));
    ASSERT_TRUE(connection.send(format_request("GET", "/items")));
    auto after = connection.read_response();
    ASSERT_TRUE(after);
    EXPECT_EQ(after->status, 200u);
    EXPECT_EQ(stack.upstream.requests().size(), 101u);
}

// RL-02: the peer is not a trusted proxy, so X-Forwarded-For does not change the key.
TEST(RateLimit, RotatingForwardedForFromAnUntrustedPeerStaysLimited) {
    GatewayStack stack(simple_route("/items"),
                       limits_config("    - {name: per_ip, key: [client_ip], rate: 5, "
                                     "period: 1m}\n"));
    int admitted = 0;
    for (int request = 0; request < 20; ++request) {
        auto forwarded = "198.51.100." + std::to_string(request + 1);
        admitted +=
            https_request(stack.port, "GET", "/items", {{"X-Forwarded-For", forwarded}}).status ==
                    200
                ? 1
                : 0;
    }
    EXPECT_EQ(admitted, 5);
}

// Refused requests leave the budget alone: hammering while limited does not push the next
// admission further away.
TEST(RateLimit, RefusedRequestsDoNotCount) {
    GatewayStack stack(simple_route("/items"),
                       limits_config("    - {name: per_ip, key: [client_ip], rate: 1, "
                                     "period: 1s, burst: 2}\n"));
    RawConnection connection(stack.port, TlsOptions{});
    ASSERT_TRUE(connection.connect()) << connection.error();
    auto status_of_next = [&] {
        EXPECT_TRUE(connection.send(format_request("GET", "/items")));
        auto response = connection.read_response();
        return response ? response->status : 0u;
    };
    ASSERT_EQ(status_of_next(), 200u);
    ASSERT_EQ(status_of_next(), 200u);
    auto first_refusal = std::chrono::steady_clock::now();
    for (int request = 0; request < 30; ++request) {
        ASSERT_EQ(status_of_next(), 429u);
    }
    // One unit comes back a second after the burst, however many were refused meanwhile.
    std::this_thread::sleep_until(first_refusal + 1100ms);
    EXPECT_EQ(status_of_next(), 200u);
    EXPECT_EQ(status_of_next(), 429u);
    EXPECT_EQ(stack.upstream.requests().size(), 3u);
}

// RL-01: with a per-second and a per-minute policy, the fields name the one that is exhausted.
TEST(RateLimit, SeveralLimitsNameTheExhaustedOne) {
    GatewayStack stack(simple_route("/items"),
                       limits_config("    - {name: per_second, key: [client_ip], rate: 5, "
                                     "period: 1s}\n"
                                     "    - {name: per_minute, key: [client_ip], rate: 8, "
                                     "period: 1m}\n",
                                     "on_all_responses"));
    RawConnection connection(stack.port, TlsOptions{});
    ASSERT_TRUE(connection.connect()) << connection.error();
    auto next = [&] {
        EXPECT_TRUE(connection.send(format_request("GET", "/items")));
        auto response = connection.read_response();
        EXPECT_TRUE(response);
        return response.value_or(ParsedResponse{});
    };
    auto start = std::chrono::steady_clock::now();
    for (int request = 0; request < 5; ++request) {
        ASSERT_EQ(next().status, 200u);
    }
    auto per_second = next();
    ASSERT_EQ(per_second.status, 429u);
    ASSERT_LT(std::chrono::steady_clock::now() - start, 1s) << "the machine is too slow";
    EXPECT_TRUE(per_second.get("RateLimit").starts_with("\"per_second\";r=0;"))
        << per_second.get("RateLimit");
    EXPECT_EQ(per_second.get("RateLimit-Policy"),
              "\"per_second\";q=5;w=1, \"per_minute\";q=8;w=60");
    std::this_thread::sleep_for(1100ms);
    for (int request = 0; request < 3; ++request) {
        auto response = next();
        ASSERT_EQ(response.status, 200u);
        EXPECT_TRUE(response.get("RateLimit")
                        .starts_with("\"per_minute\";r=" + std::to_string(2 - request) + ";"))
            << response.get("RateLimit");
    }
    auto per_minute = next();
    ASSERT_EQ(per_minute.status, 429u);
    EXPECT_TRUE(per_minute.get("RateLimit").starts_with("\"per_minute\";r=0;t="));
    EXPECT_EQ(per_minute.get("Retry-After"), reset_of(per_minute.get("RateLimit")));
    EXPECT_GT(std::stoi(per_minute.get("Retry-After")), 1);
}

// A refusal is counted by route, and logged once per key and window (not once per request).
TEST(RateLimit, RefusalsAreCountedAndLoggedOncePerWindow) {
    GatewayStack stack(simple_route("/items"),
                       limits_config("    - {name: per_ip, key: [client_ip], rate: 1, "
                                     "period: 1m}\n"));
    for (int request = 0; request < 12; ++request) {
        https_request(stack.port, "GET", "/items");
    }
    auto metrics = http_request(stack.admin_port, "GET", "/metrics");
    EXPECT_NE(metrics.body.find("rampart_rate_limited_requests_total{route=\"/items\"} 11"),
              std::string::npos)
        << metrics.body;
    ASSERT_TRUE(stack.gateway->wait_for_security_log("\"event\":\"rate_limited\""));
    std::this_thread::sleep_for(300ms);  // any further line would have been written by now
    auto log = stack.gateway->security_log();
    EXPECT_EQ(count_of(log, "\"event\":\"rate_limited\""), 1) << log;
    EXPECT_NE(log.find("\"reason\":\"per_ip\""), std::string::npos);
}

class IdentityLimits : public ::testing::Test {
  protected:
    void start(const std::string& limits) {
        const std::string routes =
            "  - path: /me\n    methods: [GET]\n    upstream: app\n    auth: [jwt, api_key]\n"
            "    authorize: authenticated\n";
        stack = std::make_unique<GatewayStack>(routes, "token_service: {}\n" + limits);
        auto store = rampart::store::open_store(stack->gateway->directory().path() + "/data");
        ASSERT_TRUE(store->create_user(make_user("usr_alice", "alice", password, {"customer"})));
        ASSERT_TRUE(store->create_user(make_user("usr_bob", "bob", password, {"premium"})));
    }

    std::string access_token(const std::string& username) {
        json::object body{{"username", username}, {"password", password}};
        auto response =
            https_request(stack->port, "POST", "/auth/login",
                          {{"Content-Type", "application/json"}}, json::serialize(body));
        EXPECT_EQ(response.status, 200u) << response.body;
        return std::string(json::parse(response.body).at("access_token").as_string());
    }

    int admitted_of(const std::string& authorization, int count) {
        int admitted = 0;
        for (int request = 0; request < count; ++request) {
            auto response =
                https_request(stack->port, "GET", "/me", {{"Authorization", authorization}});
            EXPECT_TRUE(response.status == 200u || response.status == 429u) << response.status;
            admitted += response.status == 200u ? 1 : 0;
        }
        return admitted;
    }

    const std::string password = "correct horse battery staple";
    std::unique_ptr<GatewayStack> stack;
};

TEST_F(IdentityLimits, SubjectsAreLimitedSeparatelyAndRolesGetTheirOwnPolicy) {
    start(
        limits_config("    - name: per_subject\n      key: [subject]\n      rate: 3\n"
                      "      period: 1m\n      by_role: {premium: {rate: 6}}\n"));
    auto alice = "Bearer " + access_token("alice");
    auto bob = "Bearer " + access_token("bob");
    EXPECT_EQ(admitted_of(alice, 10), 3);
    EXPECT_EQ(admitted_of(bob, 10), 6);
}

TEST_F(IdentityLimits, ApiKeysAreLimitedPerKey) {
    start(limits_config("    - {name: per_key, key: [api_key], rate: 2, period: 1m}\n"));
    auto store = rampart::store::open_store(stack->gateway->directory().path() + "/data");
    std::vector<std::string> keys;
    for (int index = 0; index < 2; ++index) {
        auto made = rampart::auth::make_api_key();
        rampart::store::ApiKey key;
        key.id = made.id;
        key.prefix = made.display_prefix;
        key.secret_hash = made.secret_hash;
        key.consumer = "reports";
        key.created_at = std::chrono::system_clock::now();
        ASSERT_TRUE(store->create_api_key(key));
        keys.push_back("ApiKey " + made.full_key);
    }
    // The keys reach the server within a second: wait for the first 200 of each.
    for (const auto& key : keys) {
        unsigned status = 0;
        for (int attempt = 0; attempt < 30 && status != 200u; ++attempt) {
            status = https_request(stack->port, "GET", "/me", {{"Authorization", key}}).status;
            if (status != 200u) {
                std::this_thread::sleep_for(100ms);
            }
        }
        ASSERT_EQ(status, 200u);
    }
    EXPECT_EQ(admitted_of(keys[0], 5), 1);  // one of the two was spent above
    EXPECT_EQ(admitted_of(keys[1], 5), 1);
    // A token has no API key: the key limit does not apply to it.
    EXPECT_EQ(admitted_of("Bearer " + access_token("alice"), 5), 5);
}

// RL-04: the login endpoint has its own, stricter limit per address (5/min against 100/min for
// the API), checked before authentication: refused logins never reach a password hash.
TEST(RateLimit, TheLoginEndpointHasItsOwnStricterLimit) {
    GatewayStack stack(
        simple_route("/items"),
        "token_service:\n  rate_limit:\n    limits:\n"
        "      - {name: login_per_ip, key: [client_ip, route], rate: 5, period: 1m}\n" +
            limits_config("    - {name: api_per_ip, key: [client_ip], rate: 100, "
                          "period: 1m}\n"));
    std::vector<unsigned> statuses;
    for (int attempt = 0; attempt < 8; ++attempt) {
        json::object body{{"username", "nobody-" + std::to_string(attempt)},
                          {"password", "not the password at all"}};
        statuses.push_back(https_request(stack.port, "POST", "/auth/login",
                                         {{"Content-Type", "application/json"}},
                                         json::serialize(body))
                               .status);
    }
    EXPECT_EQ(statuses, (std::vector<unsigned>{401, 401, 401, 401, 401, 429, 429, 429}));
    int admitted = 0;
    for (int request = 0; request < 20; ++request) {
        admitted += https_request(stack.port, "GET", "/items").status == 200u ? 1 : 0;
    }
    EXPECT_EQ(admitted, 20);
}

// RL-04: the address limit runs before authentication. A client sending bearer tokens with bad
// signatures gets 401 up to the limit, then 429 without any signature check.
TEST(RateLimit, AnAddressLimitRunsBeforeSignatureChecks) {
    const std::string routes =
        "  - path: /me\n    methods: [GET]\n    upstream: app\n    auth: [jwt]\n"
        "    authorize: authenticated\n";
    GatewayStack stack(routes, "token_service: {}\n" +
                                   limits_config("    - {name: per_ip, key: [client_ip], rate: 20, "
                                                 "period: 1m}\n"));
    // A well-formed ES256-looking token whose signature cannot verify.
    const std::string forged =
        "Bearer eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Im5vLXN1Y2gta2V5In0."
        "eyJzdWIiOiJhZG1pbiIsImV4cCI6NDEwMjQ0NDgwMH0."
        "c2lnbmF0dXJlLXRoYXQtZG9lcy1ub3QtdmVyaWZ5LWF0LWFsbC1hdC1hbGwtYXQtYWxsLWF0LWFsbC1hdC1hbGw";
    RawConnection connection(stack.port, TlsOptions{});
    ASSERT_TRUE(connection.connect()) << connection.error();
    int unauthorized = 0;
    int limited = 0;
    for (int request = 0; request < 200; ++request) {
        ASSERT_TRUE(connection.send(format_request("GET", "/me", {{"Authorization", forged}})));
        auto response = connection.read_response();
        ASSERT_TRUE(response) << connection.error();
        unauthorized += response->status == 401u ? 1 : 0;
        limited += response->status == 429u ? 1 : 0;
    }
    EXPECT_EQ(unauthorized, 20);
    EXPECT_EQ(limited, 180);
    EXPECT_EQ(stack.upstream.requests().size(), 0u);
}

// RL-06: a sensitive business flow gets its own limit on its route: 50 password-reset requests
// for different addresses from one client, and the upstream sees only the threshold.
TEST(RateLimit, ASensitiveFlowHasItsOwnLimitOnItsRoute) {
    GatewayStack stack(simple_route("/items") +
                       simple_route("/password-reset", "[POST]",
                                    "    rate_limit:\n      limits:\n"
                                    "        - {name: reset_per_ip, key: [client_ip], rate: 5, "
                                    "period: 1h}\n"));
    int admitted = 0;
    int limited = 0;
    for (int request = 0; request < 50; ++request) {
        json::object body{{"email", "user" + std::to_string(request) + "@example.com"}};
        auto response =
            https_request(stack.port, "POST", "/password-reset",
                          {{"Content-Type", "application/json"}}, json::serialize(body));
        admitted += response.status == 200u ? 1 : 0;
        limited += response.status == 429u ? 1 : 0;
    }
    EXPECT_EQ(admitted, 5);
    EXPECT_EQ(limited, 45);
    EXPECT_EQ(stack.upstream.requests().size(), 5u);
    // The other route has no limit.
    for (int request = 0; request < 10; ++request) {
        EXPECT_EQ(https_request(stack.port, "GET", "/items").status, 200u);
    }
}

// Connection-level defence: new connections per second per client address, refused at accept
// by closing. 127.0.0.2 and 127.0.0.3 are other loopback sources with budgets of their own.
bool connection_survives_from(const char* source, std::uint16_t port) {
    int socket_fd = ::socket(AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(socket_fd, 0);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    ::inet_pton(AF_INET, source, &local.sin_addr);
    sockaddr_in remote{};
    remote.sin_family = AF_INET;
    remote.sin_port = htons(port);
    ::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    bool survives = false;
    if (::bind(socket_fd, reinterpret_cast<sockaddr*>(&local), sizeof local) == 0 &&
        ::connect(socket_fd, reinterpret_cast<sockaddr*>(&remote), sizeof remote) == 0) {
        // An admitted connection waits for our ClientHello; a refused one is closed at once.
        pollfd readable{socket_fd, POLLIN, 0};
        survives = ::poll(&readable, 1, 300) == 0;
    } else {
        ADD_FAILURE() << "cannot connect from " << source;
    }
    ::close(socket_fd);
    return survives;
}

TEST(ConnectionRate, NewConnectionsPerSecondAreLimitedPerAddress) {
    GatewayStack stack(simple_route("/items"),
                       "rate_limit:\n  connections_per_ip: {rate: 1, burst: 3}\n");
    auto survivors_from = [&](const char* source) {
        int survivors = 0;
        for (int attempt = 0; attempt < 6; ++attempt) {
            survivors += connection_survives_from(source, stack.port) ? 1 : 0;
        }
        return survivors;
    };
    // 6 attempts within 2 s: the burst of 3 and at most 2 more at 1 per second.
    auto from_second = survivors_from("127.0.0.2");
    EXPECT_GE(from_second, 3);
    EXPECT_LE(from_second, 5);
    auto from_third = survivors_from("127.0.0.3");
    EXPECT_GE(from_third, 3);
    EXPECT_LE(from_third, 5);
    auto metrics = http_request(stack.admin_port, "GET", "/metrics");
    auto refused = (6 - from_second) + (6 - from_third);
    EXPECT_NE(
        metrics.body.find("rampart_connections_rate_limited_total " + std::to_string(refused)),
        std::string::npos)
        << metrics.body;
}

}  // namespace
