// POST /auth/login {username, password} and POST /auth/logout {refresh_token}:
// Rampart's first-party login. Failures are uniform (PWD-03): an unknown
// user, a wrong password and a disabled account get the same 401 and take
// the same time, because an unknown user is checked against a dummy hash.
#include "auth/endpoints/endpoints.hpp"

#include "auth/endpoints/endpoint_support.hpp"
#include "auth/endpoints/token_issuance.hpp"
#include "auth/password_check.hpp"
#include "auth/secret_token.hpp"
#include "observe/security_events.hpp"
#include "pipeline/problem.hpp"
#include "util/strict_json.hpp"

namespace rampart::auth::endpoints {

namespace {

namespace http = pipeline::http;

util::StrictJsonLimits small_document() {
    util::StrictJsonLimits limits;
    limits.max_bytes = 8 * 1024;
    limits.max_depth = 2;
    limits.max_members = 8;
    limits.max_string_bytes = 4 * 1024;
    return limits;
}

// The string members `names` of a JSON object body, and nothing else.
std::optional<std::vector<std::string>> read_strings(
    const pipeline::Exchange& exchange, std::initializer_list<std::string_view> names) {
    auto parsed = util::parse_strict_json(exchange.request.body(), small_document());
    if (!parsed || !parsed->is_object()) {
        return std::nullopt;
    }
    const auto& object = parsed->as_object();
    if (object.size() != names.size()) {
        return std::nullopt;
    }
    std::vector<std::string> values;
    for (auto name : names) {
        const auto* member = object.if_contains(name);
        if (member == nullptr || !member->is_string() || member->as_string().empty()) {
            return std::nullopt;
        }
        values.emplace_back(member->as_string());
    }
    return values;
}

std::string lower_ascii(std::string text) {
    for (auto& c : text) {
        if (c >= 'A' && c <= 'Z') {
            c = static_cast<char>(c - 'A' + 'a');
        }
    }
    return text;
}

class LoginHandler final : public pipeline::Handler {
  public:
    LoginHandler(const config::Settings& settings, AuthRuntime& runtime)
        : settings_(settings), runtime_(runtime) {}
    std::string_view name() const override { return "login"; }

    boost::asio::awaitable<void> handle(pipeline::Exchange& exchange) const override {
        auto fields = read_strings(exchange, {"username", "password"});
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
        auto account = lower_ascii(username);
        auto throttle_now = LoginThrottle::Clock::now();
        auto decision =
            runtime_.login_throttle().check(account, exchange.client_address, throttle_now);
        if (!decision.allowed) {
            exchange.security_events->emit("login_throttled", &exchange, {{"username", username}});
            pipeline::set_problem(exchange, http::status::too_many_requests,
                                  "Too many attempts; try again later.");
            exchange.response.set(http::field::retry_after,
                                  std::to_string(decision.retry_after.count()));
            co_return;
        }
        Outcome outcome;
        bool ran = co_await runtime_.blocking_pool().run(
            [&] { outcome = verify_and_start(username, password); });
        if (!ran) {
            set_busy(exchange);
            co_return;
        }
        if (!outcome.failure.empty()) {
            runtime_.login_throttle().record_failure(account, exchange.client_address,
                                                     throttle_now);
            exchange.security_events->emit("login_failed", &exchange,
                                           {{"username", username}, {"reason", outcome.failure}});
            pipeline::set_problem(exchange, http::status::unauthorized,
                                  "Invalid username or password.");
            co_return;
        }
        runtime_.login_throttle().record_success(account, exchange.client_address, throttle_now);
        AccessTokenGrant grant{outcome.user.id,
                               jose::TokenKind::user,
                               std::string(first_party_client_id),
                               {},
                               outcome.user.roles,
                               outcome.refresh.record.family_id};
        auto directory = runtime_.directory();
        auto access =
            directory->keys
                ? issue_access_token(*directory->keys, settings_.auth.token_service, grant,
                                     std::chrono::system_clock::now())
                : boost::system::result<IssuedAccessToken, IssueError>(IssueError::no_signing_key);
        if (!access) {
            pipeline::set_problem(exchange, http::status::service_unavailable,
                                  "Tokens cannot be issued right now.");
            co_return;
        }
        exchange.security_events->emit(
            "login_succeeded", &exchange,
            {{"subject", outcome.user.id}, {"family_id", outcome.refresh.record.family_id}});
        set_json(exchange, http::status::ok, token_response(*access, {}, outcome.refresh.token));
    }

  private:
    struct Outcome {
        std::string failure;  // empty on success
        store::User user;
        NewRefreshToken refresh;
    };

    // On the blocking pool: Argon2id and the store.
    Outcome verify_and_start(const std::string& username, const std::string& password) const {
        Outcome outcome;
        auto check = check_user_password(runtime_, username, password);
        if (!check.failure.empty()) {
            outcome.failure = check.failure;
            return outcome;
        }
        outcome.refresh = new_refresh_family(settings_.auth.token_service, check.user.id,
                                             store::SubjectKind::user,
                                             std::string(first_party_client_id), {}, now_seconds());
        if (!runtime_.store().insert_refresh_token(outcome.refresh.record)) {
            outcome.failure = "store_error";
            return outcome;
        }
        outcome.user = std::move(check.user);
        return outcome;
    }

    const config::Settings& settings_;
    AuthRuntime& runtime_;
};

class LogoutHandler final : public pipeline::Handler {
  public:
    LogoutHandler(const config::Settings& settings, AuthRuntime& runtime)
        : settings_(settings), runtime_(runtime) {}
    std::string_view name() const override { return "logout"; }

    boost::asio::awaitable<void> handle(pipeline::Exchange& exchange) const override {
        auto fields = read_strings(exchange, {"refresh_token"});
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
