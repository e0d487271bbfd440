// POST /auth/password {current_password, new_password} (PWD-10): a user
// changes their own password. The route's authentication stage has verified
// the user's access token (issuer rampart); the current password is checked
// as /auth/login checks it, behind the same throttle, so a stolen access token
// is no password-guessing oracle. The change ends every session of the
// account in the same store transaction (refresh families revoked, access
// tokens issued before it refused), and the caller gets a fresh session.
#include "auth/endpoints/endpoints.hpp"

#include "auth/endpoints/endpoint_support.hpp"
#include "auth/endpoints/token_issuance.hpp"
#include "auth/password_hasher.hpp"
#include "observe/security_events.hpp"
#include "pipeline/problem.hpp"

namespace rampart::auth::endpoints {

namespace {

namespace http = pipeline::http;

// Only a user, with an access token of Rampart's own: a client token has no
// password to change, and another issuer's user is not a user of this store.
bool is_own_user_token(const std::optional<pipeline::Identity>& identity) {
    return identity && identity->credential == pipeline::CredentialKind::access_token &&
           identity->kind == pipeline::SubjectKind::user &&
           identity->issuer_name == config::built_in_issuer_name && !identity->subject.empty();
}

class PasswordChangeHandler final : public pipeline::Handler {
  public:
    PasswordChangeHandler(const config::Settings& settings, AuthRuntime& runtime)
        : settings_(settings), runtime_(runtime) {}
    std::string_view name() const override { return "password"; }

    boost::asio::awaitable<void> handle(pipeline::Exchange& exchange) const override {
        if (!is_own_user_token(exchange.identity)) {
            refuse(exchange, http::status::forbidden, "not_a_user_token",
                   "Only a user's own access token can change a password.");
            co_return;
        }
        auto fields = read_json_strings(exchange, {"current_password", "new_password"});
        if (!fields) {
            refuse(exchange, http::status::bad_request, "malformed_request",
                   "Send a JSON object with exactly a current_password and a new_password.");
            co_return;
        }
        const auto& current_password = (*fields)[0];
        const auto& new_password = (*fields)[1];
        if (current_password.size() > maximum_password_bytes ||
            new_password.size() > maximum_password_bytes) {
            refuse(exchange, http::status::bad_request, "password_too_long",
                   "The password is too long.");
            co_return;
        }
        auto user = co_await find_account(exchange);
        if (!user) {
            co_return;
        }
        // The policy first: it costs no hashing and tells nothing about the
        // current password.
        if (auto allowed = runtime_.password_policy().check(new_password, user->username,
                                                            user->email.value_or(""));
            !allowed) {
            refuse(exchange, http::status::bad_request, "new_password_refused",
                   allowed.error().message);
            co_return;
        }
        if (!co_await verify_current(exchange, *user, current_password)) {
            co_return;
        }
        co_await change(exchange, *user, new_password);
    }

  private:
    // The token's user, or empty with the exchange answered.
    boost::asio::awaitable<std::optional<store::User>> find_account(
        pipeline::Exchange& exchange) const {
        std::optional<store::User> user;
        bool ran = co_await runtime_.blocking_pool().run([&] {
            if (auto found = runtime_.store().find_user_by_id(exchange.identity->subject)) {
                user = std::move(*found);
            }
        });
        if (!ran) {
            set_busy(exchange);
            co_return std::nullopt;
        }
        if (!user || user->disabled) {
            refuse(exchange, http::status::forbidden, "account_unavailable",
                   "This account cannot change its password.");
            co_return std::nullopt;
        }
        co_return user;
    }

    // True when the current password is right; otherwise the exchange is answered.
    boost::asio::awaitable<bool> verify_current(pipeline::Exchange& exchange,
                                                const store::User& user,
                                                const std::string& current_password) const {
        auto verified =
            co_await verify_user_password(exchange, runtime_, user.username, current_password);
        using Outcome = PasswordVerification::Outcome;
        switch (verified.outcome) {
            case Outcome::verified:
                if (verified.user.id == user.id) {
                    co_return true;
                }
                // The name now belongs to another account: never change that one.
                refuse(exchange, http::status::forbidden, "account_unavailable",
                       "This account cannot change its password.");
                co_return false;
            case Outcome::throttled:
                exchange.security_events->emit("password_change_throttled", &exchange,
                                               {{"subject", user.id}});
                pipeline::set_problem(exchange, http::status::too_many_requests,
                                      "Too many attempts; try again later.");
                exchange.response.set(http::field::retry_after,
                                      std::to_string(verified.retry_after.count()));
                co_return false;
            case Outcome::busy:
                set_busy(exchange);
                co_return false;
            case Outcome::refused:
                break;
        }
        refuse(exchange, http::status::forbidden, verified.failure,
               "The current password is not correct.");
        co_return false;
    }

    // The new hash and the end of every session in one transaction, then a
    // new session for the caller, like a login.
    boost::asio::awaitable<void> change(pipeline::Exchange& exchange, const store::User& user,
                                        const std::string& new_password) const {
        bool changed = false;
        bool ran = co_await runtime_.blocking_pool().run([&] {
            auto hash = runtime_.password_hasher().hash(new_password);
            if (!hash) {
                return;
            }
            auto now = now_seconds();
            store::SessionCutoff cutoff{now, revocation_keep_until(settings_, now),
                                        "password_changed"};
            changed = bool(runtime_.store().set_user_password_hash(user.id, *hash, now, cutoff));
            if (changed) {
                runtime_.refresh();  // the old access tokens die now, not at the next poll
            }
        });
        if (!ran) {
            set_busy(exchange);
            co_return;
        }
        if (!changed) {
            exchange.security_events->emit("password_change_failed", &exchange,
                                           {{"subject", user.id}, {"reason", "store_error"}});
            pipeline::set_problem(exchange, http::status::service_unavailable,
                                  "The password cannot be changed right now.");
            co_return;
        }
        auto session = co_await start_user_session(exchange, settings_, runtime_, user,
                                                   std::string(first_party_client_id), {});
        exchange.security_events->emit(
            "password_changed", &exchange,
            {{"subject", user.id},
             {"family_id", session ? std::string_view(session->refresh.record.family_id) : ""}});
        if (!session) {
            co_return;  // changed, but the new session failed: the client logs in again
        }
        set_json(exchange, http::status::ok,
                 token_response(session->access, {}, session->refresh.token));
    }

    // A refusal with its security event; `reason` is a code, never the input.
    static void refuse(pipeline::Exchange& exchange, http::status status, std::string_view reason,
                       std::string_view detail) {
        std::string_view subject = exchange.identity ? exchange.identity->subject : "";
        exchange.security_events->emit("password_change_failed", &exchange,
                                       {{"subject", subject}, {"reason", reason}});
        pipeline::set_problem(exchange, status, detail);
        exchange.response.set(http::field::cache_control, "no-store");
    }

    const config::Settings& settings_;
    AuthRuntime& runtime_;
};

}  // namespace

std::shared_ptr<const pipeline::Handler> make_password_change_handler(
    const config::Settings& settings, AuthRuntime* runtime) {
    return std::make_shared<PasswordChangeHandler>(settings, *runtime);
}

}  // namespace rampart::auth::endpoints
