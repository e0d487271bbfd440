// Mints the token service's access tokens (RFC 9068 JWTs, OAUTH-08): typ
// "at+jwt", signed with the active key, carrying iss, sub, aud, exp, iat, nbf,
// a fresh jti, scope, roles, client_id, the kind of subject (user or client)
// and, for tokens from a login, the refresh family ("sid") so that revoking the
// family kills them too. No secrets and no personal data go into claims.
#pragma once

#include <boost/system/result.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "auth/jose/claims.hpp"
#include "auth/signing_keys.hpp"
#include "config/auth_settings.hpp"

namespace rampart::auth {

struct AccessTokenGrant {
    std::string subject;
    jose::TokenKind kind = jose::TokenKind::user;
    std::string client_id;
    std::vector<std::string> scopes;
    std::vector<std::string> roles;
    std::string family_id;  // empty for client-credentials tokens
};

struct IssuedAccessToken {
    std::string token;
    std::string jti;
    std::int64_t issued_at = 0;
    std::int64_t expires_at = 0;
};

enum class IssueError { no_signing_key, signing_failed };

boost::system::result<IssuedAccessToken, IssueError> issue_access_token(
    const KeyRing& keys, const config::TokenServiceSettings& settings,
    const AccessTokenGrant& grant, std::chrono::system_clock::time_point now);

std::string join_scopes(const std::vector<std::string>& scopes);

}  // namespace rampart::auth
