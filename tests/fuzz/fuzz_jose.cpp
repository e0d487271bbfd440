// Arbitrary bytes as a compact JWS against a fixed key set (the RFC 7515 and
// RFC 8037 example keys, one per algorithm), and as strict JSON. Whatever is
// accepted must be consistent: a verified token's alg is its key's and its
// kid names that key; accepted JSON re-serialises to JSON that parses to the
// same value; claim validation never crashes on any object.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "auth/jose/claims.hpp"
#include "auth/jose/jwk.hpp"
#include "auth/jose/jwks.hpp"
#include "auth/jose/jws.hpp"
#include "util/strict_json.hpp"

namespace {

namespace jose = rampart::auth::jose;

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

jose::Key trusted(std::string_view jwk_text) {
    auto key =
        jose::Key::from_jwk(boost::json::parse(jwk_text).as_object(), jose::JwkSource::trusted);
    check(key.has_value());
    return *key;
}

jose::KeySet make_keys() {
    jose::KeySet keys;
    for (
        std::string_view jwk :
        {R"({"kty":"oct","kid":"hs","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})",
         R"({"kty":"EC","kid":"es","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})",
         R"({"kty":"OKP","kid":"ed","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})",
         R"({"kty":"RSA","kid":"rs","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"})"}) {
        check(keys.add(trusted(jwk)).has_value());
    }
    return keys;
}

void fuzz_verify(std::string_view input) {
    static const jose::KeySet keys = make_keys();
    auto verified = jose::verify_compact(input, keys);
    if (!verified) {
        check(!describe(verified.error()).empty());
        return;
    }
    const jose::Key* key = keys.find(verified->kid);
    check(key != nullptr);
    check(key->algorithm() == verified->algorithm);
    check(!verified->header.contains("crit") && !verified->header.contains("jku"));
}

// Equal, except that doubles may differ in their last bits: Boost 1.81 parses
// decimal text to the nearest double only approximately, so a re-serialised
// double can come back one ulp away.
bool same_value(const boost::json::value& left, const boost::json::value& right) {
    if (left.is_double() && right.is_double()) {
        double a = left.get_double();
        double b = right.get_double();
        return std::fabs(a - b) <= 1e-14 * std::max(std::fabs(a), std::fabs(b));
    }
    if (left.kind() != right.kind()) {
        return false;
    }
    if (left.is_array()) {
        const auto& a = left.get_array();
        const auto& b = right.get_array();
        if (a.size() != b.size()) {
            return false;
        }
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (!same_value(a[i], b[i])) {
                return false;
            }
        }
        return true;
    }
    if (left.is_object()) {
        const auto& a = left.get_object();
        const auto& b = right.get_object();
        if (a.size() != b.size()) {
            return false;
        }
        for (const auto& [key, value] : a) {
            const boost::json::value* other = b.if_contains(key);
            if (other == nullptr || !same_value(value, *other)) {
                return false;
            }
        }
        return true;
    }
    return left == right;
}

void fuzz_strict_json(std::string_view input) {
    auto parsed = rampart::util::parse_strict_json(input);
    if (!parsed) {
        check(!describe(parsed.error()).empty());
        return;
    }
    std::string text = boost::json::serialize(*parsed);
    auto again = rampart::util::parse_strict_json(text);
    check(again.has_value());
    check(same_value(*again, *parsed));
    if (parsed->is_object()) {
        jose::ClaimRules rules;
        rules.issuer = "https://issuer.example";
        rules.audiences = {"api"};
        rules.now = std::chrono::sys_seconds(std::chrono::seconds(1'800'000'000));
        auto claims = jose::validate_claims(parsed->get_object(), parsed->get_object(), rules);
        check(claims.has_value() || !describe(claims.error()).empty());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    fuzz_verify(input);
    fuzz_strict_json(input);
    return 0;
}
