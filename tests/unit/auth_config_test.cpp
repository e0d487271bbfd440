// The authentication keys of the configuration: routes state their methods,
// issuers must exist, and unsafe token-service settings are refused with the
// file, line and key path.
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "config/loader.hpp"
#include "config_error.hpp"
#include "config/snapshot.hpp"
#include "observe/metrics.hpp"

using rampart::config::AuthMethod;
using rampart::config::load_settings_text;

namespace {

const std::string base = R"(listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
)";

// With authentication, the route also says `authorize: authenticated` (deny by default).
std::string route(const std::string& auth) {
    return "routes:\n  - path: /items\n    methods: [GET]\n    upstream: app\n    auth: " + auth +
           "\n" + (auth == "none" ? "" : "    authorize: authenticated\n");
}

std::string error_of(const std::string& text) {
    return rampart::test::config_error_of(text);
}

}  // namespace

TEST(AuthConfig, RouteMethodsInEveryForm) {
    auto settings =
        load_settings_text(base + "token_service: {}\n" + route("[jwt, api_key]"), "t.yaml");
    EXPECT_TRUE(settings.routes[0].auth.accepts(AuthMethod::jwt));
    EXPECT_TRUE(settings.routes[0].auth.accepts(AuthMethod::api_key));
    EXPECT_FALSE(settings.routes[0].auth.accepts(AuthMethod::basic));

    settings = load_settings_text(
        base + "token_service: {}\n" + route("{methods: [jwt], issuers: [rampart]}"), "t.yaml");
    EXPECT_EQ(settings.routes[0].auth.issuers, std::vector<std::string>{"rampart"});

    settings = load_settings_text(base + route("none"), "t.yaml");
    EXPECT_TRUE(settings.routes[0].auth.is_none());
    settings = load_settings_text(base + route("basic"), "t.yaml");
    EXPECT_TRUE(settings.routes[0].auth.accepts(AuthMethod::basic));
}

TEST(AuthConfig, TokenServiceDefaults) {
    auto settings = load_settings_text(base + "token_service: {}\n" + route("jwt"), "t.yaml");
    const auto& service = settings.auth.token_service;
    EXPECT_TRUE(service.enabled);
    EXPECT_EQ(service.issuer, "https://127.0.0.1:18443");
    EXPECT_EQ(service.access_token_lifetime, std::chrono::minutes(10));
    EXPECT_EQ(service.refresh.grace_period, std::chrono::seconds(0));
    EXPECT_EQ(service.passwords.memory_kib, 19456u);
    EXPECT_EQ(service.signing.algorithm, "ES256");
    EXPECT_FALSE(service.password_grant);
}

// PWD-12: the password grant loads when asked for, and only then; the password change
// is a built-in route that needs an access token of Rampart's own.
TEST(AuthConfig, PasswordGrantAndPasswordChangeRoute) {
    auto settings = load_settings_text(
        base + "token_service: {password_grant: true}\n" + route("jwt"), "t.yaml");
    EXPECT_TRUE(settings.auth.token_service.password_grant);
    settings = load_settings_text(base + "token_service: {password_grant: false}\n" + route("jwt"),
                                  "t.yaml");
    EXPECT_FALSE(settings.auth.token_service.password_grant);
    auto message = error_of(base + "token_service: {password_grant: yes please}\n" + route("jwt"));
    EXPECT_NE(message.find("token_service.password_grant"), std::string::npos) << message;

    settings = load_settings_text(
        base + "token_service: {issuer: 'https://h.example/t1'}\n" + route("jwt"), "t.yaml");
    const rampart::config::Route* change = nullptr;
    for (const auto& candidate : settings.routes) {
        if (candidate.handler == "password") {
            change = &candidate;
        }
    }
    ASSERT_NE(change, nullptr);
    EXPECT_EQ(change->path, "/t1/auth/password");
    EXPECT_EQ(change->methods, std::vector<std::string>{"POST"});
    EXPECT_TRUE(change->auth.accepts(AuthMethod::jwt));
    EXPECT_FALSE(change->auth.accepts(AuthMethod::basic));
    EXPECT_EQ(change->auth.issuers, std::vector<std::string>{"rampart"});
}

TEST(AuthConfig, UnknownMethodsAndMixingNoneAreRefused) {
    auto message = error_of(base + route("[jwt, oauth]"));
    EXPECT_NE(
        message.find("test.yaml:11:11: routes[0].auth: unknown authentication method \"oauth\""),
        std::string::npos)
        << message;
    message = error_of(base + "token_service: {}\n" + route("[none, jwt]"));
    EXPECT_NE(message.find("routes[0].auth: \"none\" cannot be combined"), std::string::npos)
        << message;
}

TEST(AuthConfig, JwtWithoutAnyIssuerIsRefused) {
    auto message = error_of(base + route("jwt"));
    EXPECT_NE(message.find("routes[0].auth: accepts jwt, but no issuer is configured"),
              std::string::npos)
        << message;
    message = error_of(base + "token_service: {}\n" + route("{methods: [jwt], issuers: [corp]}"));
    EXPECT_NE(message.find("names the issuer \"corp\", which is not configured"), std::string::npos)
        << message;
}

TEST(AuthConfig, UnsafeTokenServiceSettingsAreRefused) {
    auto message = error_of(base + "token_service: {issuer: 'http://h.example'}\n" + route("none"));
    EXPECT_NE(message.find("test.yaml:7:"), std::string::npos) << message;
    EXPECT_NE(message.find("token_service.issuer: must be an https URL"), std::string::npos)
        << message;
    message =
        error_of(base + "token_service: {issuer: 'https://h.example/?x=1'}\n" + route("none"));
    EXPECT_NE(message.find("without query or fragment"), std::string::npos) << message;
    message = error_of(base + "token_service: {access_token_lifetime: 2h}\n" + route("none"));
    EXPECT_NE(message.find("token_service.access_token_lifetime: is longer than an hour"),
              std::string::npos)
        << message;
    message =
        error_of(base + "token_service: {refresh_tokens: {grace_period: 1h}}\n" + route("none"));
    EXPECT_NE(message.find("token_service.refresh_tokens.grace_period: must be between"),
              std::string::npos)
        << message;
    message = error_of(base + "token_service: {passwords: {memory_kib: 4096}}\n" + route("none"));
    EXPECT_NE(message.find("token_service.passwords.memory_kib"), std::string::npos) << message;
    message = error_of(base + "token_service: {signing: {algorithm: none}}\n" + route("none"));
    EXPECT_NE(message.find("token_service.signing.algorithm: must be one of: ES256, EdDSA, RS256"),
              std::string::npos)
        << message;
    auto settings = load_settings_text(
        base + "token_service: {access_token_lifetime: 2h, allow_long_access_tokens: true}\n" +
            route("none"),
        "t.yaml");
    EXPECT_EQ(settings.auth.token_service.access_token_lifetime, std::chrono::hours(2));
}

// JWT-22: a password-like HMAC secret is refused when the configuration loads.
TEST(AuthConfig, ExternalIssuersAreChecked) {
    const std::string issuer_prefix =
        "issuers:\n  - name: corp\n    issuer: https://idp.example\n"
        "    audiences: [api://rampart]\n";
    auto message = error_of(base + issuer_prefix + "    hs256_secret: secret\n" + route("jwt"));
    EXPECT_NE(message.find("test.yaml:11:19: issuers[0].hs256_secret: must be at least 32 bytes"),
              std::string::npos)
        << message;
    message =
        error_of(base + issuer_prefix + "    jwks_uri: http://idp.example/jwks\n" + route("jwt"));
    EXPECT_NE(message.find("issuers[0].jwks_uri: must be an https URL"), std::string::npos)
        << message;
    message = error_of(base + issuer_prefix + route("jwt"));
    EXPECT_NE(message.find("exactly one of jwks_uri, jwks_file and hs256_secret"),
              std::string::npos)
        << message;
    message = error_of(base +
                       "issuers:\n  - name: rampart\n    issuer: https://x\n    audiences: [a]\n"
                       "    jwks_file: /tmp/x\n" +
                       route("jwt"));
    EXPECT_NE(message.find("issuers[0].name: \"rampart\" is the built-in token service"),
              std::string::npos)
        << message;
    auto settings =
        load_settings_text(base + issuer_prefix + "    jwks_uri: https://idp.example/jwks\n" +
                               route("{methods: [jwt], issuers: [corp]}"),
                           "t.yaml");
    ASSERT_EQ(settings.auth.issuers.size(), 1u);
    EXPECT_EQ(settings.auth.issuers[0].refetch_cooldown, std::chrono::seconds(30));
}

// APIK-06: a route may ask for Basic; its authentication stage is awaited by the chain (it
// hashes on the blocking pool), while a route without Basic keeps the synchronous path.
TEST(AuthConfig, SnapshotBuildsBasicRoutes) {
    auto settings = load_settings_text(base + "token_service: {}\n" + route("basic") +
                                           "  - path: /both\n    methods: [GET]\n"
                                           "    upstream: app\n    auth: [jwt, basic]\n"
                                           "    authorize: authenticated\n"
                                           "  - path: /bearer\n    methods: [GET]\n"
                                           "    upstream: app\n    auth: jwt\n"
                                           "    authorize: authenticated\n",
                                       "test.yaml");
    ASSERT_TRUE(settings.routes[1].auth.accepts(AuthMethod::basic));
    rampart::observe::Metrics metrics(1);
    auto snapshot = rampart::config::Snapshot::build(std::move(settings), metrics, 1, {});
    std::map<std::string, bool> asynchronous;  // by path; the token service adds its own routes
    for (const auto& compiled : snapshot->routes()) {
        asynchronous[compiled.settings->path] = compiled.chain.has_asynchronous_stage();
    }
    ASSERT_EQ(asynchronous.count("/items"), 1u);
    ASSERT_EQ(asynchronous.count("/both"), 1u);
    ASSERT_EQ(asynchronous.count("/bearer"), 1u);
    EXPECT_TRUE(asynchronous["/items"]);
    EXPECT_TRUE(asynchronous["/both"]);
    EXPECT_FALSE(asynchronous["/bearer"]);
}
