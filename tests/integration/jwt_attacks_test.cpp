// JWT attacks against a route through the real binary (security requirements JWT-02 ..
// JWT-21): tokens crafted with the JOSE library, one issuer with an ES256 key in a JWKS file,
// another with an RSA key, a third with an HS256 secret. Every refusal is the same generic 401
// with error="invalid_token"; the reason goes only to the security log.
#include <gtest/gtest.h>

#include <openssl/bio.h>
#include <openssl/pem.h>
#include <boost/json/serialize.hpp>

#include <chrono>

#include "auth/jose/base64url.hpp"
#include "auth/jose/jwk.hpp"
#include "auth/jose/jws.hpp"
#include "support/gateway.hpp"
#include "support/raw_connection.hpp"

namespace {

using namespace rampart::test;
using namespace rampart::auth::jose;
namespace json = boost::json;

std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

json::object claims(const std::string& issuer = "https://issuer.test",
                    const std::string& audience = "api://rampart") {
    return {
        {"iss", issuer}, {"sub", "alice"}, {"aud", audience}, {"iat", now()}, {"exp", now() + 300}};
}

std::string segment(const json::object& object) {
    return base64url::encode(json::serialize(object));
}

// A token over exactly these header and payload bytes, signed by `key` whatever the header says.
std::string forge(const json::object& header, const json::object& payload, const Key& key) {
    auto input = segment(header) + "." + segment(payload);
    return input + "." + base64url::encode(create_signature(key, input).value());
}

std::string public_pem(const Key& key) {
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PUBKEY(bio, key.evp_key());
    char* data = nullptr;
    auto length = BIO_get_mem_data(bio, &data);
    std::string pem(data, static_cast<std::size_t>(length));
    BIO_free(bio);
    return pem;
}

class JwtAttacks : public ::testing::Test {
  protected:
    void SetUp() override {
        ec_key = std::make_unique<Key>(Key::generate(Algorithm::es256).value());
        rsa_key = std::make_unique<Key>(Key::generate(Algorithm::rs256, 2048).value());
        attacker_key = std::make_unique<Key>(Key::generate(Algorithm::es256).value());
        json::array keys{ec_key->public_jwk().value(), rsa_key->public_jwk().value()};
        auto jwks_file = files.write("issuer.jwks", json::serialize(json::object{{"keys", keys}}));
        auto other_jwks = files.write(
            "other.jwks", json::serialize(json::object{
                              {"keys", json::array{attacker_key->public_jwk().value()}}}));
        const std::string routes =
            "  - path: /jwt\n    methods: [GET]\n    upstream: app\n    auth: {methods: [jwt], "
            "issuers: [test]}\n"
            "    authorize: authenticated\n"
            "  - path: /hs\n    methods: [GET]\n    upstream: app\n    auth: {methods: [jwt], "
            "issuers: [shared]}\n"
            "    authorize: authenticated\n";
        const std::string issuers =
            "issuers:\n"
            "  - name: test\n    issuer: https://issuer.test\n    audiences: [api://rampart]\n"
            "    jwks_file: " +
            jwks_file +
            "\n    max_token_lifetime: 1h\n"
            "  - name: other\n    issuer: https://other.test\n    audiences: [api://rampart]\n"
            "    jwks_file: " +
            other_jwks +
            "\n"
            "  - name: shared\n    issuer: https://shared.test\n    audiences: [api://rampart]\n"
            "    hs256_secret: " +
            std::string(40, 'k') + "\n";
        stack = std::make_unique<GatewayStack>(routes, issuers);
    }

    ParsedResponse call(const std::string& token, const std::string& path = "/jwt") {
        return https_request(stack->port, "GET", path, {{"Authorization", "Bearer " + token}});
    }

    void expect_refused(const std::string& token, const std::string& why,
                        const std::string& path = "/jwt") {
        auto response = call(token, path);
        EXPECT_EQ(response.status, 401u) << why;
        EXPECT_EQ(response.get("WWW-Authenticate"),
                  "Bearer realm=\"rampart\", error=\"invalid_token\"")
            << why;
        EXPECT_NE(response.body.find("\"Authentication is required.\""), std::string::npos) << why;
    }

    std::string valid() { return sign_compact({}, claims(), *ec_key).value(); }

    TempDir files;
    std::unique_ptr<Key> ec_key, rsa_key, attacker_key;
    std::unique_ptr<GatewayStack> stack;
};

TEST_F(JwtAttacks, ValidTokensOfEveryKeyAreAccepted) {
    EXPECT_EQ(call(valid()).status, 200u);
    EXPECT_EQ(call(sign_compact({}, claims(), *rsa_key).value()).status, 200u);
    auto hs_key = Key::from_hmac_secret(
        std::span(reinterpret_cast<const unsigned char*>(std::string(40, 'k').data()), 40),
        "shared");
    ASSERT_TRUE(hs_key);
    EXPECT_EQ(call(sign_compact({}, claims("https://shared.test"), *hs_key).value(), "/hs").status,
              200u);
}

// JWT-02: alg none in every spelling, with and without a signature.
TEST_F(JwtAttacks, AlgNoneIsRefused) {
    for (const char* alg : {"none", "None", "NONE", "nOnE"}) {
        auto unsigned_token =
            segment({{"alg", alg}, {"kid", ec_key->kid()}}) + "." + segment(claims()) + ".";
        expect_refused(unsigned_token, alg);
        expect_refused(unsigned_token + "c2lnbmF0dXJl", alg);
    }
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"reason\":"));
}

// JWT-03, JWT-04: the key decides the algorithm; HS256 keyed with the RSA public key fails.
TEST_F(JwtAttacks, AlgorithmConfusionIsRefused) {
    auto pem = public_pem(*rsa_key);
    for (const auto& secret : {pem, pem.substr(0, pem.size() - 1)}) {
        auto hmac = Key::from_hmac_secret(
            std::span(reinterpret_cast<const unsigned char*>(secret.data()), secret.size()),
            rsa_key->kid());
        ASSERT_TRUE(hmac);
        auto input = segment({{"alg", "HS256"}, {"kid", rsa_key->kid()}}) + "." + segment(claims());
        expect_refused(input + "." + base64url::encode(create_signature(*hmac, input).value()),
                       "HS256 with the RSA public key");
    }
    expect_refused(forge({{"alg", "ES384"}, {"kid", ec_key->kid()}}, claims(), *ec_key),
                   "ES384 on an ES256 key");
    expect_refused(forge({{"alg", "RS512"}, {"kid", rsa_key->kid()}}, claims(), *rsa_key),
                   "RS512 on an RS256 key");
}

// JWT-05, JWT-16: tampering and malformed structures.
TEST_F(JwtAttacks, TamperedAndMalformedTokensAreRefused) {
    auto token = valid();
    auto first_dot = token.find('.');
    auto second_dot = token.find('.', first_dot + 1);
    auto tampered = token;
    tampered[first_dot + 5] = tampered[first_dot + 5] == 'A' ? 'B' : 'A';
    expect_refused(tampered, "payload byte changed");
    expect_refused(token.substr(0, second_dot + 1), "stripped signature");
    expect_refused(token.substr(0, second_dot), "two segments");
    expect_refused(token + ".x", "four segments");
    expect_refused(token + "=", "padding");
    auto other_signature =
        sign_compact({}, claims("https://issuer.test", "api://other"), *ec_key).value();
    expect_refused(token.substr(0, second_dot) + other_signature.substr(other_signature.rfind('.')),
                   "borrowed signature");
    expect_refused("a.b.c.d.e", "JWE shape");
}

// JWT-06, JWT-07, JWT-08, JWT-09: kid games, key references and crit.
TEST_F(JwtAttacks, KeyReferencesAndCritAreRefused) {
    expect_refused(forge({{"alg", "ES256"}, {"kid", "../../../../dev/null"}}, claims(), *ec_key),
                   "kid path");
    expect_refused(forge({{"alg", "ES256"}, {"kid", "' UNION SELECT 'k' --"}}, claims(), *ec_key),
                   "kid sql");
    expect_refused(
        forge({{"alg", "ES256"}, {"kid", std::string(10 * 1024, 'k')}}, claims(), *ec_key),
        "kid 10 KiB");
    expect_refused(forge({{"alg", "ES256"}, {"kid", attacker_key->kid()}}, claims(), *attacker_key),
                   "unknown kid");
    expect_refused(
        forge({{"alg", "ES256"}, {"kid", ec_key->kid()}, {"jku", "http://127.0.0.1:9/jwks.json"}},
              claims(), *ec_key),
        "jku");
    expect_refused(forge({{"alg", "ES256"},
                          {"kid", attacker_key->kid()},
                          {"jwk", attacker_key->public_jwk().value()}},
                         claims(), *attacker_key),
                   "embedded jwk");
    expect_refused(forge({{"alg", "ES256"}, {"kid", ec_key->kid()}, {"crit", json::array{"exp"}}},
                         claims(), *ec_key),
                   "crit");
}

// JWT-12, JWT-13: time, issuer and audience.
TEST_F(JwtAttacks, ClaimsAreEnforced) {
    auto expired = claims();
    expired["exp"] = now() - 61;
    expect_refused(sign_compact({}, expired, *ec_key).value(), "expired beyond leeway");
    auto within_leeway = claims();
    within_leeway["exp"] = now() - 30;
    EXPECT_EQ(call(sign_compact({}, within_leeway, *ec_key).value()).status, 200u);
    auto future = claims();
    future["nbf"] = now() + 120;
    expect_refused(sign_compact({}, future, *ec_key).value(), "nbf in the future");
    auto no_exp = claims();
    no_exp.erase("exp");
    expect_refused(sign_compact({}, no_exp, *ec_key).value(), "no exp");
    auto long_lived = claims();
    long_lived["exp"] = now() + 7200;
    expect_refused(sign_compact({}, long_lived, *ec_key).value(), "longer than max_token_lifetime");
    expect_refused(sign_compact({}, claims("https://issuer.test/"), *ec_key).value(),
                   "trailing slash");
    expect_refused(sign_compact({}, claims("https://issuer.test", "api://other"), *ec_key).value(),
                   "other audience");
    auto array_aud = claims();
    array_aud["aud"] = json::array{"api://a", "api://b"};
    expect_refused(sign_compact({}, array_aud, *ec_key).value(), "audience array without ours");
    expect_refused(sign_compact({}, claims("https://other.test"), *ec_key).value(),
                   "issuer B with issuer A's key");
    auto string_exp = claims();
    string_exp["exp"] = std::to_string(now() + 300);
    expect_refused(sign_compact({}, string_exp, *ec_key).value(), "exp as a string");
}

// JWT-17, JWT-20: oversized tokens are refused cheaply; every failure body is the same.
TEST_F(JwtAttacks, FailureBodiesAreIdenticalAndOversizedTokensCheap) {
    auto expired = claims();
    expired["exp"] = now() - 3600;
    std::vector<std::string> bodies;
    for (const auto& token :
         {sign_compact({}, expired, *ec_key).value(), valid() + "x",
          sign_compact({}, claims("https://issuer.test", "api://other"), *ec_key).value(),
          forge({{"alg", "ES256"}, {"kid", "nope"}}, claims(), *ec_key)}) {
        auto body = call(token).body;
        body.erase(body.find("\"request_id\""));
        bodies.push_back(body);
    }
    for (const auto& body : bodies) {
        EXPECT_EQ(body, bodies.front());
    }
    auto started = std::chrono::steady_clock::now();
    auto big = call(std::string(12 * 1024, 'a') + "." + std::string(2048, 'b') + ".c");
    EXPECT_TRUE(big.status == 401u || big.status == 431u) << big.status;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));
    EXPECT_EQ(stack->upstream.request_count(), 0u);
}

}  // namespace
