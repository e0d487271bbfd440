#include "pipeline/stages/ownership.hpp"

#include <boost/json/value.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <string>
#include <vector>

#include "config/authorization_loader.hpp"
#include "config/snapshot.hpp"
#include "observe/security_events.hpp"
#include "pipeline/problem.hpp"
#include "pipeline/rule_context.hpp"
#include "pipeline/upstream_fetch.hpp"
#include "policy/rule.hpp"
#include "util/strict_json.hpp"

namespace rampart::pipeline {

namespace {

constexpr std::string_view stage_key = "ownership";
constexpr std::string_view denied_event = "ownership_denied";
constexpr std::string_view unverifiable_event = "ownership_unverifiable";
constexpr std::size_t maximum_claim_name_bytes = 256;
constexpr std::array<http::field, 6> conditional_fields{
    http::field::if_match,          http::field::if_none_match,
    http::field::if_modified_since, http::field::if_unmodified_since,
    http::field::if_range,          http::field::range};

// RFC 6901: "" or a sequence of "/"-prefixed tokens in which '~' is always
// "~0" or "~1". The empty pointer (the whole document) is refused: an owner is
// a field.
bool is_json_pointer(std::string_view pointer) {
    if (pointer.empty() || pointer.front() != '/') {
        return false;
    }
    for (std::size_t i = 0; i < pointer.size(); ++i) {
        if (pointer[i] == '~' &&
            (i + 1 == pointer.size() || (pointer[i + 1] != '0' && pointer[i + 1] != '1'))) {
            return false;
        }
    }
    return true;
}

// Claim names are the JWT's own (`https://example.com/tenant` is one): any
// visible ASCII, no spaces.
bool is_claim_name(std::string_view name) {
    return !name.empty() && name.size() <= maximum_claim_name_bytes &&
           std::all_of(name.begin(), name.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool is_unreserved(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_' || c == '~';
}

// RFC 3986 §2.1: everything but unreserved characters is escaped, so a
// parameter's value can never add a segment, a query or a fragment ('/' stays
// only for a catch-all parameter, whose value is segments).
void append_encoded(std::string& target, std::string_view value, bool keep_slashes) {
    static constexpr std::string_view hex = "0123456789ABCDEF";
    for (char c : value) {
        if (is_unreserved(c) || (keep_slashes && c == '/')) {
            target += c;
            continue;
        }
        auto byte = static_cast<unsigned char>(c);
        target += '%';
        target += hex[byte >> 4];
        target += hex[byte & 0x0f];
    }
}

// `resource_path`, compiled: literal text and the route's path parameters.
struct PathPiece {
    std::string text;  // the literal, or the parameter's name
    bool parameter = false;
    bool catch_all = false;
};

std::vector<PathPiece> compile_resource_path(const config::Section& section,
                                             std::string_view route_path) {
    auto path = section.string("resource_path");
    if (!path.starts_with('/') || path.find_first_of("?#") != std::string::npos) {
        section.fail("resource_path",
                     "must be a path starting with / (no query), like /orders/{order_id}");
    }
    auto route_parameters = config::template_parameters(route_path);
    std::vector<PathPiece> pieces;
    std::size_t position = 0;
    while (position < path.size()) {
        auto open = path.find('{', position);
        if (open == std::string::npos) {
            pieces.push_back({path.substr(position)});
            break;
        }
        auto close = path.find('}', open);
        if (close == std::string::npos) {
            section.fail("resource_path", "has a '{' without its '}'");
        }
        if (open > position) {
            pieces.push_back({path.substr(position, open - position)});
        }
        std::string name = path.substr(open + 1, close - open - 1);
        bool catch_all = name.ends_with("...");
        if (catch_all) {
            name.resize(name.size() - 3);
        }
        if (std::find(route_parameters.begin(), route_parameters.end(), name) ==
            route_parameters.end()) {
            section.fail("resource_path", "{" + name + "} is not a parameter of the route's path " +
                                              std::string(route_path));
        }
        // A catch-all's value is segments: it keeps its slashes if the route's one is too.
        std::string route_catch_all = "{" + name + "...}";
        pieces.push_back(
            {name, true, std::string_view(route_path).find(route_catch_all) != std::string::npos});
        position = close + 1;
    }
    return pieces;
}

struct OwnershipSettings {
    std::string field;  // a JSON pointer into the upstream's answer
    std::string claim;  // the caller's claim it must equal
    std::vector<std::string> bypass_roles;
    std::shared_ptr<const policy::CompiledRule> bypass_rule;
    std::vector<PathPiece> resource_path;  // empty: the request's own target
    std::string location;                  // "file:line key.path", for the security log
};

OwnershipSettings read_settings(const config::Section& section, const config::Route& route) {
    OwnershipSettings settings;
    settings.field = section.string("field");
    if (!is_json_pointer(settings.field)) {
        section.fail("field",
                     "must be a JSON pointer (RFC 6901) to the owner's field, like /owner_id");
    }
    settings.claim = section.string("claim", "sub");
    if (!is_claim_name(settings.claim)) {
        section.fail("claim", "must be the name of a claim of the caller, like sub or email");
    }
    if (auto bypass = section.optional_section("bypass")) {
        settings.bypass_roles = bypass->strings("roles");
        for (std::size_t i = 0; i < settings.bypass_roles.size(); ++i) {
            if (!config::is_authorization_name(settings.bypass_roles[i])) {
                bypass->fail_at(bypass->node()["roles"][i],
                                bypass->child_path("roles") + "[" + std::to_string(i) + "]",
                                "\"" + settings.bypass_roles[i] +
                                    "\" is not a role name: use 1 to 128 letters, digits and "
                                    ". _ : / -");
            }
        }
        if (bypass->has("rule")) {
            settings.bypass_rule = config::compile_rule_at(*bypass);
            config::check_rule_path_parameters(*settings.bypass_rule, route.path, bypass->file(),
                                               bypass->child_path("rule"));
        }
        bypass->finish();
        if (settings.bypass_roles.empty() && !settings.bypass_rule) {
            section.fail("bypass", "bypasses nobody: list roles, or give a rule, or leave it out");
        }
    }
    if (section.has("resource_path")) {
        settings.resource_path = compile_resource_path(section, route.path);
    }
    settings.location = section.file() + ":" + std::to_string(section.node().Mark().line + 1) +
                        " " + section.path();
    section.finish();
    return settings;
}

enum class Ownership {
    owner,
    not_owner,
    claim_absent,          // the caller has no such claim (or not a string or an integer)
    not_json,              // the 2xx answer is not (strict) JSON
    owner_missing,         // the field is not in it
    owner_not_comparable,  // the field holds neither a string nor an integer
};

std::string_view reason_of(Ownership ownership) {
    switch (ownership) {
        case Ownership::owner:
            return "owner";
        case Ownership::not_owner:
            return "not_owner";
        case Ownership::claim_absent:
            return "claim_absent";
        case Ownership::not_json:
            return "not_json";
        case Ownership::owner_missing:
            return "owner_missing";
        case Ownership::owner_not_comparable:
            return "owner_not_comparable";
    }
    return "unknown";
}

// An owner given as a JSON integer equals the claim's integer, or its decimal
// text when the claim is a string ("sub": "42" owns "owner_id": 42).
bool integer_matches(std::int64_t owner, const policy::ClaimValue& claim) {
    if (claim.kind == policy::ClaimKind::integer) {
        return claim.integer == owner;
    }
    std::array<char, 24> text{};
    auto written = std::to_chars(text.data(), text.data() + text.size(), owner);
    return std::string_view(text.data(), written.ptr - text.data()) == claim.text;
}

bool is_success(unsigned status) {
    return status >= 200 && status <= 299;
}

class OwnershipStage final : public Stage {
  public:
    OwnershipStage(std::string route_name, OwnershipSettings settings)
        : route_name_(std::move(route_name)), settings_(std::move(settings)) {}

    std::string_view name() const override { return stage_key; }

    // Even a GET-only route answers HEAD, which has no body to check: the
    // stage may always have to fetch.
    bool is_asynchronous() const override { return true; }

    boost::asio::awaitable<Verdict> on_request_head_async(Exchange& exchange) const override {
        if (bypassed(exchange)) {
            co_return Verdict::proceed;
        }
        if (!is_fetched(exchange.request.method())) {
            // The answer must carry the owner: no 304 or part of it, which could not be
            // checked and would tell that the object exists.
            for (auto field : conditional_fields) {
                exchange.request.erase(field);
            }
            co_return Verdict::proceed;
        }
        if (exchange.upstream_fetcher == nullptr) {
            co_return unverifiable(exchange, http::status::service_unavailable,
                                   "fetch_unavailable");
        }
        auto fetched =
            co_await exchange.upstream_fetcher->fetch(exchange, resource_target(exchange));
        switch (fetched.outcome) {
            case FetchOutcome::timed_out:
                co_return unverifiable(exchange, http::status::service_unavailable,
                                       "fetch_timed_out");
            case FetchOutcome::unavailable:
                co_return unverifiable(exchange, http::status::service_unavailable,
                                       "fetch_unavailable");
            case FetchOutcome::unreachable:
                co_return unverifiable(exchange, http::status::bad_gateway, "fetch_failed");
            case FetchOutcome::answered:
                break;
        }
        auto status = fetched.response.result_int();
        if (status >= 500) {
            co_return unverifiable(exchange, http::status::bad_gateway, "fetch_upstream_error");
        }
        if (!is_success(status)) {
            // 404, 401, 410...: the client hears what the resource's GET said
            // (masked like any upstream error), and nothing is written.
            exchange.response = std::move(fetched.response);
            exchange.response_from_upstream = true;
            co_return Verdict::respond;
        }
        co_return decide(exchange, fetched.response.body()) ? Verdict::proceed : Verdict::respond;
    }

    void on_response(Exchange& exchange) const override {
        auto method = exchange.request.method();
        if (!exchange.response_from_upstream || method != http::verb::get || is_fetched(method) ||
            !is_success(exchange.response.result_int()) || bypassed(exchange)) {
            return;
        }
        decide(exchange, exchange.response.body());
    }

    std::string_view explain(const Exchange& exchange, std::string_view answer) const {
        return bypassed(exchange) ? "bypassed" : reason_of(check(exchange, answer));
    }

  private:
    // GET is checked on its own answer unless the resource lives elsewhere.
    bool is_fetched(http::verb method) const {
        return method != http::verb::get || !settings_.resource_path.empty();
    }

    bool bypassed(const Exchange& exchange) const {
        if (!exchange.identity) {
            return false;
        }
        const auto& roles = exchange.identity->roles;
        for (const auto& role : settings_.bypass_roles) {
            if (std::find(roles.begin(), roles.end(), role) != roles.end()) {
                return true;
            }
        }
        return settings_.bypass_rule && settings_.bypass_rule->allows(RuleContext(exchange));
    }

    std::string resource_target(const Exchange& exchange) const {
        if (settings_.resource_path.empty()) {
            return exchange.upstream_target;
        }
        std::string target;
        for (const auto& piece : settings_.resource_path) {
            if (!piece.parameter) {
                target += piece.text;
                continue;
            }
            for (const auto& [name, value] : exchange.path_parameters) {
                if (name == piece.text) {
                    append_encoded(target, value, piece.catch_all);
                    break;
                }
            }
        }
        return target;
    }

    Ownership check(const Exchange& exchange, std::string_view body) const {
        auto claim = RuleContext(exchange).subject_claim(settings_.claim);
        if (claim.kind != policy::ClaimKind::string && claim.kind != policy::ClaimKind::integer) {
            return Ownership::claim_absent;
        }
        util::StrictJsonLimits limits;
        if (exchange.snapshot != nullptr) {
            limits.max_bytes = exchange.snapshot->settings().limits.max_response_bytes;
        }
        auto document = util::parse_strict_json(body, limits);
        if (!document) {
            return Ownership::not_json;
        }
        boost::system::error_code error;
        const auto* owner = document->find_pointer(settings_.field, error);
        if (owner == nullptr) {
            return Ownership::owner_missing;
        }
        if (const auto* text = owner->if_string()) {
            bool same = claim.kind == policy::ClaimKind::string &&
                        std::string_view(text->data(), text->size()) == claim.text;
            return same ? Ownership::owner : Ownership::not_owner;
        }
        if (const auto* integer = owner->if_int64()) {
            return integer_matches(*integer, claim) ? Ownership::owner : Ownership::not_owner;
        }
        return Ownership::owner_not_comparable;
    }

    // True when the caller owns the resource; otherwise exchange.response is
    // the refusal.
    bool decide(Exchange& exchange, std::string_view body) const {
        auto ownership = check(exchange, body);
        switch (ownership) {
            case Ownership::owner:
                return true;
            case Ownership::not_owner:
            case Ownership::claim_absent:
                // Rampart's ordinary 404, byte for byte: whether the object
                // exists is not the caller's business.
                set_problem(exchange, http::status::not_found, not_found_detail);
                report(exchange, denied_event, reason_of(ownership));
                return false;
            default:
                unverifiable(exchange, http::status::bad_gateway, reason_of(ownership));
                return false;
        }
    }

    Verdict unverifiable(Exchange& exchange, http::status status, std::string_view reason) const {
        set_problem(exchange, status,
                    status == http::status::bad_gateway
                        ? "The upstream service could not be reached."
                        : "The service is temporarily unavailable.");
        report(exchange, unverifiable_event, reason);
        return Verdict::respond;
    }

    // Names only: never the owner's value or anything else of the payload.
    void report(Exchange& exchange, std::string_view event, std::string_view reason) const {
        if (exchange.security_events == nullptr) {
            return;
        }
        std::string_view subject;
        if (exchange.identity) {
            subject = exchange.identity->subject;
        }
        exchange.security_events->emit(event, &exchange,
                                       {{"route", route_name_},
                                        {"reason", reason},
                                        {"field", settings_.field},
                                        {"claim", settings_.claim},
                                        {"rule", settings_.location},
                                        {"subject", subject}});
    }

    std::string route_name_;
    OwnershipSettings settings_;
};

}  // namespace

std::optional<std::string_view> explain_ownership(const Stage& stage, const Exchange& exchange,
                                                  std::string_view answer) {
    const auto* ownership = dynamic_cast<const OwnershipStage*>(&stage);
    if (ownership == nullptr) {
        return std::nullopt;
    }
    return ownership->explain(exchange, answer);
}

StageFactory ownership_stage_factory() {
    return {stage_key, 65, [](const StageBuildContext& context) -> std::shared_ptr<const Stage> {
                if (!context.section || context.route == nullptr) {
                    return nullptr;
                }
                const auto& route = *context.route;
                const auto& section = *context.section;
                bool stated_on_route =
                    !route.stage_sections.empty() && route.stage_sections.front().has(stage_key);
                if (route.auth.is_none() || route.upstream.empty()) {
                    if (stated_on_route) {
                        section.fail("applies to authenticated routes to an upstream only");
                    }
                    return nullptr;  // a group's or the top level's: public routes have no owner
                }
                return std::make_shared<OwnershipStage>(route.name, read_settings(section, route));
            }};
}

}  // namespace rampart::pipeline
