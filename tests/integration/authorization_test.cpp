// Function-level authorization through the real binary (security requirements
// AUTHZ-02, AUTHZ-05, AUTHZ-06): role-gated routes, method-level rules on one
// path, permissions through the `roles` map, scopes with RFC 6750's
// insufficient_scope, API keys with roles and scopes, the security event of
// every denial, and a removed role taking effect at the next login. Users,
// clients and API keys go into the gateway's own store, as the CLI puts them.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <thread>

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

// A route accepting tokens and API keys, with `rule` (require or authorize).
std::string route(const std::string& path, const std::string& methods, const std::string& rule,
                  const std::string& name = "") {
    std::string text = "  - path: " + path + "\n";
    if (!name.empty()) {
        text += "    name: " + name + "\n";
    }
    return text + "    methods: " + methods +
           "\n    upstream: app\n    auth: [jwt, api_key]\n    " + rule + "\n";
}

const std::string routes =
    route("/admin/users", "[GET, POST]", "require: {roles: [admin]}", "admin-users") +
    route("/users/{user_id}", "[GET]", "require: {roles: [user, admin]}") +
    route("/users/{user_id}", "[DELETE]", "require: {roles: [admin]}") +
    route("/orders", "[GET]", "require: {permissions: [orders:read]}", "orders") +
    route("/reports", "[POST]", "require: {scopes: [reports:write]}", "reports") +
    route("/me", "[GET]", "authorize: authenticated", "me");

// Access tokens live 10 s and expire without leeway, so the AUTHZ-06 bound can
// be watched passing.
const std::string extra =
    "token_service:\n"
    "  access_token_lifetime: 10s\n"
    "  signing: {publish_lead: 1s, jwks_max_age: 1s}\n"
    "jwt: {leeway: 0s}\n"
    "roles:\n"
    "  admin: ['*']\n"
    "  user: [orders:read]\n";

const std::string password = "correct horse battery staple";
const std::string client_secret_text = "rcs_" + std::string(43, 'y');

class Authorization : public ::testing::Test {
  protected:
    void SetUp() override {
        stack = std::make_unique<GatewayStack>(routes, extra);
        store = rampart::store::open_store(stack->gateway->directory().path() + "/data");
        add_user("usr_alice", "alice", {"user"});
        add_user("usr_bob", "bob", {"admin"});
        rampart::store::OAuthClient client;
        client.client_id = "reports";
        client.secret_hash = rampart::auth::sha256_hex(client_secret_text);
        client.name = "reports";
        client.allowed_grant_types = {"client_credentials"};
        client.allowed_scopes = {"reports:read", "reports:write"};
        client.created_at = std::chrono::system_clock::now();
        ASSERT_TRUE(store->create_client(client));
    }

    void add_user(const std::string& id, const std::string& username,
                  std::vector<std::string> roles) {
        ASSERT_TRUE(store->create_user(make_user(id, username, password, std::move(roles))));
    }

    std::string login(const std::string& username) {
        json::object body{{"username", username}, {"password", password}};
        auto response =
            https_request(stack->port, "POST", "/auth/login",
                          {{"Content-Type", "application/json"}}, json::serialize(body));
        EXPECT_EQ(response.status, 200u) << response.body;
        return std::string(json::parse(response.body).at("access_token").as_string());
    }

    std::string client_token(const std::string& scope) {
        auto response = https_request(
            stack->port, "POST", "/oauth2/token",
            {{"Content-Type", "application/x-www-form-urlencoded"}},
            "grant_type=client_credentials&client_id=reports&client_secret=" + client_secret_text +
                "&scope=" + scope);
        EXPECT_EQ(response.status, 200u) << response.body;
        return std::string(json::parse(response.body).at("access_token").as_string());
    }

    // An API key in the store; the gateway reads the store every second, so
    // this waits until the key opens /me.
    std::string api_key(const std::string& consumer, std::vector<std::string> roles,
                        std::vector<std::string> scopes = {}) {
        auto key = rampart::auth::make_api_key();
        rampart::store::ApiKey record;
        record.id = key.id;
        record.prefix = key.display_prefix;
        record.secret_hash = key.secret_hash;
        record.consumer = consumer;
        record.roles = std::move(roles);
        record.scopes = std::move(scopes);
        record.created_at = std::chrono::system_clock::now();
        EXPECT_TRUE(store->create_api_key(record));
        for (int i = 0; i < 40 && call("GET", "/me", "ApiKey " + key.full_key).status != 200u;
             ++i) {
            std::this_thread::sleep_for(100ms);
        }
        return key.full_key;
    }

    ParsedResponse call(const std::string& method, const std::string& path,
                        const std::string& authorization) {
        return https_request(stack->port, method, path, {{"Authorization", authorization}});
    }

    std::unique_ptr<GatewayStack> stack;
    std::unique_ptr<rampart::store::Store> store;
};

// AUTHZ-02: a user's token on an admin-only route is a 403 problem, the
// upstream never sees it, and the denial is a security event naming the rule.
TEST_F(Authorization, UserTokenIsRefusedOnAnAdminRouteWithoutReachingTheUpstream) {
    auto alice = login("alice");
    auto response = call("POST", "/admin/users", "Bearer " + alice);
    EXPECT_EQ(response.status, 403u) << response.body;
    expect_problem(response);
    EXPECT_EQ(response.body.find("admin"), std::string::npos) << "the body stays generic";
    EXPECT_FALSE(response.has("WWW-Authenticate")) << "a missing role is no scope problem";
    EXPECT_EQ(call("GET", "/admin/users", "Bearer " + alice).status, 403u);
    EXPECT_EQ(stack->upstream.request_count(), 0u);

    ASSERT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"authorization_denied\""));
    auto log = stack->gateway->security_log();
    EXPECT_NE(log.find("\"route\":\"admin-users\""), std::string::npos) << log;
    EXPECT_NE(log.find("\"reason\":\"missing_role\""), std::string::npos) << log;
    EXPECT_NE(log.find("\"missing\":\"admin\""), std::string::npos) << log;
    EXPECT_NE(log.find("routes[0].require\""), std::string::npos) << log;
    EXPECT_NE(log.find("\"subject\":\"usr_alice\""), std::string::npos) << log;
    EXPECT_EQ(log.find(alice), std::string::npos) << "never the token";

    auto bob = login("bob");
    EXPECT_EQ(call("POST", "/admin/users", "Bearer " + bob).status, 200u);
    EXPECT_EQ(stack->upstream.request_count(), 1u);
}

// AUTHZ-02: GET for users, DELETE for admins only, on one path; 405 lists
// the methods of both routes.
TEST_F(Authorization, MethodLevelRulesOnOnePath) {
    auto alice = "Bearer " + login("alice");
    auto bob = "Bearer " + login("bob");
    EXPECT_EQ(call("GET", "/users/42", alice).status, 200u);
    EXPECT_EQ(call("DELETE", "/users/42", alice).status, 403u);
    EXPECT_EQ(stack->upstream.request_count(), 1u);
    EXPECT_EQ(call("DELETE", "/users/42", bob).status, 200u);
    EXPECT_EQ(call("GET", "/users/42", bob).status, 200u);
    ASSERT_EQ(stack->upstream.request_count(), 3u);
    EXPECT_EQ(stack->upstream.requests()[1].method, "DELETE");

    auto other = call("PUT", "/users/42", bob);
    EXPECT_EQ(other.status, 405u);
    EXPECT_EQ(other.get("Allow"), "GET, HEAD, DELETE");
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"route\":\"DELETE /users/{user_id}\""))
        << stack->gateway->security_log();
}

// Permissions come from the roles map: user grants orders:read, admin "*".
TEST_F(Authorization, PermissionsThroughRoles) {
    EXPECT_EQ(call("GET", "/orders", "Bearer " + login("alice")).status, 200u);
    EXPECT_EQ(call("GET", "/orders", "Bearer " + login("bob")).status, 200u);
    auto client = call("GET", "/orders", "Bearer " + client_token("reports:read"));
    EXPECT_EQ(client.status, 403u) << "a client without roles has no permissions";
    EXPECT_EQ(stack->upstream.request_count(), 2u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"missing\":\"orders:read\""));
}

// AUTHZ-05: a token without the required scope gets 403 with RFC 6750's
// insufficient_scope challenge naming the scope; with it, the request passes.
TEST_F(Authorization, MissingScopeGetsTheInsufficientScopeChallenge) {
    auto narrow = call("POST", "/reports", "Bearer " + client_token("reports:read"));
    EXPECT_EQ(narrow.status, 403u);
    expect_problem(narrow);
    EXPECT_EQ(narrow.get("WWW-Authenticate"),
              "Bearer realm=\"rampart\", error=\"insufficient_scope\", scope=\"reports:write\"");
    EXPECT_EQ(stack->upstream.request_count(), 0u);
    EXPECT_EQ(call("POST", "/reports", "Bearer " + client_token("reports:write")).status, 200u);
    EXPECT_EQ(stack->upstream.request_count(), 1u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"missing_scope\""));
}

// API keys hold roles and scopes and are judged the same way.
TEST_F(Authorization, ApiKeysWithRolesAndScopes) {
    auto user_key = "ApiKey " + api_key("shop", {"user"});
    auto admin_key = "ApiKey " + api_key("ops", {"admin"}, {"reports:write"});
    auto before = stack->upstream.request_count();
    EXPECT_EQ(call("GET", "/users/7", user_key).status, 200u);
    EXPECT_EQ(call("DELETE", "/users/7", user_key).status, 403u);
    EXPECT_EQ(call("POST", "/reports", user_key).status, 403u);
    EXPECT_FALSE(call("POST", "/reports", user_key).has("WWW-Authenticate"))
        << "the bearer challenge is for bearer tokens";
    EXPECT_EQ(stack->upstream.request_count(), before + 1);
    EXPECT_EQ(call("DELETE", "/users/7", admin_key).status, 200u);
    EXPECT_EQ(call("POST", "/reports", admin_key).status, 200u);
    EXPECT_EQ(stack->upstream.request_count(), before + 3);
}

// AUTHZ-06: access tokens are self-contained, so a role removed from a user
// counts from the next login, and the old token keeps it until it expires
// (the bound: access_token_lifetime, here 10 s).
TEST_F(Authorization, RemovedRoleTakesEffectAtTheNextLoginAndWhenTheOldTokenExpires) {
    auto old_token = "Bearer " + login("bob");
    auto started = std::chrono::steady_clock::now();
    EXPECT_EQ(call("DELETE", "/users/1", old_token).status, 200u);
    ASSERT_TRUE(store->set_user_roles("usr_bob", {"user"}));
    auto new_token = "Bearer " + login("bob");
    EXPECT_EQ(call("DELETE", "/users/1", new_token).status, 403u);
    EXPECT_EQ(call("GET", "/users/1", new_token).status, 200u);
    if (std::chrono::steady_clock::now() - started < 8s) {
        EXPECT_EQ(call("DELETE", "/users/1", old_token).status, 200u)
            << "within its lifetime the old token still carries the role";
    }
    std::this_thread::sleep_until(started + 11s);
    EXPECT_EQ(call("DELETE", "/users/1", old_token).status, 401u)
        << "past access_token_lifetime the old token is refused";
}

}  // namespace
