#include "auth/endpoints/token_issuance.hpp"

#include "auth/endpoints/endpoint_support.hpp"
#include "auth/secret_token.hpp"
#include "pipeline/problem.hpp"

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

boost::asio::awaitable<std::optional<UserSession>> start_user_session(
    pipeline::Exchange& exchange, const config::Settings& settings, AuthRuntime& runtime,
    const store::User& user, std::string client_id, std::vector<std::string> scopes) {
    UserSession session;
    session.refresh =
        new_refresh_family(settings.auth.token_service, user.id, store::SubjectKind::user,
                           client_id, scopes, now_seconds());
    bool stored = false;
    bool ran = co_await runtime.blocking_pool().run(
        [&] { stored = bool(runtime.store().insert_refresh_token(session.refresh.record)); });
    if (!ran) {
        set_busy(exchange);
        co_return std::nullopt;
    }
    AccessTokenGrant grant{.subject = user.id,
                           .kind = jose::TokenKind::user,
                           .client_id = std::move(client_id),
                           .scopes = std::move(scopes),
                           .roles = user.roles,
                           .family_id = session.refresh.record.family_id};
    auto directory = runtime.directory();
    auto access =
        stored && directory->keys
            ? issue_access_token(*directory->keys, settings.auth.token_service, grant,
                                 std::chrono::system_clock::now())
            : boost::system::result<IssuedAccessToken, IssueError>(IssueError::no_signing_key);
    if (!access) {
        pipeline::set_problem(exchange, pipeline::http::status::service_unavailable,
                              "Tokens cannot be issued right now.");
        co_return std::nullopt;
    }
    session.access = std::move(*access);
    co_return session;
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
