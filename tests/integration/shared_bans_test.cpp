// Bans shared through Redis (shared mode): two real rampart instances and a
// real redis-server on loopback. A ban added through one instance's admin API
// is refused by the other within the poll interval, listed there, lifted
// there and admitted again on the first; expiry holds on both; with Redis
// down each keeps enforcing its copy, never answers 5xx, and a ban added
// meanwhile reaches the other instance when Redis is back; a flushed Redis
// is seeded again from the copies; a token's addresses are counted across
// both instances, and its misuse reported once.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <thread>

#include "support/gateway.hpp"
#include "support/raw_connection.hpp"
#include "support/redis_server.hpp"

namespace {

using namespace rampart::test;
using namespace std::chrono_literals;
namespace json = boost::json;

const std::string routes = simple_route("/items") +
                           "  - path: /keyed\n    methods: [GET]\n    upstream: app\n"
                           "    auth: [api_key]\n    authorize: authenticated\n";

std::string shared_config(const RedisServer& redis, const std::string& more = "") {
    return "rate_limit:\n"
           "  store:\n"
           "    type: redis\n"
           "    address: " +
           redis.address() +
           "\n"
           "    key_secret: '0123456789abcdef0123456789abcdef'\n"
           "    key_prefix: 'test:'\n"
           "    timeout: 1s\n"
           "    on_redis_failure: open\n"
           "  limits:\n"
           "    - {name: per_ip, key: [client_ip], rate: 1000, period: 1s}\n" +
           more;
}

TlsOptions from(const std::string& source) {
    TlsOptions options;
    options.source_address = source;
    return options;
}

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout = 5s) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!condition()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(50ms);
    }
    return true;
}

class SharedBans : public ::testing::Test {
  protected:
    // Two instances in front of one upstream, sharing `redis` and one data
    // directory (the first's), so that an API key made on one works on both.
    void start(const std::string& more = "") {
        auto config = shared_config(redis, more);
        auto first_port = free_port();
        auto first_admin = free_port();
        first = std::make_unique<Gateway>(
            first_port, first_admin,
            gateway_config(first_port, first_admin, upstream.port(), routes, config));
        auto second_port = free_port();
        auto second_admin = free_port();
        auto second_text =
            gateway_config(second_port, second_admin, upstream.port(), routes, config);
        auto shared_data = "data_directory: " + first->directory().path() + "/data";
        second_text.replace(second_text.find("data_directory: {{dir}}/data"),
                            std::string("data_directory: {{dir}}/data").size(), shared_data);
        second = std::make_unique<Gateway>(second_port, second_admin, second_text);
    }

    static ParsedResponse admin(const Gateway& gateway, const std::string& method,
                                const std::string& path, const std::string& body = "") {
        HeaderList headers{{"Authorization", "Bearer " + test_admin_token}};
        if (!body.empty()) {
            headers.emplace_back("Content-Type", "application/json");
        }
        return http_request(gateway.admin_port(), method, path, headers, body);
    }

    static std::string add_ban(const Gateway& gateway, const std::string& body) {
        auto added = admin(gateway, "POST", "/admin/bans", body);
        EXPECT_EQ(added.status, 201u) << added.body;
        return added.status == 201u
                   ? std::string(json::parse(added.body).as_object().at("id").as_string())
                   : "";
    }

    static json::array listed_bans(const Gateway& gateway) {
        auto listed = admin(gateway, "GET", "/admin/bans");
        EXPECT_EQ(listed.status, 200u) << listed.body;
        return json::parse(listed.body).as_object().at("bans").as_array();
    }

    // The status of GET /items from `source`; 0 when the connection is closed at accept.
    static unsigned status_from(const Gateway& gateway, const std::string& source,
                                const std::string& path = "/items",
                                const HeaderList& headers = {}) {
        try {
            return https_request(gateway.port(), "GET", path, headers, {}, from(source)).status;
        } catch (const std::exception&) {
            return 0;
        }
    }

    RedisServer redis;
    RecordingUpstream upstream;
    std::unique_ptr<Gateway> first;
    std::unique_ptr<Gateway> second;
};

TEST_F(SharedBans, AddedOnOneInstanceRefusedListedAndLiftedOnTheOther) {
    start();
    ASSERT_EQ(status_from(*second, "127.0.0.2"), 200u);
    auto id = add_ban(*first, R"({"kind":"address","target":"127.0.0.2","ttl":"10m"})");
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(status_from(*first, "127.0.0.2"), 0u);  // at once where it was added
    EXPECT_TRUE(eventually([&] { return status_from(*second, "127.0.0.2") == 0u; }));
    EXPECT_EQ(status_from(*second, "127.0.0.3"), 200u);  // another address
    auto listed = listed_bans(*second);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].as_object().at("id").as_string(), id);
    EXPECT_EQ(listed[0].as_object().at("target").as_string(), "127.0.0.2");

    auto lifted = admin(*second, "DELETE", "/admin/bans/" + id);
    EXPECT_EQ(lifted.status, 200u) << lifted.body;
    EXPECT_EQ(status_from(*second, "127.0.0.2"), 200u);
    EXPECT_TRUE(eventually([&] { return status_from(*first, "127.0.0.2") == 200u; }));
    EXPECT_TRUE(listed_bans(*first).empty());
    EXPECT_EQ(redis.command("EXISTS test:bans:version"), "1");
}

TEST_F(SharedBans, ExpiryHoldsOnEveryInstance) {
    start();
    add_ban(*first, R"({"kind":"consumer","target":"billing","ttl":"2s"})");
    add_ban(*first, R"({"kind":"address","target":"127.0.0.4","ttl":"2s"})");
    ASSERT_TRUE(eventually([&] { return listed_bans(*second).size() == 2; }));
    EXPECT_EQ(status_from(*second, "127.0.0.4"), 0u);
    EXPECT_TRUE(eventually([&] { return status_from(*second, "127.0.0.4") == 200u; }, 4s));
    EXPECT_TRUE(eventually([&] { return listed_bans(*first).empty(); }, 2s));
    EXPECT_TRUE(listed_bans(*second).empty());
    EXPECT_TRUE(second->wait_for_security_log("\"event\":\"ban_expired\""));
    // Redis forgets them by itself: the keys expired with the bans (PXAT).
    EXPECT_EQ(redis.command("EVAL \"return #redis.call('KEYS','test:ban:*')\" 0"), "0");
}

TEST_F(SharedBans, WithRedisDownCopiesAreEnforcedAndNewBansFollowWhenItReturns) {
    start();
    add_ban(*first, R"({"kind":"address","target":"127.0.0.2","ttl":"10m"})");
    ASSERT_TRUE(eventually([&] { return status_from(*second, "127.0.0.2") == 0u; }));

    redis.stop();
    EXPECT_TRUE(first->wait_for_security_log("\"event\":\"ban_store\",\"state\":\"local\"", 5s));
    // Both keep enforcing what they had, and answer everyone else, never with a 5xx.
    EXPECT_EQ(status_from(*second, "127.0.0.2"), 0u);
    EXPECT_EQ(status_from(*second, "127.0.0.3"), 200u);
    // A ban added meanwhile applies at once where it was added ...
    add_ban(*first, R"({"kind":"address","target":"127.0.0.5","ttl":"10m"})");
    EXPECT_EQ(status_from(*first, "127.0.0.5"), 0u);
    EXPECT_EQ(status_from(*second, "127.0.0.5"), 200u);
    auto metrics = http_request(first->admin_port(), "GET", "/metrics", {{"Host", "localhost"}});
    EXPECT_NE(metrics.body.find("rampart_bans_pending_writes 1"), std::string::npos)
        << metrics.body;

    // ... and reaches the other one when Redis is back (empty: the copies seed it).
    redis.start();
    EXPECT_TRUE(eventually([&] { return status_from(*second, "127.0.0.5") == 0u; }, 8s));
    EXPECT_EQ(status_from(*second, "127.0.0.2"), 0u);
    EXPECT_EQ(listed_bans(*second).size(), 2u);
    EXPECT_TRUE(first->wait_for_security_log("\"event\":\"ban_store\",\"state\":\"shared\""));
    for (const auto* log : {&first, &second}) {
        EXPECT_EQ((*log)->access_log().find("\"status\":5"), std::string::npos);
    }
}

// A Redis emptied under running instances (FLUSHALL) gets their bans back: no ban is lost.
TEST_F(SharedBans, AFlushedRedisIsSeededFromTheCopies) {
    start();
    auto id = add_ban(*first, R"({"kind":"subject","target":"usr_mallory","ttl":"10m"})");
    ASSERT_TRUE(eventually([&] { return listed_bans(*second).size() == 1; }));
    EXPECT_EQ(redis.command("FLUSHALL"), "OK");
    EXPECT_TRUE(eventually([&] { return redis.command("EXISTS test:bans:version") == "1"; }));
    EXPECT_EQ(redis.command("ZCARD test:bans:index"), "1");
    auto listed = listed_bans(*second);
    ASSERT_EQ(listed.size(), 1u);
    EXPECT_EQ(listed[0].as_object().at("id").as_string(), id);
}

std::size_t occurrences(const std::string& text, const std::string& part) {
    std::size_t count = 0;
    for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) {
        ++count;
    }
    return count;
}

// One API key used from 127.0.0.2 on the first instance, 127.0.0.3 on the
// second and 127.0.0.4 on the first, with a limit of 2 addresses: neither
// instance saw 3 addresses, Redis did. Detected once, by one instance; the
// token ban it makes refuses the key on both.
TEST_F(SharedBans, TokenUseFromSeveralAddressesAcrossInstancesIsDetectedOnce) {
    start("abuse:\n  token_misuse: {max_addresses: 2, window: 1m, action: ban, ban_ttl: 10m}\n");
    auto created = admin(*first, "POST", "/admin/api-keys", R"({"consumer":"billing"})");
    ASSERT_EQ(created.status, 201u) << created.body;
    auto key = std::string(json::parse(created.body).as_object().at("key").as_string());
    HeaderList with_key{{"Authorization", "ApiKey " + key}};
    EXPECT_EQ(status_from(*first, "127.0.0.2", "/keyed", with_key), 200u);
    // The second instance reads the new key from the shared store within its refresh.
    ASSERT_TRUE(
        eventually([&] { return status_from(*second, "127.0.0.3", "/keyed", with_key) == 200u; }));
    EXPECT_EQ(status_from(*first, "127.0.0.4", "/keyed", with_key), 200u);

    // The crossing is counted in Redis after the request; the ban follows.
    auto detected = [&] {
        return occurrences(first->security_log() + second->security_log(),
                           "\"event\":\"token_misuse_detected\"");
    };
    ASSERT_TRUE(eventually([&] { return detected() == 1; }));
    EXPECT_TRUE(
        eventually([&] { return status_from(*first, "127.0.0.2", "/keyed", with_key) == 403u; }));
    EXPECT_TRUE(
        eventually([&] { return status_from(*second, "127.0.0.3", "/keyed", with_key) == 403u; }));
    auto all_logs = first->security_log() + second->security_log();
    EXPECT_NE(all_logs.find("\"distinct_addresses\":\"3\""), std::string::npos) << all_logs;
    EXPECT_NE(all_logs.find("\"counted\":\"shared\""), std::string::npos);
    EXPECT_EQ(all_logs.find(key), std::string::npos);
    auto bans = listed_bans(*second);
    ASSERT_EQ(bans.size(), 1u);
    EXPECT_EQ(bans[0].as_object().at("created_by").as_string(), "auto:token_misuse");
    EXPECT_EQ(detected(), 1u);  // still one, after both instances acted on the ban
}

}  // namespace
