// HTTP Basic authentication on routes (RFC 7617; security requirements APIK-06, PWD-03,
// PWD-06), through the real binary over real TLS with a recording upstream. Users are put
// into the gateway's own store with the library, as the CLI does.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "auth/password_hasher.hpp"
#include "store/open_store.hpp"
#include "support/gateway.hpp"
#include "support/raw_connection.hpp"

namespace {

using namespace rampart::test;
using namespace std::chrono_literals;
namespace json = boost::json;

const std::string routes =
    "  - path: /basic\n    methods: [GET]\n    upstream: app\n    auth: basic\n"
    "    authorize: authenticated\n"
    "  - path: /mixed\n    methods: [GET]\n    upstream: app\n    auth: [jwt, basic]\n"
    "    authorize: authenticated\n";

const std::string token_service = "token_service: {}\n";

const std::string basic_challenge = "Basic realm=\"rampart\", charset=\"UTF-8\"";
const std::string alice_password = "alice's correct horse battery";
const std::string bob_password = "bob's purple elephant sandwich";
const std::string carol_password = "carol's quiet winter lighthouse";

std::string base64(const std::string& text) {
    std::string encoded(((text.size() + 2) / 3) * 4 + 1, '\0');
    auto length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    encoded.resize(static_cast<std::size_t>(length));
    return encoded;
}

std::string basic(const std::string& username, const std::string& password) {
    return "Basic " + base64(username + ":" + password);
}

// The problem body without its request id, which differs on every response.
std::string body_without_request_id(const ParsedResponse& response) {
    auto body = response.json().as_object();
    body.erase("request_id");
    return json::serialize(body);
}

class BasicAuth : public ::testing::Test {
  protected:
    void SetUp() override {
        stack = std::make_unique<GatewayStack>(routes, token_service);
        store = rampart::store::open_store(stack->gateway->directory().path() + "/data");
        add_user("usr_alice", "alice", alice_password, false);
        add_user("usr_bob", "bob", bob_password, false);
        add_user("usr_carol", "carol", carol_password, true);
    }

    void add_user(const std::string& id, const std::string& username, const std::string& password,
                  bool disabled) {
        rampart::auth::PasswordHasher hasher(rampart::auth::Argon2Parameters{});
        rampart::store::User user;
        user.id = id;
        user.username = username;
        user.password_hash = *hasher.hash(password);
        user.roles = {"customer", "reporter"};
        user.disabled = disabled;
        user.created_at = user.password_changed_at = std::chrono::system_clock::now();
        ASSERT_TRUE(store->create_user(user));
    }

    ParsedResponse get(const std::string& path, const std::string& authorization) {
        HeaderList headers;
        if (!authorization.empty()) {
            headers.emplace_back("Authorization", authorization);
        }
        return https_request(stack->port, "GET", path, headers);
    }

    std::unique_ptr<GatewayStack> stack;
    std::unique_ptr<rampart::store::Store> store;
};

// APIK-06: valid credentials open the route; the password stays with Rampart.
TEST_F(BasicAuth, ValidCredentialsReachTheUpstreamWithoutAuthorization) {
    auto response = get("/basic", basic("alice", alice_password));
    ASSERT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(response.get("Cache-Control"), "no-store");
    ASSERT_TRUE(stack->upstream.wait_for_request_count(1));
    auto requests = stack->upstream.requests();
    ASSERT_EQ(requests.size(), 1u);
    EXPECT_FALSE(requests[0].has("Authorization"));
    EXPECT_EQ(requests[0].target, "/basic");

    EXPECT_EQ(get("/basic", basic("ALICE", alice_password)).status, 200u)
        << "usernames match ignoring ASCII case, as at /auth/login";
    EXPECT_EQ(get("/mixed", basic("bob", bob_password)).status, 200u);
    ASSERT_TRUE(stack->upstream.wait_for_request_count(3));
    for (const auto& request : stack->upstream.requests()) {
        EXPECT_FALSE(request.has("Authorization"));
    }
}

// PWD-03: wrong password, unknown user and disabled account answer alike.
TEST_F(BasicAuth, FailuresAreUniform) {
    auto wrong = get("/basic", basic("alice", "not alice's password at all"));
    auto unknown = get("/basic", basic("mallory", alice_password));
    auto disabled = get("/basic", basic("carol", carol_password));
    for (const auto* response : {&wrong, &unknown, &disabled}) {
        EXPECT_EQ(response->status, 401u);
        EXPECT_EQ(response->get_all("WWW-Authenticate"), std::vector<std::string>{basic_challenge});
        EXPECT_EQ(response->get("Content-Type"), wrong.get("Content-Type"));
        EXPECT_EQ(body_without_request_id(*response), body_without_request_id(wrong));
    }
    EXPECT_EQ(stack->upstream.request_count(), 0u);
    ASSERT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"account_disabled\""));
    auto log = stack->gateway->security_log();
    EXPECT_NE(log.find("\"reason\":\"wrong_password\""), std::string::npos) << log;
    EXPECT_NE(log.find("\"reason\":\"unknown_user\""), std::string::npos) << log;
}

// APIK-06, RFC 7617 §2: malformed credentials are refused (before any hashing).
TEST_F(BasicAuth, MalformedCredentialsAreRefused) {
    struct Case {
        std::string authorization;
        std::string reason;
    };
    const std::vector<Case> cases = {
        {"Basic !!!not-base64!!!", "basic_malformed_base64"},
        {"Basic " + base64("alice:" + alice_password).substr(1), "basic_malformed_base64"},
        {"Basic " + base64("alice" + alice_password), "basic_no_colon"},
        {"Basic " + base64(std::string("alice:") + '\0' + alice_password),
         "basic_control_character"},
        {"Basic " + base64(std::string("al\x01ice:") + alice_password), "basic_control_character"},
        {"Basic " + base64(":" + alice_password), "basic_no_username"},
        {basic("alice", std::string(1025, 'a')), "basic_password_too_long"},
    };
    for (const auto& test : cases) {
        auto response = get("/basic", test.authorization);
        EXPECT_EQ(response.status, 401u) << test.reason;
        EXPECT_EQ(response.get("WWW-Authenticate"), basic_challenge) << test.reason;
        EXPECT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"" + test.reason + "\""))
            << test.reason;
    }
    EXPECT_EQ(stack->upstream.request_count(), 0u);
    EXPECT_EQ(get("/basic", basic("alice", alice_password)).status, 200u)
        << "malformed attempts are not guesses: alice is not throttled";
}

// APIK-06, PWD-06: Basic shares the login throttle, per account (defaults: five free
// failures, then a block of 1 s, 2 s, 4 s, ... from the failure's arrival).
TEST_F(BasicAuth, RepeatedFailuresAreThrottledPerAccount) {
    using Clock = std::chrono::steady_clock;
    unsigned throttled = 0;
    Clock::time_point last_failure_sent;
    for (int attempt = 0; attempt < 20; ++attempt) {
        auto sent = Clock::now();
        auto response = get("/basic", basic("alice", "guess number " + std::to_string(attempt)));
        if (response.status == 429u) {
            ++throttled;
            ASSERT_TRUE(response.has("Retry-After"));
            EXPECT_GE(std::stoul(response.get("Retry-After")), 1u);
            EXPECT_EQ(response.get("WWW-Authenticate"), "");
        } else {
            ASSERT_EQ(response.status, 401u) << attempt;
            last_failure_sent = sent;
        }
    }
    EXPECT_GT(throttled, 0u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"basic_throttled\""));

    // The last failure blocked alice for at least 1 s from when it was sent: an answer
    // received before then must be 429, even for the right password (it is not checked).
    auto right = get("/basic", basic("alice", alice_password));
    if (Clock::now() < last_failure_sent + 1s) {
        EXPECT_EQ(right.status, 429u);
    }
    EXPECT_EQ(get("/basic", basic("bob", bob_password)).status, 200u) << "bob is unaffected";

    // Every block ends by itself: after the backoff alice's password works again.
    if (right.status == 429u) {
        auto retry_after = std::stoul(right.get("Retry-After"));
        ASSERT_LE(retry_after, 30u);
        std::this_thread::sleep_for(std::chrono::seconds(retry_after) + 200ms);
        right = get("/basic", basic("alice", alice_password));
    }
    EXPECT_EQ(right.status, 200u);
}

// A route accepting tokens and Basic offers both challenges, one header field each.
TEST_F(BasicAuth, MixedRouteOffersBothChallenges) {
    auto none = get("/mixed", "");
    EXPECT_EQ(none.status, 401u);
    EXPECT_EQ(none.get_all("WWW-Authenticate"),
              (std::vector<std::string>{"Bearer realm=\"rampart\"", basic_challenge}));
    auto bad_token = get("/mixed", "Bearer abc.def.ghi");
    EXPECT_EQ(bad_token.status, 401u);
    EXPECT_EQ(bad_token.get_all("WWW-Authenticate"),
              (std::vector<std::string>{"Bearer realm=\"rampart\", error=\"invalid_token\"",
                                        basic_challenge}));
    EXPECT_EQ(get("/basic", "Bearer abc.def.ghi").status, 401u)
        << "a Basic-only route takes no tokens";
    auto both = https_request(stack->port, "GET", "/basic?token=x",
                              {{"Authorization", basic("alice", alice_password)}});
    EXPECT_EQ(both.status, 400u) << "credentials in the query and a header";
    EXPECT_EQ(stack->upstream.request_count(), 0u);
}

// LOG-02: passwords never reach the logs, nor the encoded credentials carrying them.
TEST_F(BasicAuth, PasswordsNeverReachTheLogs) {
    const std::string wrong_password = "hunter2-but-much-longer-and-wrong";
    EXPECT_EQ(get("/basic", basic("alice", wrong_password)).status, 401u);
    EXPECT_EQ(get("/basic", basic("bob", bob_password)).status, 200u);
    EXPECT_EQ(get("/basic", "Basic " + base64("alice" + wrong_password)).status, 401u);
    ASSERT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"basic_no_colon\""));
    ASSERT_TRUE(stack->gateway->wait_for_access_log("/basic"));
    auto logs = stack->gateway->security_log() + stack->gateway->access_log();
    for (const auto& secret : {wrong_password, bob_password, base64("alice:" + wrong_password),
                               base64("bob:" + bob_password), base64("alice" + wrong_password)}) {
        EXPECT_EQ(logs.find(secret), std::string::npos) << secret;
    }
}

}  // namespace
