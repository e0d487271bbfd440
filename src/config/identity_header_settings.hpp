// Which verified identity the upstream receives in request headers, and which
// client-sent headers can never reach it (AUTHZ-04). A client's copy of an
// identity header is removed whatever its letter case, with '_' for '-', and
// however many copies were sent; the gateway then sets the header from the
// identity the authentication stage verified, or leaves it absent.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::config {

// What a header carries, from pipeline::Identity.
enum class IdentityField {
    subject,     // sub of a token, user id for Basic, key id for an API key, consumer for mTLS
    username,    // Basic only
    client_id,   // the OAuth client of a token
    consumer,    // an API key's or a client certificate's consumer
    roles,       // comma-separated
    scopes,      // space-separated, as in a token's scope claim
    issuer,      // the configured name of the token's issuer ("rampart" for the built-in one)
    credential,  // access_token, api_key, basic or mtls
};

struct IdentityHeader {
    std::string name;  // as configured, e.g. "X-User-Id"
    IdentityField field = IdentityField::subject;
};

// A short-lived JWT about the caller, signed with the token service's key, so
// that an upstream can verify who called it against the JWKS (zero trust).
struct SignedIdentitySettings {
    bool enabled = false;
    std::string header = "X-Rampart-Identity";
    std::chrono::seconds lifetime{60};
};

struct IdentityHeaderSettings {
    std::vector<IdentityHeader> set = {{"X-User-Id", IdentityField::subject},
                                       {"X-User-Roles", IdentityField::roles},
                                       {"X-Scopes", IdentityField::scopes},
                                       {"X-Consumer", IdentityField::consumer}};
    // Removed from requests and never set: names upstream frameworks commonly trust.
    std::vector<std::string> strip = {"X-Forwarded-User", "X-Remote-User", "Remote-User",
                                      "X-Authenticated-User"};
    SignedIdentitySettings signed_identity;
    // Every name above, and the signed identity's header even while signing is off,
    // normalised (lower case, '_' as '-'): what a request must not carry.
    std::vector<std::string> refused_names;
};

// "X_User_ID" -> "x-user-id".
std::string normalized_header_name(std::string_view name);

// Whether a client-sent header `name` is one of `settings.refused_names`.
bool is_identity_header(std::string_view name, const IdentityHeaderSettings& settings);

// Fills refused_names from set, strip and the signed identity's header.
void compile_identity_header_names(IdentityHeaderSettings& settings);

}  // namespace rampart::config
