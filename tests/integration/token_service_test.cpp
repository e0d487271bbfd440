// The built-in token service and bearer/API-key authentication, through the
// real binary over real TLS with a recording upstream (security requirements
// JWT, KEY, PWD, OAUTH, RT, REV, INT, META, APIK). Users, clients and API keys
// are put into the gateway's own store with the library, as the CLI does.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <thread>
#include <vector>

#include "auth/jose/base64url.hpp"
#include "auth/master_key.hpp"
#include "auth/secret_token.hpp"
#include "auth/signing_keys.hpp"
#include "config/loader.hpp"
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
    "  - path: /me\n    methods: [GET]\n    upstream: app\n    auth: jwt\n"
    "    authorize: authenticated\n"
    "  - path: /keyed\n    methods: [GET]\n    upstream: app\n    auth: api_key\n"
    "    authorize: authenticated\n"
    "  - path: /either\n    methods: [GET]\n    upstream: app\n    auth: [jwt, api_key]\n"
    "    authorize: authenticated\n";

const std::string token_service =
    "token_service:\n"
    "  signing: {publish_lead: 1s, jwks_max_age: 1s}\n";

const std::string alice_password = "correct horse battery staple";
const std::string client_secret_text = "rcs_" + std::string(43, 'x');

json::object body_json(const ParsedResponse& response) {
    auto value = json::parse(response.body);
    return value.as_object();
}

std::string form(std::initializer_list<std::pair<std::string, std::string>> fields) {
    std::string text;
    for (const auto& [name, value] : fields) {
        text += (text.empty() ? "" : "&") + name + "=" + value;
    }
    return text;
}

json::object decode_segment(const std::string& token, int index) {
    std::size_t start = 0;
    for (int i = 0; i < index; ++i) {
        start = token.find('.', start) + 1;
    }
    auto end = token.find('.', start);
    auto decoded = rampart::auth::jose::base64url::decode_strict(token.substr(start, end - start));
    return json::parse(decoded ? *decoded : std::string("{}")).as_object();
}

class TokenService : public ::testing::Test {
  protected:
    void SetUp() override {
        stack = std::make_unique<GatewayStack>(routes, token_service);
        store = rampart::store::open_store(stack->gateway->directory().path() + "/data");
        ASSERT_TRUE(
            store->create_user(make_user("usr_alice", "alice", alice_password, {"customer"})));
        rampart::store::OAuthClient client;
        client.client_id = "reports";
        client.secret_hash = rampart::auth::sha256_hex(client_secret_text);
        client.name = "reports";
        client.allowed_grant_types = {"client_credentials"};
        client.allowed_scopes = {"reports:read", "reports:write"};
        client.may_introspect = true;
        client.created_at = std::chrono::system_clock::now();
        ASSERT_TRUE(store->create_client(client));
    }

    ParsedResponse login(const std::string& username, const std::string& password) {
        json::object body{{"username", username}, {"password", password}};
        return https_request(stack->port, "POST", "/auth/login",
                             {{"Content-Type", "application/json"}}, json::serialize(body));
    }

    ParsedResponse post_form(const std::string& path, const std::string& body,
                             HeaderList headers = {}) {
        headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
        return https_request(stack->port, "POST", path, headers, body);
    }

    ParsedResponse refresh(const std::string& refresh_token) {
        return post_form("/oauth2/token",
                         form({{"grant_type", "refresh_token"}, {"refresh_token", refresh_token}}));
    }

    ParsedResponse client_token(const std::string& scope = "") {
        auto body = form({{"grant_type", "client_credentials"},
                          {"client_id", "reports"},
                          {"client_secret", client_secret_text}});
        if (!scope.empty()) {
            body += "&scope=" + scope;
        }
        return post_form("/oauth2/token", body);
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

// PWD-08, PWD-09, OAUTH-08, JWT-01: a login gives a short-lived at+jwt access token and an
// opaque refresh token, never cached; the token opens a jwt route.
TEST_F(TokenService, LoginIssuesTokensThatOpenAJwtRoute) {
    auto response = login("alice", alice_password);
    ASSERT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(response.get("Cache-Control"), "no-store");
    EXPECT_EQ(response.get("Pragma"), "no-cache");
    auto body = body_json(response);
    EXPECT_EQ(body.at("token_type").as_string(), "Bearer");
    EXPECT_EQ(body.at("expires_in").as_int64(), 600);
    std::string access(body.at("access_token").as_string());
    std::string refresh_token(body.at("refresh_token").as_string());
    EXPECT_GE(refresh_token.size(), 43u);
    EXPECT_EQ(refresh_token.find('.'), std::string::npos) << "refresh tokens are opaque";

    auto header = decode_segment(access, 0);
    auto claims = decode_segment(access, 1);
    EXPECT_EQ(header.at("typ").as_string(), "at+jwt");
    EXPECT_EQ(header.at("alg").as_string(), "ES256");
    EXPECT_EQ(claims.at("sub").as_string(), "usr_alice");
    EXPECT_EQ(claims.at("rampart_kind").as_string(), "user");
    EXPECT_EQ(claims.at("exp").as_int64() - claims.at("iat").as_int64(), 600);
    for (const char* name : {"iss", "aud", "jti", "nbf", "client_id", "scope", "sid"}) {
        EXPECT_TRUE(claims.contains(name)) << name;
    }
    EXPECT_FALSE(claims.contains("password_hash"));

    auto jwks = body_json(https_request(stack->port, "GET", "/.well-known/jwks.json"));
    bool kid_published = false;
    for (const auto& key : jwks.at("keys").as_array()) {
        kid_published |= key.as_object().at("kid") == header.at("kid");
        for (const char* secret : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
            EXPECT_FALSE(key.as_object().contains(secret)) << secret;
        }
    }
    EXPECT_TRUE(kid_published);

    EXPECT_EQ(get("/me", "Bearer " + access).status, 200u);
    EXPECT_EQ(stack->upstream.request_count(), 1u);
    auto second = body_json(login("alice", alice_password));
    EXPECT_NE(decode_segment(std::string(second.at("access_token").as_string()), 1).at("sid"),
              claims.at("sid"))
        << "every login starts a new refresh family";
}

// PWD-03: unknown user, wrong password and a disabled account look the same.
TEST_F(TokenService, LoginFailuresAreUniform) {
    auto unknown = login("mallory", alice_password);
    auto wrong = login("alice", "not the password at all");
    ASSERT_TRUE(store->set_user_disabled("usr_alice", true, std::nullopt));
    auto disabled = login("alice", alice_password);
    for (const auto* response : {&unknown, &wrong, &disabled}) {
        EXPECT_EQ(response->status, 401u);
        auto body = body_json(*response);
        body.erase("request_id");
        EXPECT_EQ(json::serialize(body), json::serialize([&] {
                      auto first = body_json(unknown);
                      first.erase("request_id");
                      return first;
                  }()));
    }
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"wrong_password\""));
    EXPECT_EQ(stack->gateway->security_log().find("not the password at all"), std::string::npos);
}

// PWD-08: the login is POST only and takes no credentials from the URL.
TEST_F(TokenService, LoginRefusesGetAndMalformedBodies) {
    auto get_response = https_request(stack->port, "GET", "/auth/login?username=alice&password=p");
    EXPECT_EQ(get_response.status, 405u);
    auto response =
        https_request(stack->port, "POST", "/auth/login", {{"Content-Type", "application/json"}},
                      R"({"username":"alice","username":"bob","password":"x"})");
    EXPECT_EQ(response.status, 400u);
    response =
        https_request(stack->port, "POST", "/auth/login", {{"Content-Type", "application/json"}},
                      R"({"username":"alice","password":")" + std::string(2000, 'a') + "\"}");
    EXPECT_EQ(response.status, 400u);
}

// JWT-20, JWT-21: challenges follow RFC 6750; a token in the query is refused.
TEST_F(TokenService, BearerChallengesAndQueryTokens) {
    auto none = get("/me", "");
    EXPECT_EQ(none.status, 401u);
    EXPECT_EQ(none.get("WWW-Authenticate"), "Bearer realm=\"rampart\"");
    auto bad = get("/me", "Bearer abc.def.ghi");
    EXPECT_EQ(bad.status, 401u);
    EXPECT_EQ(bad.get("WWW-Authenticate"), "Bearer realm=\"rampart\", error=\"invalid_token\"");
    auto access =
        std::string(body_json(login("alice", alice_password)).at("access_token").as_string());
    auto in_query = get("/me?access_token=" + access, "");
    EXPECT_EQ(in_query.status, 401u);
    EXPECT_EQ(stack->upstream.request_count(), 0u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("credentials_in_query"));
    EXPECT_EQ(stack->gateway->access_log().find(access), std::string::npos);
    EXPECT_EQ(stack->gateway->security_log().find(access), std::string::npos);
}

// RT-02, RT-03, RT-04, RT-12: rotation, and reuse revoking the family with its access tokens.
TEST_F(TokenService, RefreshRotatesAndReuseRevokesTheFamily) {
    auto first = body_json(login("alice", alice_password));
    std::string r0(first.at("refresh_token").as_string());
    auto rotated = refresh(r0);
    ASSERT_EQ(rotated.status, 200u) << rotated.body;
    EXPECT_EQ(rotated.get("Cache-Control"), "no-store");
    auto second = body_json(rotated);
    std::string r1(second.at("refresh_token").as_string());
    std::string a1(second.at("access_token").as_string());
    EXPECT_NE(r1, r0);
    EXPECT_EQ(get("/me", "Bearer " + a1).status, 200u);

    auto replay = refresh(r0);
    EXPECT_EQ(replay.status, 400u);
    EXPECT_EQ(body_json(replay).at("error").as_string(), "invalid_grant");
    auto after = refresh(r1);
    EXPECT_EQ(after.status, 400u) << "the whole family is revoked";
    EXPECT_EQ(get("/me", "Bearer " + a1).status, 401u) << "with its access tokens";
    auto garbage = refresh("garbage");
    EXPECT_EQ(garbage.body, replay.body.substr(0, garbage.body.size()))
        << "reuse looks like any invalid grant";

    ASSERT_TRUE(stack->gateway->wait_for_security_log("refresh_token_reuse_detected"));
    auto log = stack->gateway->security_log() + stack->gateway->access_log();
    EXPECT_EQ(log.find(r0), std::string::npos);
    EXPECT_EQ(log.find(r1), std::string::npos);
}

// RT-05: twenty concurrent refreshes of one token: exactly one succeeds, none is a 5xx.
TEST_F(TokenService, ConcurrentRefreshesHaveExactlyOneWinner) {
    std::string token(body_json(login("alice", alice_password)).at("refresh_token").as_string());
    std::vector<unsigned> statuses(20);
    std::vector<std::thread> threads;
    std::atomic<bool> go{false};
    for (std::size_t i = 0; i < statuses.size(); ++i) {
        threads.emplace_back([&, i] {
            while (!go) {
                std::this_thread::yield();
            }
            statuses[i] = refresh(token).status;
        });
    }
    go = true;
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200u), 1);
    EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 400u), 19);
}

// OAUTH-02, OAUTH-05, OAUTH-03, OAUTH-04: client credentials, its errors and its encodings.
TEST_F(TokenService, ClientCredentials) {
    auto response = client_token("reports:read");
    ASSERT_EQ(response.status, 200u) << response.body;
    auto body = body_json(response);
    EXPECT_FALSE(body.contains("refresh_token"));
    EXPECT_EQ(body.at("scope").as_string(), "reports:read");
    auto claims = decode_segment(std::string(body.at("access_token").as_string()), 1);
    EXPECT_EQ(claims.at("rampart_kind").as_string(), "client");
    EXPECT_EQ(claims.at("client_id").as_string(), "reports");

    EXPECT_EQ(body_json(client_token("admin")).at("error").as_string(), "invalid_scope");
    auto bad_secret = post_form("/oauth2/token", form({{"grant_type", "client_credentials"},
                                                       {"client_id", "reports"},
                                                       {"client_secret", "rcs_wrong"}}));
    EXPECT_EQ(bad_secret.status, 401u);
    EXPECT_EQ(body_json(bad_secret).at("error").as_string(), "invalid_client");
    auto repeated = post_form("/oauth2/token", "grant_type=client_credentials&grant_type=password");
    EXPECT_EQ(body_json(repeated).at("error").as_string(), "invalid_request");
    auto password_grant =
        post_form("/oauth2/token", "grant_type=password&username=alice&password=x");
    EXPECT_EQ(body_json(password_grant).at("error").as_string(), "unsupported_grant_type");
    auto json_body =
        https_request(stack->port, "POST", "/oauth2/token", {{"Content-Type", "application/json"}},
                      R"({"grant_type":"client_credentials"})");
    EXPECT_EQ(body_json(json_body).at("error").as_string(), "invalid_request");
    auto both = post_form(
        "/oauth2/token",
        form({{"grant_type", "client_credentials"}, {"client_secret", client_secret_text}}),
        {{"Authorization", "Basic cmVwb3J0czp4"}});
    EXPECT_EQ(body_json(both).at("error").as_string(), "invalid_request");
    // client_secret_basic: form-encoded id and secret inside base64.
    std::string basic_credentials = "reports:" + client_secret_text;
    std::string encoded(((basic_credentials.size() + 2) / 3) * 4 + 1, '\0');
    auto length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                  reinterpret_cast<const unsigned char*>(basic_credentials.data()),
                                  static_cast<int>(basic_credentials.size()));
    encoded.resize(static_cast<std::size_t>(length));
    auto basic = post_form("/oauth2/token", "grant_type=client_credentials",
                           {{"Authorization", "Basic " + encoded}});
    EXPECT_EQ(basic.status, 200u) << basic.body;
    auto refresh_grant = post_form("/oauth2/token", form({{"grant_type", "refresh_token"},
                                                          {"refresh_token", "x"},
                                                          {"client_id", "reports"},
                                                          {"client_secret", client_secret_text}}));
    EXPECT_EQ(body_json(refresh_grant).at("error").as_string(), "invalid_grant");
}

// OAUTH-07: failed client authentication is throttled per client id (with Retry-After);
// another client id is not.
TEST_F(TokenService, FailedClientAuthenticationIsThrottled) {
    ParsedResponse response;
    int attempts = 0;
    for (; attempts < 50 && response.status != 429u; ++attempts) {
        response = post_form("/oauth2/token", form({{"grant_type", "client_credentials"},
                                                    {"client_id", "reports"},
                                                    {"client_secret", "rcs_wrong"}}));
    }
    ASSERT_EQ(response.status, 429u) << "never throttled after " << attempts << " bad secrets";
    EXPECT_LE(attempts, 10);
    EXPECT_FALSE(response.get("Retry-After").empty());
    EXPECT_EQ(body_json(response).at("error").as_string(), "temporarily_unavailable");
    auto other = post_form("/oauth2/token", form({{"grant_type", "client_credentials"},
                                                  {"client_id", "someone-else"},
                                                  {"client_secret", "rcs_wrong"}}));
    EXPECT_EQ(other.status, 401u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("client_authentication_throttled"));
    EXPECT_EQ(stack->gateway->security_log().find("rcs_wrong"), std::string::npos);
}

// REV-01..REV-04, INT-01, INT-02: revocation and introspection by an authenticated client.
TEST_F(TokenService, RevocationAndIntrospection) {
    auto access = std::string(body_json(client_token()).at("access_token").as_string());
    auto credentials = form({{"client_id", "reports"}, {"client_secret", client_secret_text}});
    auto active = post_form("/oauth2/introspect", credentials + "&token=" + access);
    ASSERT_EQ(active.status, 200u) << active.body;
    EXPECT_EQ(active.get("Cache-Control"), "no-store");
    EXPECT_TRUE(body_json(active).at("active").as_bool());
    EXPECT_EQ(body_json(active).at("client_id").as_string(), "reports");
    EXPECT_EQ(post_form("/oauth2/introspect", "token=" + access).status, 401u);
    EXPECT_EQ(post_form("/oauth2/revoke", "token=" + access).status, 401u);
    EXPECT_EQ(body_json(post_form("/oauth2/revoke", credentials + "&token=x&token_type_hint=foo"))
                  .at("error")
                  .as_string(),
              "unsupported_token_type");

    auto either = get("/either", "Bearer " + access);
    EXPECT_EQ(either.status, 200u);
    EXPECT_EQ(post_form("/oauth2/revoke", credentials + "&token=" + access).status, 200u);
    EXPECT_EQ(get("/either", "Bearer " + access).status, 401u) << "revocation takes effect at once";
    auto inactive = body_json(post_form("/oauth2/introspect", credentials + "&token=" + access));
    EXPECT_EQ(json::serialize(inactive), R"({"active":false})");
    EXPECT_EQ(post_form("/oauth2/revoke", credentials + "&token=garbage").status, 200u)
        << "no oracle";
    EXPECT_EQ(
        json::serialize(body_json(post_form("/oauth2/introspect", credentials + "&token=garbage"))),
        R"({"active":false})");
}

// RT-10: logout revokes the family, its refresh token and its access tokens.
TEST_F(TokenService, LogoutEndsTheSession) {
    auto tokens = body_json(login("alice", alice_password));
    std::string access(tokens.at("access_token").as_string());
    std::string refresh_token(tokens.at("refresh_token").as_string());
    json::object logout_body{{"refresh_token", refresh_token}};
    auto response =
        https_request(stack->port, "POST", "/auth/logout", {{"Content-Type", "application/json"}},
                      json::serialize(logout_body));
    EXPECT_EQ(response.status, 204u);
    EXPECT_EQ(refresh(refresh_token).status, 400u);
    EXPECT_EQ(get("/me", "Bearer " + access).status, 401u);
}

// APIK-01..APIK-04: API keys from the header only, revocation effective within a second.
TEST_F(TokenService, ApiKeysLifecycle) {
    auto key = rampart::auth::make_api_key();
    rampart::store::ApiKey record;
    record.id = key.id;
    record.prefix = key.display_prefix;
    record.secret_hash = key.secret_hash;
    record.consumer = "billing";
    record.created_at = std::chrono::system_clock::now();
    ASSERT_TRUE(store->create_api_key(record));
    ParsedResponse response;
    for (int i = 0; i < 30 && response.status != 200u;
         ++i) {  // the gateway polls the store every second
        response = get("/keyed", "ApiKey " + key.full_key);
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(get("/keyed?api_key=" + key.full_key, "").status, 401u);
    EXPECT_EQ(get("/keyed?api_key=" + key.full_key, "ApiKey " + key.full_key).status, 400u);
    EXPECT_EQ(get("/me", "ApiKey " + key.full_key).status, 401u)
        << "a jwt-only route refuses API keys";
    auto wrong = key.full_key;
    wrong.back() = wrong.back() == 'a' ? 'b' : 'a';
    auto wrong_response = get("/keyed", "ApiKey " + wrong);
    EXPECT_EQ(wrong_response.status, 401u);

    ASSERT_TRUE(store->revoke_api_key(key.id, std::chrono::system_clock::now()));
    for (int i = 0; i < 30 && response.status == 200u; ++i) {
        std::this_thread::sleep_for(100ms);
        response = get("/keyed", "ApiKey " + key.full_key);
    }
    EXPECT_EQ(response.status, 401u);
    auto revoked_body = body_json(response);
    auto wrong_body = body_json(wrong_response);
    revoked_body.erase("request_id");
    wrong_body.erase("request_id");
    EXPECT_EQ(json::serialize(revoked_body), json::serialize(wrong_body));
    EXPECT_EQ(stack->gateway->access_log().find(key.full_key), std::string::npos);
}

// META-01, KEY-02, META-03: the metadata names exactly what is enforced; the JWKS is cacheable;
// OIDC discovery is not served.
TEST_F(TokenService, MetadataAndJwks) {
    auto metadata = https_request(stack->port, "GET", "/.well-known/oauth-authorization-server");
    ASSERT_EQ(metadata.status, 200u);
    auto document = body_json(metadata);
    auto issuer = std::string(document.at("issuer").as_string());
    EXPECT_EQ(issuer, "https://127.0.0.1:" + std::to_string(stack->port));
    EXPECT_EQ(document.at("token_endpoint").as_string(), issuer + "/oauth2/token");
    EXPECT_EQ(json::serialize(document.at("grant_types_supported")),
              R"(["refresh_token","client_credentials"])");
    auto access =
        std::string(body_json(login("alice", alice_password)).at("access_token").as_string());
    EXPECT_EQ(decode_segment(access, 1).at("iss").as_string(), issuer);
    auto jwks = https_request(stack->port, "GET", "/.well-known/jwks.json");
    EXPECT_EQ(jwks.get("Content-Type"), "application/json");
    EXPECT_EQ(jwks.get("Cache-Control"), "public, max-age=1");
    // META-03: without an authorization endpoint and ID tokens, OIDC discovery would promise
    // what Rampart does not do, so it is not served.
    EXPECT_EQ(https_request(stack->port, "GET", "/.well-known/openid-configuration").status, 404u);
}

// KEY-03, KEY-05: a rotation publishes the next key first; tokens signed before it keep
// working, and after the lead time new tokens carry the new kid.
TEST_F(TokenService, KeyRotationWithoutFailedRequests) {
    auto before =
        std::string(body_json(login("alice", alice_password)).at("access_token").as_string());
    auto old_kid = decode_segment(before, 0).at("kid");
    auto settings = rampart::config::load_settings_file(stack->gateway->config_path());
    auto master =
        rampart::auth::MasterKey::load_or_create(stack->gateway->directory().path() + "/data");
    auto new_kid = rampart::auth::rotate_signing_key(*store, master, settings.auth.token_service,
                                                     std::chrono::seconds(60),
                                                     std::chrono::system_clock::now());
    EXPECT_NE(new_kid, old_kid.as_string());
    bool published = false;
    for (int i = 0; i < 30 && !published; ++i) {
        auto jwks = https_request(stack->port, "GET", "/.well-known/jwks.json").body;
        published = jwks.find(new_kid) != std::string::npos;
        EXPECT_EQ(get("/me", "Bearer " + before).status, 200u);
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_TRUE(published);
    std::string kid_now;
    for (int i = 0; i < 40 && kid_now != new_kid; ++i) {
        auto token =
            std::string(body_json(login("alice", alice_password)).at("access_token").as_string());
        kid_now = std::string(decode_segment(token, 0).at("kid").as_string());
        EXPECT_EQ(get("/me", "Bearer " + token).status, 200u);
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(kid_now, new_kid);
    EXPECT_EQ(get("/me", "Bearer " + before).status, 200u)
        << "the retired key verifies until its tokens expire";
}

}  // namespace
