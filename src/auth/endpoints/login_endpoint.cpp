// POST /auth/login {username, password} and POST /auth/logout {refresh_token}:
// Rampart's first-party login. Failures are uniform (PWD-03): an unknown
// user, a wrong password and a disabled account get the same 401 and take
// the same time, because an unknown user is checked against a dummy hash.
#include "auth/endpoints/endpoints.hpp"

#include "auth/endpoints/endpoint_support.hpp"
#include "auth/endpoints/token_issuance.hpp"
#include "auth/password_hasher.hpp"
#include "auth/secret_token.hpp"
#include "observe/security_events.hpp"
#include "pipeline/problem.hpp"

namespace rampart::auth::endpoints {

namespace {

namespace http = pipeline::http;

class LoginHandler final : public pipeline::Handler {
  public:
    LoginHandler(const config::Settings& settings, AuthRuntime& runtime)
        : settings_(settings), runtime_(runtime) {}
    std::string_view name() const override { return "login"; }

    boost::asio::awaitable<void> handle(pipeline::Exchange& exchange) const override {
        auto fields = read_json_strings(exchange, {"username", "password"});
        if (!fields) {
            pipeline::set_problem(exchange, http::status::bad_request,
                                  "Send a JSON object with exactly a username and a password.");
            co_return;
        }
        const auto& username = (*fields)[0];
        const auto& password = (*fields)[1];
        if (password.size() > maximum_password_bytes) {
            pipeline::set_problem(exchange, http::status::bad_request, "The password is too long.");
            co_return;
        }
        auto verified = co_await verify_user_password(exchange, runtime_, username, password);
        using Outcome = PasswordVerification::Outcome;
        if (verified.outcome == Outcome::throttled) {
            exchange.security_events->emit("login_throttled", &exchange, {{"username", username}});
            pipeline::set_problem(exchange, http::status::too_many_requests,
                                  "Too many attempts; try again later.");
            exchange.response.set(http::field::retry_after,
                                  std::to_string(verified.retry_after.count()));
            co_return;
        }
        if (verified.outcome == Outcome::busy) {
            set_busy(exchange);
            co_return;
        }
        if (verified.outcome == Outcome::refused) {
            exchange.security_events->emit("login_failed", &exchange,
                                           {{"username", username}, {"reason", verified.failure}});
            pipeline::set_problem(exchange, http::status::unauthorized,
                                  "Invalid username or password.");
            co_return;
        }
        auto session = co_await start_user_session(exchange, settings_, runtime_, verified.user,
                                                   std::string(first_party_client_id), {});
        if (!session) {
            co_return;
        }
        exchange.security_events->emit(
            "login_succeeded", &exchange,
            {{"subject", verified.user.id}, {"family_id", session->refresh.record.family_id}});
        set_json(exchange, http::status::ok,
                 token_response(session->access, {}, session->refresh.token));
    }

  private:
    const config::Settings& settings_;
    AuthRuntime& runtime_;
};

class LogoutHandler final : public pipeline::Handler {
  public:
    LogoutHandler(const config::Settings& settings, AuthRuntime& runtime)
        : settings_(settings), runtime_(runtime) {}
    std::string_view name() const override { return "logout"; }

    boost::asio::awaitable<void> handle(pipeline::Exchange& exchange) const override {
        auto fields = read_json_strings(exchange, {"refresh_token"});
        if (!fields) {
            pipeline::set_problem(exchange, http::status::bad_request,
                                  "Send a JSON object with exactly a refresh_token.");
            co_return;
        }
        auto hash = sha256_hex((*fields)[0]);
        std::string family;
        bool ran = co_await runtime_.blocking_pool().run([&] {
            auto token = runtime_.store().find_refresh_token(hash);
            if (!token || token->client_id != first_party_client_id) {
                return;
            }
            auto now = now_seconds();
            if (runtime_.store().revoke_family(token->family_id, "logout", now,
                                               revocation_keep_until(settings_, now))) {
                family = token->family_id;
                runtime_.refresh();
            }
        });
        if (!ran) {
            set_busy(exchange);
            co_return;
        }
        if (!family.empty()) {
            exchange.security_events->emit("logout", &exchange, {{"family_id", family}});
        }
        // The same answer for unknown tokens: no oracle.
        exchange.response = pipeline::Response{http::status::no_content, 11};
        exchange.response.set(http::field::cache_control, "no-store");
    }

  private:
    const config::Settings& settings_;
    AuthRuntime& runtime_;
};

}  // namespace

std::shared_ptr<const pipeline::Handler> make_login_handler(const config::Settings& settings,
                                                            AuthRuntime* runtime) {
    return std::make_shared<LoginHandler>(settings, *runtime);
}

std::shared_ptr<const pipeline::Handler> make_logout_handler(const config::Settings& settings,
                                                             AuthRuntime* runtime) {
    return std::make_shared<LogoutHandler>(settings, *runtime);
}

}  // namespace rampart::auth::endpoints
