// POST /oauth2/token (RFC 6749): the refresh_token grant, with rotation and
// reuse detection in one store transaction (RT-02..RT-08), and
// client_credentials (OAUTH-05), and the resource-owner password grant, off
// unless the service enables it and the client is allowed it (PWD-12).
#include <algorithm>

#include "auth/endpoints/endpoint_support.hpp"
#include "auth/endpoints/endpoints.hpp"
#include "auth/endpoints/token_issuance.hpp"
#include "auth/password_hasher.hpp"
#include "auth/secret_token.hpp"
#include "observe/security_events.hpp"

namespace rampart::auth::endpoints {

namespace {

namespace http = pipeline::http;

std::vector<std::string> split_scopes(std::string_view text) {
    std::vector<std::string> scopes;
    while (!text.empty()) {
        auto end = text.find(' ');
        auto scope = text.substr(0, end);
        if (!scope.empty() && std::find(scopes.begin(), scopes.end(), scope) == scopes.end()) {
            scopes.emplace_back(scope);
        }
        text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    }
    return scopes;
}

bool is_subset(const std::vector<std::string>& wanted, const std::vector<std::string>& allowed) {
    return std::all_of(wanted.begin(), wanted.end(), [&](const std::string& scope) {
        return std::find(allowed.begin(), allowed.end(), scope) != allowed.end();
    });
}

bool allows_grant(const store::OAuthClient& client, std::string_view grant) {
    return std::find(client.allowed_grant_types.begin(), client.allowed_grant_types.end(), grant) !=
           client.allowed_grant_types.end();
}

class TokenHandler final : public pipeline::Handler {
  public:
    TokenHandler(const config::Settings& settings, AuthRuntime& runtime)
        : settings_(settings), runtime_(runtime) {}
    std::string_view name() const override { return "token"; }

    boost::asio::awaitable<void> handle(pipeline::Exchange& exchange) const override {
        auto request = co_await read_client_request(exchange, runtime_, false);
        if (!request) {
            co_return;
        }
        const auto& form = request->form;
        const auto& client = request->client;
        auto grant = parameter(form, "grant_type");
        if (!grant) {
            set_oauth_error(exchange, "invalid_request");
            co_return;
        }
        if (*grant == "refresh_token") {
            co_await refresh(exchange, form, client);
        } else if (*grant == "client_credentials") {
            client_credentials(exchange, form, client);
        } else if (*grant == "password" && settings_.auth.token_service.password_grant) {
            co_await password(exchange, form, client);
        } else {
            set_oauth_error(exchange, "unsupported_grant_type");
        }
    }

  private:
    struct RefreshOutcome {
        std::string_view error;  // an OAuth error code; empty on success
        store::Rotated rotated;
        std::vector<std::string> roles;
        std::string reuse_family;
        std::optional<std::string> new_token;
    };

    boost::asio::awaitable<void> refresh(pipeline::Exchange& exchange, const Form& form,
                                         const ClientAuthentication& client) const {
        auto presented = parameter(form, "refresh_token");
        if (!presented) {
            set_oauth_error(exchange, "invalid_request");
            co_return;
        }
        auto requested = parameter(form, "scope");
        RefreshOutcome outcome;
        bool ran = co_await runtime_.blocking_pool().run(
            [&] { outcome = rotate(sha256_hex(*presented), requested, client); });
        if (!ran) {
            set_busy(exchange);
            co_return;
        }
        if (!outcome.reuse_family.empty()) {
            exchange.security_events->emit("refresh_token_reuse_detected", &exchange,
                                           {{"family_id", outcome.reuse_family},
                                            {"client_id", outcome.rotated.presented.client_id}});
        }
        if (!outcome.error.empty()) {
            set_oauth_error(exchange, outcome.error);
            co_return;
        }
        const auto& issued = outcome.rotated.issued;
        auto scopes = requested ? split_scopes(*requested) : issued.scopes;
        AccessTokenGrant grant{issued.subject,
                               issued.subject_kind == store::SubjectKind::user
                                   ? jose::TokenKind::user
                                   : jose::TokenKind::client,
                               issued.client_id,
                               scopes,
                               outcome.roles,
                               issued.family_id};
        auto directory = runtime_.directory();
        if (!directory->keys) {
            set_busy(exchange);
            co_return;
        }
        auto access = issue_access_token(*directory->keys, settings_.auth.token_service, grant,
                                         std::chrono::system_clock::now());
        if (!access) {
            set_busy(exchange);
            co_return;
        }
        set_json(exchange, http::status::ok, token_response(*access, scopes, outcome.new_token));
    }

    // On the blocking pool. The token's client is checked before it is spent,
    // so another client presenting it changes nothing (RT-07).
    RefreshOutcome rotate(const std::string& hash, std::optional<std::string_view> requested,
                          const ClientAuthentication& client) const {
        RefreshOutcome outcome;
        auto& store = runtime_.store();
        auto found = store.find_refresh_token(hash);
        if (!found) {
            outcome.error = "invalid_grant";
            return outcome;
        }
        bool first_party = found->client_id == first_party_client_id;
        if (!first_party) {
            if (!client.client) {
                outcome.error = "invalid_client";  // a confidential client must authenticate
                return outcome;
            }
            if (client.client->client_id != found->client_id) {
                outcome.error = "invalid_grant";
                return outcome;
            }
            if (!allows_grant(*client.client, "refresh_token")) {
                outcome.error = "unauthorized_client";
                return outcome;
            }
        } else if (client.client) {
            outcome.error = "invalid_grant";
            return outcome;
        }
        if (requested && !is_subset(split_scopes(*requested), found->scopes)) {
            outcome.error = "invalid_scope";  // refresh never widens (RT-08)
            return outcome;
        }
        const auto& service = settings_.auth.token_service;
        auto now = now_seconds();
        store::RotationRequest request;
        request.presented_hash = hash;
        auto new_token = random_token(32);
        request.new_token_hash = sha256_hex(new_token);
        request.now = now;
        request.idle_lifetime =
            std::chrono::duration_cast<std::chrono::seconds>(service.refresh.idle_lifetime);
        request.grace =
            std::chrono::duration_cast<std::chrono::seconds>(service.refresh.grace_period);
        request.max_grace_reuses = static_cast<int>(service.refresh.max_grace_reuses);
        request.revocation_keep_until = revocation_keep_until(settings_, now);
        auto rotated = store.rotate_refresh_token(request);
        if (!rotated) {
            outcome.error = "invalid_grant";
            return outcome;
        }
        if (auto* reuse = std::get_if<store::ReuseDetected>(&*rotated)) {
            outcome.reuse_family = reuse->family_id;
            outcome.rotated.presented.client_id = reuse->client_id;
            outcome.error = "invalid_grant";
            runtime_.refresh();  // the family's access tokens die now
            return outcome;
        }
        auto* success = std::get_if<store::Rotated>(&*rotated);
        if (success == nullptr) {
            outcome.error = "invalid_grant";
            return outcome;
        }
        outcome.rotated = std::move(*success);
        outcome.new_token = std::move(new_token);
        if (outcome.rotated.issued.subject_kind == store::SubjectKind::user) {
            auto user = store.find_user_by_id(outcome.rotated.issued.subject);
            if (!user || user->disabled) {
                outcome.error = "invalid_grant";
                return outcome;
            }
            outcome.roles = user->roles;  // roles as they are now, not at login
        }
        return outcome;
    }

    void client_credentials(pipeline::Exchange& exchange, const Form& form,
                            const ClientAuthentication& client) const {
        if (!client.client) {
            set_oauth_error(exchange, "invalid_client");
            return;
        }
        if (!allows_grant(*client.client, "client_credentials")) {
            set_oauth_error(exchange, "unauthorized_client");
            return;
        }
        auto requested = parameter(form, "scope");
        auto scopes = requested ? split_scopes(*requested) : client.client->allowed_scopes;
        if (!is_subset(scopes, client.client->allowed_scopes)) {
            set_oauth_error(exchange, "invalid_scope");
            return;
        }
        AccessTokenGrant grant{client.client->client_id, jose::TokenKind::client,
                               client.client->client_id, scopes,
                               client.client->roles,     ""};
        auto directory = runtime_.directory();
        auto access =
            directory->keys
                ? issue_access_token(*directory->keys, settings_.auth.token_service, grant,
                                     std::chrono::system_clock::now())
                : boost::system::result<IssuedAccessToken, IssueError>(IssueError::no_signing_key);
        if (!access) {
            set_busy(exchange);
            return;
        }
        exchange.security_events->emit("client_token_issued", &exchange,
                                       {{"client_id", client.client->client_id}});
        set_json(exchange, http::status::ok,
                 token_response(*access, scopes, std::nullopt));  // no RT (OAUTH-05)
    }

    // RFC 6749 §4.3: the user's password, checked as /auth/login checks it
    // (same throttle, same dummy hash, one invalid_grant for every failure).
    // Scopes: none unless asked for, and only what the client may ask for;
    // roles: the user's, as for a login.
    boost::asio::awaitable<void> password(pipeline::Exchange& exchange, const Form& form,
                                          const ClientAuthentication& client) const {
        if (!client.client) {
            set_oauth_error(exchange, "invalid_client");  // never for a public client
            co_return;
        }
        if (!allows_grant(*client.client, "password")) {
            set_oauth_error(exchange, "unauthorized_client");
            co_return;
        }
        auto username = parameter(form, "username");
        auto password = parameter(form, "password");
        if (!username || !password || password->size() > maximum_password_bytes) {
            set_oauth_error(exchange, "invalid_request");
            co_return;
        }
        auto requested = parameter(form, "scope");
        auto scopes = requested ? split_scopes(*requested) : std::vector<std::string>{};
        if (!is_subset(scopes, client.client->allowed_scopes)) {
            set_oauth_error(exchange, "invalid_scope");
            co_return;
        }
        const auto& client_id = client.client->client_id;
        auto verified = co_await verify_user_password(exchange, runtime_, *username, *password);
        if (!answer_password_failure(exchange, verified, *username, client_id)) {
            co_return;
        }
        auto session = co_await start_user_session(exchange, settings_, runtime_, verified.user,
                                                   client_id, scopes);
        if (!session) {
            co_return;
        }
        exchange.security_events->emit("login_succeeded", &exchange,
                                       {{"subject", verified.user.id},
                                        {"family_id", session->refresh.record.family_id},
                                        {"grant", "password"},
                                        {"client_id", client_id}});
        // The family is stored either way (its id in "sid" lets a password
        // change or a logout end the access token); the refresh token is handed
        // out only to a client allowed to use it (OAUTH-06).
        std::optional<std::string> refresh_token;
        if (allows_grant(*client.client, "refresh_token")) {
            refresh_token = std::move(session->refresh.token);
        }
        set_json(exchange, http::status::ok,
                 token_response(session->access, scopes, refresh_token));
    }

    // Answers a password that was not verified and returns false; true when it was.
    static bool answer_password_failure(pipeline::Exchange& exchange,
                                        const PasswordVerification& verified,
                                        std::string_view username, std::string_view client_id) {
        using Outcome = PasswordVerification::Outcome;
        switch (verified.outcome) {
            case Outcome::verified:
                return true;
            case Outcome::throttled:
                exchange.security_events->emit(
                    "login_throttled", &exchange,
                    {{"username", username}, {"grant", "password"}, {"client_id", client_id}});
                set_json(exchange, http::status::too_many_requests,
                         boost::json::object{{"error", "temporarily_unavailable"}});
                exchange.response.set(http::field::retry_after,
                                      std::to_string(verified.retry_after.count()));
                return false;
            case Outcome::busy:
                set_busy(exchange);
                return false;
            case Outcome::refused:
                exchange.security_events->emit("login_failed", &exchange,
                                               {{"username", username},
                                                {"reason", verified.failure},
                                                {"grant", "password"},
                                                {"client_id", client_id}});
                set_oauth_error(exchange, "invalid_grant");
                return false;
        }
        return false;
    }

    const config::Settings& settings_;
    AuthRuntime& runtime_;
};

}  // namespace

std::shared_ptr<const pipeline::Handler> make_token_handler(const config::Settings& settings,
                                                            AuthRuntime* runtime) {
    return std::make_shared<TokenHandler>(settings, *runtime);
}

}  // namespace rampart::auth::endpoints
