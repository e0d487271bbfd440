// Micro-benchmarks of access-token verification (signature, then claims) and
// of signing, per algorithm. The RS256 key is 2048 bits, the size most
// identity providers publish.
#include <benchmark/benchmark.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include <chrono>
#include <string>

#include "auth/jose/claims.hpp"
#include "auth/jose/jwk.hpp"
#include "auth/jose/jwks.hpp"
#include "auth/jose/jws.hpp"

namespace {

namespace jose = rampart::auth::jose;
namespace json = boost::json;

constexpr std::int64_t bench_now = 1'800'000'000;

jose::Key rsa_2048() {
    EVP_PKEY* generated =
        EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
    BIO* bio = BIO_new(BIO_s_mem());
    PEM_write_bio_PrivateKey(bio, generated, nullptr, nullptr, 0, nullptr, nullptr);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio, &data);
    auto key = jose::Key::from_pem(std::string_view(data, static_cast<std::size_t>(size)));
    BIO_free(bio);
    EVP_PKEY_free(generated);
    return *key;
}

jose::Key key_for(jose::Algorithm algorithm) {
    if (algorithm == jose::Algorithm::rs256) {
        return rsa_2048();
    }
    if (algorithm == jose::Algorithm::hs256) {
        static const unsigned char secret[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                                 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                                 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
        return *jose::Key::from_hmac_secret(secret, "bench-hmac");
    }
    return *jose::Key::generate(algorithm);
}

// A realistic RFC 9068 access token payload.
json::object access_token_payload() {
    return json::object{{"iss", "https://auth.example.com"},
                        {"sub", "8f14e45f-ceea-467f-a0e6-2b5c1a2c3d4e"},
                        {"aud", "orders-api"},
                        {"exp", bench_now + 600},
                        {"iat", bench_now},
                        {"jti", "6b1f0c1e-8a5d-4b7e-9f3a-2d4c6e8a0b1c"},
                        {"client_id", "web-frontend"},
                        {"scope", "orders:read orders:write profile"},
                        {"roles", json::array{"customer"}},
                        {"rampart_kind", "user"},
                        {"sid", "family-1"}};
}

jose::ClaimRules bench_rules() {
    jose::ClaimRules rules;
    rules.issuer = "https://auth.example.com";
    rules.audiences = {"orders-api"};
    rules.required_typ = "at+jwt";
    rules.now = std::chrono::sys_seconds(std::chrono::seconds(bench_now));
    return rules;
}

void BM_JoseVerifyAccessToken(benchmark::State& state, jose::Algorithm algorithm) {
    jose::KeySet keys;
    jose::Key key = key_for(algorithm);
    if (!keys.add(key)) {
        state.SkipWithError("the key could not be added");
        return;
    }
    auto token = jose::sign_compact({{"typ", "at+jwt"}}, access_token_payload(), key);
    const auto rules = bench_rules();
    if (!token) {
        state.SkipWithError("signing failed");
        return;
    }
    for (auto _ : state) {
        auto verified = jose::verify_compact(*token, keys);
        if (!verified) {
            state.SkipWithError("the token was refused");
            return;
        }
        auto claims = jose::validate_claims(verified->header, verified->payload, rules);
        if (!claims) {
            state.SkipWithError("the claims were refused");
            return;
        }
        benchmark::DoNotOptimize(claims);
    }
}

void BM_JoseSignAccessToken(benchmark::State& state, jose::Algorithm algorithm) {
    jose::Key key = key_for(algorithm);
    const json::object header_extras{{"typ", "at+jwt"}};
    const json::object payload = access_token_payload();
    for (auto _ : state) {
        auto token = jose::sign_compact(header_extras, payload, key);
        if (!token) {
            state.SkipWithError("signing failed");
            return;
        }
        benchmark::DoNotOptimize(token);
    }
}

BENCHMARK_CAPTURE(BM_JoseVerifyAccessToken, ES256, jose::Algorithm::es256);
BENCHMARK_CAPTURE(BM_JoseVerifyAccessToken, EdDSA, jose::Algorithm::eddsa);
BENCHMARK_CAPTURE(BM_JoseVerifyAccessToken, RS256, jose::Algorithm::rs256);
BENCHMARK_CAPTURE(BM_JoseVerifyAccessToken, HS256, jose::Algorithm::hs256);
BENCHMARK_CAPTURE(BM_JoseSignAccessToken, ES256, jose::Algorithm::es256);
BENCHMARK_CAPTURE(BM_JoseSignAccessToken, EdDSA, jose::Algorithm::eddsa);
BENCHMARK_CAPTURE(BM_JoseSignAccessToken, RS256, jose::Algorithm::rs256);
BENCHMARK_CAPTURE(BM_JoseSignAccessToken, HS256, jose::Algorithm::hs256);

}  // namespace
