// JWS compact verification: the RFC 7515 and RFC 8037 examples (exact bytes
// from the RFCs' appendices), then one test per known attack on JWT
// verifiers. Each refusal is asserted by its own error code, so a test cannot
// pass because verification failed for some other reason.
#include <gtest/gtest.h>

#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>
#include <string_view>

#include "auth/jose/base64url.hpp"
#include "auth/jose/jwk.hpp"
#include "auth/jose/jwks.hpp"
#include "auth/jose/jws.hpp"

namespace {

namespace json = boost::json;
namespace base64url = rampart::auth::jose::base64url;
using rampart::auth::jose::Algorithm;
using rampart::auth::jose::JoseError;
using rampart::auth::jose::JwkSource;
using rampart::auth::jose::Key;
using rampart::auth::jose::KeySet;
using rampart::auth::jose::VerifyLimits;

// RFC 7515 §3.3 / A.1-A.3 payload: {"iss":"joe",\r\n "exp":1300819380,\r\n ...}
constexpr std::string_view rfc7515_payload =
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlf"
    "Q";

constexpr std::string_view rfc7515_a1_token =
    "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
constexpr std::string_view rfc7515_a1_jwk =
    R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})";

constexpr std::string_view rfc7515_a2_token =
    "eyJhbGciOiJSUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5"
    "jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb"
    "1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QO"
    "YEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
constexpr std::string_view rfc7515_a2_jwk =
    R"({"kty":"RSA","n":"ofgWCuLjybRlzo0tZWJjNiuSfb4p4fAkd_wWJcyQoTbji9k0l8W26mPddxHmfHQp-Vaw-4qPCJrcS2mJPMEzP1Pt0Bm4d4QlL-yRT-SFd2lZS-pCgNMsD1W_YpRPEwOWvG6b32690r2jZ47soMZo9wGzjb_7OMg0LOL-bSf63kpaSHSXndS5z5rexMdbBYUsLA9e-KXBdQOS-UTo7WTBEMa2R2CapHg665xsmtdVMTBQY4uDZlxvb3qCo5ZwKh9kG4LT6_I5IhlJH7aGhyxXFvUK-DWNmoudF8NAco9_h9iaGNj8q2ethFkMLs91kzk2PAcDTW9gb54h4FRWyuXpoQ","e":"AQAB"})";

constexpr std::string_view rfc7515_a3_token =
    "eyJhbGciOiJFUzI1NiJ9."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    "."
    "DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";
constexpr std::string_view rfc7515_a3_jwk =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0","d":"jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI"})";

// RFC 7515 A.5: {"alg":"none"}, the A.1 payload, an empty signature.
constexpr std::string_view rfc7515_a5_token =
    "eyJhbGciOiJub25lIn0."
    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ"
    ".";

// RFC 8037 A.4: {"alg":"EdDSA"} over the text "Example of Ed25519 signing".
constexpr std::string_view rfc8037_a4_token =
    "eyJhbGciOiJFZERTQSJ9.RXhhbXBsZSBvZiBFZDI1NTE5IHNpZ25pbmc."
    "hgyY0il_MGCjP0JzlnLWG1PPOt7-09PGcvMg3AIbQR6dWbhijcNR4ki4iylGjg5BhVsPt9g7sVvpAr_MuM0KAg";
constexpr std::string_view rfc8037_a1_jwk =
    R"({"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";

Key trusted_key(std::string_view jwk_text) {
    auto key = Key::from_jwk(json::parse(jwk_text).as_object(), JwkSource::trusted);
    EXPECT_TRUE(key) << (key ? "" : rampart::auth::jose::describe(key.error()));
    return *key;
}

// The token with one character of the given segment changed to another
// character of the alphabet (keeping the spelling canonical where possible).
std::string altered(std::string_view token, std::size_t position) {
    std::string copy(token);
    copy[position] = copy[position] == 'A' ? 'B' : 'A';
    return copy;
}

std::string segment(std::string_view json_text) {
    return base64url::encode(json_text);
}

// header.payload.signature with the signature made by `key` over exactly
// these bytes, whatever they contain.
std::string signed_token(std::string_view header_json, std::string_view payload_json,
                         const Key& key) {
    std::string input = segment(header_json) + "." + segment(payload_json);
    auto signature = rampart::auth::jose::create_signature(key, input);
    EXPECT_TRUE(signature);
    return input + "." + base64url::encode(*signature);
}

std::string hmac_token(std::string_view header_json, std::string_view payload_json,
                       std::string_view secret) {
    std::string input = segment(header_json) + "." + segment(payload_json);
    unsigned char mac[32];
    unsigned int size = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac, &size);
    return input + "." + base64url::encode(std::span<const unsigned char>(mac, size));
}

JoseError error_of(const boost::system::result<rampart::auth::jose::VerifiedJws, JoseError>& r) {
    EXPECT_FALSE(r) << "the token was accepted";
    return r ? JoseError::signing_failed : r.error();
}

// One generated key per algorithm in one set, made once: RSA generation is slow.
struct Keys {
    Key es256 = *Key::generate(Algorithm::es256);
    Key eddsa = *Key::generate(Algorithm::eddsa);
    Key rs256 = *Key::generate(Algorithm::rs256, 2048);
    Key hs256 = *Key::from_hmac_secret(
        std::span<const unsigned char>(
            reinterpret_cast<const unsigned char*>("0123456789abcdef0123456789abcdef"), 32),
        "hmac-1");
    KeySet set;
    Keys() {
        for (const Key* key : {&es256, &eddsa, &rs256, &hs256}) {
            EXPECT_TRUE(set.add(*key));
        }
    }
};

const Keys& keys() {
    static const Keys instance;
    return instance;
}

std::string header_with(std::string_view alg, std::string_view kid, std::string_view extra = {}) {
    std::string header = R"({"alg":")" + std::string(alg) + R"(","kid":")" + std::string(kid) + '"';
    if (!extra.empty()) {
        header += ',';
        header += extra;
    }
    return header + '}';
}

constexpr std::string_view ordinary_payload = R"({"sub":"alice","exp":4102444800})";

TEST(JoseRfcVectors, Rfc7515A1Hs256VerifiesOverTheReceivedBytes) {
    Key key = trusted_key(rfc7515_a1_jwk);
    auto verified = rampart::auth::jose::verify_compact(rfc7515_a1_token, key);
    ASSERT_TRUE(verified) << describe(verified.error());
    // The header holds CR LF inside the JSON: only the received bytes verify.
    EXPECT_EQ(verified->header.at("typ").as_string(), "JWT");
    EXPECT_EQ(verified->algorithm, Algorithm::hs256);
    EXPECT_EQ(verified->payload.at("iss").as_string(), "joe");
    EXPECT_EQ(verified->payload.at("exp").as_int64(), 1300819380);
    EXPECT_TRUE(verified->payload.at("http://example.com/is_root").as_bool());
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(altered(rfc7515_a1_token, 60), key)),
              JoseError::signature_invalid);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(
                  altered(rfc7515_a1_token, rfc7515_a1_token.size() - 10), key)),
              JoseError::signature_invalid);
}

TEST(JoseRfcVectors, Rfc7515A2Rs256) {
    Key key = trusted_key(rfc7515_a2_jwk);
    auto verified = rampart::auth::jose::verify_compact(rfc7515_a2_token, key);
    ASSERT_TRUE(verified) << describe(verified.error());
    EXPECT_EQ(verified->algorithm, Algorithm::rs256);
    EXPECT_EQ(verified->payload.at("iss").as_string(), "joe");
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(altered(rfc7515_a2_token, 30), key)),
              JoseError::signature_invalid);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(
                  altered(rfc7515_a2_token, rfc7515_a2_token.size() - 20), key)),
              JoseError::signature_invalid);
}

TEST(JoseRfcVectors, Rfc7515A3Es256) {
    Key key = trusted_key(rfc7515_a3_jwk);
    auto verified = rampart::auth::jose::verify_compact(rfc7515_a3_token, key);
    ASSERT_TRUE(verified) << describe(verified.error());
    EXPECT_EQ(verified->algorithm, Algorithm::es256);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(altered(rfc7515_a3_token, 30), key)),
              JoseError::signature_invalid);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(
                  altered(rfc7515_a3_token, rfc7515_a3_token.size() - 20), key)),
              JoseError::signature_invalid);
}

TEST(JoseRfcVectors, Rfc7515A5UnsecuredIsRefused) {
    EXPECT_EQ(*base64url::decode_strict("eyJhbGciOiJub25lIn0"), R"({"alg":"none"})");
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(rfc7515_a5_token,
                                                           trusted_key(rfc7515_a1_jwk))),
              JoseError::alg_none);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(rfc7515_a5_token, keys().set)),
              JoseError::alg_none);
}

TEST(JoseRfcVectors, Rfc8037A4Ed25519) {
    Key key = trusted_key(rfc8037_a1_jwk);
    std::string_view token = rfc8037_a4_token;
    std::size_t last_dot = token.rfind('.');
    auto signature = base64url::decode_strict(token.substr(last_dot + 1));
    ASSERT_TRUE(signature);
    EXPECT_TRUE(rampart::auth::jose::verify_signature(key, token.substr(0, last_dot), *signature));
    // The example's payload is text, not JSON claims: the signature verifies
    // and only then is the payload refused.
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token, key)),
              JoseError::payload_not_json);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(altered(token, 25), key)),
              JoseError::signature_invalid);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(altered(token, token.size() - 20), key)),
              JoseError::signature_invalid);
    // Signing is deterministic: Rampart reproduces the RFC signature.
    auto ours = rampart::auth::jose::create_signature(key, token.substr(0, last_dot));
    ASSERT_TRUE(ours);
    EXPECT_EQ(*ours, *signature);
}

TEST(JoseJws, SignThenVerifyRoundTripsForEveryAlgorithm) {
    json::object payload{{"sub", "alice"}, {"exp", 4102444800}};
    for (const Key* key : {&keys().es256, &keys().eddsa, &keys().rs256, &keys().hs256}) {
        auto token = rampart::auth::jose::sign_compact({{"typ", "at+jwt"}}, payload, *key);
        ASSERT_TRUE(token);
        auto verified = rampart::auth::jose::verify_compact(*token, keys().set);
        ASSERT_TRUE(verified) << describe(verified.error());
        EXPECT_EQ(verified->kid, key->kid());
        EXPECT_EQ(verified->algorithm, key->algorithm());
        EXPECT_EQ(verified->header.at("typ").as_string(), "at+jwt");
        EXPECT_EQ(verified->payload, payload);
        std::string_view tampered_payload = R"({"sub":"mallory","exp":4102444800})";
        std::string forged = std::string(token->substr(0, token->find('.'))) + "." +
                             segment(tampered_payload) + token->substr(token->rfind('.'));
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(forged, keys().set)),
                  JoseError::signature_invalid);
    }
}

TEST(JoseJws, SigningRefusesHeaderExtrasThatRampartSetsOrForbids) {
    json::object payload{{"sub", "alice"}};
    for (std::string_view name : {"alg", "kid", "crit", "jku", "jwk", "x5c", "b64"}) {
        json::object extras;
        extras[name] = "x";
        auto token = rampart::auth::jose::sign_compact(extras, payload, keys().es256);
        ASSERT_FALSE(token) << name;
        EXPECT_EQ(token.error(), JoseError::header_parameter_forbidden);
    }
    auto public_only = Key::from_jwk(*keys().es256.public_jwk(), JwkSource::public_set);
    ASSERT_TRUE(public_only);
    auto token = rampart::auth::jose::sign_compact({}, payload, *public_only);
    ASSERT_FALSE(token);
    EXPECT_EQ(token.error(), JoseError::key_cannot_sign);
}

TEST(JoseJwsAttacks, AlgNoneInAnySpellingWithOrWithoutSignature) {
    const Key& key = keys().hs256;
    for (std::string_view alg : {"none", "None", "NONE", "nOnE"}) {
        std::string header = header_with(alg, key.kid());
        std::string unsigned_token = segment(header) + "." + segment(ordinary_payload) + ".";
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(unsigned_token, keys().set)),
                  JoseError::alg_none)
            << alg;
        std::string with_signature =
            hmac_token(header, ordinary_payload, "0123456789abcdef0123456789abcdef");
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(with_signature, keys().set)),
                  JoseError::alg_none)
            << alg;
    }
}

TEST(JoseJwsAttacks, Hs256KeyedWithTheRsaPublicKeyIsRefused) {
    const Key& rsa = keys().rs256;
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    ASSERT_EQ(PEM_write_bio_PUBKEY(bio.get(), rsa.evp_key()), 1);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    std::string pem(data, static_cast<std::size_t>(size));
    ASSERT_EQ(pem.back(), '\n');
    unsigned char* der = nullptr;
    int der_size = i2d_PUBKEY(rsa.evp_key(), &der);
    ASSERT_GT(der_size, 0);
    std::string spki(reinterpret_cast<char*>(der), static_cast<std::size_t>(der_size));
    OPENSSL_free(der);
    std::string jwk_json = json::serialize(*rsa.public_jwk());

    std::string header = header_with("HS256", rsa.kid());
    for (const std::string& secret : {pem, pem.substr(0, pem.size() - 1), spki, jwk_json}) {
        std::string token = hmac_token(header, ordinary_payload, secret);
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token, keys().set)),
                  JoseError::alg_key_mismatch);
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token, rsa)),
                  JoseError::alg_key_mismatch);
    }
}

TEST(JoseJwsAttacks, Hs256KeyedWithTheEcPublicPointIsRefused) {
    const Key& ec = keys().es256;
    auto jwk = *ec.public_jwk();
    std::string x = *base64url::decode_strict(jwk.at("x").as_string());
    std::string y = *base64url::decode_strict(jwk.at("y").as_string());
    std::string header = header_with("HS256", ec.kid());
    for (const std::string& secret : {x + y, "\x04" + x + y}) {
        std::string token = hmac_token(header, ordinary_payload, secret);
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token, keys().set)),
                  JoseError::alg_key_mismatch);
    }
}

TEST(JoseJwsAttacks, AlgOtherThanTheKeysIsRefused) {
    const Key& ec = keys().es256;
    for (std::string_view alg : {"RS256", "EdDSA", "Ed25519"}) {
        std::string token = signed_token(header_with(alg, ec.kid()), ordinary_payload, ec);
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token, keys().set)),
                  JoseError::alg_key_mismatch)
            << alg;
    }
    for (std::string_view alg : {"HS512", "es256", "ES384", "PS256", ""}) {
        std::string token = signed_token(header_with(alg, ec.kid()), ordinary_payload, ec);
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token, keys().set)),
                  JoseError::alg_unknown)
            << alg;
    }
    std::string numeric_alg =
        signed_token(R"({"alg":256,"kid":")" + ec.kid() + R"("})", ordinary_payload, ec);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(numeric_alg, keys().set)),
              JoseError::alg_unknown);
    std::string no_alg = signed_token(R"({"kid":")" + ec.kid() + R"("})", ordinary_payload, ec);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(no_alg, keys().set)),
              JoseError::alg_missing);
}

TEST(JoseJwsAttacks, KidMustNameAKnownKeyExactly) {
    const Key& ec = keys().es256;
    for (std::string_view kid : {"../../../../dev/null", "' UNION SELECT 'k' --", "*"}) {
        std::string token = signed_token(header_with("ES256", kid), ordinary_payload, ec);
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token, keys().set)),
                  JoseError::kid_unknown)
            << kid;
    }
    std::string upper_kid = ec.kid();
    for (char& c : upper_kid) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (upper_kid != ec.kid()) {
        std::string token = signed_token(header_with("ES256", upper_kid), ordinary_payload, ec);
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token, keys().set)),
                  JoseError::kid_unknown);
    }
    std::string no_kid = signed_token(R"({"alg":"ES256"})", ordinary_payload, ec);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(no_kid, keys().set)),
              JoseError::kid_missing);
    std::string numeric_kid = signed_token(R"({"alg":"ES256","kid":7})", ordinary_payload, ec);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(numeric_kid, keys().set)),
              JoseError::kid_invalid);
    // A pinned key takes a token without kid, but not one naming another key.
    EXPECT_TRUE(rampart::auth::jose::verify_compact(no_kid, ec));
    std::string other = signed_token(header_with("ES256", "other"), ordinary_payload, ec);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(other, ec)), JoseError::kid_unknown);
}

TEST(JoseJwsAttacks, KidWithControlCharactersOrOversizedIsRefused) {
    const Key& ec = keys().es256;
    for (std::string_view kid : {R"(k\u0000)", R"(k\r\nX-Injected: 1)", R"(\u007f)", ""}) {
        std::string token = signed_token(header_with("ES256", kid), ordinary_payload, ec);
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token, keys().set)),
                  JoseError::kid_invalid)
            << kid;
    }
    std::string long_kid(257, 'k');
    std::string token = signed_token(header_with("ES256", long_kid), ordinary_payload, ec);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token, keys().set)),
              JoseError::kid_invalid);

    std::string huge_kid(10 * 1024, 'k');
    std::string huge = signed_token(header_with("ES256", huge_kid), ordinary_payload, ec);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(huge, keys().set)),
              JoseError::token_too_large);
    VerifyLimits generous;
    generous.max_token_bytes = 64 * 1024;
    generous.max_header_bytes = 32 * 1024;
    generous.max_json_string_bytes = 32 * 1024;
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(huge, keys().set, generous)),
              JoseError::kid_invalid);
}

TEST(JoseJwsAttacks, HeadersThatBringTheirOwnKeyAreRefused) {
    const Key& ec = keys().es256;
    auto own_jwk = json::serialize(*ec.public_jwk());
    for (std::string extra : {std::string(R"("jku":"https://attacker.example/jwks")"),
                              std::string(R"("x5u":"https://attacker.example/cert.pem")"),
                              R"("jwk":)" + own_jwk, std::string(R"("x5c":["MIIB"])"),
                              std::string(R"("x5t":"abc")"), std::string(R"("x5t#S256":"abc")")}) {
        std::string token =
            signed_token(header_with("ES256", ec.kid(), extra), ordinary_payload, ec);
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token, keys().set)),
                  JoseError::key_reference_present)
            << extra;
    }
}

TEST(JoseJwsAttacks, CritInAnyFormIsRefused) {
    const Key& ec = keys().es256;
    for (std::string_view extra : {R"("crit":["rampart-ext"],"rampart-ext":true)",  // unknown
                                   R"("crit":["exp"],"exp":1)",  // a registered name
                                   R"("crit":[])",               // empty list
                                   R"("crit":["absent"])"}) {    // names no parameter
        std::string token =
            signed_token(header_with("ES256", ec.kid(), extra), ordinary_payload, ec);
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token, keys().set)),
                  JoseError::crit_present)
            << extra;
    }
    std::string b64 =
        signed_token(header_with("ES256", ec.kid(), R"("b64":false)"), ordinary_payload, ec);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(b64, keys().set)),
              JoseError::b64_present);
}

// ES256 signature = r || s, each 32 bytes big-endian.
std::string es256_token_with_signature(std::string_view signature) {
    const Key& ec = keys().es256;
    return segment(header_with("ES256", ec.kid())) + "." + segment(ordinary_payload) + "." +
           base64url::encode(signature);
}

TEST(JoseJwsAttacks, Es256SignatureMustBeTwoScalarsInRange) {
    const std::string order =
        *base64url::decode_strict("_____wAAAAD__________7zm-q2nF56E87nKwvxjJVE");
    ASSERT_EQ(order.size(), 32u);
    std::string zero(32, '\0');
    std::string one = std::string(31, '\0') + '\x01';
    for (const std::string& signature :
         {zero + zero, order + order, zero + one, one + zero, one + order}) {
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(
                      es256_token_with_signature(signature), keys().set)),
                  JoseError::signature_out_of_range);
    }
    // r = s = 1 is in range and simply does not verify.
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(es256_token_with_signature(one + one),
                                                           keys().set)),
              JoseError::signature_invalid);
    // "MAYCAQACAQA" is DER SEQUENCE{INTEGER 0, INTEGER 0}: the psychic-signature form.
    std::string der_token = segment(header_with("ES256", keys().es256.kid())) + "." +
                            segment(ordinary_payload) + ".MAYCAQACAQA";
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(der_token, keys().set)),
              JoseError::signature_malformed);
    for (std::size_t size : {63u, 65u, 0u}) {
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(
                      es256_token_with_signature(std::string(size, '\x01')), keys().set)),
                  JoseError::signature_malformed);
    }
}

// RFC 8032 §5.1.7: S must be below the group order L, or (R, S + L) would be
// a second valid signature for the same message.
TEST(JoseJwsAttacks, Ed25519SignatureWithSPlusLIsRefused) {
    static constexpr unsigned char group_order[32] = {
        0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7,
        0xa2, 0xde, 0xf9, 0xde, 0x14, 0,    0,    0,    0,    0,    0,
        0,    0,    0,    0,    0,    0,    0,    0,    0,    0x10};
    std::string token = *rampart::auth::jose::sign_compact({}, {{"sub", "a"}}, keys().eddsa);
    ASSERT_TRUE(rampart::auth::jose::verify_compact(token, keys().set));
    std::size_t last_dot = token.rfind('.');
    std::string signature = *base64url::decode_strict(token.substr(last_dot + 1));
    unsigned carry = 0;
    for (std::size_t i = 0; i < 32; ++i) {  // S is little-endian, after the 32 bytes of R
        unsigned sum = static_cast<unsigned char>(signature[32 + i]) + group_order[i] + carry;
        signature[32 + i] = static_cast<char>(sum & 0xff);
        carry = sum >> 8;
    }
    ASSERT_EQ(carry, 0u);
    std::string malleated = token.substr(0, last_dot + 1) + base64url::encode(signature);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(malleated, keys().set)),
              JoseError::signature_invalid);
}

TEST(JoseJwsAttacks, SignatureLengthIsCheckedForEveryAlgorithm) {
    for (const Key* key : {&keys().eddsa, &keys().rs256, &keys().hs256}) {
        auto token = *rampart::auth::jose::sign_compact({}, {{"sub", "a"}}, *key);
        std::string_view input(token.data(), token.rfind('.'));
        auto signature = *base64url::decode_strict(token.substr(token.rfind('.') + 1));
        for (std::string bad : {signature.substr(1), signature + '\0'}) {
            EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(
                          std::string(input) + "." + base64url::encode(bad), keys().set)),
                      JoseError::signature_malformed);
        }
    }
}

TEST(JoseJwsAttacks, DuplicateMembersAreRefusedEvenWhenSigned) {
    const Key& ec = keys().es256;
    std::string header = R"({"alg":"ES256","kid":")" + ec.kid() + R"(","alg":"none"})";
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(
                  signed_token(header, ordinary_payload, ec), keys().set)),
              JoseError::header_not_json);
    std::string payload = R"({"sub":"alice","exp":4102444800,"sub":"admin"})";
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(
                  signed_token(header_with("ES256", ec.kid()), payload, ec), keys().set)),
              JoseError::payload_not_json);
}

TEST(JoseJwsAttacks, TamperedOrStrippedPartsAreRefused) {
    const Key& ec = keys().es256;
    std::string token = signed_token(header_with("ES256", ec.kid()), ordinary_payload, ec);
    std::size_t first_dot = token.find('.');
    std::size_t last_dot = token.rfind('.');
    std::string tampered = token.substr(0, first_dot + 1) +
                           segment(R"({"sub":"admin","exp":4102444800})") + token.substr(last_dot);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(tampered, keys().set)),
              JoseError::signature_invalid);
    EXPECT_EQ(
        error_of(rampart::auth::jose::verify_compact(token.substr(0, last_dot + 1), keys().set)),
        JoseError::signature_malformed);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token.substr(0, last_dot), keys().set)),
              JoseError::wrong_segment_count);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(token + ".x", keys().set)),
              JoseError::wrong_segment_count);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact("", keys().set)),
              JoseError::token_empty);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(std::string(8193, 'a'), keys().set)),
              JoseError::token_too_large);
}

TEST(JoseJwsAttacks, NonCanonicalBase64urlIsRefused) {
    const Key& ec = keys().es256;
    std::string token = signed_token(header_with("ES256", ec.kid()), ordinary_payload, ec);
    std::size_t first_dot = token.find('.');
    std::size_t last_dot = token.rfind('.');
    std::vector<std::string> respelled = {
        token.substr(0, first_dot) + "=" + token.substr(first_dot),  // padding
        token + "==",
        token.substr(0, 3) + " " + token.substr(3),  // whitespace
        token.substr(0, last_dot + 1) + "\n" + token.substr(last_dot + 1),
    };
    std::string plus = token;
    std::string slash = token;
    std::size_t dash = token.find_first_of("-_", last_dot);
    if (dash != std::string::npos) {
        plus[dash] = '+';
        slash[dash] = '/';
        respelled.push_back(plus);
        respelled.push_back(slash);
    }
    for (const std::string& candidate : respelled) {
        EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(candidate, keys().set)),
                  JoseError::segment_not_base64url)
            << candidate;
    }
    // 64 signature bytes are 86 characters: the last carries 2 data bits
    // and 4 spare bits, which a canonical encoder leaves zero.
    std::string signature_text = token.substr(last_dot + 1);
    ASSERT_EQ(signature_text.size(), 86u);
    std::string flipped = token;
    constexpr std::string_view alphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    flipped.back() = alphabet[alphabet.find(flipped.back()) ^ 1];
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(flipped, keys().set)),
              JoseError::segment_not_base64url);
}

TEST(JoseJwsAttacks, OtherSerialisationsAreRefused) {
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(
                  "eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d", keys().set)),
              JoseError::jwe_not_supported);
    std::string json_form = R"({"payload":")" + std::string(rfc7515_payload) +
                            R"(","protected":"eyJhbGciOiJFUzI1NiJ9","signature":"x"})";
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(json_form, keys().set)),
              JoseError::json_serialization);
}

TEST(JoseJwsAttacks, HeaderMustBeAStrictJsonObject) {
    const Key& ec = keys().es256;
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(signed_token("[]", ordinary_payload, ec),
                                                           keys().set)),
              JoseError::header_not_object);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(
                  signed_token(R"("x")", ordinary_payload, ec), keys().set)),
              JoseError::header_not_object);
    std::string invalid_utf8 = R"({"alg":"ES256","kid":")" + ec.kid() + "\",\"x\":\"\xc0\xaf\"}";
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(
                  signed_token(invalid_utf8, ordinary_payload, ec), keys().set)),
              JoseError::header_not_json);
    std::string deep = header_with("ES256", ec.kid(), R"("x":[[[[[[[[[[1]]]]]]]]]])");
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(signed_token(deep, ordinary_payload, ec),
                                                           keys().set)),
              JoseError::header_not_json);
    EXPECT_EQ(error_of(rampart::auth::jose::verify_compact(
                  signed_token(header_with("ES256", ec.kid()), "[1]", ec), keys().set)),
              JoseError::payload_not_object);
}

TEST(JoseJws, ErrorTextsNeverQuoteTheToken) {
    for (int code = 0; code <= static_cast<int>(JoseError::signing_failed); ++code) {
        std::string_view text = describe(static_cast<JoseError>(code));
        EXPECT_FALSE(text.empty());
        EXPECT_EQ(text.find("eyJ"), std::string_view::npos);
    }
}

}  // namespace
