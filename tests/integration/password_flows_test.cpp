// The resource-owner password grant (PWD-12, META-02) and the password change
// (PWD-10, INT-03), through the real binary over real TLS with a recording
// upstream. Users and clients are put into the gateway's own store with the
// library, as the CLI does.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "auth/jose/base64url.hpp"
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

const std::string routes =
    "  - path: /me\n    methods: [GET]\n    upstream: app\n    auth: jwt\n"
    "    authorize: authenticated\n";

const std::string service_default = "token_service: {}\n";
const std::string service_with_password_grant = "token_service: {password_grant: true}\n";

// Distinctive texts, so that finding them in a log cannot be a coincidence.
const std::string alice_password = "Alice-Correct-Horse-4711";
const std::string wrong_password = "Wrong-Guess-7f3a9c1e5b";
const std::string new_password = "Fresh-Lighthouse-0815-Zebra";
const std::string client_secret_text = "rcs_" + std::string(43, 'p');

json::object body_json(const ParsedResponse& response) {
    return json::parse(response.body).as_object();
}

std::string text_of(const json::object& object, std::string_view name) {
    const auto* value = object.if_contains(name);
    return value != nullptr && value->is_string() ? std::string(value->as_string()) : "";
}

json::object claims_of(const std::string& token) {
    auto start = token.find('.') + 1;
    auto end = token.find('.', start);
    auto decoded = rampart::auth::jose::base64url::decode_strict(token.substr(start, end - start));
    return json::parse(decoded ? *decoded : std::string("{}")).as_object();
}

class PasswordFlows : public ::testing::Test {
  protected:
    void start(const std::string& token_service) {
        stack = std::make_unique<GatewayStack>(routes, token_service);
        store = rampart::store::open_store(stack->gateway->directory().path() + "/data");
        ASSERT_TRUE(
            store->create_user(make_user("usr_alice", "alice", alice_password, {"customer"})));
        add_client("app", {"password", "refresh_token"}, {"orders:read"}, false);
        add_client("reports", {"client_credentials"}, {"reports:read"}, true);
    }

    void add_client(const std::string& id, std::vector<std::string> grants,
                    std::vector<std::string> scopes, bool may_introspect) {
        rampart::store::OAuthClient client;
        client.client_id = id;
        client.secret_hash = rampart::auth::sha256_hex(client_secret_text);
        client.name = id;
        client.allowed_grant_types = std::move(grants);
        client.allowed_scopes = std::move(scopes);
        client.may_introspect = may_introspect;
        client.created_at = std::chrono::system_clock::now();
        ASSERT_TRUE(store->create_client(client));
    }

    ParsedResponse post_form(const std::string& path, const std::string& body) {
        return https_request(stack->port, "POST", path,
                             {{"Content-Type", "application/x-www-form-urlencoded"}}, body);
    }

    // The passwords of these tests need no percent-encoding.
    ParsedResponse password_grant(const std::string& client_id, const std::string& username,
                                  const std::string& password, const std::string& scope = "") {
        auto body = "grant_type=password&username=" + username + "&password=" + password +
                    "&client_id=" + client_id + "&client_secret=" + client_secret_text;
        if (!scope.empty()) {
            body += "&scope=" + scope;
        }
        return post_form("/oauth2/token", body);
    }

    ParsedResponse login(const std::string& password) {
        json::object body{{"username", "alice"}, {"password", password}};
        return https_request(stack->port, "POST", "/auth/login",
                             {{"Content-Type", "application/json"}}, json::serialize(body));
    }

    ParsedResponse change_password(const std::string& access_token, const std::string& body) {
        return https_request(
            stack->port, "POST", "/auth/password",
            {{"Content-Type", "application/json"}, {"Authorization", "Bearer " + access_token}},
            body);
    }

    static std::string change_body(const std::string& current, const std::string& next) {
        return json::serialize(json::object{{"current_password", current}, {"new_password", next}});
    }

    ParsedResponse refresh(const std::string& refresh_token, const std::string& client_id = "") {
        auto body = "grant_type=refresh_token&refresh_token=" + refresh_token;
        if (!client_id.empty()) {
            body += "&client_id=" + client_id + "&client_secret=" + client_secret_text;
        }
        return post_form("/oauth2/token", body);
    }

    ParsedResponse get_me(const std::string& access_token) {
        return https_request(stack->port, "GET", "/me",
                             {{"Authorization", "Bearer " + access_token}});
    }

    json::object introspect(const std::string& token) {
        return body_json(
            post_form("/oauth2/introspect",
                      "client_id=reports&client_secret=" + client_secret_text + "&token=" + token));
    }

    json::array grant_types_supported() {
        auto metadata =
            https_request(stack->port, "GET", "/.well-known/oauth-authorization-server");
        return body_json(metadata).at("grant_types_supported").as_array();
    }

    std::string logs() const {
        return stack->gateway->security_log() + stack->gateway->access_log();
    }

    std::unique_ptr<GatewayStack> stack;
    std::unique_ptr<rampart::store::Store> store;
};

bool contains_grant(const json::array& grants, std::string_view grant) {
    for (const auto& value : grants) {
        if (value.is_string() && value.as_string() == grant) {
            return true;
        }
    }
    return false;
}

// PWD-12, META-02: without `password_grant: true` the grant does not exist, even for a
// client allowed it, and the metadata does not advertise it.
TEST_F(PasswordFlows, PasswordGrantIsOffByDefault) {
    start(service_default);
    auto response = password_grant("app", "alice", alice_password);
    EXPECT_EQ(response.status, 400u);
    EXPECT_EQ(text_of(body_json(response), "error"), "unsupported_grant_type");
    EXPECT_FALSE(contains_grant(grant_types_supported(), "password"));
    EXPECT_TRUE(contains_grant(grant_types_supported(), "client_credentials"));
    ASSERT_TRUE(stack->gateway->wait_for_access_log("/oauth2/token"));
    EXPECT_EQ(logs().find(alice_password), std::string::npos);
}

// PWD-12, OAUTH-06: enabled, the grant is still only for clients allowed it, and only for
// authenticated ones.
TEST_F(PasswordFlows, PasswordGrantNeedsAClientAllowedIt) {
    start(service_with_password_grant);
    auto response = password_grant("reports", "alice", alice_password);
    EXPECT_EQ(response.status, 400u);
    EXPECT_EQ(text_of(body_json(response), "error"), "unauthorized_client");
    auto anonymous =
        post_form("/oauth2/token", "grant_type=password&username=alice&password=" + alice_password);
    EXPECT_EQ(anonymous.status, 401u);
    EXPECT_EQ(text_of(body_json(anonymous), "error"), "invalid_client");
}

// PWD-12, PWD-03, META-02: enabled and allowed, the grant checks the password like a login
// and issues a user token with a refresh token bound to the client; every failure is the
// same invalid_grant, and the password is never logged.
TEST_F(PasswordFlows, PasswordGrantIssuesTokensAndFailsUniformly) {
    start(service_with_password_grant);
    EXPECT_TRUE(contains_grant(grant_types_supported(), "password"));

    auto response = password_grant("app", "alice", alice_password, "orders:read");
    ASSERT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(response.get("Cache-Control"), "no-store");
    auto tokens = body_json(response);
    EXPECT_EQ(text_of(tokens, "token_type"), "Bearer");
    EXPECT_EQ(text_of(tokens, "scope"), "orders:read");
    auto access = text_of(tokens, "access_token");
    auto refresh_token = text_of(tokens, "refresh_token");
    ASSERT_FALSE(refresh_token.empty());
    auto claims = claims_of(access);
    EXPECT_EQ(text_of(claims, "sub"), "usr_alice");
    EXPECT_EQ(text_of(claims, "client_id"), "app");
    EXPECT_EQ(text_of(claims, "rampart_kind"), "user");
    EXPECT_FALSE(text_of(claims, "sid").empty());
    EXPECT_EQ(get_me(access).status, 200u);

    auto rotated = refresh(refresh_token, "app");
    EXPECT_EQ(rotated.status, 200u) << rotated.body;
    EXPECT_EQ(text_of(body_json(refresh(refresh_token)), "error"), "invalid_client")
        << "the refresh token is bound to its confidential client";

    auto beyond_client = password_grant("app", "alice", alice_password, "reports:read");
    EXPECT_EQ(text_of(body_json(beyond_client), "error"), "invalid_scope");

    auto wrong = password_grant("app", "alice", wrong_password);
    auto unknown = password_grant("app", "nobody-here", wrong_password);
    EXPECT_EQ(wrong.status, 400u);
    EXPECT_EQ(wrong.body, R"({"error":"invalid_grant"})");
    EXPECT_EQ(unknown.status, 400u);
    EXPECT_EQ(unknown.body, wrong.body) << "an unknown user looks like a wrong password";

    ASSERT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"wrong_password\""));
    ASSERT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"unknown_user\""));
    ASSERT_TRUE(stack->gateway->wait_for_access_log("/oauth2/token"));
    auto log = logs();
    EXPECT_EQ(log.find(alice_password), std::string::npos);
    EXPECT_EQ(log.find(wrong_password), std::string::npos);
    EXPECT_EQ(log.find(client_secret_text), std::string::npos);
}

// PWD-06: the grant counts failures in the login throttle, so it is no way around it.
TEST_F(PasswordFlows, PasswordGrantSharesTheLoginThrottle) {
    start(service_with_password_grant);
    ParsedResponse response;
    for (int i = 0; i < 20 && response.status != 429u; ++i) {
        response = password_grant("app", "alice", wrong_password);
    }
    ASSERT_EQ(response.status, 429u) << response.body;
    EXPECT_FALSE(response.get("Retry-After").empty());
    EXPECT_EQ(login(alice_password).status, 429u) << "the same account counter as /auth/login";
}

// PWD-10: the current password is required, checked, and the new one meets the policy.
TEST_F(PasswordFlows, PasswordChangeRefusals) {
    start(service_default);
    auto access = text_of(body_json(login(alice_password)), "access_token");
    ASSERT_FALSE(access.empty());

    auto missing =
        change_password(access, json::serialize(json::object{{"new_password", new_password}}));
    EXPECT_EQ(missing.status, 400u);
    expect_problem(missing);

    auto wrong = change_password(access, change_body(wrong_password, new_password));
    EXPECT_EQ(wrong.status, 403u);
    expect_problem(wrong);

    const std::string weak = "tiny-secret";  // 11 characters: under the minimum of 12
    auto refused = change_password(access, change_body(alice_password, weak));
    EXPECT_EQ(refused.status, 400u);
    expect_problem(refused);
    EXPECT_NE(refused.body.find("at least 12 characters"), std::string::npos) << refused.body;
    EXPECT_EQ(refused.body.find(weak), std::string::npos);

    auto unauthenticated =
        https_request(stack->port, "POST", "/auth/password", {{"Content-Type", "application/json"}},
                      change_body(alice_password, new_password));
    EXPECT_EQ(unauthenticated.status, 401u);

    EXPECT_EQ(login(alice_password).status, 200u) << "nothing was changed";
    ASSERT_TRUE(stack->gateway->wait_for_security_log("password_change_failed"));
    auto log = logs();
    for (const auto& secret : {alice_password, wrong_password, new_password, weak}) {
        EXPECT_EQ(log.find(secret), std::string::npos) << secret;
    }
}

// PWD-10: a stolen access token is no password-guessing oracle: wrong current passwords
// count in the login throttle.
TEST_F(PasswordFlows, PasswordChangeSharesTheLoginThrottle) {
    start(service_default);
    auto access = text_of(body_json(login(alice_password)), "access_token");
    ParsedResponse response;
    for (int i = 0; i < 20 && response.status != 429u; ++i) {
        response = change_password(access, change_body(wrong_password, new_password));
        EXPECT_TRUE(response.status == 403u || response.status == 429u) << response.status;
    }
    ASSERT_EQ(response.status, 429u);
    EXPECT_FALSE(response.get("Retry-After").empty());
    EXPECT_EQ(login(alice_password).status, 429u) << "the same account counter as /auth/login";
}

// PWD-10: client tokens have no password to change.
TEST_F(PasswordFlows, PasswordChangeRefusesClientTokens) {
    start(service_default);
    auto response = post_form("/oauth2/token",
                              "grant_type=client_credentials&client_id=reports"
                              "&client_secret=" +
                                  client_secret_text);
    auto access = text_of(body_json(response), "access_token");
    ASSERT_FALSE(access.empty()) << response.body;
    auto refused = change_password(access, change_body(alice_password, new_password));
    EXPECT_EQ(refused.status, 403u);
    expect_problem(refused);
}

// PWD-10, INT-03: a change ends every session (the old refresh token, the old access token
// and its introspection) and gives the caller a new one.
TEST_F(PasswordFlows, PasswordChangeEndsEverySessionAndStartsANewOne) {
    start(service_default);
    auto old_tokens = body_json(login(alice_password));
    auto old_access = text_of(old_tokens, "access_token");
    auto old_refresh = text_of(old_tokens, "refresh_token");
    auto other_refresh = text_of(body_json(login(alice_password)), "refresh_token");
    ASSERT_EQ(get_me(old_access).status, 200u);
    EXPECT_TRUE(introspect(old_access).at("active").as_bool());

    auto changed = change_password(old_access, change_body(alice_password, new_password));
    ASSERT_EQ(changed.status, 200u) << changed.body;
    EXPECT_EQ(changed.get("Cache-Control"), "no-store");
    auto tokens = body_json(changed);
    auto new_access = text_of(tokens, "access_token");
    auto new_refresh = text_of(tokens, "refresh_token");
    ASSERT_FALSE(new_access.empty());
    ASSERT_FALSE(new_refresh.empty());
    EXPECT_NE(text_of(claims_of(new_access), "sid"), text_of(claims_of(old_access), "sid"));

    EXPECT_EQ(text_of(body_json(refresh(old_refresh)), "error"), "invalid_grant");
    EXPECT_EQ(text_of(body_json(refresh(other_refresh)), "error"), "invalid_grant")
        << "every other session ends too";
    ParsedResponse old_on_route;
    auto deadline = std::chrono::steady_clock::now() + 1s;
    do {
        old_on_route = get_me(old_access);
    } while (old_on_route.status != 401u && std::chrono::steady_clock::now() < deadline);
    EXPECT_EQ(old_on_route.status, 401u) << "within a second";
    EXPECT_EQ(json::serialize(introspect(old_access)), R"({"active":false})");

    EXPECT_EQ(get_me(new_access).status, 200u);
    auto rotated = refresh(new_refresh);
    EXPECT_EQ(rotated.status, 200u) << rotated.body;
    EXPECT_EQ(login(alice_password).status, 401u);
    EXPECT_EQ(login(new_password).status, 200u);

    ASSERT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"password_changed\""));
    auto log = logs();
    EXPECT_EQ(log.find(alice_password), std::string::npos);
    EXPECT_EQ(log.find(new_password), std::string::npos);
}

}  // namespace
