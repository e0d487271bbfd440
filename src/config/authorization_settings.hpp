// The authorization part of the configuration: which permissions each role
// grants (`roles:`), and what each authenticated route requires of its caller
// (`require:` or `authorize: authenticated`). Deny by default: an
// authenticated route that states neither is a configuration error. Read by
// config/authorization_loader.cpp; docs/authorization.md documents every key.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace rampart::policy {
class CompiledRule;
}

namespace rampart::config {

// A role's permission patterns, as configured: "orders:read" is one
// permission, "orders:*" every permission that starts with "orders:", "*"
// every permission.
using RolePermissions = std::unordered_map<std::string, std::vector<std::string>>;

// Whether a role's permission pattern grants `permission` (a route's, which
// is never a pattern).
inline bool pattern_grants(std::string_view pattern, std::string_view permission) {
    if (pattern == "*") {
        return true;
    }
    if (pattern.ends_with(":*")) {
        return permission.starts_with(pattern.substr(0, pattern.size() - 1));
    }
    return pattern == permission;
}

struct AuthorizationSettings {
    RolePermissions roles;  // role name -> its permission patterns, sorted, without repeats
};

enum class AuthorizationMode {
    unset,          // not stated: only valid (and required) on `auth: none` routes
    authenticated,  // `authorize: authenticated`: any verified identity
    require,        // `require: {...}`: the identity must meet every listed requirement
};

// What a route requires of the verified identity. Each list is sorted and has
// no repeats; an empty list requires nothing.
struct RouteRequirement {
    std::vector<std::string> permissions;  // every one, granted by some role of the identity
    std::vector<std::string> scopes;       // every one, among the identity's scopes
    std::vector<std::string> roles;        // at least one, among the identity's roles
    // A rule of the policy language (docs/policy-language.md) that must be true, compiled when
    // the configuration loads; null when the route states none.
    std::shared_ptr<const policy::CompiledRule> rule;
};

struct RouteAuthorization {
    AuthorizationMode mode = AuthorizationMode::unset;
    RouteRequirement requirement;  // for AuthorizationMode::require
    // Where the applying `require` or `authorize` is written, as
    // "file:line key.path" ("rampart.yaml:40 routes[2].require"): the rule a
    // denial names in the security log.
    std::string rule;
    // `require.shadow`: a requirement being rolled out. It is checked after
    // the enforced one passes, and what it would refuse is logged as
    // `authorization_shadow_denied`; it never refuses anything. Null when none.
    std::shared_ptr<const RouteRequirement> shadow;
    std::string shadow_rule;  // "rampart.yaml:41 routes[2].require.shadow"
};

}  // namespace rampart::config
