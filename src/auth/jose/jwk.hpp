// A signing or verification key bound to exactly one JWS algorithm, so that a
// token can never choose how its key is used (the RS256-key-as-HMAC-secret
// confusion). Loaded from a JWK (RFC 7517, 7518 §6, 8037), from PEM, from
// PKCS#8 DER or generated; weak or odd material is refused at load time.
#pragma once

#include <stdexcept>

#include <openssl/evp.h>

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "auth/jose/algorithm.hpp"

namespace rampart::auth::jose {

enum class KeyError {
    not_a_json_object,
    unsupported_key_type,  // kty other than EC, OKP, RSA, oct
    member_missing,        // a required member (n, e, x, y, crv, k) is absent
    member_malformed,      // not a string, not canonical base64url, wrong size
    alg_mismatch,          // "alg" disagrees with the key type
    use_not_signature,     // "use" present and not "sig"
    ec_curve_not_p256,
    ec_point_invalid,       // not on P-256, or the private part does not match
    okp_curve_not_ed25519,  // X25519, Ed448, X448 ...
    rsa_too_small,          // under 2048 bits
    rsa_too_large,          // over 8192 bits: verification cost is an attack
    rsa_key_invalid,
    hmac_secret_too_short,  // under 32 bytes
    secret_in_public_set,   // kty "oct" in a published JWKS
    private_in_public_set,  // "d" (or p, q...) in a published JWKS
    kid_invalid,            // empty, over 256 bytes or with control characters
    pem_unreadable,
    der_unreadable,
    no_private_key,  // signing or exporting with a public key
    no_public_form,  // an HMAC secret has no public JWK
    crypto_failure,  // OpenSSL refused an operation
};

std::string_view describe(KeyError error);

// Lets result<T, KeyError>::value() throw (found by argument-dependent lookup);
// for load time and tests: the request path checks results instead.
[[noreturn]] inline void throw_exception_from_error(KeyError error, const boost::source_location&) {
    throw std::runtime_error(std::string(describe(error)));
}

// Where a JWK comes from decides what it may contain.
enum class JwkSource {
    public_set,  // a JWKS fetched or published: public asymmetric keys only
    trusted,     // Rampart's own configuration or store: private keys and secrets allowed
};

class Key {
  public:
    static boost::system::result<Key, KeyError> from_jwk(const boost::json::object& jwk,
                                                         JwkSource source);
    // PEM of a private key (PKCS#8 or traditional) or of a public key (SPKI).
    // An empty kid becomes the RFC 7638 thumbprint.
    static boost::system::result<Key, KeyError> from_pem(std::string_view pem,
                                                         std::string kid = {});
    static boost::system::result<Key, KeyError> from_pkcs8_der(std::span<const unsigned char> der,
                                                               std::string kid = {});
    static boost::system::result<Key, KeyError> from_hmac_secret(
        std::span<const unsigned char> secret, std::string kid);
    // A fresh key for es256, eddsa or rs256; the kid is its thumbprint.
    // `rsa_bits` below 2048 or above 8192 is refused.
    static boost::system::result<Key, KeyError> generate(Algorithm algorithm,
                                                         unsigned rsa_bits = 3072);

    const std::string& kid() const { return kid_; }
    Algorithm algorithm() const { return algorithm_; }
    bool is_hmac() const { return algorithm_ == Algorithm::hs256; }
    bool has_private_key() const { return has_private_; }

    // Only the public members plus kid, use "sig" and alg.
    boost::system::result<boost::json::object, KeyError> public_jwk() const;
    // RFC 7638: base64url(SHA-256(canonical required members)).
    boost::system::result<std::string, KeyError> thumbprint() const;
    // PKCS#8 PrivateKeyInfo, for the key store to seal. The caller must wipe it.
    boost::system::result<std::vector<unsigned char>, KeyError> export_pkcs8_der() const;

    // For the JWS layer: the OpenSSL key (null for HMAC) and the HMAC secret.
    EVP_PKEY* evp_key() const { return evp_key_.get(); }
    std::span<const unsigned char> hmac_secret() const;

  private:
    // The secret is wiped when the last copy of the key goes.
    struct Secret {
        std::vector<unsigned char> bytes;
        ~Secret();
    };

    Key(Algorithm algorithm, std::string kid) : algorithm_(algorithm), kid_(std::move(kid)) {}
    static boost::system::result<Key, KeyError> from_evp_key(EVP_PKEY* owned, bool has_private,
                                                             std::string kid);

    Algorithm algorithm_;
    std::string kid_;
    bool has_private_ = false;
    std::shared_ptr<EVP_PKEY> evp_key_;
    std::shared_ptr<const Secret> secret_;
};

// A kid Rampart can log and match: 1 to 256 bytes, no control characters.
bool is_acceptable_kid(std::string_view kid);

}  // namespace rampart::auth::jose
