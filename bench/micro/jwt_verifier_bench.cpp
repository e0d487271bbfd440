// The authentication stage's cost per bearer token: JwtVerifier::verify with
// its per-worker cache (a repeated token: one hash, one map lookup, the
// revocation re-check) and without it (signature and claims every time), per
// algorithm. The RS256 key is 2048 bits.
#include <benchmark/benchmark.h>

#include <boost/json/object.hpp>

#include <chrono>
#include <memory>

#include "auth/jose/jwk.hpp"
#include "auth/jose/jws.hpp"
#include "auth/jwt_verifier.hpp"

namespace {

namespace jose = rampart::auth::jose;
using Clock = std::chrono::system_clock;

constexpr std::int64_t bench_now = 1'800'000'000;

jose::Key key_for(jose::Algorithm algorithm) {
    if (algorithm == jose::Algorithm::hs256) {
        static const unsigned char secret[32] = {7,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10,
                                                 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
                                                 22, 23, 24, 25, 26, 27, 28, 29, 30, 31};
        return *jose::Key::from_hmac_secret(secret, "bench-hmac");
    }
    return *jose::Key::generate(algorithm, 2048);
}

void verify(benchmark::State& state, jose::Algorithm algorithm, bool cached) {
    auto key = key_for(algorithm);
    boost::json::object claims{{"iss", "https://issuer.bench"},
                               {"sub", "usr_7f3k2m9q4x1b5c8d"},
                               {"aud", "api://rampart"},
                               {"exp", bench_now + 600},
                               {"iat", bench_now},
                               {"jti", "b1f0c1e8a5d4b7e9f3a2d4c6"},
                               {"scope", "orders:read"},
                               {"roles", boost::json::array{"customer"}}};
    auto token = *jose::sign_compact({{"typ", "at+jwt"}}, claims, key);
    auto keys = std::make_shared<jose::KeySet>();
    (void)keys->add(std::move(key));
    rampart::auth::AcceptedIssuer issuer;
    issuer.name = "bench";
    issuer.rules.issuer = "https://issuer.bench";
    issuer.rules.audiences = {"api://rampart"};
    issuer.rules.max_lifetime = std::chrono::seconds(3600);
    issuer.keys = keys;
    rampart::config::JwtSettings settings;
    settings.cache_entries = cached ? 10'000 : 0;
    rampart::auth::JwtVerifier verifier({issuer}, settings, 1);
    rampart::auth::CredentialDirectory directory;
    auto now = Clock::time_point(std::chrono::seconds(bench_now + 10));
    for (auto _ : state) {
        auto identity = verifier.verify(token, directory, 0, now);
        if (!identity) {
            state.SkipWithError("the token did not verify");
            break;
        }
        benchmark::DoNotOptimize(identity);
    }
}

void BM_JwtVerifyCached(benchmark::State& state) {
    verify(state, static_cast<jose::Algorithm>(state.range(0)), true);
}
void BM_JwtVerifyUncached(benchmark::State& state) {
    verify(state, static_cast<jose::Algorithm>(state.range(0)), false);
}

// Arguments: 0 ES256, 1 EdDSA, 2 RS256, 3 HS256 (jose::Algorithm).
BENCHMARK(BM_JwtVerifyCached)->DenseRange(0, 3);
BENCHMARK(BM_JwtVerifyUncached)->DenseRange(0, 3);

}  // namespace
