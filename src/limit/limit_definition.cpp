#include "limit/limit_definition.hpp"

#include <algorithm>
#include <set>

namespace rampart::limit {

namespace {

using namespace std::chrono_literals;

constexpr std::string_view top_level_path = "rate_limit";
constexpr std::int64_t max_rate = 1'000'000'000;

bool is_name_character(char character) {
    return (character >= 'a' && character <= 'z') || (character >= '0' && character <= '9') ||
           character == '_' || character == '-';
}

// An RFC 9110 token: what a header name may contain.
bool is_token(std::string_view text) {
    constexpr std::string_view specials = "!#$%&'*+-.^_`|~";
    return !text.empty() && std::all_of(text.begin(), text.end(), [&](char character) {
        return (character >= 'a' && character <= 'z') || (character >= 'A' && character <= 'Z') ||
               (character >= '0' && character <= '9') ||
               specials.find(character) != std::string_view::npos;
    });
}

std::string read_name(const config::Section& limit) {
    auto name = limit.string("name");
    if (name.empty() || name.size() > 64 ||
        !std::all_of(name.begin(), name.end(), is_name_character)) {
        limit.fail("name",
                   "must be 1 to 64 characters of a-z, 0-9, _ and - (it is sent to clients in "
                   "the RateLimit header fields; got \"" +
                       name + "\")");
    }
    return name;
}

KeyElement parse_key_element(const config::Section& limit, std::size_t index,
                             const std::string& text) {
    static const std::pair<std::string_view, KeyPart> parts[] = {
        {"client_ip", KeyPart::client_ip}, {"route", KeyPart::route},
        {"subject", KeyPart::subject},     {"consumer", KeyPart::consumer},
        {"api_key", KeyPart::api_key},     {"client_id", KeyPart::client_id},
    };
    for (const auto& [name, part] : parts) {
        if (text == name) {
            return KeyElement{part, {}};
        }
    }
    constexpr std::string_view header_prefix = "header:";
    if (text.starts_with(header_prefix) && is_token(text.substr(header_prefix.size()))) {
        return KeyElement{KeyPart::header, text.substr(header_prefix.size())};
    }
    limit.fail_at(limit.node()["key"][index],
                  limit.child_path("key") + "[" + std::to_string(index) + "]",
                  "must be one of client_ip, route, subject, consumer, api_key, client_id or "
                  "header:<Name> (got \"" +
                      text + "\")");
}

std::vector<KeyElement> read_key(const config::Section& limit) {
    if (!limit.has("key")) {
        limit.fail("key", "is required: what the limit counts per, e.g. [client_ip]");
    }
    auto texts = limit.strings("key");
    if (texts.empty()) {
        limit.fail("key", "must name at least one key part, e.g. [client_ip]");
    }
    std::vector<KeyElement> key;
    std::set<std::string> seen;
    for (std::size_t index = 0; index < texts.size(); ++index) {
        if (!seen.insert(texts[index]).second) {
            limit.fail_at(limit.node()["key"][index],
                          limit.child_path("key") + "[" + std::to_string(index) + "]",
                          "names \"" + texts[index] + "\" twice");
        }
        key.push_back(parse_key_element(limit, index, texts[index]));
    }
    return key;
}

struct PolicyNumbers {
    std::int64_t rate = 0;
    config::Duration period{};
    std::int64_t burst = 0;
};

// rate, period and burst of `section`, each defaulting to `base` (burst
// defaults to the rate read here, so a role's higher rate raises its burst).
PolicyNumbers read_numbers(const config::Section& section, const PolicyNumbers* base) {
    PolicyNumbers numbers;
    numbers.rate = base != nullptr ? section.integer("rate", base->rate, 1, max_rate)
                                   : section.integer("rate", 1, max_rate);
    numbers.period = section.duration("period", base != nullptr ? base->period : 1s, 1ms,
                                      std::chrono::hours(24 * 366));
    bool burst_follows_rate = base == nullptr || base->burst == base->rate;
    numbers.burst =
        section.integer("burst", burst_follows_rate ? numbers.rate : base->burst, 1, max_rate);
    return numbers;
}

CompiledPolicy compile_policy(const config::Section& section, const PolicyNumbers& numbers,
                              const std::string& quoted_name) {
    Nanoseconds period =
        std::chrono::duration_cast<std::chrono::nanoseconds>(numbers.period).count();
    auto gcra = make_gcra_policy(numbers.rate, period, numbers.burst);
    if (!gcra) {
        section.fail(section.has("rate") ? "rate" : "burst",
                     "cannot be represented: the period divided by the rate must be at least "
                     "1ns, and burst * period / rate at most a year");
    }
    CompiledPolicy policy;
    policy.gcra = *gcra;
    policy.policy_item = quoted_name + ";q=" + std::to_string(gcra->burst) +
                         ";w=" + std::to_string(seconds_rounded_up(gcra->tolerance));
    return policy;
}

std::vector<RoleOverride> read_roles(const config::Section& limit, const PolicyNumbers& base,
                                     const std::string& quoted_name) {
    std::vector<RoleOverride> overrides;
    auto roles = limit.optional_section("by_role");
    if (!roles) {
        return overrides;
    }
    for (auto it = roles->node().begin(); it != roles->node().end(); ++it) {
        auto role = it->first.Scalar();
        auto role_section = roles->section(role);
        auto numbers = read_numbers(role_section, &base);
        overrides.push_back({role, compile_policy(role_section, numbers, quoted_name)});
        role_section.finish();
    }
    roles->finish();
    return overrides;
}

bool is_identity_part(KeyPart part) {
    return part != KeyPart::client_ip && part != KeyPart::route && part != KeyPart::header;
}

LimitDefinition read_limit(const config::Section& section, const config::Section& limit) {
    LimitDefinition definition;
    definition.name = read_name(limit);
    definition.quoted_name = "\"" + definition.name + "\"";
    definition.key = read_key(limit);
    auto numbers = read_numbers(limit, nullptr);
    definition.policy = compile_policy(limit, numbers, definition.quoted_name);
    definition.by_role = read_roles(limit, numbers, definition.quoted_name);
    limit.finish();
    definition.needs_identity =
        !definition.by_role.empty() ||
        std::any_of(definition.key.begin(), definition.key.end(),
                    [](const KeyElement& element) { return is_identity_part(element.part); });
    KeyBuilder scope;
    scope.add(section.path());
    scope.add(definition.name);
    definition.scope = scope.digest();
    scope.add("(overflow)");
    definition.overflow_key = scope.digest();
    return definition;
}

}  // namespace

RateLimitDefinition read_rate_limit_definition(const config::Section& section) {
    RateLimitDefinition definition;
    bool top_level = section.path() == top_level_path;
    for (std::string_view key : {"max_keys", "connections_per_ip", "store"}) {
        if (section.has(key) && !top_level) {
            section.fail(key,
                         "is a setting of the top-level rate_limit only (it holds for the "
                         "whole process)");
        }
        section.claim(key);  // read_process_rate_limits reads it
    }
    definition.headers = section.choice<HeaderMode>(
        "headers",
        {{"on_limit", HeaderMode::on_limit}, {"on_all_responses", HeaderMode::on_all_responses}},
        HeaderMode::on_limit);
    auto limits = section.sections("limits");
    // The top level may hold only the process settings.
    if (limits.empty() && (section.has("limits") || !top_level)) {
        section.fail("limits",
                     "must list at least one limit, e.g. "
                     "[{name: per_ip, key: [client_ip], rate: 10, period: 1s}]");
    }
    if (limits.size() > max_limits_per_section) {
        section.fail("limits",
                     "may list at most " + std::to_string(max_limits_per_section) + " limits");
    }
    std::set<std::string> names;
    for (const auto& limit : limits) {
        auto compiled = read_limit(section, limit);
        if (!names.insert(compiled.name).second) {
            limit.fail("name",
                       "\"" + compiled.name + "\" is already the name of another limit here");
        }
        definition.limits.push_back(std::move(compiled));
    }
    section.finish();
    return definition;
}

ProcessRateLimits read_process_rate_limits(const config::Section& root) {
    ProcessRateLimits settings;
    auto section = root.optional_section(top_level_path);
    if (!section) {
        return settings;
    }
    settings.max_keys = static_cast<std::size_t>(
        section->integer("max_keys", static_cast<std::int64_t>(settings.max_keys), 1, 100'000'000));
    if (auto connections = section->optional_section("connections_per_ip")) {
        auto rate = connections->integer("rate", 200, 0, 1'000'000);
        auto burst = connections->integer("burst", std::max<std::int64_t>(rate, 1), 1, 1'000'000);
        auto period = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          connections->duration("period", 1s, 1ms, 1h))
                          .count();
        connections->finish();
        settings.connections_per_ip =
            rate == 0 ? std::nullopt : make_gcra_policy(rate, period, burst);
        if (rate != 0 && !settings.connections_per_ip) {
            connections->fail("rate", "is too high for the period (under 1ns per connection)");
        }
    }
    settings.redis = read_store_settings(*section);
    return settings;
}

}  // namespace rampart::limit
