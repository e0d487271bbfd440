// Rate limits shared through Redis (RL-03): real redis-server processes on
// loopback, started by each test, and real rampart binaries. Two instances
// sharing one Redis admit exactly the limit of a parallel burst; a Redis
// killed mid-run gives the configured on_redis_failure behaviour and never a
// 5xx; a Redis started again brings the shared counters back, and both
// transitions are in the security log.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "support/gateway.hpp"
#include "support/problem_assertions.hpp"
#include "support/raw_connection.hpp"
#include "support/redis_server.hpp"

namespace {

using namespace rampart::test;
using namespace std::chrono_literals;

const std::string key_secret = "0123456789abcdef0123456789abcdef";

// The rate-limit store's transition lines (the shared ban list has its own, ban_store).
const std::string store_shared = "\"event\":\"rate_limit_store\",\"state\":\"shared\"";
const std::string store_fallback = "\"event\":\"rate_limit_store\",\"state\":\"fallback\"";

std::string shared_limit_config(const RedisServer& redis, const std::string& on_failure,
                                int instances, int burst, const std::string& more_store = "",
                                const std::string& timeout = "1s") {
    return "rate_limit:\n"
           "  store:\n"
           "    type: redis\n"
           "    address: " +
           redis.address() +
           "\n"
           "    key_secret: ${RATE_LIMIT_KEY}\n"
           "    key_prefix: 'test:rl:'\n"
           "    timeout: " +
           timeout +
           "\n"
           "    instances: " +
           std::to_string(instances) +
           "\n"
           "    on_redis_failure: " +
           on_failure + "\n" + more_store +
           "  limits:\n"
           "    - {name: per_route, key: [route], rate: 1, period: 1h, burst: " +
           std::to_string(burst) + "}\n";
}

std::map<std::string, std::string> secret_environment() {
    return {{"RATE_LIMIT_KEY", key_secret}};
}

// A gateway in front of `upstream` with the shared limit.
std::unique_ptr<Gateway> start_gateway(const RecordingUpstream& upstream,
                                       const std::string& extra) {
    auto port = free_port();
    auto admin_port = free_port();
    return std::make_unique<Gateway>(
        port, admin_port,
        gateway_config(port, admin_port, upstream.port(), simple_route("/items"), extra),
        secret_environment());
}

ParsedResponse metrics_of(const Gateway& gateway) {
    return http_request(gateway.admin_port(), "GET", "/metrics", {{"Host", "localhost"}});
}

// The status of one request; 0 when no response came.
unsigned status_of(const Gateway& gateway) {
    try {
        return https_request(gateway.port(), "GET", "/items").status;
    } catch (const std::exception&) {
        return 0;
    }
}

// Polls (bounded) until the security log says the store is shared again
// after a fallback: every worker's connection is back.
bool wait_for_shared_again(const Gateway& gateway, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        auto log = gateway.security_log();
        auto fallback = log.find(store_fallback);
        if (fallback != std::string::npos &&
            log.find(store_shared, fallback) != std::string::npos) {
            return true;
        }
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

// Polls (bounded) until a request is answered with `status`.
bool wait_for_status(const Gateway& gateway, unsigned status, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (status_of(gateway) == status) {
            return true;
        }
        std::this_thread::sleep_for(50ms);
    }
    return false;
}

TEST(RedisRateLimit, TwoInstancesSharingOneRedisAdmitExactlyTheBurst) {
    RedisServer redis;
    RecordingUpstream upstream;
    auto config = shared_limit_config(redis, "closed", 2, 20);
    auto first = start_gateway(upstream, config);
    auto second = start_gateway(upstream, config);
    std::atomic<int> admitted{0};
    std::atomic<int> limited{0};
    std::atomic<int> other{0};
    std::vector<std::thread> clients;
    for (int client = 0; client < 6; ++client) {
        clients.emplace_back([&, client] {
            const Gateway& gateway = client % 2 == 0 ? *first : *second;
            for (int request = 0; request < 10; ++request) {
                auto status = status_of(gateway);
                (status == 200 ? admitted : status == 429 ? limited : other) += 1;
            }
        });
    }
    for (auto& client : clients) {
        client.join();
    }
    EXPECT_EQ(admitted.load(), 20);
    EXPECT_EQ(limited.load(), 40);
    EXPECT_EQ(other.load(), 0);
    EXPECT_EQ(upstream.requests().size(), 20u);
    // Every decision went through Redis: none fell back.
    auto first_metrics = metrics_of(*first).body;
    auto second_metrics = metrics_of(*second).body;
    EXPECT_NE(first_metrics.find("rampart_rate_limit_redis_up 1"), std::string::npos)
        << first_metrics;
    for (const auto* text : {&first_metrics, &second_metrics}) {
        EXPECT_NE(text->find("rampart_rate_limit_decisions_total{store=\"fallback\",outcome="
                             "\"admitted\"} 0"),
                  std::string::npos);
        EXPECT_NE(text->find("rampart_rate_limit_decisions_total{store=\"fallback\",outcome="
                             "\"refused\"} 0"),
                  std::string::npos);
    }
    // One counter key and one refusal marker, under the prefix, expiring.
    EXPECT_EQ(redis.command("--scan --pattern 'test:rl:*' | wc -l"), "2");
    EXPECT_EQ(first->security_log().find(store_fallback), std::string::npos);
}

// A 429 for the outage, with Retry-After and a problem body: not a 5xx.
TEST(RedisRateLimit, ClosedRefusesWith429WhileRedisIsDownAndRecovers) {
    RedisServer redis;
    RecordingUpstream upstream;
    auto gateway = start_gateway(upstream, shared_limit_config(redis, "closed", 2, 100));
    EXPECT_EQ(status_of(*gateway), 200u);
    EXPECT_TRUE(gateway->wait_for_security_log(store_shared));

    redis.stop();
    for (int request = 0; request < 5; ++request) {
        auto response = https_request(gateway->port(), "GET", "/items");
        EXPECT_EQ(response.status, 429u);
        EXPECT_EQ(response.get("Retry-After"), "1");
        expect_problem(response);
    }
    EXPECT_TRUE(gateway->wait_for_security_log(store_fallback)) << gateway->security_log();
    EXPECT_NE(gateway->security_log().find("\"on_redis_failure\":\"closed\""), std::string::npos);
    EXPECT_EQ(upstream.requests().size(), 1u);

    redis.start();
    // The connection retries with a backoff of at most 2 s.
    EXPECT_TRUE(wait_for_shared_again(*gateway, 5s)) << gateway->security_log();
    EXPECT_EQ(status_of(*gateway), 200u);
    auto metrics = metrics_of(*gateway).body;
    EXPECT_NE(metrics.find("rampart_rate_limit_redis_transitions_total{to=\"down\"} 1"),
              std::string::npos)
        << metrics;
    EXPECT_NE(metrics.find("rampart_rate_limit_redis_up 1"), std::string::npos);
}

TEST(RedisRateLimit, OpenAdmitsWhileRedisIsDown) {
    RedisServer redis;
    RecordingUpstream upstream;
    auto gateway = start_gateway(upstream, shared_limit_config(redis, "open", 2, 3));
    for (int request = 0; request < 3; ++request) {
        EXPECT_EQ(status_of(*gateway), 200u);
    }
    EXPECT_EQ(status_of(*gateway), 429u);  // Redis counts: the burst is spent

    redis.stop();
    for (int request = 0; request < 10; ++request) {
        EXPECT_EQ(status_of(*gateway), 200u);
    }
    EXPECT_EQ(upstream.requests().size(), 13u);
    EXPECT_TRUE(gateway->wait_for_security_log("\"on_redis_failure\":\"open\""));
}

// local: this instance counts alone, with the limit divided by `instances`
// (a burst of 10 over 2 instances: 5 here), then the shared counter again.
TEST(RedisRateLimit, LocalCountsTheLimitDividedByTheInstancesWhileRedisIsDown) {
    RedisServer redis;
    RecordingUpstream upstream;
    auto gateway = start_gateway(upstream, shared_limit_config(redis, "local", 2, 10));
    EXPECT_EQ(status_of(*gateway), 200u);

    redis.stop();
    int admitted = 0;
    int limited = 0;
    for (int request = 0; request < 12; ++request) {
        auto status = status_of(*gateway);
        EXPECT_TRUE(status == 200 || status == 429) << status;
        admitted += status == 200 ? 1 : 0;
        limited += status == 429 ? 1 : 0;
    }
    EXPECT_EQ(admitted, 5);
    EXPECT_EQ(limited, 7);

    // Back to Redis, whose counter (a fresh, empty Redis) admits again.
    redis.start();
    EXPECT_TRUE(wait_for_status(*gateway, 200, 5s));
    auto metrics = metrics_of(*gateway).body;
    EXPECT_NE(metrics.find("rampart_rate_limit_decisions_total{store=\"fallback\",outcome="
                           "\"admitted\"} 5"),
              std::string::npos)
        << metrics;
}

// A Redis that accepts connections but never answers (SIGSTOP): each
// decision waits at most the timeout, then the fallback decides; the
// reconnection's PING keeps the store "fallback" until Redis answers again.
TEST(RedisRateLimit, AHungRedisFallsBackAfterTheTimeout) {
    RedisServer redis;
    RecordingUpstream upstream;
    auto gateway =
        start_gateway(upstream, shared_limit_config(redis, "local", 1, 100, "", "100ms"));
    EXPECT_EQ(status_of(*gateway), 200u);
    EXPECT_TRUE(gateway->wait_for_security_log(store_shared));

    redis.pause();
    for (int request = 0; request < 4; ++request) {
        auto started = std::chrono::steady_clock::now();
        EXPECT_EQ(status_of(*gateway), 200u);
        EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
    }
    EXPECT_TRUE(gateway->wait_for_security_log("a command timed out")) << gateway->security_log();
    std::this_thread::sleep_for(500ms);  // reconnection attempts meanwhile: no flapping
    auto log = gateway->security_log();
    auto shared_lines = [](const std::string& text) {
        int count = 0;
        for (auto at = text.find(store_shared); at != std::string::npos;
             at = text.find(store_shared, at + 1)) {
            ++count;
        }
        return count;
    };
    EXPECT_EQ(shared_lines(log), 1) << log;

    redis.resume();
    EXPECT_TRUE(wait_for_shared_again(*gateway, 5s)) << gateway->security_log();
    EXPECT_EQ(status_of(*gateway), 200u);
}

// AUTH with a password from a file; a wrong one is a failure to connect, and
// the password never reaches the log.
TEST(RedisRateLimit, AuthenticatesWithAPasswordFromAFile) {
    const std::string password = "redis-password-do-not-log-4711";
    RedisServer redis(password);
    RecordingUpstream upstream;
    TempDir secrets;
    auto good = secrets.write("redis-password", password + "\n");
    auto bad = secrets.write("wrong-password", "not-the-password\n");
    auto gateway = start_gateway(
        upstream, shared_limit_config(redis, "closed", 1, 2, "    password: file:" + good + "\n"));
    EXPECT_EQ(status_of(*gateway), 200u);
    EXPECT_EQ(status_of(*gateway), 200u);
    EXPECT_EQ(status_of(*gateway), 429u);

    auto refused = start_gateway(
        upstream, shared_limit_config(redis, "closed", 1, 2, "    password: file:" + bad + "\n"));
    EXPECT_EQ(status_of(*refused), 429u);
    EXPECT_TRUE(refused->wait_for_security_log("AUTH refused")) << refused->security_log();
    EXPECT_EQ(refused->security_log().find("not-the-password"), std::string::npos);
    EXPECT_EQ(gateway->security_log().find(password), std::string::npos);
}

// The store is chosen at start: a reload may change the limits (the counters
// stay in Redis) but not the store.
TEST(RedisRateLimit, AReloadKeepsTheStoreAndRefusesToChangeIt) {
    RedisServer redis;
    RecordingUpstream upstream;
    auto port = free_port();
    auto admin_port = free_port();
    auto config_with = [&](const std::string& on_failure, int burst) {
        return gateway_config(port, admin_port, upstream.port(), simple_route("/items"),
                              shared_limit_config(redis, on_failure, 1, burst));
    };
    Gateway gateway(port, admin_port, config_with("closed", 2), secret_environment());
    auto reload = [&] {
        return http_request(
            admin_port, "POST", "/admin/reload",
            {{"Host", "localhost"}, {"Authorization", "Bearer " + test_admin_token}});
    };
    EXPECT_EQ(status_of(gateway), 200u);
    EXPECT_EQ(status_of(gateway), 200u);
    EXPECT_EQ(status_of(gateway), 429u);

    gateway.rewrite_config(config_with("closed", 3));
    auto applied = reload();
    EXPECT_EQ(applied.status, 200u) << applied.body;
    EXPECT_EQ(status_of(gateway), 200u);  // the same counter in Redis, one more allowed
    EXPECT_EQ(status_of(gateway), 429u);

    gateway.rewrite_config(config_with("open", 3));
    auto refused = reload();
    EXPECT_EQ(refused.status, 422u);
    EXPECT_NE(refused.body.find("rate_limit.store"), std::string::npos) << refused.body;
    EXPECT_EQ(refused.body.find(key_secret), std::string::npos);
    EXPECT_EQ(status_of(gateway), 429u);
}

TEST(RedisRateLimit, AStoreWithoutAKeySecretIsAConfigError) {
    RecordingUpstream upstream;
    TempDir directory;
    auto config = directory.write(
        "rampart.yaml",
        in_directory(gateway_config(18443, 19901, upstream.port(), simple_route("/items"),
                                    "rate_limit:\n  store: {type: redis, address: "
                                    "127.0.0.1:6379}\n  limits:\n    - {name: a, key: "
                                    "[client_ip], rate: 1}\n"),
                     directory.path()));
    Process check(rampart_binary(), {"check", "--config", config}, directory.path());
    auto status = check.wait_for_exit();
    ASSERT_TRUE(status.has_value());
    EXPECT_NE(*status, 0);
    auto output = check.output() + check.errors();
    EXPECT_NE(output.find("rate_limit.store.key_secret"), std::string::npos) << output;
}

}  // namespace
