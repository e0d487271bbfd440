// Function-level authorization (AUTHZ-02, AUTHZ-05): what a route requires
// of the identity the authentication stage verified. A route with
// authentication states `require: {permissions, scopes, roles}` or
// `authorize: authenticated` (config/authorization_settings.hpp); the loader
// refuses one that states neither, so nothing is reachable by default.
//
// A request passes when its identity holds at least one of the required
// roles, every required permission through some role (the `roles` map), and
// every required scope. Otherwise: 403 with a generic problem body, nothing
// sent upstream, and an `authorization_denied` security event naming the
// route, the rule and what was missing. A bearer token that lacks only scopes
// also gets RFC 6750's `insufficient_scope` challenge.
//
// `require.shadow` is a second requirement, checked when the first passes:
// what it would refuse is an `authorization_shadow_denied` event, and the
// request proceeds (a rule being rolled out).
//
// Everything is compiled when the configuration loads (for each required
// permission, the set of roles granting it), so a request costs hash lookups
// over the identity's roles and allocates nothing unless it is denied.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

// What failed, as the security log names it: a reason code (missing_role,
// missing_permission, missing_scope, rule_denied, no_identity) and the names
// concerned (the roles, the missing permissions or scopes, the rule's text).
struct AuthorizationDenial {
    std::string_view reason;
    std::string missing;
};

// The decision of an authorization stage (one built by the factory below)
// for `exchange`, without answering or logging anything: nullopt when it
// passes, or when `stage` is some other stage. For `rampart policy test`.
std::optional<AuthorizationDenial> explain_authorization(const Stage& stage,
                                                         const Exchange& exchange);

// Order 36: right after authentication (35), before anything that does work
// for the caller. Built from the route's `require`/`authorize`, not from a
// key of its own.
StageFactory authorization_stage_factory();

}  // namespace rampart::pipeline
