#include "auth/endpoints/endpoint_support.hpp"

#include <sodium.h>
#include <boost/json/serialize.hpp>
#include <boost/url/decode_view.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/pct_string_view.hpp>

#include "auth/credential_stuffing.hpp"
#include "auth/password_check.hpp"
#include "auth/secret_token.hpp"
#include "observe/security_events.hpp"
#include "pipeline/problem.hpp"
#include "util/ascii.hpp"
#include "util/strict_json.hpp"

namespace rampart::auth::endpoints {

namespace http = pipeline::http;

namespace {

// Percent-decodes one form component, '+' as space (HTML form encoding).
std::optional<std::string> decode_component(std::string_view encoded) {
    std::string plus_replaced(encoded);
    for (auto& c : plus_replaced) {
        if (c == '+') {
            c = ' ';
        }
    }
    auto checked = boost::urls::make_pct_string_view(plus_replaced);
    if (!checked) {
        return std::nullopt;
    }
    std::string decoded;
    for (char c : boost::urls::decode_view(*checked)) {
        decoded.push_back(c);
    }
    return decoded;
}

std::optional<std::string> decode_base64(std::string_view text) {
    std::string decoded(text.size(), '\0');
    std::size_t length = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(decoded.data()), decoded.size(),
                          text.data(), text.size(), nullptr, &length, nullptr,
                          sodium_base64_VARIANT_ORIGINAL) != 0) {
        return std::nullopt;
    }
    decoded.resize(length);
    return decoded;
}

struct PresentedClient {
    std::string id;
    std::string secret;
};

// RFC 6749 §2.3.1: Basic with the form-encoded id and secret.
std::optional<PresentedClient> basic_client(std::string_view authorization) {
    if (authorization.size() < 7 ||
        !util::equals_ignoring_case(authorization.substr(0, 6), "Basic ")) {
        return std::nullopt;
    }
    auto decoded = decode_base64(authorization.substr(6));
    if (!decoded) {
        return std::nullopt;
    }
    auto colon = decoded->find(':');
    if (colon == std::string::npos) {
        return std::nullopt;
    }
    auto id = decode_component(std::string_view(*decoded).substr(0, colon));
    auto secret = decode_component(std::string_view(*decoded).substr(colon + 1));
    if (!id || !secret || id->empty()) {
        return std::nullopt;
    }
    return PresentedClient{std::move(*id), std::move(*secret)};
}

util::StrictJsonLimits small_document() {
    util::StrictJsonLimits limits;
    limits.max_bytes = 8 * 1024;
    limits.max_depth = 2;
    limits.max_members = 8;
    limits.max_string_bytes = 4 * 1024;
    return limits;
}

}  // namespace

std::optional<std::vector<std::string>> read_json_strings(
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

std::string throttle_account(std::string_view username) {
    std::string account(username);
    for (auto& c : account) {
        c = util::ascii_lower(c);
    }
    return account;
}

boost::asio::awaitable<PasswordVerification> verify_user_password(pipeline::Exchange& exchange,
                                                                  AuthRuntime& runtime,
                                                                  std::string_view username,
                                                                  std::string_view password) {
    PasswordVerification result;
    auto account = throttle_account(username);
    auto& throttle = runtime.login_throttle();
    auto throttle_now = LoginThrottle::Clock::now();
    auto decision = throttle.check(account, exchange.client_address, throttle_now);
    if (!decision.allowed) {
        result.outcome = PasswordVerification::Outcome::throttled;
        result.retry_after = decision.retry_after;
        co_return result;
    }
    PasswordCheck check;
    bool ran = co_await runtime.blocking_pool().run(
        [&] { check = check_user_password(runtime, username, password); });
    if (!ran) {
        result.outcome = PasswordVerification::Outcome::busy;
        co_return result;
    }
    if (!check.failure.empty()) {
        act_on_login_failure(
            exchange, runtime,
            throttle.record_failure(account, exchange.client_address, throttle_now), username);
        result.failure = check.failure;
        co_return result;
    }
    throttle.record_success(account, exchange.client_address, throttle_now);
    result.outcome = PasswordVerification::Outcome::verified;
    result.user = std::move(check.user);
    co_return result;
}

std::chrono::system_clock::time_point now_seconds() {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

std::int64_t unix_seconds(std::chrono::system_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

boost::system::result<Form, std::string_view> parse_form(const pipeline::Exchange& exchange) {
    if (!exchange.query.empty()) {
        return std::string_view("invalid_request");  // secrets never travel in URLs
    }
    auto content_type = exchange.request[http::field::content_type];
    auto semicolon = content_type.find(';');
    auto media_type = content_type.substr(0, semicolon);
    while (!media_type.empty() && media_type.back() == ' ') {
        media_type.remove_suffix(1);
    }
    if (!util::equals_ignoring_case(media_type, "application/x-www-form-urlencoded")) {
        return std::string_view("invalid_request");
    }
    Form form;
    std::string_view body = exchange.request.body();
    while (!body.empty()) {
        auto end = body.find('&');
        auto pair = body.substr(0, end);
        body = end == std::string_view::npos ? std::string_view{} : body.substr(end + 1);
        if (pair.empty()) {
            continue;
        }
        auto equals = pair.find('=');
        auto name = decode_component(pair.substr(0, equals));
        auto value =
            decode_component(equals == std::string_view::npos ? "" : pair.substr(equals + 1));
        if (!name || !value) {
            return std::string_view("invalid_request");
        }
        if (form.contains(*name)) {
            return std::string_view("invalid_request");  // repeated parameter (RFC 6749 §3.2)
        }
        form.emplace(std::move(*name), std::move(*value));
    }
    return form;
}

std::optional<std::string_view> parameter(const Form& form, std::string_view name) {
    auto found = form.find(name);
    if (found == form.end() || found->second.empty()) {
        return std::nullopt;  // empty parameters count as absent
    }
    return std::string_view(found->second);
}

void set_json(pipeline::Exchange& exchange, http::status status, const boost::json::object& body) {
    exchange.response = pipeline::Response{status, 11};
    exchange.response.set(http::field::content_type, "application/json");
    exchange.response.set(http::field::cache_control, "no-store");
    exchange.response.set(http::field::pragma, "no-cache");
    exchange.response.body() = boost::json::serialize(body);
}

void set_oauth_error(pipeline::Exchange& exchange, std::string_view code) {
    bool client = code == "invalid_client";
    set_json(exchange, client ? http::status::unauthorized : http::status::bad_request,
             boost::json::object{{"error", code}});
    if (client) {
        exchange.response.set(http::field::www_authenticate,
                              "Basic realm=\"rampart\", charset=\"UTF-8\"");
    }
}

void set_busy(pipeline::Exchange& exchange) {
    pipeline::set_problem(exchange, http::status::service_unavailable,
                          "The service is busy; try again shortly.");
    exchange.response.set(http::field::retry_after, "1");
}

boost::asio::awaitable<std::optional<ClientRequest>> read_client_request(
    pipeline::Exchange& exchange, AuthRuntime& runtime, bool client_required) {
    auto form = parse_form(exchange);
    if (!form) {
        set_oauth_error(exchange, form.error());
        co_return std::nullopt;
    }
    auto client = co_await authenticate_client(exchange, *form, runtime);
    if (client.error == "busy") {
        set_busy(exchange);
        co_return std::nullopt;
    }
    if (client.error == "throttled") {
        set_json(exchange, http::status::too_many_requests,
                 boost::json::object{{"error", "temporarily_unavailable"}});
        exchange.response.set(http::field::retry_after, std::to_string(client.retry_after.count()));
        co_return std::nullopt;
    }
    if (!client.error.empty() || (client_required && !client.client)) {
        set_oauth_error(exchange, client.error.empty() ? "invalid_client" : client.error);
        co_return std::nullopt;
    }
    co_return ClientRequest{std::move(*form), std::move(client)};
}

boost::asio::awaitable<ClientAuthentication> authenticate_client(pipeline::Exchange& exchange,
                                                                 const Form& form,
                                                                 AuthRuntime& runtime) {
    ClientAuthentication result;
    auto authorization = exchange.request[http::field::authorization];
    auto form_id = parameter(form, "client_id");
    auto form_secret = parameter(form, "client_secret");
    std::optional<PresentedClient> presented;
    if (!authorization.empty()) {
        if (form_secret) {
            result.presented = true;
            result.error = "invalid_request";  // two mechanisms at once (RFC 6749 §2.3)
            co_return result;
        }
        presented = basic_client(authorization);
        if (!presented) {
            result.presented = true;
            result.error = "invalid_client";
            co_return result;
        }
    } else if (form_id && form_secret) {
        presented = PresentedClient{std::string(*form_id), std::string(*form_secret)};
    } else {
        co_return result;
    }
    result.presented = true;
    // Failed client authentication is throttled per client id and per address
    // (OAUTH-07), on the login throttle's counters under a separate name.
    auto account = "client:" + presented->id;
    auto throttle_now = LoginThrottle::Clock::now();
    auto decision = runtime.login_throttle().check(account, exchange.client_address, throttle_now);
    if (!decision.allowed) {
        exchange.security_events->emit("client_authentication_throttled", &exchange,
                                       {{"client_id", presented->id}});
        result.error = "throttled";
        result.retry_after = decision.retry_after;
        co_return result;
    }
    std::optional<store::OAuthClient> found;
    bool ran = co_await runtime.blocking_pool().run([&] {
        auto client = runtime.store().find_client(presented->id);
        if (client) {
            found = std::move(*client);
        }
    });
    if (!ran) {
        result.error = "busy";
        co_return result;
    }
    static constexpr std::string_view no_hash =
        "0000000000000000000000000000000000000000000000000000000000000000";
    std::string_view stored =
        found && found->secret_hash ? std::string_view(*found->secret_hash) : no_hash;
    bool matches = secret_matches_hash(presented->secret, stored);
    if (!found || !found->secret_hash || !matches || found->disabled) {
        act_on_login_failure(
            exchange, runtime,
            runtime.login_throttle().record_failure(account, exchange.client_address, throttle_now),
            presented->id);
        exchange.security_events->emit("client_authentication_failed", &exchange,
                                       {{"client_id", presented->id}});
        result.error = "invalid_client";
        co_return result;
    }
    runtime.login_throttle().record_success(account, exchange.client_address, throttle_now);
    result.client = std::move(found);
    co_return result;
}

}  // namespace rampart::auth::endpoints
