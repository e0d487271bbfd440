// What the token service's endpoints share: strict form parsing (RFC 6749
// §3.2: POST, form-encoded, repeated parameters refused, empty ones absent),
// client authentication (client_secret_basic and client_secret_post, never
// both), OAuth error responses (RFC 6749 §5.2) and JSON bodies that are never
// cached.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/auth_runtime.hpp"
#include "pipeline/exchange.hpp"
#include "store/records.hpp"

namespace rampart::auth::endpoints {

using Form = std::map<std::string, std::string, std::less<>>;

// The parameters of a form body, or why it is refused (an OAuth error code).
boost::system::result<Form, std::string_view> parse_form(const pipeline::Exchange& exchange);

std::optional<std::string_view> parameter(const Form& form, std::string_view name);

// Sets a JSON response with Cache-Control: no-store and Pragma: no-cache.
void set_json(pipeline::Exchange& exchange, pipeline::http::status status,
              const boost::json::object& body);

// RFC 6749 §5.2: {"error": code} with 400, or 401 and a challenge for invalid_client.
void set_oauth_error(pipeline::Exchange& exchange, std::string_view code);

// 503 with Retry-After when the hashing pool is saturated.
void set_busy(pipeline::Exchange& exchange);

struct ClientAuthentication {
    bool presented = false;                    // credentials were sent (valid or not)
    std::optional<store::OAuthClient> client;  // set when they verified
    // "invalid_request" or "invalid_client" when refused; "busy" (the pool is
    // full) and "throttled" (too many failures: wait retry_after) answer 503 and 429.
    std::string_view error;
    std::chrono::seconds retry_after{0};
};

// Reads client_secret_basic or client_secret_post (never both) and verifies
// the secret in constant time against the stored hash. Runs store work on
// the blocking pool.
boost::asio::awaitable<ClientAuthentication> authenticate_client(pipeline::Exchange& exchange,
                                                                 const Form& form,
                                                                 AuthRuntime& runtime);

struct ClientRequest {
    Form form;
    ClientAuthentication client;
};

// The form of an OAuth endpoint and its client's authentication. When either
// fails the exchange is answered here (invalid_request, invalid_client, 503)
// and the result is empty. With `client_required`, a request without a
// verified client is invalid_client too.
boost::asio::awaitable<std::optional<ClientRequest>> read_client_request(
    pipeline::Exchange& exchange, AuthRuntime& runtime, bool client_required);

// The string members `names` of a JSON object body, read with the strict
// reader and small limits, and nothing else: an empty or missing member, any
// other member or a duplicate refuses the whole body.
std::optional<std::vector<std::string>> read_json_strings(
    const pipeline::Exchange& exchange, std::initializer_list<std::string_view> names);

// The login throttle's account for a username: ASCII case folded, as the
// store matches usernames, so every way of presenting a password counts
// against the same account.
std::string throttle_account(std::string_view username);

struct PasswordVerification {
    enum class Outcome { verified, refused, throttled, busy };
    Outcome outcome = Outcome::refused;
    std::string_view failure;             // the reason for the security log, when refused
    std::chrono::seconds retry_after{0};  // when throttled
    store::User user;                     // when verified
};

// One user's password, checked as /auth/login checks it: the login throttle
// first (per account and per address, PWD-06, PWD-07), then
// check_user_password on the blocking pool (dummy hash for an unknown user,
// PWD-03), and the failure or success counted. Answers nothing and emits no
// event: each caller has its own answer and event names.
boost::asio::awaitable<PasswordVerification> verify_user_password(pipeline::Exchange& exchange,
                                                                  AuthRuntime& runtime,
                                                                  std::string_view username,
                                                                  std::string_view password);

std::chrono::system_clock::time_point now_seconds();
std::int64_t unix_seconds(std::chrono::system_clock::time_point time);

}  // namespace rampart::auth::endpoints
