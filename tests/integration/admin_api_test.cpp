// The admin API (ADM-01, ADM-02, PWD-11, RT-10): through the real binary, with the admin
// listener on loopback and the public listener over TLS. Every resource is changed through the
// API and the effect is checked where it matters: on the public listener.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "auth/jose/base64url.hpp"
#include "auth/secret_token.hpp"
#include "support/gateway.hpp"
#include "support/raw_connection.hpp"
#include "support/test_pki.hpp"

namespace {

using namespace rampart::test;
using namespace std::chrono_literals;
namespace json = boost::json;

const std::string routes =
    "  - path: /protected\n    methods: [GET]\n    upstream: app\n    auth: [jwt, api_key]\n"
    "    authorize: authenticated\n";

// Rotation times are whole seconds (publish_at is truncated): with a lead of 1 s a
// rotation made late in a second was pending for only a few milliseconds, and the
// second rotate of RotatesSigningKeys could find it signing already.
const std::string token_service =
    "token_service:\n"
    "  signing: {publish_lead: 5s, jwks_max_age: 1s}\n";

const std::string viewer_token = "viewer-token-for-the-dashboard-0123456789";

std::string viewer_principal() {
    return "  principals:\n"
           "    - name: dashboard\n"
           "      role: viewer\n"
           "      token_sha256: " +
           rampart::auth::sha256_hex(viewer_token) + "\n";
}

const std::string alice_password = "her correct horse battery staple";

json::object body_json(const ParsedResponse& response) {
    return json::parse(response.body).as_object();
}

// The session (refresh-token family) an access token belongs to: its "sid" claim.
std::string session_of(const std::string& access_token) {
    auto start = access_token.find('.') + 1;
    auto end = access_token.find('.', start);
    auto payload =
        rampart::auth::jose::base64url::decode_strict(access_token.substr(start, end - start));
    return payload ? std::string(json::parse(*payload).at("sid").as_string()) : std::string();
}

std::string bearer(const std::string& token) {
    return "Bearer " + token;
}

class AdminApi : public ::testing::Test {
  protected:
    void SetUp() override {
        stack = std::make_unique<GatewayStack>(routes, token_service, viewer_principal());
    }

    ParsedResponse admin(const std::string& method, const std::string& path,
                         const std::string& body = "",
                         const std::string& token = test_admin_token) {
        HeaderList headers{{"Authorization", bearer(token)}};
        if (!body.empty()) {
            headers.emplace_back("Content-Type", "application/json");
        }
        return http_request(stack->admin_port, method, path, headers, body);
    }

    ParsedResponse login(const std::string& username, const std::string& password) {
        json::object body{{"username", username}, {"password", password}};
        return https_request(stack->port, "POST", "/auth/login",
                             {{"Content-Type", "application/json"}}, json::serialize(body));
    }

    ParsedResponse refresh(const std::string& refresh_token) {
        return https_request(stack->port, "POST", "/oauth2/token",
                             {{"Content-Type", "application/x-www-form-urlencoded"}},
                             "grant_type=refresh_token&refresh_token=" + refresh_token);
    }

    ParsedResponse protected_get(const std::string& authorization) {
        return https_request(stack->port, "GET", "/protected", {{"Authorization", authorization}});
    }

    // A request to the protected route until it answers `status`, for at most `limit`.
    bool protected_becomes(const std::string& authorization, unsigned status,
                           std::chrono::milliseconds limit = 1s) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (std::chrono::steady_clock::now() < deadline) {
            if (protected_get(authorization).status == status) {
                return true;
            }
            std::this_thread::sleep_for(50ms);
        }
        return protected_get(authorization).status == status;
    }

    void create_alice() {
        json::object body{{"username", "alice"},
                          {"email", "alice@example.com"},
                          {"roles", json::array{"customer"}},
                          {"password", alice_password}};
        auto created = admin("POST", "/admin/users", json::serialize(body));
        ASSERT_EQ(created.status, 201u) << created.body;
    }

    std::unique_ptr<GatewayStack> stack;
};

// ADM-01: the admin API is not on the public listener, and needs a credential.
TEST_F(AdminApi, IsOnlyOnTheAdminListenerAndNeedsACredential) {
    auto public_listener = https_request(stack->port, "GET", "/admin/users",
                                         {{"Authorization", bearer(test_admin_token)}});
    EXPECT_EQ(public_listener.status, 404u);

    auto anonymous = http_request(stack->admin_port, "GET", "/admin/users");
    EXPECT_EQ(anonymous.status, 401u);
    EXPECT_EQ(anonymous.get("WWW-Authenticate"), "Bearer realm=\"rampart-admin\"");
    EXPECT_EQ(anonymous.get("Content-Type"), "application/problem+json");

    // ADM-02: no default credentials.
    auto default_credentials = http_request(stack->admin_port, "GET", "/admin/users",
                                            {{"Authorization", "Basic YWRtaW46YWRtaW4="}});
    EXPECT_EQ(default_credentials.status, 401u);
    EXPECT_EQ(admin("GET", "/admin/users", "", "admin").status, 401u);
    EXPECT_EQ(admin("GET", "/admin/users", "", test_admin_token + "x").status, 401u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"admin_auth_failed\""));

    // The probes stay open.
    EXPECT_EQ(http_request(stack->admin_port, "GET", "/healthz").status, 200u);
}

// ADM-01: a read-only role attempting a write gets 403, and nothing changes.
TEST_F(AdminApi, AViewerReadsButCannotChange) {
    auto listed = admin("GET", "/admin/users", "", viewer_token);
    ASSERT_EQ(listed.status, 200u) << listed.body;
    EXPECT_TRUE(body_json(listed).at("users").as_array().empty());

    json::object body{{"username", "mallory"}, {"password", alice_password}};
    auto write = admin("POST", "/admin/users", json::serialize(body), viewer_token);
    EXPECT_EQ(write.status, 403u);
    EXPECT_EQ(admin("POST", "/admin/signing-keys/rotate", "", viewer_token).status, 403u);
    EXPECT_EQ(admin("POST", "/admin/reload", "", viewer_token).status, 403u);
    EXPECT_TRUE(body_json(admin("GET", "/admin/users")).at("users").as_array().empty());
    EXPECT_TRUE(stack->gateway->wait_for_security_log(
        "\"event\":\"admin_forbidden\",\"action\":\"user.create\",\"principal\":\"dashboard\""));
}

TEST_F(AdminApi, UnknownResourcesAndMethodsAreRefused) {
    EXPECT_EQ(admin("GET", "/admin/nothing").status, 404u);
    EXPECT_EQ(admin("GET", "/admin//users").status, 404u);
    auto wrong_method = admin("PUT", "/admin/users");
    EXPECT_EQ(wrong_method.status, 405u);
    EXPECT_EQ(wrong_method.get("Allow"), "GET, POST");
}

// A user made through the API can log in; the listing never shows a hash; bad input changes
// nothing and says why.
TEST_F(AdminApi, CreatesUsersAndRefusesBadInput) {
    create_alice();
    auto shown = admin("GET", "/admin/users/alice");
    ASSERT_EQ(shown.status, 200u);
    auto user = body_json(shown);
    EXPECT_EQ(user.at("username"), "alice");
    EXPECT_EQ(user.at("email"), "alice@example.com");
    EXPECT_FALSE(user.contains("password_hash"));
    EXPECT_EQ(shown.body.find("argon2"), std::string::npos);
    EXPECT_EQ(login("alice", alice_password).status, 200u);

    json::object again{{"username", "alice"}, {"password", "another fine long password"}};
    EXPECT_EQ(admin("POST", "/admin/users", json::serialize(again)).status, 409u);

    json::object weak{{"username", "bob"}, {"password", "password"}};
    auto weak_response = admin("POST", "/admin/users", json::serialize(weak));
    EXPECT_EQ(weak_response.status, 400u);
    EXPECT_NE(weak_response.body.find("password was refused"), std::string::npos);

    // Mass assignment: a member the API does not know is refused, not ignored.
    json::object extra{{"username", "carol"}, {"password", alice_password}, {"isAdmin", true}};
    auto extra_response = admin("POST", "/admin/users", json::serialize(extra));
    EXPECT_EQ(extra_response.status, 400u);
    EXPECT_NE(extra_response.body.find("isAdmin"), std::string::npos);

    auto duplicate_member =
        admin("POST", "/admin/users", R"({"username":"dave","username":"root","password":"x"})");
    EXPECT_EQ(duplicate_member.status, 400u);
    EXPECT_EQ(admin("GET", "/admin/users/carol").status, 404u);
    EXPECT_EQ(admin("GET", "/admin/users/dave").status, 404u);
    EXPECT_EQ(admin("GET", "/admin/users/root").status, 404u);

    EXPECT_TRUE(stack->gateway->wait_for_security_log(
        "\"event\":\"admin_change\",\"action\":\"user.create\",\"target\":\"alice\","
        "\"principal\":\"operator\""));
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"admin_change_refused\""));
    EXPECT_EQ(stack->gateway->security_log().find(alice_password), std::string::npos);
}

// PWD-11, RT-10: disabling an account through the API ends its sessions at once.
TEST_F(AdminApi, DisablingAUserEndsItsSessions) {
    create_alice();
    auto logged_in = login("alice", alice_password);
    ASSERT_EQ(logged_in.status, 200u);
    auto tokens = body_json(logged_in);
    auto access_token = std::string(tokens.at("access_token").as_string());
    auto refresh_token = std::string(tokens.at("refresh_token").as_string());
    ASSERT_EQ(protected_get(bearer(access_token)).status, 200u);

    auto sessions = body_json(admin("GET", "/admin/users/alice/sessions")).at("sessions");
    ASSERT_EQ(sessions.as_array().size(), 1u);

    auto disabled = admin("PATCH", "/admin/users/alice", R"({"disabled":true})");
    ASSERT_EQ(disabled.status, 200u) << disabled.body;
    EXPECT_EQ(body_json(disabled).at("disabled"), true);
    EXPECT_TRUE(protected_becomes(bearer(access_token), 401u));
    auto refreshed = refresh(refresh_token);
    EXPECT_EQ(refreshed.status, 400u);
    EXPECT_NE(refreshed.body.find("invalid_grant"), std::string::npos);
    EXPECT_EQ(login("alice", alice_password).status, 401u);

    ASSERT_EQ(
        admin("PATCH", "/admin/users/alice", R"({"disabled":false,"roles":["staff"]})").status,
        200u);
    EXPECT_EQ(body_json(admin("GET", "/admin/users/alice")).at("roles"), json::array{"staff"});
    EXPECT_EQ(login("alice", alice_password).status, 200u);
}

// RT-10: an admin revoke of one session, and of all of a user's sessions.
TEST_F(AdminApi, RevokesSessions) {
    create_alice();
    auto first = body_json(login("alice", alice_password));
    auto second = body_json(login("alice", alice_password));
    auto listed = body_json(admin("GET", "/admin/sessions")).at("sessions").as_array();
    ASSERT_EQ(listed.size(), 2u);
    auto user_id = std::string(body_json(admin("GET", "/admin/users/alice")).at("id").as_string());
    EXPECT_EQ(body_json(admin("GET", "/admin/sessions?subject=" + user_id))
                  .at("sessions")
                  .as_array()
                  .size(),
              2u);
    EXPECT_EQ(admin("GET", "/admin/sessions?subject=a%20b").status, 400u);

    auto family = session_of(std::string(first.at("access_token").as_string()));
    EXPECT_TRUE(listed[0].at("id") == json::value(family) ||
                listed[1].at("id") == json::value(family));
    auto revoked = admin("DELETE", "/admin/sessions/" + family);
    ASSERT_EQ(revoked.status, 200u) << revoked.body;
    EXPECT_EQ(body_json(revoked).at("revoke_reason"), "admin_revoked");
    EXPECT_EQ(admin("DELETE", "/admin/sessions/no-such-family").status, 404u);
    EXPECT_EQ(refresh(std::string(first.at("refresh_token").as_string())).status, 400u);
    EXPECT_TRUE(protected_becomes(bearer(std::string(first.at("access_token").as_string())), 401u));
    EXPECT_EQ(protected_get(bearer(std::string(second.at("access_token").as_string()))).status,
              200u);

    ASSERT_EQ(admin("DELETE", "/admin/users/alice/sessions").status, 200u);
    EXPECT_TRUE(
        protected_becomes(bearer(std::string(second.at("access_token").as_string())), 401u));
    EXPECT_EQ(refresh(std::string(second.at("refresh_token").as_string())).status, 400u);
}

// APIK: a key made through the API works at once, is shown once, rotates with an overlap and is
// refused at once when revoked.
TEST_F(AdminApi, ManagesApiKeys) {
    auto created = admin("POST", "/admin/api-keys",
                         R"({"consumer":"billing","scopes":["orders:read"],"expires_in":"30d"})");
    ASSERT_EQ(created.status, 201u) << created.body;
    auto key = body_json(created);
    auto full_key = std::string(key.at("key").as_string());
    auto id = std::string(key.at("id").as_string());
    EXPECT_TRUE(protected_becomes("ApiKey " + full_key, 200u));

    auto listed = admin("GET", "/admin/api-keys");
    EXPECT_EQ(listed.body.find(full_key), std::string::npos);
    EXPECT_EQ(listed.body.find(rampart::auth::sha256_hex(full_key.substr(full_key.rfind('_') + 1))),
              std::string::npos);
    EXPECT_EQ(body_json(admin("GET", "/admin/api-keys/" + id)).at("consumer"), "billing");

    auto rotated = admin("POST", "/admin/api-keys/" + id + "/rotate");
    ASSERT_EQ(rotated.status, 201u) << rotated.body;
    auto replacement = body_json(rotated);
    auto new_key = std::string(replacement.at("key").as_string());
    EXPECT_EQ(replacement.at("replaces").at("id").as_string(), id);
    EXPECT_TRUE(protected_becomes("ApiKey " + new_key, 200u));
    EXPECT_EQ(protected_get("ApiKey " + full_key).status, 200u);  // the overlap

    auto new_id = std::string(replacement.at("id").as_string());
    ASSERT_EQ(admin("DELETE", "/admin/api-keys/" + new_id).status, 200u);
    EXPECT_TRUE(protected_becomes("ApiKey " + new_key, 401u));

    EXPECT_EQ(admin("POST", "/admin/api-keys", R"({"consumer":"x","expires_in":"soon"})").status,
              400u);
    EXPECT_EQ(admin("GET", "/admin/api-keys/" + full_key).status, 400u);
    EXPECT_EQ(stack->gateway->security_log().find(full_key), std::string::npos);
    EXPECT_EQ(stack->gateway->security_log().find(new_key), std::string::npos);
}

// OAuth clients: the secret is shown once and works; a new secret ends the old one; removal
// ends the client.
TEST_F(AdminApi, ManagesClients) {
    auto created =
        admin("POST", "/admin/clients", R"({"client_id":"reports","scopes":["reports:read"]})");
    ASSERT_EQ(created.status, 201u) << created.body;
    auto secret = std::string(body_json(created).at("client_secret").as_string());
    auto token_request = [&](const std::string& client_secret) {
        return https_request(
            stack->port, "POST", "/oauth2/token",
            {{"Content-Type", "application/x-www-form-urlencoded"}},
            "grant_type=client_credentials&client_id=reports&client_secret=" + client_secret);
    };
    EXPECT_EQ(token_request(secret).status, 200u);
    EXPECT_EQ(admin("GET", "/admin/clients/reports").body.find(secret), std::string::npos);
    EXPECT_EQ(admin("GET", "/admin/clients/rampart-login").status, 400u);

    auto rotated = admin("POST", "/admin/clients/reports/rotate-secret");
    ASSERT_EQ(rotated.status, 200u);
    auto new_secret = std::string(body_json(rotated).at("client_secret").as_string());
    EXPECT_EQ(token_request(secret).status, 401u);
    EXPECT_EQ(token_request(new_secret).status, 200u);

    ASSERT_EQ(admin("PATCH", "/admin/clients/reports", R"({"disabled":true})").status, 200u);
    EXPECT_EQ(token_request(new_secret).status, 401u);
    ASSERT_EQ(admin("DELETE", "/admin/clients/reports").status, 200u);
    EXPECT_EQ(admin("GET", "/admin/clients/reports").status, 404u);
    EXPECT_EQ(stack->gateway->security_log().find(new_secret), std::string::npos);
}

// KEY: a rotation through the API publishes the new key in the JWKS before it signs.
TEST_F(AdminApi, RotatesSigningKeys) {
    auto keys = body_json(admin("GET", "/admin/signing-keys")).at("signing_keys").as_array();
    ASSERT_EQ(keys.size(), 1u);
    EXPECT_EQ(keys[0].at("state"), "active");
    EXPECT_EQ(admin("GET", "/admin/signing-keys").body.find("sealed"), std::string::npos);

    auto rotated = admin("POST", "/admin/signing-keys/rotate");
    ASSERT_EQ(rotated.status, 201u) << rotated.body;
    auto kid = std::string(body_json(rotated).at("kid").as_string());
    EXPECT_EQ(admin("POST", "/admin/signing-keys/rotate").status, 409u);  // under way

    auto jwks = https_request(stack->port, "GET", "/.well-known/jwks.json");
    EXPECT_NE(jwks.body.find(kid), std::string::npos);
    EXPECT_TRUE(stack->gateway->wait_for_security_log(
        "\"action\":\"signing_key.rotate\",\"target\":\"" + kid + "\""));
}

// ADM-01: loopback only by default; another allowlist shuts loopback out of /admin/* but not
// out of the probes.
TEST(AdminApiSources, OnlyAllowedSourcesReachTheAdminApi) {
    GatewayStack stack(routes, token_service, "  allowed_sources: [10.0.0.0/8]\n");
    auto refused = http_request(stack.admin_port, "GET", "/admin/users",
                                {{"Authorization", bearer(test_admin_token)}});
    EXPECT_EQ(refused.status, 403u);
    EXPECT_EQ(http_request(stack.admin_port, "GET", "/healthz").status, 200u);
    EXPECT_TRUE(stack.gateway->wait_for_security_log("\"event\":\"admin_source_refused\""));
}

}  // namespace

namespace {

// The admin listener over HTTPS, with principals known by their client certificate.
class AdminApiOverTls : public ::testing::Test {
  protected:
    void SetUp() override {
        pki = make_test_pki(pki_directory);
        std::string admin_extra =
            "  tls:\n"
            "    certificate: " +
            pki.server_cert + "\n" + "    private_key: " + pki.server_key + "\n" +
            "    client_ca: " + pki.ca_cert + "\n" +
            "    require_client_certificate: false\n"
            "  principals:\n"
            "    - name: ops-laptop\n"
            "      role: admin\n"
            "      certificate_subject: \"CN=test-client,O=Rampart tests\"\n";
        stack = std::make_unique<GatewayStack>(routes, token_service, admin_extra);
    }

    ParsedResponse admin(const std::string& method, const std::string& path, const TlsOptions& tls,
                         const HeaderList& headers = {}, const std::string& body = "") {
        return https_request(stack->admin_port, method, path, headers, body, tls);
    }

    TlsOptions with_certificate(const std::string& certificate, const std::string& key) {
        TlsOptions tls;
        tls.ca_file = pki.ca_cert;
        tls.server_name = "localhost";
        tls.certificate_file = certificate;
        tls.private_key_file = key;
        return tls;
    }

    TempDir pki_directory;
    TestPki pki;
    std::unique_ptr<GatewayStack> stack;
};

TEST_F(AdminApiOverTls, KnowsPrincipalsByTheirClientCertificate) {
    auto ops = with_certificate(pki.client_cert, pki.client_key);
    auto listed = admin("GET", "/admin/users", ops);
    EXPECT_EQ(listed.status, 200u) << listed.body;
    auto created = admin("POST", "/admin/clients", ops, {{"Content-Type", "application/json"}},
                         R"({"client_id":"reports"})");
    EXPECT_EQ(created.status, 201u) << created.body;
    EXPECT_TRUE(stack->gateway->wait_for_security_log(
        "\"action\":\"client.create\",\"target\":\"reports\",\"principal\":\"ops-laptop\""));

    // A certificate of the same CA that no principal names proves nothing.
    auto unknown = with_certificate(pki.client_san_cert, pki.client_san_key);
    EXPECT_EQ(admin("GET", "/admin/users", unknown).status, 401u);

    // A wrong token is not rescued by a good certificate.
    EXPECT_EQ(admin("GET", "/admin/users", ops, {{"Authorization", "Bearer wrong"}}).status, 401u);
}

TEST_F(AdminApiOverTls, TheTokenStillWorksAndPlainHttpIsRefused) {
    TlsOptions no_certificate;
    no_certificate.ca_file = pki.ca_cert;
    no_certificate.server_name = "localhost";
    EXPECT_EQ(admin("GET", "/admin/users", no_certificate).status, 401u);
    EXPECT_EQ(
        admin("GET", "/admin/users", no_certificate, {{"Authorization", bearer(test_admin_token)}})
            .status,
        200u);
    EXPECT_EQ(admin("GET", "/healthz", no_certificate).status, 200u);
    EXPECT_ANY_THROW(http_request(stack->admin_port, "GET", "/healthz"));
}

}  // namespace
