// Reads the authorization keys of the configuration
// (config/authorization_settings.hpp).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/auth_settings.hpp"
#include "config/authorization_settings.hpp"
#include "config/yaml_reader.hpp"

namespace rampart::policy {
class CompiledRule;
}

namespace rampart::config {

// Whether `name` follows the naming rules of roles (and scopes and
// permissions): 1 to 128 letters, digits and . _ : / -. For stages that key
// settings by role.
bool is_role_name(std::string_view name);

// The top-level `roles` map: role name -> list of permission patterns.
AuthorizationSettings read_authorization_settings(const Section& root);

// A route's or group's `require` or `authorize`; nullopt when it states
// neither. A required permission must be granted by some role of `roles`
// (else the route could never be reached).
std::optional<RouteAuthorization> read_route_authorization(const Section& section,
                                                           const AuthorizationSettings& roles);

// Deny by default: a route with authentication needs a `require` or
// `authorize`, and a route with `auth: none` may have neither. `route` is the
// route's own section; `authorization_section` the innermost route or group
// that stated the authorization, if any.
void check_route_authorization(const RouteAuth& route_auth,
                               const std::optional<RouteAuthorization>& authorization,
                               const Section& route,
                               const std::optional<Section>& authorization_section);

// Compiles the `rule` key of `section` (a rule of the policy language); its
// errors name the file, and the line and column inside the rule.
std::shared_ptr<const policy::CompiledRule> compile_rule_at(const Section& section);

// Names as roles, scopes and permissions are spelt: 1 to 128 letters, digits
// and . _ : / -.
bool is_authorization_name(std::string_view name);

// The parameter names of a route's path template ("/tenants/{tenant}/files/{path...}" gives
// tenant and path), in order.
std::vector<std::string_view> template_parameters(std::string_view path_template);

// A rule that reads path.<name> where the route's template has no {name} could never be
// true: refused at load, at the position of that name in the rule. `key_path` names the rule
// ("routes[2].require.rule").
void check_rule_path_parameters(const policy::CompiledRule& rule, std::string_view path_template,
                                const std::string& file, const std::string& key_path);

}  // namespace rampart::config
