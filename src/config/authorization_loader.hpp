// Reads the authorization keys of the configuration
// (config/authorization_settings.hpp).
#pragma once

#include <optional>
#include <string_view>

#include "config/auth_settings.hpp"
#include "config/authorization_settings.hpp"
#include "config/yaml_reader.hpp"

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

}  // namespace rampart::config
