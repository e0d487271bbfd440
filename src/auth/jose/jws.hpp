// JWS compact serialisation (RFC 7515 §7.1): signing with one of Rampart's
// keys and verification of tokens from anyone. Verification is deliberately
// narrow: one signature, the algorithm bound to the key the kid names, no
// header that points at other keys (jku, x5u, jwk, x5c, x5t), no extensions
// (crit, b64), strict canonical base64url and strict JSON. The signature is
// checked over the received bytes, never over a re-serialisation.
#pragma once

#include <stdexcept>

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>

#include "auth/jose/algorithm.hpp"
#include "auth/jose/jwk.hpp"
#include "auth/jose/jwks.hpp"

namespace rampart::auth::jose {

// Each refusal has its own code, for the security log; a client only ever
// learns "invalid token".
enum class JoseError {
    token_empty,
    token_too_large,
    json_serialization,  // starts with '{': only the compact form is accepted
    jwe_not_supported,   // five segments
    wrong_segment_count,
    segment_not_base64url,  // padding, '+', '/', whitespace, spare bits, length
    header_too_large,
    header_not_json,  // strict JSON refused it (duplicate key, UTF-8, limits)
    header_not_object,
    alg_missing,
    alg_none,  // "none" in any case
    alg_unknown,
    alg_key_mismatch,  // the token's alg is not the one its key is bound to
    kid_missing,
    kid_invalid,  // not a string, empty, over 256 bytes, control characters
    kid_unknown,
    key_reference_present,  // jku, x5u, jwk, x5c, x5t, x5t#S256
    crit_present,
    b64_present,
    signature_malformed,     // wrong length for the algorithm
    signature_out_of_range,  // ES256 r or s zero or not below the group order
    signature_invalid,
    payload_not_json,
    payload_not_object,
    header_parameter_forbidden,  // sign_compact: an extra that Rampart sets or refuses
    key_cannot_sign,             // no private part
    signing_failed,
};

std::string_view describe(JoseError error);

// Lets result<T, JoseError>::value() throw (found by argument-dependent lookup);
// for load time and tests: the request path checks results instead.
[[noreturn]] inline void throw_exception_from_error(JoseError error,
                                                    const boost::source_location&) {
    throw std::runtime_error(std::string(describe(error)));
}

struct VerifyLimits {
    std::size_t max_token_bytes = 8192;
    std::size_t max_header_bytes = 1024;  // decoded
    std::size_t max_json_depth = 8;
    std::size_t max_json_members = 64;
    std::size_t max_json_string_bytes = 4096;
};

struct VerifiedJws {
    boost::json::object header;
    boost::json::object payload;
    std::string kid;  // empty only when a pinned key was used and the token had none
    Algorithm algorithm;
};

// Header: {"alg", "kid" from the key, then `header_extras` (e.g. typ)}.
boost::system::result<std::string, JoseError> sign_compact(const boost::json::object& header_extras,
                                                           const boost::json::object& payload,
                                                           const Key& key);

// The key is the one whose kid the header names, exactly; the kid is required.
boost::system::result<VerifiedJws, JoseError> verify_compact(std::string_view token,
                                                             const KeySet& keys,
                                                             const VerifyLimits& limits = {});

// Against one pinned key: a kid is then optional but, when present, must be
// the key's.
boost::system::result<VerifiedJws, JoseError> verify_compact(std::string_view token,
                                                             const Key& pinned_key,
                                                             const VerifyLimits& limits = {});

// The JWS Signature (ES256 as R||S) of any signing input: for protocols that
// build their own headers, and for tests that must sign crafted bytes.
boost::system::result<std::string, JoseError> create_signature(const Key& key,
                                                               std::string_view signing_input);

// The signature step alone: `signature` is the decoded JWS Signature for the
// key's algorithm (ES256 as R||S). Ok when it verifies.
boost::system::result<void, JoseError> verify_signature(const Key& key,
                                                        std::string_view signing_input,
                                                        std::string_view signature);

}  // namespace rampart::auth::jose
