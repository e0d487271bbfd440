#include "config/authorization_loader.hpp"

#include <algorithm>
#include <string_view>

#include "policy/rule.hpp"

namespace rampart::config {

namespace {

// The naming rules of roles and scopes elsewhere (mtls consumers, `rampart
// apikeys create`): a role named in a token, a key or the configuration is
// spelt alike everywhere.
constexpr std::size_t maximum_name_characters = 128;

bool is_name_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '/' || c == '-';
}

bool is_name(std::string_view name) {
    return !name.empty() && name.size() <= maximum_name_characters &&
           std::all_of(name.begin(), name.end(), is_name_character);
}

// "orders:read", or a pattern: a name followed by ":*" ("orders:*"), or "*"
// alone. A '*' anywhere else would look like a glob it is not.
bool is_permission_pattern(std::string_view pattern) {
    if (pattern == "*") {
        return true;
    }
    if (pattern.ends_with(":*")) {
        pattern.remove_suffix(2);
    }
    return is_name(pattern);
}

const char* const name_rule = "use 1 to 128 letters, digits and . _ : / -";

// A list of names under `key`, each checked by `valid`, sorted, no repeats.
template <typename Check>
std::vector<std::string> read_names(const Section& section, std::string_view key, Check valid,
                                    const std::string& rule) {
    auto names = section.strings(key);
    for (std::size_t i = 0; i < names.size(); ++i) {
        auto path = section.child_path(key) + "[" + std::to_string(i) + "]";
        const auto& element = section.node()[std::string(key)][i];
        if (!valid(names[i])) {
            section.fail_at(element, path, "\"" + names[i] + "\" is not valid: " + rule);
        }
        if (std::count(names.begin(), names.end(), names[i]) > 1) {
            section.fail_at(element, path, "\"" + names[i] + "\" is listed twice");
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string rule_of(const Section& section, std::string_view key) {
    return section.file() + ":" + std::to_string(section.node().Mark().line + 1) + " " +
           section.child_path(key);
}

bool some_role_grants(const AuthorizationSettings& settings, std::string_view permission) {
    return std::any_of(settings.roles.begin(), settings.roles.end(), [&](const auto& role) {
        return std::any_of(role.second.begin(), role.second.end(), [&](const auto& pattern) {
            return pattern_grants(pattern, permission);
        });
    });
}

}  // namespace

std::shared_ptr<const policy::CompiledRule> compile_rule_at(const Section& require) {
    const auto node = require.node()["rule"];
    if (!node.IsScalar()) {
        require.fail("rule", "must be a string: a rule of the policy language");
    }
    auto text = require.string("rule");
    auto mark = node.Mark();
    // A quoted scalar's mark is its opening quote (yaml-cpp tags quoted scalars "!").
    auto quote = node.Tag() == "!" ? 1 : 0;
    policy::RulePosition where{static_cast<std::uint32_t>(mark.line + 1),
                               static_cast<std::uint32_t>(mark.column + 1 + quote), 0};
    if (text.find('\n') != std::string::npos) {
        // A block scalar (| or >): its text starts on the next line, and YAML has stripped an
        // indentation the node does not tell; lines are exact, columns count from that indent.
        where = {static_cast<std::uint32_t>(mark.line + 2), 1, 0};
    }
    try {
        return std::make_shared<const policy::CompiledRule>(policy::compile_rule(text, where));
    } catch (const policy::RuleError& error) {
        throw ConfigError(
            policy::format_rule_error(error, require.file(), require.child_path("rule")));
    }
}

namespace {

bool requires_nothing(const RouteRequirement& requirement) {
    return requirement.permissions.empty() && requirement.scopes.empty() &&
           requirement.roles.empty() && !requirement.rule;
}

// The lists and the rule of `require` or of its `shadow`.
RouteRequirement read_requirement(const Section& require, const AuthorizationSettings& settings) {
    RouteRequirement requirement;
    requirement.permissions = read_names(require, "permissions", is_name,
                                         std::string(name_rule) +
                                             ", no wildcard: a route "
                                             "requires exact permissions");
    requirement.scopes = read_names(require, "scopes", is_name, name_rule);
    requirement.roles = read_names(require, "roles", is_name, name_rule);
    if (require.has("rule")) {
        requirement.rule = compile_rule_at(require);
    }
    for (std::size_t i = 0; i < requirement.permissions.size(); ++i) {
        if (!some_role_grants(settings, requirement.permissions[i])) {
            require.fail("permissions", "no role under `roles` grants \"" +
                                            requirement.permissions[i] +
                                            "\", so no caller could ever pass");
        }
    }
    return requirement;
}

void read_shadow(const Section& require, const AuthorizationSettings& settings,
                 RouteAuthorization& authorization) {
    if (!require.node()["shadow"].IsMap()) {
        require.fail("shadow",
                     "must be a map like require: {permissions: [...], scopes: [...], roles: "
                     "[...], rule: \"...\"}");
    }
    auto shadow = require.section("shadow");
    auto requirement = read_requirement(shadow, settings);
    shadow.finish();
    if (requires_nothing(requirement)) {
        require.fail("shadow", "requires nothing: list permissions, scopes or roles, or a rule");
    }
    authorization.shadow = std::make_shared<const RouteRequirement>(std::move(requirement));
    authorization.shadow_rule = require.file() + ":" +
                                std::to_string(require.node()["shadow"].Mark().line + 1) + " " +
                                require.child_path("shadow");
}

RouteAuthorization read_require(const Section& section, const AuthorizationSettings& settings) {
    if (!section.node()["require"].IsMap()) {
        section.fail("require", "must be a map: {permissions: [...], scopes: [...], roles: [...]}");
    }
    auto require = section.section("require");
    RouteAuthorization authorization;
    authorization.mode = AuthorizationMode::require;
    authorization.rule = rule_of(section, "require");
    authorization.requirement = read_requirement(require, settings);
    if (require.has("shadow")) {
        read_shadow(require, settings, authorization);
    }
    require.finish();
    // With a shadow requirement alone, the route admits any authenticated
    // caller while the shadow is observed: that is said explicitly.
    if (requires_nothing(authorization.requirement) && !authorization.shadow) {
        section.fail("require",
                     "requires nothing: list permissions, scopes or roles, or say `authorize: "
                     "authenticated` for any authenticated caller");
    }
    return authorization;
}

}  // namespace

bool is_role_name(std::string_view name) {
    return is_name(name);
}

AuthorizationSettings read_authorization_settings(const Section& root) {
    AuthorizationSettings settings;
    if (root.node()["roles"].IsDefined() && !root.node()["roles"].IsNull() &&
        !root.node()["roles"].IsMap()) {
        root.fail("roles", "must be a map of role names to lists of permissions");
    }
    auto roles = root.optional_section("roles");
    if (!roles) {
        return settings;
    }
    for (auto it = roles->node().begin(); it != roles->node().end(); ++it) {
        auto name = it->first.Scalar();
        if (!is_name(name)) {
            roles->fail_at(it->first, roles->child_path(name),
                           "role name \"" + name + "\" is not valid: " + name_rule);
        }
        settings.roles[name] = read_names(
            *roles, name, is_permission_pattern,
            std::string(name_rule) + ", optionally ending in \":*\" (or \"*\" alone, quoted)");
    }
    roles->finish();
    return settings;
}

std::optional<RouteAuthorization> read_route_authorization(const Section& section,
                                                           const AuthorizationSettings& roles) {
    // Claimed even when null, so that `require:` without a value is named
    // as such below rather than as an unknown key.
    section.claim("require");
    section.claim("authorize");
    bool has_require = section.node()["require"].IsDefined();
    bool has_authorize = section.node()["authorize"].IsDefined();
    if (has_require && has_authorize) {
        section.fail("authorize", "cannot be combined with require on the same route or group");
    }
    if (has_require) {
        return read_require(section, roles);
    }
    if (!has_authorize) {
        return std::nullopt;
    }
    if (section.optional_string("authorize").value_or("") != "authenticated") {
        section.fail("authorize",
                     "must be `authenticated` (any authenticated caller); for roles, permissions "
                     "or scopes use require: {...}");
    }
    RouteAuthorization authorization;
    authorization.mode = AuthorizationMode::authenticated;
    authorization.rule = rule_of(section, "authorize");
    return authorization;
}

bool is_authorization_name(std::string_view name) {
    return is_name(name);
}

std::vector<std::string_view> template_parameters(std::string_view path_template) {
    std::vector<std::string_view> names;
    while (!path_template.empty()) {
        auto slash = path_template.find('/');
        auto segment = path_template.substr(0, slash);
        path_template =
            slash == std::string_view::npos ? std::string_view{} : path_template.substr(slash + 1);
        if (segment.size() < 2 || segment.front() != '{' || segment.back() != '}') {
            continue;
        }
        auto name = segment.substr(1, segment.size() - 2);
        if (name.ends_with("...")) {
            name.remove_suffix(3);
        }
        names.push_back(name);
    }
    return names;
}

void check_rule_path_parameters(const policy::CompiledRule& rule, std::string_view path_template,
                                const std::string& file, const std::string& key_path) {
    auto parameters = template_parameters(path_template);
    const auto& syntax = rule.syntax();
    for (const auto& node : syntax.nodes) {
        if (node.kind != policy::NodeKind::attribute ||
            node.source != policy::AttributeSource::path_parameter) {
            continue;
        }
        auto name = syntax.text(node.text);
        if (std::find(parameters.begin(), parameters.end(), name) == parameters.end()) {
            policy::RuleError error(node.position, "path." + std::string(name) +
                                                       " is not a parameter of the "
                                                       "route's path " +
                                                       std::string(path_template) +
                                                       ": it would always be absent");
            throw ConfigError(policy::format_rule_error(error, file, key_path));
        }
    }
}

void check_route_authorization(const RouteAuth& route_auth,
                               const std::optional<RouteAuthorization>& authorization,
                               const Section& route,
                               const std::optional<Section>& authorization_section) {
    if (route_auth.is_none()) {
        if (authorization && authorization_section) {
            auto key = authorization->mode == AuthorizationMode::require ? "require" : "authorize";
            authorization_section->fail(
                key, "applies to authenticated routes only, and this route has `auth: none`");
        }
        return;
    }
    if (!authorization) {
        route.fail("require",
                   "is required on a route with authentication (deny by default): say what the "
                   "caller needs, require: {permissions: [...], scopes: [...], roles: [...]}, or "
                   "`authorize: authenticated` for any authenticated caller");
    }
}

}  // namespace rampart::config
