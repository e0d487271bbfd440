// The signed identity an upstream may receive (X-Rampart-Identity): a JWT of
// typ "rampart-identity+jwt" about the verified caller, signed with the token
// service's active key, for one upstream (aud = the upstream's name) and a
// short lifetime, so that the upstream can verify who called it against the
// JWKS instead of trusting the network (zero trust).
#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <string>
#include <string_view>

#include "auth/signing_keys.hpp"
#include "pipeline/identity.hpp"

namespace rampart::auth {

inline constexpr std::string_view identity_assertion_type = "rampart-identity+jwt";

enum class AssertionError { no_signing_key, signing_failed };

// Claims: iss, sub, aud, iat, nbf, exp, credential, and those of roles, scope, client_id,
// consumer and issuer (the configured issuer name of the original token) that are not empty.
boost::system::result<std::string, AssertionError> issue_identity_assertion(
    const KeyRing& keys, std::string_view issuer, const pipeline::Identity& identity,
    std::string_view audience, std::chrono::seconds lifetime,
    std::chrono::system_clock::time_point now);

std::string_view credential_name(pipeline::CredentialKind credential);

}  // namespace rampart::auth
