// The mtls authentication method through the real binary: a listener that verifies client
// certificates without requiring them, certificates from a throwaway CA (tests/support/
// test_pki), consumers mapped by subject and by subjectAltName, and routes that accept mtls
// alone or together with jwt (an HS256 issuer, tokens signed here).
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "auth/jose/jwk.hpp"
#include "auth/jose/jws.hpp"
#include "support/gateway.hpp"
#include "support/ports.hpp"
#include "support/problem_assertions.hpp"
#include "support/raw_connection.hpp"
#include "support/recording_upstream.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

namespace {

using namespace rampart::test;
using namespace rampart::auth::jose;
using namespace std::chrono_literals;
namespace json = boost::json;

const std::string hs256_secret(40, 'k');

const std::string routes =
    "  - path: /service\n    methods: [GET]\n    upstream: app\n    auth: mtls\n"
    "    authorize: authenticated\n"
    "  - path: /either\n    methods: [GET]\n    upstream: app\n    auth: [mtls, jwt]\n"
    "    authorize: authenticated\n"
    "  - path: /token\n    methods: [GET]\n    upstream: app\n    auth: jwt\n"
    "    authorize: authenticated\n";

// test_pki's client certificate by its subject; the SAN certificate by its DNS name.
const std::string mapped_consumers =
    "mtls:\n"
    "  consumers:\n"
    "    - name: test-client-service\n"
    "      subject: \"CN=test-client,O=Rampart tests\"\n"
    "      roles: [service]\n"
    "      scopes: [orders:read]\n"
    "    - name: billing-service\n"
    "      dns_name: billing.internal\n";

// Neither certificate maps: the plain one to nothing, the SAN one to two consumers at once.
const std::string unmapping_consumers =
    "mtls:\n"
    "  consumers:\n"
    "    - name: someone-else\n"
    "      subject: \"CN=someone-else,O=Rampart tests\"\n"
    "    - name: by-subject\n"
    "      subject: \"CN=billing-client,O=Rampart tests\"\n"
    "    - name: by-dns-name\n"
    "      dns_name: billing.internal\n";

std::string config(std::uint16_t port, std::uint16_t admin_port, std::uint16_t upstream_port,
                   const TestPki& pki, const std::string& consumers) {
    std::ostringstream text;
    text << "data_directory: {{dir}}/data\n"
         << "workers: 2\n"
         << "listeners:\n"
         << "  - name: public\n    address: 127.0.0.1\n    port: " << port << "\n"
         << "    tls: {certificate: '" << pki.server_cert << "', private_key: '" << pki.server_key
         << "', client_ca: '" << pki.ca_cert << "', require_client_certificate: false}\n"
         << "admin:\n  address: 127.0.0.1\n  port: " << admin_port << "\n"
         << "  token: " << test_admin_token << "\n"
         << "logging:\n"
         << "  access_log: {path: '{{dir}}/access.log'}\n"
         << "  security_log: {path: '{{dir}}/security.log'}\n"
         << "upstreams:\n  app:\n    targets: [http://127.0.0.1:" << upstream_port << "]\n"
         << "issuers:\n  - name: shared\n    issuer: https://shared.test\n"
         << "    audiences: [api://rampart]\n    hs256_secret: " << hs256_secret << "\n"
         << consumers << "routes:\n"
         << routes;
    return text.str();
}

std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string bearer_token() {
    auto key = Key::from_hmac_secret(
        std::span(reinterpret_cast<const unsigned char*>(hs256_secret.data()), hs256_secret.size()),
        "shared");
    json::object claims{{"iss", "https://shared.test"},
                        {"sub", "alice"},
                        {"aud", "api://rampart"},
                        {"iat", now()},
                        {"exp", now() + 300}};
    return sign_compact({}, claims, key.value()).value();
}

std::string body_without_request_id(const ParsedResponse& response) {
    auto body = response.json().as_object();
    body.erase("request_id");
    return json::serialize(body);
}

class MtlsAuth : public ::testing::Test {
  protected:
    void SetUp() override { pki = make_test_pki(pki_directory); }

    void start(const std::string& consumers) {
        gateway = std::make_unique<Gateway>(
            port, admin_port, config(port, admin_port, upstream.port(), pki, consumers));
    }

    TlsOptions with_certificate(const std::string& certificate, const std::string& key) const {
        TlsOptions tls;
        tls.certificate_file = certificate;
        tls.private_key_file = key;
        tls.ca_file = pki.ca_cert;
        tls.server_name = "localhost";
        return tls;
    }
    TlsOptions client_certificate() const {
        return with_certificate(pki.client_cert, pki.client_key);
    }
    TlsOptions san_certificate() const {
        return with_certificate(pki.client_san_cert, pki.client_san_key);
    }
    TlsOptions no_certificate() const { return with_certificate("", ""); }

    ParsedResponse get(const std::string& path, const TlsOptions& tls,
                       const HeaderList& headers = {}) {
        return https_request(port, "GET", path, headers, {}, tls);
    }

    TempDir pki_directory;
    TestPki pki;
    RecordingUpstream upstream;
    std::uint16_t port = free_port();
    std::uint16_t admin_port = free_port();
    std::unique_ptr<Gateway> gateway;
};

// A mapped certificate is the consumer: 200, and the upstream gets the request as for any
// authenticated consumer (the identity headers name the consumer, as does the access log), with
// nothing of the certificate.
TEST_F(MtlsAuth, MappedSubjectIsAuthenticatedAsItsConsumer) {
    start(mapped_consumers);
    auto response = get("/service", client_certificate());
    ASSERT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(response.get("Cache-Control"), "no-store") << "a response for one client only";
    ASSERT_TRUE(upstream.wait_for_request_count(1));
    auto request = upstream.requests().at(0);
    EXPECT_EQ(request.target, "/service");
    EXPECT_FALSE(request.has("Authorization"));
    EXPECT_EQ(request.get("X-Forwarded-Proto"), "https");
    EXPECT_EQ(request.get_all("X-User-Id"), std::vector<std::string>{"test-client-service"});
    EXPECT_EQ(request.get_all("X-Consumer"), std::vector<std::string>{"test-client-service"});
    for (const auto& [name, value] : request.headers) {
        if (name != "X-User-Id" && name != "X-Consumer") {
            EXPECT_EQ(value.find("test-client"), std::string::npos) << name << ": " << value;
        }
        EXPECT_EQ(value.find("Rampart tests"), std::string::npos) << name << ": " << value;
    }
    EXPECT_TRUE(gateway->wait_for_access_log("\"subject\":\"test-client-service\""))
        << gateway->access_log();
}

// The certificate is read once per connection and serves every request on it.
TEST_F(MtlsAuth, EveryRequestOfTheConnectionIsAuthenticated) {
    start(mapped_consumers);
    RawConnection connection(port, client_certificate());
    ASSERT_TRUE(connection.connect()) << connection.error();
    for (int i = 0; i < 3; ++i) {
        ASSERT_TRUE(connection.send(format_request("GET", "/service", {{"Host", "localhost"}})));
        auto response = connection.read_response();
        ASSERT_TRUE(response.has_value()) << connection.error();
        EXPECT_EQ(response->status, 200u) << i;
    }
    EXPECT_TRUE(upstream.wait_for_request_count(3));
}

TEST_F(MtlsAuth, SubjectAltNameDnsNameMapsToItsConsumer) {
    start(mapped_consumers);
    auto response = get("/service", san_certificate());
    ASSERT_EQ(response.status, 200u) << response.body;
    EXPECT_TRUE(gateway->wait_for_access_log("\"subject\":\"billing-service\""))
        << gateway->access_log();
}

// The other alternative names, one gateway each (together they would map the certificate to
// several consumers, which is refused).
TEST_F(MtlsAuth, SubjectAltNameUriAndEmailMapToTheirConsumers) {
    const std::pair<std::string, std::string> matchers[] = {
        {"uri: spiffe://example.test/billing", "spiffe-billing"},
        {"email: billing@example.test", "mail-billing"}};
    for (const auto& [matcher, name] : matchers) {
        SCOPED_TRACE(matcher);
        gateway.reset();
        port = free_port();
        admin_port = free_port();
        start("mtls:\n  consumers:\n    - name: " + name + "\n      " + matcher + "\n");
        EXPECT_EQ(get("/service", san_certificate()).status, 200u);
        EXPECT_EQ(get("/service", client_certificate()).status, 401u);
        EXPECT_TRUE(gateway->wait_for_access_log("\"subject\":\"" + name + "\""))
            << gateway->access_log();
    }
}

// No certificate on a listener that does not require one: the generic 401, with a challenge
// that names no scheme the route does not accept.
TEST_F(MtlsAuth, NoCertificateIsRefused) {
    start(mapped_consumers);
    auto response = get("/service", no_certificate());
    EXPECT_EQ(response.status, 401u);
    expect_problem(response);
    EXPECT_EQ(response.get_all("WWW-Authenticate"),
              std::vector<std::string>{"ClientCertificate realm=\"rampart\""});
    EXPECT_TRUE(gateway->wait_for_security_log("\"reason\":\"no_client_certificate\""))
        << gateway->security_log();
    EXPECT_EQ(upstream.request_count(), 0u);
    // A header credential does not stand in for the certificate on an mtls-only route.
    auto with_token =
        get("/service", no_certificate(), {{"Authorization", "Bearer " + bearer_token()}});
    EXPECT_EQ(with_token.status, 401u);
    EXPECT_EQ(upstream.request_count(), 0u);
}

// A verified certificate that maps to no consumer, or to two, is refused like any failed
// credential; the security log has the reason and the subject, not the alternative names.
TEST_F(MtlsAuth, UnmappedAndAmbiguousCertificatesAreRefused) {
    start(unmapping_consumers);
    auto unmapped = get("/service", client_certificate());
    auto ambiguous = get("/service", san_certificate());
    auto none = get("/service", no_certificate());
    for (const auto* response : {&unmapped, &ambiguous}) {
        EXPECT_EQ(response->status, 401u);
        expect_problem(*response);
        EXPECT_EQ(response->get_all("WWW-Authenticate"),
                  std::vector<std::string>{"ClientCertificate realm=\"rampart\""});
        EXPECT_EQ(body_without_request_id(*response), body_without_request_id(none))
            << "the body never says which check failed";
    }
    EXPECT_TRUE(
        gateway->wait_for_security_log("\"reason\":\"client_certificate_unmapped\",\"subject\":"
                                       "\"CN=test-client,O=Rampart tests\""))
        << gateway->security_log();
    EXPECT_TRUE(gateway->wait_for_security_log(
        "\"reason\":\"client_certificate_ambiguous\",\"subject\":\"CN=billing-client,O=Rampart "
        "tests\""))
        << gateway->security_log();
    auto log = gateway->security_log();
    EXPECT_EQ(log.find("billing.internal"), std::string::npos) << log;
    EXPECT_EQ(log.find("billing@example.test"), std::string::npos) << log;
    EXPECT_EQ(upstream.request_count(), 0u);
}

// [mtls, jwt]: either credential opens the route; without both, the challenge is Bearer's.
TEST_F(MtlsAuth, MtlsAndJwtOnOneRoute) {
    start(mapped_consumers);
    auto token = bearer_token();
    auto by_token = get("/either", no_certificate(), {{"Authorization", "Bearer " + token}});
    EXPECT_EQ(by_token.status, 200u) << by_token.body;
    EXPECT_TRUE(gateway->wait_for_access_log("\"subject\":\"alice\"")) << gateway->access_log();
    auto by_certificate = get("/either", client_certificate());
    EXPECT_EQ(by_certificate.status, 200u) << by_certificate.body;
    EXPECT_TRUE(gateway->wait_for_access_log("\"subject\":\"test-client-service\""));

    auto neither = get("/either", no_certificate());
    EXPECT_EQ(neither.status, 401u);
    EXPECT_EQ(neither.get_all("WWW-Authenticate"),
              std::vector<std::string>{"Bearer realm=\"rampart\""});
    // A header credential is judged on its own: a bad token is not rescued by the certificate.
    auto bad_token = get("/either", client_certificate(), {{"Authorization", "Bearer x.y.z"}});
    EXPECT_EQ(bad_token.status, 401u);
    EXPECT_EQ(bad_token.get_all("WWW-Authenticate"),
              std::vector<std::string>{"Bearer realm=\"rampart\", error=\"invalid_token\""});
    // And a certificate opens no route that does not accept mtls.
    EXPECT_EQ(get("/token", client_certificate()).status, 401u);
    EXPECT_EQ(upstream.request_count(), 2u);
}

}  // namespace
