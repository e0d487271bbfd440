#include "auth/endpoints/token_issuance.hpp"

#include "auth/secret_token.hpp"

namespace rampart::auth::endpoints {

store::Time idle_expiry(const config::TokenServiceSettings& settings, store::Time now,
                        store::Time family_end) {
    auto idle =
        now + std::chrono::duration_cast<std::chrono::seconds>(settings.refresh.idle_lifetime);
    return std::min(idle, family_end);
}

NewRefreshToken new_refresh_family(const config::TokenServiceSettings& settings,
                                   std::string subject, store::SubjectKind kind,
                                   std::string client_id, std::vector<std::string> scopes,
                                   store::Time now) {
    NewRefreshToken created;
    created.token = random_token(32);
    auto& record = created.record;
    record.token_hash = sha256_hex(created.token);
    record.family_id = random_token(16);
    record.client_id = std::move(client_id);
    record.subject = std::move(subject);
    record.subject_kind = kind;
    record.scopes = std::move(scopes);
    record.issued_at = now;
    record.family_expires_at =
        now + std::chrono::duration_cast<std::chrono::seconds>(settings.refresh.absolute_lifetime);
    record.idle_expires_at = idle_expiry(settings, now, record.family_expires_at);
    return created;
}

boost::json::object token_response(const IssuedAccessToken& access,
                                   const std::vector<std::string>& scopes,
                                   const std::optional<std::string>& refresh_token) {
    boost::json::object body{{"access_token", access.token},
                             {"token_type", "Bearer"},
                             {"expires_in", access.expires_at - access.issued_at},
                             {"scope", join_scopes(scopes)}};
    if (refresh_token) {
        body["refresh_token"] = *refresh_token;
    }
    return body;
}

store::Time revocation_keep_until(const config::Settings& settings, store::Time now) {
    return now +
           std::chrono::duration_cast<std::chrono::seconds>(
               settings.auth.token_service.access_token_lifetime) +
           std::chrono::duration_cast<std::chrono::seconds>(settings.auth.jwt.leeway);
}

}  // namespace rampart::auth::endpoints
