// JWT claim validation (RFC 7519 §4.1, RFC 9068) after the signature has
// verified. Types are checked, never coerced: an "exp" that is a string, a
// float or out of range is an error, not a number to be guessed at.
#pragma once

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::auth::jose {

// The claim that says whether a token was issued to a user or to a client
// (client credentials); "user" or "client".
inline constexpr std::string_view token_kind_claim = "rampart_kind";

struct ClaimRules {
    std::string issuer;                           // exact, byte-equal
    std::vector<std::string> audiences;           // the token's aud must contain one of them
    std::chrono::seconds leeway{30};              // at most max_leeway
    std::chrono::seconds max_lifetime{3600};      // exp - iat (or exp - now without iat)
    std::string required_typ;                     // e.g. "at+jwt"; empty: typ is not checked
    std::optional<std::chrono::sys_seconds> now;  // tests inject the clock; empty: system clock
};

inline constexpr std::chrono::seconds max_leeway{60};

enum class ClaimError {
    rules_invalid,  // no issuer, no audience or a leeway over 60 s
    exp_missing,
    exp_invalid,  // not an integer in [0, 253402300799]
    expired,
    nbf_invalid,
    not_yet_valid,
    iat_invalid,
    issued_in_future,
    lifetime_too_long,
    iss_missing,
    iss_mismatch,
    aud_missing,
    aud_invalid,  // not a string or an array of strings
    aud_mismatch,
    typ_missing,
    typ_mismatch,
    sub_missing,
    sub_invalid,
    jti_invalid,
    scope_invalid,
    roles_invalid,
    client_id_invalid,
    kind_invalid,
    sid_invalid,
};

std::string_view describe(ClaimError error);

enum class TokenKind { user, client };

struct VerifiedClaims {
    std::string subject;
    std::string issuer;
    std::string jti;  // empty when absent
    std::int64_t exp = 0;
    std::optional<std::int64_t> iat;
    std::optional<std::int64_t> nbf;
    std::vector<std::string> scopes;  // "scope", split on spaces
    std::vector<std::string> roles;
    std::string client_id;  // empty when absent
    std::optional<TokenKind> token_kind;
    std::string session_family;  // "sid"; empty when absent
    boost::json::object payload;
};

boost::system::result<VerifiedClaims, ClaimError> validate_claims(
    const boost::json::object& header, const boost::json::object& payload, const ClaimRules& rules);

}  // namespace rampart::auth::jose
