// Minting what the endpoints hand out: an access token from the active
// signing key and, for a login, the first refresh token of a new family.
// Only the hash of a refresh token is stored (RT-01).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <vector>

#include "auth/access_token_issuer.hpp"
#include "auth/auth_runtime.hpp"
#include "pipeline/exchange.hpp"
#include "store/records.hpp"

namespace rampart::auth::endpoints {

struct NewRefreshToken {
    std::string token;  // shown to the client once
    store::RefreshToken record;
};

// A fresh family for `subject` with its first token; stored by the caller
// (insert_refresh_token) on the blocking pool.
NewRefreshToken new_refresh_family(const config::TokenServiceSettings& settings,
                                   std::string subject, store::SubjectKind kind,
                                   std::string client_id, std::vector<std::string> scopes,
                                   store::Time now);

struct UserSession {
    IssuedAccessToken access;
    NewRefreshToken refresh;
};

// A new session for `user` through `client_id` (PWD-09): a new refresh family,
// stored on the blocking pool, and its first access token, carrying the
// user's roles and the family as "sid" so that ending the family ends it.
// When either cannot be made the exchange is answered (503) and the result is
// empty.
boost::asio::awaitable<std::optional<UserSession>> start_user_session(
    pipeline::Exchange& exchange, const config::Settings& settings, AuthRuntime& runtime,
    const store::User& user, std::string client_id, std::vector<std::string> scopes);

// The idle expiry of a token issued at `now` in a family that ends at `family_end`.
store::Time idle_expiry(const config::TokenServiceSettings& settings, store::Time now,
                        store::Time family_end);

// RFC 6749 §5.1 body: access_token, token_type, expires_in, scope, and the
// refresh token when there is one.
boost::json::object token_response(const IssuedAccessToken& access,
                                   const std::vector<std::string>& scopes,
                                   const std::optional<std::string>& refresh_token);

// The time after which an access token issued now is dead anyway: what a
// revocation entry must outlive.
store::Time revocation_keep_until(const config::Settings& settings, store::Time now);

}  // namespace rampart::auth::endpoints
