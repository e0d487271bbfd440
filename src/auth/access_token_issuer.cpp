#include "auth/access_token_issuer.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "auth/jose/jws.hpp"
#include "auth/secret_token.hpp"

namespace rampart::auth {

std::string join_scopes(const std::vector<std::string>& scopes) {
    std::string joined;
    for (const auto& scope : scopes) {
        joined += joined.empty() ? "" : " ";
        joined += scope;
    }
    return joined;
}

boost::system::result<IssuedAccessToken, IssueError> issue_access_token(
    const KeyRing& keys, const config::TokenServiceSettings& settings,
    const AccessTokenGrant& grant, std::chrono::system_clock::time_point now) {
    const auto* key = keys.signing_key();
    if (key == nullptr) {
        return IssueError::no_signing_key;
    }
    IssuedAccessToken issued;
    issued.jti = random_token(16);
    issued.issued_at =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    issued.expires_at =
        issued.issued_at +
        std::chrono::duration_cast<std::chrono::seconds>(settings.access_token_lifetime).count();
    boost::json::object claims;
    claims["iss"] = settings.issuer;
    claims["sub"] = grant.subject;
    claims["aud"] = settings.audience;
    claims["exp"] = issued.expires_at;
    claims["iat"] = issued.issued_at;
    claims["nbf"] = issued.issued_at;
    claims["jti"] = issued.jti;
    claims["client_id"] = grant.client_id;
    claims["scope"] = join_scopes(grant.scopes);
    boost::json::array roles;
    for (const auto& role : grant.roles) {
        roles.emplace_back(role);
    }
    claims["roles"] = std::move(roles);
    claims[jose::token_kind_claim] = grant.kind == jose::TokenKind::user ? "user" : "client";
    if (!grant.family_id.empty()) {
        claims["sid"] = grant.family_id;
    }
    boost::json::object header{{"typ", "at+jwt"}};
    auto token = jose::sign_compact(header, claims, *key);
    if (!token) {
        return IssueError::signing_failed;
    }
    issued.token = std::move(*token);
    return issued;
}

}  // namespace rampart::auth
