// The JWS algorithms Rampart signs and verifies (RFC 7518 §3, RFC 8037,
// RFC 9864). Each key is bound to exactly one of them.
#pragma once

#include <optional>
#include <string_view>

namespace rampart::auth::jose {

enum class Algorithm { es256, eddsa, rs256, hs256 };

// The "alg" value Rampart writes: "ES256", "EdDSA", "RS256", "HS256".
std::string_view algorithm_name(Algorithm algorithm);

// Exact, case-sensitive match (RFC 7515 §4.1.1). "EdDSA" and the fully
// specified "Ed25519" (RFC 9864) both name Ed25519; Ed448 is not supported.
std::optional<Algorithm> algorithm_from_name(std::string_view name);

}  // namespace rampart::auth::jose
