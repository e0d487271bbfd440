// Rules of the policy language on a route, through the real binary (AUTHZ-01 by path): a user
// reaches only the objects whose id is their own, an admin reaches all, and a refused request
// never reaches the upstream.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>

#include "store/open_store.hpp"
#include "support/gateway.hpp"
#include "support/raw_connection.hpp"
#include "support/store_records.hpp"

namespace {

using namespace rampart::test;
namespace json = boost::json;

const std::string routes =
    "  - path: /users/{user_id}\n"
    "    methods: [GET, PATCH]\n"
    "    upstream: app\n"
    "    auth: jwt\n"
    "    require:\n"
    "      rule: \"path.user_id == subject.sub || 'admin' in subject.roles\"\n";

const std::string password = "correct horse battery staple";

class AuthorizationRules : public ::testing::Test {
  protected:
    void SetUp() override {
        stack = std::make_unique<GatewayStack>(routes, "token_service: {}\n");
        auto store = rampart::store::open_store(stack->gateway->directory().path() + "/data");
        ASSERT_TRUE(store->create_user(make_user("usr_alice", "alice", password, {"customer"})));
        ASSERT_TRUE(store->create_user(make_user("usr_bob", "bob", password, {"customer"})));
        ASSERT_TRUE(store->create_user(make_user("usr_root", "root", password, {"admin"})));
    }

    std::string bearer(const std::string& username) {
        json::object body{{"username", username}, {"password", password}};
        auto response = https_request(stack->port, "POST", "/auth/login",
                                      {{"Content-Type", "application/json"}}, json::serialize(body));
        EXPECT_EQ(response.status, 200u) << response.body;
        return "Bearer " + std::string(json::parse(response.body).at("access_token").as_string());
    }

    unsigned get(const std::string& path, const std::string& authorization) {
        return https_request(stack->port, "GET", path, {{"Authorization", authorization}}).status;
    }

    std::unique_ptr<GatewayStack> stack;
};

TEST_F(AuthorizationRules, UsersReachOnlyTheirOwnObjects) {
    auto alice = bearer("alice");
    EXPECT_EQ(get("/users/usr_alice", alice), 200u);
    auto seen = stack->upstream.request_count();
    // Enumerating ids: none but her own answers.
    for (const auto* id : {"usr_bob", "usr_root", "usr_alicex", "usr_alic", "1", "usr_ALICE"}) {
        EXPECT_EQ(get(std::string("/users/") + id, alice), 403u) << id;
    }
    auto patch = https_request(stack->port, "PATCH", "/users/usr_bob",
                               {{"Authorization", alice}, {"Content-Type", "application/json"}},
                               R"({"name":"x"})");
    EXPECT_EQ(patch.status, 403u);
    EXPECT_EQ(stack->upstream.request_count(), seen) << "a refused request reached the upstream";
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"rule_denied\""));

    auto root = bearer("root");
    EXPECT_EQ(get("/users/usr_alice", root), 200u);
    EXPECT_EQ(get("/users/usr_bob", root), 200u);
}

}  // namespace
