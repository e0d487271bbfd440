// The mtls authentication method in the configuration: certificate consumers
// under `mtls.consumers`, compiled into lookups when the configuration loads,
// and routes that accept mtls refused unless a listener verifies client
// certificates and some consumer is configured. Errors name file, line and key.
#include <gtest/gtest.h>

#include <string>

#include "config/loader.hpp"
#include "config_error.hpp"

using rampart::config::AuthMethod;
using rampart::config::CertificateField;
using rampart::config::load_settings_text;

namespace {

// Lines 1-6; the listener verifies client certificates (the file is only read
// when the TLS context is built, not by the loader).
const std::string verifying_listener = R"(listeners:
  - port: 18443
    tls: {self_signed: true, client_ca: /etc/rampart/clients.pem, require_client_certificate: false}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
)";

const std::string plain_listener = R"(listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
)";

// Lines 7-18 when it follows one of the listener blocks.
const std::string four_consumers = R"(mtls:
  consumers:
    - name: billing-service
      subject: "CN=billing,O=Example"
      roles: [service]
      scopes: [orders:read, orders:write]
    - name: reports
      dns_name: reports.internal
    - name: spiffe-worker
      uri: spiffe://example.org/ns/jobs/worker
    - name: mailer@example.org
      email: mailer@example.org
)";

// With authentication, the route also says `authorize: authenticated` (deny by default).
std::string route(const std::string& auth) {
    return "routes:\n  - path: /items\n    methods: [GET]\n    upstream: app\n    auth: " + auth +
           "\n" + (auth == "none" ? "" : "    authorize: authenticated\n");
}

// Lines 7-8, then the given consumer entries from line 9 on.
std::string consumers(const std::string& entries) {
    return "mtls:\n  consumers:\n" + entries;
}

using rampart::test::config_error_of;

std::string error_of(const std::string& text) {
    return config_error_of(text);
}

}  // namespace

TEST(MtlsConfig, ConsumersAreReadAndCompiledIntoLookups) {
    auto settings =
        load_settings_text(verifying_listener + four_consumers + route("mtls"), "test.yaml");
    EXPECT_TRUE(settings.routes[0].auth.accepts(AuthMethod::mtls));
    EXPECT_FALSE(settings.routes[0].auth.accepts(AuthMethod::jwt));
    const auto& mtls = settings.auth.mtls;
    ASSERT_EQ(mtls.consumers.size(), 4u);
    const auto& billing = mtls.consumers[0];
    EXPECT_EQ(billing.name, "billing-service");
    EXPECT_EQ(billing.field, CertificateField::subject);
    EXPECT_EQ(billing.value, "CN=billing,O=Example");
    EXPECT_EQ(billing.roles, std::vector<std::string>{"service"});
    EXPECT_EQ(billing.scopes, (std::vector<std::string>{"orders:read", "orders:write"}));
    EXPECT_EQ(billing.location, "test.yaml:9");
    EXPECT_EQ(mtls.consumers[1].field, CertificateField::dns_name);
    EXPECT_TRUE(mtls.consumers[1].roles.empty());
    EXPECT_EQ(mtls.consumers[2].field, CertificateField::uri);
    EXPECT_EQ(mtls.consumers[3].field, CertificateField::email);

    ASSERT_EQ(mtls.by_subject.size(), 1u);
    EXPECT_EQ(mtls.by_subject.at("CN=billing,O=Example"), 0u);
    ASSERT_EQ(mtls.by_dns_name.size(), 1u);
    EXPECT_EQ(mtls.by_dns_name.at("reports.internal"), 1u);
    ASSERT_EQ(mtls.by_uri.size(), 1u);
    EXPECT_EQ(mtls.by_uri.at("spiffe://example.org/ns/jobs/worker"), 2u);
    ASSERT_EQ(mtls.by_email.size(), 1u);
    EXPECT_EQ(mtls.by_email.at("mailer@example.org"), 3u);
}

TEST(MtlsConfig, MtlsCombinesWithOtherMethodsInEveryForm) {
    auto settings = load_settings_text(
        verifying_listener + four_consumers + "token_service: {}\n" + route("[mtls, jwt]"),
        "test.yaml");
    EXPECT_EQ(settings.routes[0].auth.methods,
              (std::vector<AuthMethod>{AuthMethod::mtls, AuthMethod::jwt}));
    settings = load_settings_text(
        verifying_listener + four_consumers + route("{methods: [api_key, mtls]}"), "test.yaml");
    EXPECT_EQ(settings.routes[0].auth.methods,
              (std::vector<AuthMethod>{AuthMethod::api_key, AuthMethod::mtls}));
    // Consumers without a route using them are fine, and so is no mtls section at all.
    settings = load_settings_text(plain_listener + four_consumers + route("none"), "test.yaml");
    EXPECT_EQ(settings.auth.mtls.consumers.size(), 4u);
    settings = load_settings_text(plain_listener + route("none"), "test.yaml");
    EXPECT_TRUE(settings.auth.mtls.consumers.empty());
}

TEST(MtlsConfig, RouteIsRefusedWhenNoListenerVerifiesClientCertificates) {
    // The route's auth value is on line 23, column 11.
    auto message = error_of(plain_listener + four_consumers + route("mtls"));
    EXPECT_NE(message.find("test.yaml:23:11: routes[0].auth: accepts mtls, but no listener "
                           "verifies client certificates"),
              std::string::npos)
        << message;
    message =
        error_of(plain_listener + four_consumers + "token_service: {}\n" + route("[jwt, mtls]"));
    EXPECT_NE(message.find("test.yaml:24:11: routes[0].auth: accepts mtls"), std::string::npos)
        << message;
}

TEST(MtlsConfig, RouteIsRefusedWithoutConsumers) {
    auto message = error_of(verifying_listener + route("mtls"));
    EXPECT_NE(message.find("test.yaml:11:11: routes[0].auth: accepts mtls, but no consumer is "
                           "configured (mtls.consumers)"),
              std::string::npos)
        << message;
    message = error_of(verifying_listener + "mtls:\n  consumers: []\n" + route("[mtls]"));
    EXPECT_NE(message.find("test.yaml:13:11: routes[0].auth: accepts mtls, but no consumer"),
              std::string::npos)
        << message;
}

TEST(MtlsConfig, GroupAuthIsCheckedWhereItIsSet) {
    auto message = error_of(plain_listener + four_consumers +
                            "routes:\n  - prefix: /internal\n    upstream: app\n    auth: mtls\n"
                            "    routes:\n      - path: /a\n        methods: [GET]\n");
    EXPECT_NE(message.find("test.yaml:22:11: routes[0].auth: accepts mtls, but no listener"),
              std::string::npos)
        << message;
}

TEST(MtlsConfig, EachConsumerNeedsExactlyOneMatcher) {
    auto message = error_of(verifying_listener +
                            consumers("    - name: both\n      subject: CN=a\n"
                                      "      dns_name: a.internal\n") +
                            route("mtls"));
    EXPECT_NE(message.find("test.yaml:9:7: mtls.consumers[0]: exactly one of subject, dns_name, "
                           "uri and email is required"),
              std::string::npos)
        << message;
    message = error_of(verifying_listener + consumers("    - name: neither\n      roles: [a]\n") +
                       route("mtls"));
    EXPECT_NE(message.find("test.yaml:9:7: mtls.consumers[0]: exactly one of"), std::string::npos)
        << message;
    message = error_of(verifying_listener + consumers("    - name: typo\n      subjet: CN=a\n") +
                       route("mtls"));
    EXPECT_NE(message.find("test.yaml:10:7: mtls.consumers[0].subjet: unknown key"),
              std::string::npos)
        << message;
    message = error_of(verifying_listener + consumers("    - name: empty\n      dns_name: ''\n") +
                       route("mtls"));
    EXPECT_NE(message.find("test.yaml:10:17: mtls.consumers[0].dns_name: must be a non-empty"),
              std::string::npos)
        << message;
}

TEST(MtlsConfig, DuplicatesAreRefused) {
    auto message = error_of(verifying_listener +
                            consumers("    - name: twin\n      subject: CN=a\n"
                                      "    - name: twin\n      subject: CN=b\n") +
                            route("mtls"));
    EXPECT_NE(message.find("test.yaml:11:13: mtls.consumers[1].name: two mtls consumers are "
                           "named \"twin\""),
              std::string::npos)
        << message;
    message = error_of(verifying_listener +
                       consumers("    - name: first\n      dns_name: a.internal\n"
                                 "    - name: second\n      dns_name: a.internal\n") +
                       route("mtls"));
    EXPECT_NE(message.find("test.yaml:12:17: mtls.consumers[1].dns_name: is already mapped to the "
                           "consumer \"first\" at test.yaml:9"),
              std::string::npos)
        << message;
    // The same text as a different kind of name is a different name.
    auto settings = load_settings_text(verifying_listener +
                                           consumers("    - name: first\n      dns_name: a\n"
                                                     "    - name: second\n      uri: a\n") +
                                           route("mtls"),
                                       "test.yaml");
    EXPECT_EQ(settings.auth.mtls.consumers.size(), 2u);
    message =
        error_of(verifying_listener +
                 consumers("    - name: c\n      uri: u:x\n      roles: [a, a]\n") + route("mtls"));
    EXPECT_NE(message.find("test.yaml:11:14: mtls.consumers[0].roles: \"a\" is listed twice"),
              std::string::npos)
        << message;
}

TEST(MtlsConfig, NamesFollowTheConsumerAndRoleRules) {
    auto message =
        error_of(verifying_listener +
                 consumers("    - name: billing service\n      subject: CN=a\n") + route("mtls"));
    EXPECT_NE(message.find("test.yaml:9:13: mtls.consumers[0].name: \"billing service\" is not "
                           "valid: use 1 to 128 letters, digits and . _ @ : -"),
              std::string::npos)
        << message;
    message = error_of(verifying_listener + consumers("    - name: ''\n      subject: CN=a\n") +
                       route("mtls"));
    EXPECT_NE(message.find("mtls.consumers[0].name: \"\" is not valid"), std::string::npos)
        << message;
    message = error_of(verifying_listener +
                       consumers("    - name: c\n      subject: CN=a\n      scopes: ['a b']\n") +
                       route("mtls"));
    EXPECT_NE(message.find("test.yaml:11:15: mtls.consumers[0].scopes: \"a b\" is not valid"),
              std::string::npos)
        << message;
    message = error_of(verifying_listener +
                       consumers("    - name: c\n      subject: \"CN=\\t\"\n") + route("mtls"));
    EXPECT_NE(message.find("mtls.consumers[0].subject: must be a non-empty name of printable"),
              std::string::npos)
        << message;
}

TEST(MtlsConfig, UnknownMethodMessageListsMtls) {
    auto message = error_of(verifying_listener + four_consumers + route("[mtls, tls]"));
    EXPECT_NE(message.find("routes[0].auth: unknown authentication method \"tls\" (none, jwt, "
                           "api_key, basic, mtls)"),
              std::string::npos)
        << message;
    message =
        error_of(verifying_listener + four_consumers + route("{methods: [mtls], issuers: [x]}"));
    EXPECT_NE(message.find("routes[0].auth.issuers: only applies to the jwt method"),
              std::string::npos)
        << message;
    message = error_of(verifying_listener + "mtls:\n  consumer: []\n" + route("none"));
    EXPECT_NE(message.find("test.yaml:8:3: mtls.consumer: unknown key"), std::string::npos)
        << message;
}
