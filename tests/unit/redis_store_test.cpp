// The pieces of the Redis rate-limit store that need no server: reading the
// GCRA script's reply, the Redis keys, the divided limits of `local` mode,
// and the `rate_limit.store` settings. The script itself runs against a real
// redis-server in tests/integration/redis_rate_limit_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "config/yaml_reader.hpp"
#include "limit/redis_gcra_script.hpp"
#include "limit/redis_store.hpp"
#include "limit/store_settings.hpp"
#include "store/redis/redis_reply.hpp"

namespace {

using namespace rampart;
using limit::nanoseconds_per_second;

// A reply as hiredis parses it from RESP bytes.
store::redis::ReplyPointer parse(const std::string& resp) {
    store::redis::ReplyReader reader;
    EXPECT_TRUE(reader.feed(resp.data(), resp.size()));
    bool broken = false;
    auto reply = reader.next(broken);
    EXPECT_FALSE(broken);
    return reply;
}

TEST(RedisGcraScript, ReadsAdmittedAndRefusedLimits) {
    auto reply = parse("*8\r\n:1\r\n:7\r\n:2500000\r\n:0\r\n:0\r\n:0\r\n:600000\r\n:1\r\n");
    ASSERT_TRUE(reply);
    std::array<limit::LimitOutcome, 2> outcomes;
    ASSERT_TRUE(limit::read_gcra_script_reply(*reply, outcomes));
    EXPECT_TRUE(outcomes[0].decision.admitted);
    EXPECT_EQ(outcomes[0].decision.remaining, 7);
    EXPECT_EQ(outcomes[0].decision.reset_after, 2'500'000'000);
    EXPECT_FALSE(outcomes[0].report_refusal);
    EXPECT_FALSE(outcomes[1].decision.admitted);
    EXPECT_EQ(outcomes[1].decision.retry_after, 600'000'000);
    EXPECT_TRUE(outcomes[1].report_refusal);
    EXPECT_EQ(limit::seconds_rounded_up(outcomes[1].decision.retry_after), 1);
}

TEST(RedisGcraScript, RefusesRepliesOfTheWrongShape) {
    std::array<limit::LimitOutcome, 1> outcomes;
    for (const char* resp : {
             "-NOSCRIPT No matching script\r\n",                        // an error reply
             "*8\r\n:1\r\n:7\r\n:1\r\n:0\r\n:1\r\n:7\r\n:1\r\n:0\r\n",  // two limits, one asked
             "*4\r\n:1\r\n$1\r\n7\r\n:1\r\n:0\r\n",             // a string among the integers
             "*4\r\n:2\r\n:7\r\n:1\r\n:0\r\n",                  // admitted is 0 or 1
             "*4\r\n:1\r\n:-1\r\n:1\r\n:0\r\n",                 // negative remaining
             "*4\r\n:0\r\n:0\r\n:99999999999999999\r\n:0\r\n",  // beyond any budget
             ":1\r\n",
         }) {
        auto reply = parse(resp);
        ASSERT_TRUE(reply) << resp;
        EXPECT_FALSE(limit::read_gcra_script_reply(*reply, outcomes)) << resp;
    }
}

TEST(RedisGcraScript, ErrorCodeIsTheFirstWord) {
    auto reply = parse("-NOSCRIPT No matching script. Please use EVAL.\r\n");
    EXPECT_EQ(store::redis::error_code(*reply), "NOSCRIPT");
    EXPECT_EQ(store::redis::error_code(*parse("+OK\r\n")), "");
}

TEST(RedisGcraScript, KeysArePrefixedHexDigests) {
    auto digest = limit::digest_of("per_ip 192.0.2.1");
    auto key = limit::redis_counter_key("rampart:rl:", digest, false);
    ASSERT_EQ(key.size(), std::string("rampart:rl:").size() + 32);
    EXPECT_TRUE(key.starts_with("rampart:rl:"));
    EXPECT_EQ(key.find_first_not_of("0123456789abcdef", 11), std::string::npos);
    EXPECT_EQ(limit::redis_counter_key("rampart:rl:", digest, true), key + ":r");
    EXPECT_NE(limit::redis_counter_key("rampart:rl:", limit::digest_of("per_ip 192.0.2.2"), false),
              key);
}

TEST(RedisGcraScript, Sha1IsOfTheScriptText) {
    EXPECT_EQ(limit::gcra_script_sha1().size(), 40u);
    EXPECT_NE(limit::gcra_script().find("redis.call('TIME')"), std::string_view::npos);
}

TEST(RedisGcraScript, EmissionIntervalInWholeMicroseconds) {
    auto policy = *limit::make_gcra_policy(3, nanoseconds_per_second, 3);  // 333 333 333 ns
    EXPECT_EQ(limit::script_emission_interval_microseconds(policy), 333'333);
    auto fast = *limit::make_gcra_policy(10'000'000, nanoseconds_per_second, 1);  // 100 ns
    EXPECT_EQ(limit::script_emission_interval_microseconds(fast), 1);
}

TEST(RedisStoreFallback, LocalDividesTheRateAndTheBurstByTheInstances) {
    auto policy = *limit::make_gcra_policy(100, 60 * nanoseconds_per_second, 100);
    auto divided = limit::RedisStore::divided_policy(policy, 4);
    EXPECT_EQ(divided.burst, 25);
    EXPECT_EQ(divided.emission_interval, 4 * policy.emission_interval);
    EXPECT_EQ(divided.tolerance, policy.tolerance);

    auto single = *limit::make_gcra_policy(1, nanoseconds_per_second, 3);
    auto at_least_one = limit::RedisStore::divided_policy(single, 10);
    EXPECT_EQ(at_least_one.burst, 1);

    // A year-long budget over 1000 instances stays representable.
    auto slow = *limit::make_gcra_policy(1, limit::max_tolerance, 1);
    auto clamped = limit::RedisStore::divided_policy(slow, 1000);
    EXPECT_EQ(clamped.emission_interval, limit::max_tolerance);
    EXPECT_GT(clamped.tolerance, 0);
}

TEST(RedisStoreFallback, ClosedRefusesAndOpenAdmitsWithoutRedis) {
    auto policy = *limit::make_gcra_policy(10, nanoseconds_per_second, 10);
    std::array<limit::LimitCheck, 2> checks{
        limit::LimitCheck{limit::digest_of("a"), limit::digest_of("a overflow"), &policy},
        limit::LimitCheck{limit::digest_of("b"), limit::digest_of("b overflow"), &policy}};
    std::array<limit::LimitOutcome, 2> outcomes;
    limit::RedisStoreSettings settings;
    settings.address = "127.0.0.1";
    settings.on_failure = limit::RedisFailureMode::closed;
    limit::RedisStore closed(settings, 1, {});
    closed.decide(checks, outcomes, nanoseconds_per_second);
    EXPECT_FALSE(outcomes[0].decision.admitted);
    EXPECT_TRUE(outcomes[0].store_unavailable);
    EXPECT_FALSE(outcomes[0].report_refusal);
    EXPECT_EQ(outcomes[0].decision.retry_after, nanoseconds_per_second);

    settings.on_failure = limit::RedisFailureMode::open;
    limit::RedisStore open(settings, 1, {});
    open.decide(checks, outcomes, nanoseconds_per_second);
    EXPECT_TRUE(outcomes[0].decision.admitted);
    EXPECT_TRUE(outcomes[1].decision.admitted);

    settings.on_failure = limit::RedisFailureMode::local;
    settings.instances = 2;
    limit::RedisStore local(settings, 1, {});
    int admitted = 0;
    for (int request = 0; request < 8; ++request) {
        local.decide(checks, outcomes, nanoseconds_per_second);
        admitted += outcomes[0].decision.admitted && outcomes[1].decision.admitted ? 1 : 0;
    }
    EXPECT_EQ(admitted, 5);  // a burst of 10 over 2 instances
}

config::Section rate_limit_section(const std::string& yaml) {
    static std::vector<config::Section> keep;  // the reader's claims live with the root
    keep.push_back(config::load_yaml_text(yaml, "test.yaml"));
    return keep.back().section("rate_limit");
}

TEST(RedisStoreSettings, ReadsEveryKey) {
    ::setenv("RAMPART_TEST_RL_KEY", "0123456789abcdef0123", 1);
    auto settings = limit::read_store_settings(rate_limit_section(
        "rate_limit:\n  store:\n    type: redis\n    address: '[::1]:6380'\n"
        "    password: hunter2\n    database: 3\n    key_prefix: 'a:'\n"
        "    key_secret: ${RAMPART_TEST_RL_KEY}\n    timeout: 20ms\n    connect_timeout: 2s\n"
        "    instances: 3\n    on_redis_failure: closed\n"));
    ASSERT_TRUE(settings);
    EXPECT_EQ(settings->address, "::1");
    EXPECT_EQ(settings->port, 6380);
    EXPECT_EQ(settings->password, "hunter2");
    EXPECT_EQ(settings->database, 3);
    EXPECT_EQ(settings->key_prefix, "a:");
    EXPECT_EQ(settings->key_secret, "0123456789abcdef0123");
    EXPECT_EQ(settings->timeout, std::chrono::milliseconds(20));
    EXPECT_EQ(settings->connect_timeout, std::chrono::seconds(2));
    EXPECT_EQ(settings->instances, 3);
    EXPECT_EQ(settings->on_failure, limit::RedisFailureMode::closed);

    auto defaults = limit::read_store_settings(
        rate_limit_section("rate_limit:\n  store: {type: redis, key_secret: 0123456789abcdef}\n"));
    ASSERT_TRUE(defaults);
    EXPECT_EQ(defaults->address, "127.0.0.1");
    EXPECT_EQ(defaults->port, 6379);
    EXPECT_EQ(defaults->on_failure, limit::RedisFailureMode::local);
    EXPECT_EQ(defaults->timeout, std::chrono::milliseconds(50));
    EXPECT_EQ(defaults->key_prefix, "rampart:rl:");

    EXPECT_FALSE(limit::read_store_settings(rate_limit_section("rate_limit:\n  store: {}\n")));
    EXPECT_FALSE(limit::read_store_settings(rate_limit_section("rate_limit: {}\n")));
}

void expect_store_error(const std::string& store, const std::string& expected) {
    try {
        (void)limit::read_store_settings(rate_limit_section("rate_limit:\n  store: " + store));
        ADD_FAILURE() << "accepted: " << store;
    } catch (const config::ConfigError& error) {
        std::string message = error.what();
        EXPECT_NE(message.find("test.yaml:"), std::string::npos) << message;
        EXPECT_NE(message.find(expected), std::string::npos) << message;
        EXPECT_EQ(message.find("short-secret"), std::string::npos) << message;
    }
}

TEST(RedisStoreSettings, RefusesBadSettingsNamingTheKey) {
    expect_store_error("{type: redis}\n", "rate_limit.store.key_secret: is required");
    expect_store_error("{type: redis, key_secret: short-secret}\n",
                       "rate_limit.store.key_secret: must be at least 16 bytes");
    expect_store_error("{type: redis, key_secret: 0123456789abcdef, address: redis.local:6379}\n",
                       "rate_limit.store.address");
    expect_store_error("{type: redis, key_secret: 0123456789abcdef, address: '127.0.0.1:0'}\n",
                       "rate_limit.store.address");
    expect_store_error("{type: memcached}\n", "rate_limit.store.type");
    expect_store_error("{type: redis, key_secret: 0123456789abcdef, on_redis_failure: maybe}\n",
                       "rate_limit.store.on_redis_failure");
    expect_store_error("{type: redis, key_secret: 0123456789abcdef, instances: 0}\n",
                       "rate_limit.store.instances");
    expect_store_error("{type: redis, key_secret: 0123456789abcdef, colour: red}\n", "colour");
}

}  // namespace
