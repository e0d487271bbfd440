// Key loading: every accepted form, and refusal of weak or odd material.
#include <gtest/gtest.h>

#include <openssl/core_names.h>
#include <openssl/pem.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>

#include "auth/jose/base64url.hpp"
#include "auth/jose/jwk.hpp"
#include "auth/jose/jwks.hpp"
#include "auth/jose/jws.hpp"

namespace {

namespace json = boost::json;
namespace base64url = rampart::auth::jose::base64url;
using rampart::auth::jose::Algorithm;
using rampart::auth::jose::JwkSource;
using rampart::auth::jose::Key;
using rampart::auth::jose::KeyError;
using rampart::auth::jose::KeySet;
using rampart::auth::jose::KeySetError;

constexpr std::string_view rfc8037_private_jwk =
    R"({"kty":"OKP","crv":"Ed25519","d":"nWGxne_9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
constexpr std::string_view rfc7515_a3_public_jwk =
    R"({"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"})";

json::object object(std::string_view text) {
    return json::parse(text).as_object();
}

KeyError public_error(const json::object& jwk) {
    auto key = Key::from_jwk(jwk, JwkSource::public_set);
    EXPECT_FALSE(key) << json::serialize(jwk);
    return key ? KeyError::crypto_failure : key.error();
}

KeyError trusted_error(const json::object& jwk) {
    auto key = Key::from_jwk(jwk, JwkSource::trusted);
    EXPECT_FALSE(key) << json::serialize(jwk);
    return key ? KeyError::crypto_failure : key.error();
}

std::string pem_of(EVP_PKEY* key, bool private_part) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    int written = private_part ? PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0,
                                                          nullptr, nullptr)
                               : PEM_write_bio_PUBKEY(bio.get(), key);
    EXPECT_EQ(written, 1);
    char* data = nullptr;
    long size = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<std::size_t>(size));
}

std::string bignum_text(EVP_PKEY* key, const char* name) {
    BIGNUM* number = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &number), 1);
    std::vector<unsigned char> bytes(static_cast<std::size_t>(BN_num_bytes(number)));
    BN_bn2bin(number, bytes.data());
    BN_free(number);
    return base64url::encode(bytes);
}

// An RSA JWK of a given size, made with OpenSSL directly so that weak sizes
// Rampart refuses to make can still be offered to it.
// One key per size, made once: RSA generation is slow.
json::object rsa_public_jwk(unsigned bits, std::string_view kid) {
    static EVP_PKEY* const rsa_1024 =
        EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024));
    static EVP_PKEY* const rsa_2048 =
        EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(2048));
    EVP_PKEY* key = bits == 1024 ? rsa_1024 : rsa_2048;
    return json::object{{"kty", "RSA"},
                        {"kid", kid},
                        {"n", bignum_text(key, OSSL_PKEY_PARAM_RSA_N)},
                        {"e", bignum_text(key, OSSL_PKEY_PARAM_RSA_E)}};
}

TEST(JoseKey, Rfc8037KeyAndThumbprint) {
    auto key = Key::from_jwk(object(rfc8037_private_jwk), JwkSource::trusted);
    ASSERT_TRUE(key) << describe(key.error());
    EXPECT_EQ(key->algorithm(), Algorithm::eddsa);
    EXPECT_TRUE(key->has_private_key());
    // RFC 8037 A.3.
    EXPECT_EQ(*key->thumbprint(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    EXPECT_EQ(key->kid(), "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k");
    auto jwk = *key->public_jwk();
    EXPECT_FALSE(jwk.contains("d"));
    EXPECT_EQ(jwk.at("x").as_string(), "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo");
    EXPECT_EQ(jwk.at("use").as_string(), "sig");
    EXPECT_EQ(jwk.at("alg").as_string(), "EdDSA");
    EXPECT_EQ(jwk.at("kid").as_string(), key->kid());
    // "Ed25519" (RFC 9864) is accepted as the same algorithm.
    auto with_alg = object(rfc8037_private_jwk);
    with_alg["alg"] = "Ed25519";
    EXPECT_TRUE(Key::from_jwk(with_alg, JwkSource::trusted));
}

TEST(JoseKey, Ed25519JwkWhoseXIsNotTheKeyOfDIsRefused) {
    auto jwk = object(rfc8037_private_jwk);
    jwk["x"] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
    EXPECT_EQ(trusted_error(jwk), KeyError::ec_point_invalid);
}

TEST(JoseKey, GeneratedKeysExportOnlyPublicMembers) {
    for (Algorithm algorithm : {Algorithm::es256, Algorithm::eddsa, Algorithm::rs256}) {
        auto key = Key::generate(algorithm, 2048);
        ASSERT_TRUE(key);
        EXPECT_EQ(key->algorithm(), algorithm);
        EXPECT_EQ(key->kid(), *key->thumbprint());
        auto jwk = *key->public_jwk();
        for (std::string_view secret : {"d", "p", "q", "dp", "dq", "qi", "k"}) {
            EXPECT_FALSE(jwk.contains(secret)) << secret;
        }
        auto reloaded = Key::from_jwk(jwk, JwkSource::public_set);
        ASSERT_TRUE(reloaded);
        EXPECT_FALSE(reloaded->has_private_key());
        EXPECT_EQ(reloaded->kid(), key->kid());
        EXPECT_EQ(*reloaded->thumbprint(), *key->thumbprint());
    }
    EXPECT_EQ(Key::generate(Algorithm::hs256).error(), KeyError::unsupported_key_type);
    EXPECT_EQ(Key::generate(Algorithm::rs256, 1024).error(), KeyError::rsa_too_small);
}

TEST(JoseKey, Pkcs8RoundTripKeepsTheKey) {
    for (Algorithm algorithm : {Algorithm::es256, Algorithm::eddsa, Algorithm::rs256}) {
        auto key = *Key::generate(algorithm, 2048);
        auto der = key.export_pkcs8_der();
        ASSERT_TRUE(der);
        auto imported = Key::from_pkcs8_der(*der, key.kid());
        ASSERT_TRUE(imported) << describe(imported.error());
        EXPECT_EQ(*imported->thumbprint(), *key.thumbprint());
        auto token = rampart::auth::jose::sign_compact({}, {{"sub", "a"}}, *imported);
        ASSERT_TRUE(token);
        EXPECT_TRUE(rampart::auth::jose::verify_compact(*token, key));
        std::vector<unsigned char> trailing = *der;
        trailing.push_back(0);
        EXPECT_EQ(Key::from_pkcs8_der(trailing).error(), KeyError::der_unreadable);
        EXPECT_EQ(Key::from_pkcs8_der(std::span(der->data(), der->size() / 2)).error(),
                  KeyError::der_unreadable);
        auto public_only = *Key::from_jwk(*key.public_jwk(), JwkSource::public_set);
        EXPECT_EQ(public_only.export_pkcs8_der().error(), KeyError::no_private_key);
    }
}

TEST(JoseKey, LoadsPemPrivateAndPublic) {
    auto key = *Key::generate(Algorithm::es256);
    auto from_private = Key::from_pem(pem_of(key.evp_key(), true));
    ASSERT_TRUE(from_private);
    EXPECT_TRUE(from_private->has_private_key());
    EXPECT_EQ(from_private->kid(), key.kid());
    auto from_public = Key::from_pem(pem_of(key.evp_key(), false), "ops-2026");
    ASSERT_TRUE(from_public);
    EXPECT_FALSE(from_public->has_private_key());
    EXPECT_EQ(from_public->kid(), "ops-2026");
    EXPECT_EQ(Key::from_pem("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n").error(),
              KeyError::pem_unreadable);
    EXPECT_EQ(Key::from_pem(pem_of(key.evp_key(), false), std::string("bad\nkid")).error(),
              KeyError::kid_invalid);
}

TEST(JoseKey, RefusesWeakOrOddMaterial) {
    EVP_PKEY* small_rsa =
        EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(1024));
    EXPECT_EQ(Key::from_pem(pem_of(small_rsa, false)).error(), KeyError::rsa_too_small);
    EXPECT_EQ(Key::from_pem(pem_of(small_rsa, true)).error(), KeyError::rsa_too_small);
    EVP_PKEY_free(small_rsa);
    EXPECT_EQ(public_error(rsa_public_jwk(1024, "small")), KeyError::rsa_too_small);

    EVP_PKEY* p384 = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384");
    EXPECT_EQ(Key::from_pem(pem_of(p384, false)).error(), KeyError::ec_curve_not_p256);
    EVP_PKEY_free(p384);
    EVP_PKEY* x25519 = EVP_PKEY_Q_keygen(nullptr, nullptr, "X25519");
    EXPECT_EQ(Key::from_pem(pem_of(x25519, false)).error(), KeyError::okp_curve_not_ed25519);
    EVP_PKEY_free(x25519);

    auto secret = std::string_view("secret");
    EXPECT_EQ(
        Key::from_hmac_secret(
            std::span(reinterpret_cast<const unsigned char*>(secret.data()), secret.size()), "h1")
            .error(),
        KeyError::hmac_secret_too_short);
    EXPECT_EQ(trusted_error(object(R"({"kty":"oct","k":"c2VjcmV0"})")),
              KeyError::hmac_secret_too_short);
    std::string long_enough(32, 'k');
    EXPECT_TRUE(Key::from_hmac_secret(
        std::span(reinterpret_cast<const unsigned char*>(long_enough.data()), 32), "h1"));
}

TEST(JoseKey, RefusesCurvesOtherThanTheOnesBoundToAnAlgorithm) {
    for (std::string_view crv : {"X25519", "Ed448", "X448"}) {
        auto jwk = object(
            R"({"kty":"OKP","alg":"EdDSA","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
        jwk["crv"] = crv;
        EXPECT_EQ(public_error(jwk), KeyError::okp_curve_not_ed25519) << crv;
    }
    auto p384 = object(rfc7515_a3_public_jwk);
    p384["crv"] = "P-384";
    EXPECT_EQ(public_error(p384), KeyError::ec_curve_not_p256);
    auto off_curve = object(rfc7515_a3_public_jwk);
    off_curve["y"] = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a4";
    EXPECT_EQ(public_error(off_curve), KeyError::ec_point_invalid);
    auto short_x = object(rfc7515_a3_public_jwk);
    short_x["x"] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVA";
    EXPECT_EQ(public_error(short_x), KeyError::member_malformed);
}

TEST(JoseKey, RefusesAlgThatDisagreesWithTheKeyType) {
    for (std::string_view alg : {"HS256", "RS256", "EdDSA", "ES384", "none"}) {
        auto jwk = object(rfc7515_a3_public_jwk);
        jwk["alg"] = alg;
        EXPECT_EQ(public_error(jwk), KeyError::alg_mismatch) << alg;
    }
    auto rsa = rsa_public_jwk(2048, "r1");
    rsa["alg"] = "HS256";
    EXPECT_EQ(public_error(rsa), KeyError::alg_mismatch);
    rsa["alg"] = "RS256";
    EXPECT_TRUE(Key::from_jwk(rsa, JwkSource::public_set));
}

TEST(JoseKey, PublicSetsHoldNoSecretsAndOnlySignatureKeys) {
    EXPECT_EQ(
        public_error(object(
            R"({"kty":"oct","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})")),
        KeyError::secret_in_public_set);
    EXPECT_EQ(public_error(object(rfc8037_private_jwk)), KeyError::private_in_public_set);
    auto encryption = object(rfc7515_a3_public_jwk);
    encryption["use"] = "enc";
    EXPECT_EQ(public_error(encryption), KeyError::use_not_signature);
    EXPECT_EQ(public_error(object(R"({"kty":"EC","crv":"P-256"})")), KeyError::member_missing);
    EXPECT_EQ(public_error(object(R"({"kty":"PQC"})")), KeyError::unsupported_key_type);
    auto padded = object(rfc7515_a3_public_jwk);
    padded["x"] = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU=";
    EXPECT_EQ(public_error(padded), KeyError::member_malformed);
    EXPECT_EQ(public_error(object(R"({"kty":7})")), KeyError::member_malformed);
}

TEST(JoseKeySet, SkipsUnusableKeysAndRecordsWhy) {
    auto good_ec = object(rfc7515_a3_public_jwk);
    good_ec["kid"] = "ec-1";
    auto weak_rsa = rsa_public_jwk(1024, "rsa-weak");
    auto good_rsa = rsa_public_jwk(2048, "rsa-1");
    auto secret = object(
        R"({"kty":"oct","kid":"hmac","k":"AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow"})");
    auto x25519 = object(
        R"({"kty":"OKP","crv":"X25519","kid":"x","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})");
    auto no_kid = rsa_public_jwk(2048, "");
    no_kid.erase("kid");
    auto twin_a = rsa_public_jwk(2048, "twin");
    auto twin_b = object(rfc7515_a3_public_jwk);
    twin_b["kid"] = "twin";
    json::object document{{"keys", json::array{good_ec, weak_rsa, good_rsa, secret, x25519, no_kid,
                                               twin_a, twin_b, "not an object"}}};
    auto set = KeySet::parse(json::serialize(document));
    ASSERT_TRUE(set) << describe(set.error());
    EXPECT_EQ(set->size(), 2u);
    EXPECT_NE(set->find("ec-1"), nullptr);
    EXPECT_NE(set->find("rsa-1"), nullptr);
    EXPECT_EQ(set->find("rsa-weak"), nullptr);
    EXPECT_EQ(set->find("twin"), nullptr);
    EXPECT_EQ(set->find("EC-1"), nullptr);
    EXPECT_EQ(set->find("ec-1 "), nullptr);
    ASSERT_EQ(set->skipped().size(), 7u);
    EXPECT_EQ(set->skipped()[0].index, 1u);
    EXPECT_EQ(set->skipped()[0].reason, describe(KeyError::rsa_too_small));
    EXPECT_EQ(set->skipped()[1].reason, describe(KeyError::secret_in_public_set));
    EXPECT_EQ(set->skipped()[2].reason, describe(KeyError::okp_curve_not_ed25519));
    EXPECT_EQ(set->skipped()[3].index, 5u);
    EXPECT_EQ(set->skipped()[4].index, 6u);
    EXPECT_EQ(set->skipped()[5].index, 7u);
    EXPECT_EQ(set->skipped()[6].index, 8u);

    auto published = set->public_jwks();
    auto reparsed = KeySet::parse(json::serialize(published));
    ASSERT_TRUE(reparsed);
    EXPECT_EQ(reparsed->size(), 2u);
    EXPECT_TRUE(reparsed->skipped().empty());
}

TEST(JoseKeySet, RefusesSetsWithNothingUsable) {
    json::object only_weak{{"keys", json::array{rsa_public_jwk(1024, "w")}}};
    EXPECT_EQ(KeySet::parse(json::serialize(only_weak)).error(), KeySetError::no_usable_key);
    EXPECT_EQ(KeySet::parse(R"({"keys":[]})").error(), KeySetError::no_usable_key);
    EXPECT_EQ(KeySet::parse(R"({"keys":{}})").error(), KeySetError::keys_missing);
    EXPECT_EQ(KeySet::parse(R"([])").error(), KeySetError::keys_missing);
    EXPECT_EQ(KeySet::parse(R"({"keys":[],"keys":[]})").error(), KeySetError::not_json);
    EXPECT_EQ(KeySet::parse("{").error(), KeySetError::not_json);
}

TEST(JoseKeySet, AddRefusesADuplicateKid) {
    KeySet set;
    auto key = *Key::generate(Algorithm::eddsa);
    EXPECT_TRUE(set.add(key));
    EXPECT_EQ(set.add(key).error(), KeySetError::duplicate_kid);
    EXPECT_EQ(set.find(key.kid()), &set.keys().front());
}

}  // namespace
