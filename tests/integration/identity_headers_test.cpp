// Identity to the upstream (AUTHZ-04): client-sent identity headers never reach the upstream,
// in any letter case, with '_' for '-', or repeated; the gateway sets them from the verified
// identity only; and a signed identity for the upstream verifies against the JWKS.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cctype>
#include <chrono>
#include <fstream>
#include <string>
#include <thread>

#include "auth/jose/jwks.hpp"
#include "auth/jose/jws.hpp"
#include "auth/secret_token.hpp"
#include "store/open_store.hpp"
#include "support/gateway.hpp"
#include "support/raw_connection.hpp"
#include "support/store_records.hpp"

namespace {

using namespace rampart::test;
using namespace std::chrono_literals;
namespace json = boost::json;

const std::string routes =
    simple_route("/open") +
    "  - path: /me\n    methods: [GET]\n    upstream: app\n    auth: [jwt, api_key]\n"
    "    authorize: authenticated\n";

const std::string token_service = "token_service: {}\n";
const std::string alice_password = "correct horse battery staple";

// Every spelling a backend framework might read as one of the identity headers.
const HeaderList spoofed = {{"X-User-Id", "admin"},        {"x-user-roles", "admin"},
                            {"X_User_Id", "admin"},        {"X-USER-ID", "root"},
                            {"X-Forwarded-User", "admin"}, {"X-Forwarded-User", "admin"},
                            {"x_scopes", "admin:*"},       {"X-Consumer", "root"},
                            {"Remote-User", "admin"},      {"X-Rampart-Identity", "forged"}};

// The headers of the last request the upstream saw whose name, ignoring case and '_', is one of
// the identity headers.
std::vector<std::pair<std::string, std::string>> identity_headers_seen(
    const RecordingUpstream& upstream) {
    auto requests = upstream.requests();
    std::vector<std::pair<std::string, std::string>> seen;
    for (const auto& [name, value] : requests.back().headers) {
        std::string normalized;
        for (char c : name) {
            normalized.push_back(c == '_' ? '-' : static_cast<char>(std::tolower(c)));
        }
        for (auto identity : {"x-user-id", "x-user-roles", "x-scopes", "x-consumer",
                              "x-forwarded-user", "remote-user", "x-rampart-identity"}) {
            if (normalized == identity) {
                seen.emplace_back(name, value);
            }
        }
    }
    return seen;
}

class IdentityHeaders : public ::testing::Test {
  protected:
    void start(const std::string& extra = "") {
        stack = std::make_unique<GatewayStack>(routes, token_service + extra);
        auto store = rampart::store::open_store(stack->gateway->directory().path() + "/data");
        ASSERT_TRUE(store->create_user(
            make_user("usr_alice", "alice", alice_password, {"customer", "beta"})));
    }

    std::string access_token() {
        json::object body{{"username", "alice"}, {"password", alice_password}};
        auto response =
            https_request(stack->port, "POST", "/auth/login",
                          {{"Content-Type", "application/json"}}, json::serialize(body));
        EXPECT_EQ(response.status, 200u) << response.body;
        return std::string(json::parse(response.body).at("access_token").as_string());
    }

    ParsedResponse get_with_spoofed_headers(const std::string& path,
                                            const std::string& authorization = "") {
        HeaderList headers = spoofed;
        if (!authorization.empty()) {
            headers.emplace_back("Authorization", authorization);
        }
        return https_request(stack->port, "GET", path, headers);
    }

    std::unique_ptr<GatewayStack> stack;
};

TEST_F(IdentityHeaders, ClientSentIdentityNeverReachesTheUpstream) {
    start();
    auto response = get_with_spoofed_headers("/open");
    ASSERT_EQ(response.status, 200u) << response.body;
    auto seen = identity_headers_seen(stack->upstream);
    EXPECT_TRUE(seen.empty()) << seen.front().first << ": " << seen.front().second;
}

TEST_F(IdentityHeaders, TheGatewaySetsTheVerifiedUser) {
    start();
    auto token = access_token();
    auto response = get_with_spoofed_headers("/me", "Bearer " + token);
    ASSERT_EQ(response.status, 200u) << response.body;
    auto last = stack->upstream.requests().back();
    EXPECT_EQ(last.get_all("X-User-Id"), std::vector<std::string>{"usr_alice"});
    EXPECT_EQ(last.get_all("X-User-Roles"), std::vector<std::string>{"customer,beta"});
    EXPECT_FALSE(last.has("X-Consumer"));  // a user token has no consumer
    EXPECT_FALSE(last.has("X-Scopes"));    // and asked for no scope
    EXPECT_FALSE(last.has("X-Forwarded-User"));
    EXPECT_FALSE(last.has("Remote-User"));
    EXPECT_FALSE(last.has("X_User_Id"));
    EXPECT_EQ(identity_headers_seen(stack->upstream).size(), 2u);
}

TEST_F(IdentityHeaders, TheGatewaySetsTheApiKeyConsumer) {
    start();
    auto store = rampart::store::open_store(stack->gateway->directory().path() + "/data");
    auto made = rampart::auth::make_api_key();
    rampart::store::ApiKey key;
    key.id = made.id;
    key.prefix = made.display_prefix;
    key.secret_hash = made.secret_hash;
    key.consumer = "billing";
    key.scopes = {"orders:read", "orders:write"};
    key.created_at = std::chrono::system_clock::now();
    ASSERT_TRUE(store->create_api_key(key));
    unsigned status = 0;
    for (int i = 0; i < 30 && status != 200u; ++i) {  // the key reaches the server within a second
        status = get_with_spoofed_headers("/me", "ApiKey " + made.full_key).status;
        std::this_thread::sleep_for(100ms);
    }
    ASSERT_EQ(status, 200u);
    auto last = stack->upstream.requests().back();
    EXPECT_EQ(last.get_all("X-User-Id"), std::vector<std::string>{made.id});
    EXPECT_EQ(last.get_all("X-Consumer"), std::vector<std::string>{"billing"});
    EXPECT_EQ(last.get_all("X-Scopes"), std::vector<std::string>{"orders:read orders:write"});
    EXPECT_FALSE(last.has("X-User-Roles"));
}

TEST_F(IdentityHeaders, ConfiguredHeadersReplaceTheDefaults) {
    start(
        "identity_headers:\n"
        "  set: {X-Caller: subject, X-Caller-Credential: credential}\n"
        "  strip: [X-User-Id, X-Debug-User]\n");
    auto token = access_token();
    HeaderList headers = {{"X_Caller", "admin"}, {"x-debug-user", "admin"}, {"X-User-Id", "root"}};
    headers.emplace_back("Authorization", "Bearer " + token);
    ASSERT_EQ(https_request(stack->port, "GET", "/me", headers).status, 200u);
    auto last = stack->upstream.requests().back();
    EXPECT_EQ(last.get_all("X-Caller"), std::vector<std::string>{"usr_alice"});
    EXPECT_EQ(last.get_all("X-Caller-Credential"), std::vector<std::string>{"access_token"});
    EXPECT_FALSE(last.has("X_Caller"));
    EXPECT_FALSE(last.has("X-Debug-User"));
    EXPECT_FALSE(last.has("X-User-Id"));
    EXPECT_FALSE(last.has("X-User-Roles"));  // not configured any more
}

// The upstream can check who called it without trusting the network: the signed identity is a
// JWT for this upstream (aud "app"), short-lived, verifiable with the public JWKS.
TEST_F(IdentityHeaders, ASignedIdentityVerifiesAgainstTheJwks) {
    start("identity_headers:\n  signed: {enabled: true, lifetime: 60s}\n");
    auto token = access_token();
    ASSERT_EQ(get_with_spoofed_headers("/me", "Bearer " + token).status, 200u);
    auto assertions = stack->upstream.requests().back().get_all("X-Rampart-Identity");
    ASSERT_EQ(assertions.size(), 1u);
    ASSERT_NE(assertions[0], "forged");

    auto jwks = https_request(stack->port, "GET", "/.well-known/jwks.json");
    auto keys = rampart::auth::jose::KeySet::parse(jwks.body);
    ASSERT_TRUE(keys);
    auto verified = rampart::auth::jose::verify_compact(assertions[0], *keys);
    ASSERT_TRUE(verified) << rampart::auth::jose::describe(verified.error());
    const auto& claims = verified->payload;
    EXPECT_EQ(verified->header.at("typ"), "rampart-identity+jwt");
    EXPECT_EQ(claims.at("sub"), "usr_alice");
    EXPECT_EQ(claims.at("aud"), "app");
    EXPECT_EQ(claims.at("credential"), "access_token");
    EXPECT_EQ(claims.at("exp").as_int64() - claims.at("iat").as_int64(), 60);
    EXPECT_EQ(claims.at("roles"), (json::array{"customer", "beta"}));

    // An unauthenticated request gets no identity at all, and a forged one is dropped.
    ASSERT_EQ(get_with_spoofed_headers("/open").status, 200u);
    EXPECT_FALSE(stack->upstream.requests().back().has("X-Rampart-Identity"));
}

TEST(IdentityHeaderConfig, ASignedIdentityNeedsTheTokenService) {
    RecordingUpstream upstream;
    auto config = gateway_config(free_port(), free_port(), upstream.port(), simple_route("/open"),
                                 "identity_headers:\n  signed: {enabled: true}\n");
    TempDir directory;
    { std::ofstream(directory.path() + "/rampart.yaml") << in_directory(config, directory.path()); }
    Process check(rampart_binary(), {"check", "--config", directory.path() + "/rampart.yaml"},
                  directory.path());
    auto code = check.wait_for_exit(10s);
    EXPECT_NE(code.value_or(0), 0);
    EXPECT_NE(check.errors().find("identity_headers.signed.enabled"), std::string::npos)
        << check.errors();
}

}  // namespace
