#include "pipeline/stages/cors.hpp"

#include <boost/beast/core/string.hpp>
#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <iterator>
#include <optional>
#include <string>
#include <vector>

#include "pipeline/problem.hpp"
#include "util/ascii.hpp"

namespace rampart::pipeline {

namespace {

using namespace std::chrono_literals;

constexpr std::string_view stage_key = "cors";
constexpr std::string_view any_origin = "*";
constexpr std::string_view access_control_prefix = "access-control-";
constexpr std::string_view refusal_detail = "The cross-origin request is not allowed.";
// Browsers cap the preflight cache at 2 h (Chromium) or 24 h (Firefox).
constexpr config::Duration maximum_max_age = 24h;

struct CorsPolicy {
    bool enabled = false;  // false: no section, CORS off
    bool allows_any_origin = false;
    std::vector<std::string> allowed_origins;  // serialized origins, normalised at load
    std::vector<std::string> allowed_methods;
    std::vector<std::string> allowed_headers;  // lower case, for case-insensitive matching
    bool allow_credentials = false;
    // Response header values, joined once at load.
    std::string allow_methods_value;
    std::string allow_headers_value;
    std::string expose_headers_value;
    std::string max_age_value;
};

std::string_view trim_whitespace(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

std::string lowercase(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char character) {
        return static_cast<char>(std::tolower(character));
    });
    return lower;
}

std::string uppercase(std::string_view text) {
    std::string upper(text);
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char character) {
        return static_cast<char>(std::toupper(character));
    });
    return upper;
}

std::string join(const std::vector<std::string>& items) {
    std::string joined;
    for (const auto& item : items) {
        joined += joined.empty() ? "" : ", ";
        joined += item;
    }
    return joined;
}

// A token without "*": a wildcard in these lists would widen what the
// configuration names.
bool is_listable_token(std::string_view text) {
    return !text.empty() && text != "*" &&
           std::all_of(text.begin(), text.end(), util::is_token_character);
}

bool is_default_port(std::string_view scheme, std::uint16_t port) {
    return (scheme == "https" && port == 443) || (scheme == "http" && port == 80);
}

// The serialized origin (RFC 6454 §6.2) a browser would send for `text`:
// lower-case scheme and host, the port only when not the scheme's default.
// Null when `text` is not exactly scheme://host[:port].
std::optional<std::string> serialized_origin(std::string_view text) {
    auto parsed = boost::urls::parse_absolute_uri(text);
    if (!parsed) {
        return std::nullopt;
    }
    const auto& url = *parsed;
    bool origin_shaped = url.has_authority() && !url.has_userinfo() && url.encoded_path().empty() &&
                         !url.has_query() && !url.has_fragment() && !url.encoded_host().empty() &&
                         url.encoded_host().find('%') == std::string_view::npos &&
                         url.host_type() != boost::urls::host_type::ipvfuture;
    if (!origin_shaped) {
        return std::nullopt;
    }
    auto scheme = lowercase(url.scheme());
    auto origin = scheme + "://";
    if (url.host_type() == boost::urls::host_type::ipv6) {
        origin += "[" + lowercase(url.encoded_host_address()) + "]";
    } else {
        origin += lowercase(url.encoded_host());
    }
    if (url.has_port()) {
        auto port_text = url.port();
        unsigned port = 0;
        auto [end, error] =
            std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
        if (port_text.empty() || error != std::errc() ||
            end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
            return std::nullopt;
        }
        if (!is_default_port(scheme, static_cast<std::uint16_t>(port))) {
            origin += ":" + std::to_string(port);
        }
    }
    return origin;
}

std::string element_path(const config::Section& stage, std::string_view key, std::size_t index) {
    return stage.child_path(key) + "[" + std::to_string(index) + "]";
}

YAML::Node element_node(const config::Section& stage, std::string_view key, std::size_t index) {
    return stage.node()[std::string(key)][index];
}

void read_origins(const config::Section& stage, CorsPolicy& policy) {
    auto texts = stage.strings("allowed_origins");
    for (std::size_t index = 0; index < texts.size(); ++index) {
        if (texts[index] == any_origin) {
            policy.allows_any_origin = true;
            continue;
        }
        auto origin = serialized_origin(texts[index]);
        if (!origin) {
            stage.fail_at(element_node(stage, "allowed_origins", index),
                          element_path(stage, "allowed_origins", index),
                          "must be \"*\" or an origin scheme://host[:port] without path, query "
                          "or trailing slash (got \"" +
                              texts[index] + "\")");
        }
        policy.allowed_origins.push_back(*origin);
    }
    if (policy.allows_any_origin && !policy.allowed_origins.empty()) {
        stage.fail("allowed_origins", "\"*\" allows every origin and must be the only entry");
    }
}

std::vector<std::string> read_tokens(const config::Section& stage, std::string_view key,
                                     std::string_view what) {
    auto tokens = stage.strings(key);
    for (std::size_t index = 0; index < tokens.size(); ++index) {
        if (!is_listable_token(tokens[index])) {
            stage.fail_at(element_node(stage, key, index), element_path(stage, key, index),
                          "must be " + std::string(what) + " (got \"" + tokens[index] + "\")");
        }
    }
    return tokens;
}

CorsPolicy read_policy(const config::Section& stage) {
    CorsPolicy policy;
    policy.enabled = true;
    read_origins(stage, policy);
    auto methods = read_tokens(stage, "allowed_methods", "an HTTP method name");
    if (!stage.has("allowed_methods")) {
        methods = {"GET", "HEAD", "POST"};
    }
    for (const auto& method : methods) {
        policy.allowed_methods.push_back(uppercase(method));
    }
    auto headers = read_tokens(stage, "allowed_headers", "a header name");
    for (const auto& header : headers) {
        policy.allowed_headers.push_back(lowercase(header));
    }
    auto exposed = read_tokens(stage, "exposed_headers", "a header name");
    policy.allow_credentials = stage.boolean("allow_credentials", false);
    if (policy.allow_credentials && policy.allows_any_origin) {
        stage.fail("allow_credentials",
                   "cannot be true when allowed_origins is \"*\": list the origins instead");
    }
    auto max_age = stage.duration("max_age", 10min, 0s, maximum_max_age);
    stage.finish();
    policy.allow_methods_value = join(policy.allowed_methods);
    policy.allow_headers_value = join(headers);
    policy.expose_headers_value = join(exposed);
    policy.max_age_value = std::to_string(max_age.count() / 1000);
    return policy;
}

// Adds Origin to Vary, merging every existing Vary field into one.
void add_vary_origin(Response& response) {
    std::string merged;
    bool already_varies = false;
    auto [first_vary, end_of_vary] = response.equal_range(http::field::vary);
    for (auto field = first_vary; field != end_of_vary; ++field) {
        auto value = field->value();
        merged += merged.empty() ? "" : ", ";
        merged.append(value.data(), value.size());
        for (std::size_t start = 0; start <= value.size();) {
            auto comma = std::min(value.find(',', start), value.size());
            auto member = trim_whitespace(value.substr(start, comma - start));
            already_varies =
                already_varies || member == "*" || util::equals_ignoring_case(member, "origin");
            start = comma + 1;
        }
    }
    if (already_varies) {
        return;
    }
    merged += merged.empty() ? "Origin" : ", Origin";
    response.set(http::field::vary, merged);
}

void remove_cors_headers(Response& response) {
    for (auto field = response.begin(); field != response.end();) {
        auto name = field->name_string();
        bool is_cors = name.size() >= access_control_prefix.size() &&
                       util::equals_ignoring_case(name.substr(0, access_control_prefix.size()),
                                             access_control_prefix);
        field = is_cors ? response.erase(field) : std::next(field);
    }
}

class CorsStage final : public Stage {
  public:
    explicit CorsStage(CorsPolicy policy) : policy_(std::move(policy)) {}

    std::string_view name() const override { return stage_key; }

    Verdict on_request_head(Exchange& exchange) const override {
        if (!is_cors_preflight(exchange.request)) {
            return Verdict::proceed;
        }
        if (!policy_.enabled || !allows_preflight(exchange.request)) {
            set_problem(exchange, http::status::forbidden, refusal_detail);
            add_vary_origin(exchange.response);
            return Verdict::respond;
        }
        answer_preflight(exchange);
        return Verdict::respond;
    }

    void on_response(Exchange& exchange) const override {
        // Rampart's policy is the only one: whatever the upstream granted is dropped.
        if (exchange.response_from_upstream) {
            remove_cors_headers(exchange.response);
        }
        // Preflights were answered (or refused) completely on the request path.
        if (!policy_.enabled || is_cors_preflight(exchange.request)) {
            return;
        }
        add_vary_origin(exchange.response);
        auto allow_origin = allowed_origin_value(exchange.request);
        if (allow_origin.empty()) {
            return;
        }
        exchange.response.set(http::field::access_control_allow_origin, allow_origin);
        if (policy_.allow_credentials) {
            exchange.response.set(http::field::access_control_allow_credentials, "true");
        }
        if (!policy_.expose_headers_value.empty()) {
            exchange.response.set(http::field::access_control_expose_headers,
                                  policy_.expose_headers_value);
        }
    }

  private:
    // The Access-Control-Allow-Origin value for the request's Origin, empty
    // when it is not allowed. Matching is byte for byte: look-alikes such as
    // https://allowed.example.evil.com never match https://allowed.example.
    std::string_view allowed_origin_value(const Request& request) const {
        if (request.count(http::field::origin) != 1) {
            return {};
        }
        auto origin = request[http::field::origin];
        if (policy_.allows_any_origin) {
            return any_origin;
        }
        for (const auto& allowed : policy_.allowed_origins) {
            if (origin == allowed) {
                return allowed;
            }
        }
        return {};
    }

    bool allows_requested_headers(std::string_view requested) const {
        for (std::size_t start = 0; start <= requested.size();) {
            auto comma = std::min(requested.find(',', start), requested.size());
            auto header = trim_whitespace(requested.substr(start, comma - start));
            start = comma + 1;
            if (header.empty()) {
                continue;
            }
            bool listed =
                std::any_of(policy_.allowed_headers.begin(), policy_.allowed_headers.end(),
                            [header](const std::string& allowed) {
                                return util::equals_ignoring_case(header, allowed);
                            });
            if (!listed) {
                return false;
            }
        }
        return true;
    }

    bool allows_preflight(const Request& request) const {
        if (allowed_origin_value(request).empty()) {
            return false;
        }
        auto method = request[http::field::access_control_request_method];
        bool method_listed =
            std::find(policy_.allowed_methods.begin(), policy_.allowed_methods.end(), method) !=
            policy_.allowed_methods.end();
        return method_listed &&
               allows_requested_headers(request[http::field::access_control_request_headers]);
    }

    void answer_preflight(Exchange& exchange) const {
        // 204 carries no Content-Length (RFC 9110 §8.6), so no prepare_payload here.
        Response response{http::status::no_content, exchange.request.version() == 10 ? 10u : 11u};
        response.set(http::field::access_control_allow_origin,
                     allowed_origin_value(exchange.request));
        response.set(http::field::access_control_allow_methods, policy_.allow_methods_value);
        if (!policy_.allow_headers_value.empty()) {
            response.set(http::field::access_control_allow_headers, policy_.allow_headers_value);
        }
        response.set(http::field::access_control_max_age, policy_.max_age_value);
        if (policy_.allow_credentials) {
            response.set(http::field::access_control_allow_credentials, "true");
        }
        response.set(http::field::vary, "Origin");
        exchange.response = std::move(response);
        exchange.response_from_upstream = false;
    }

    CorsPolicy policy_;
};

}  // namespace

bool is_cors_preflight(const Request& request) {
    return request.method() == http::verb::options &&
           request.find(http::field::origin) != request.end() &&
           request.find(http::field::access_control_request_method) != request.end();
}

StageFactory cors_stage_factory() {
    return {stage_key, 30, [](const StageBuildContext& context) -> std::shared_ptr<const Stage> {
                auto policy = context.section ? read_policy(*context.section) : CorsPolicy{};
                return std::make_shared<CorsStage>(std::move(policy));
            }};
}

}  // namespace rampart::pipeline
