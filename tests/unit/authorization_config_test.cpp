// The authorization keys of the configuration (AUTHZ-02, AUTHZ-05): the
// `roles` map, a route's `require` or `authorize`, deny by default for
// authenticated routes, inheritance from groups, and method-level routes on
// one path. Errors name the file, line, column and key path.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "config/loader.hpp"
#include "config/snapshot.hpp"
#include "config_error.hpp"
#include "observe/metrics.hpp"

using rampart::config::AuthorizationMode;
using rampart::config::load_settings_text;
using rampart::config::Route;
using rampart::config::Settings;

namespace {

// Seven lines: routes start on line 8.
const std::string base = R"(listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
token_service: {}
)";

std::string error_of(const std::string& text) {
    return rampart::test::config_error_of(text);
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

const Route& route_named(const Settings& settings, const std::string& name) {
    for (const auto& route : settings.routes) {
        if (route.name == name) {
            return route;
        }
    }
    throw std::runtime_error("no route named " + name);
}

}  // namespace

TEST(AuthorizationConfig, RolesAndRequirementsAreReadSorted) {
    auto settings = load_settings_text(base + R"(roles:
  admin: ["*"]
  clerk: [orders:write, "orders:read", "reports:*"]
  guest: []
routes:
  - name: orders
    path: /orders
    methods: [GET]
    upstream: app
    auth: jwt
    require: {permissions: [orders:read], scopes: [orders, api], roles: [clerk, admin]}
  - name: me
    path: /me
    methods: [GET]
    upstream: app
    auth: [jwt, api_key]
    authorize: authenticated
)",
                                       "t.yaml");
    EXPECT_EQ(settings.authorization.roles.at("clerk"),
              (std::vector<std::string>{"orders:read", "orders:write", "reports:*"}));
    EXPECT_EQ(settings.authorization.roles.at("admin"), std::vector<std::string>{"*"});
    EXPECT_TRUE(settings.authorization.roles.at("guest").empty());
    const auto& orders = route_named(settings, "orders").authorization;
    EXPECT_EQ(orders.mode, AuthorizationMode::require);
    EXPECT_EQ(orders.requirement.permissions, std::vector<std::string>{"orders:read"});
    EXPECT_EQ(orders.requirement.scopes, (std::vector<std::string>{"api", "orders"}));
    EXPECT_EQ(orders.requirement.roles, (std::vector<std::string>{"admin", "clerk"}));
    EXPECT_EQ(orders.rule, "t.yaml:13 routes[0].require");
    const auto& me = route_named(settings, "me").authorization;
    EXPECT_EQ(me.mode, AuthorizationMode::authenticated);
    EXPECT_EQ(me.rule, "t.yaml:19 routes[1].authorize");
}

// AUTHZ-02: deny by default. An authenticated route that says nothing about
// authorization does not load; the message names the route's line.
TEST(AuthorizationConfig, AuthenticatedRouteWithoutARuleIsRefused) {
    auto message = error_of(base + R"(routes:
  - path: /items
    methods: [GET]
    upstream: app
    auth: jwt
)");
    EXPECT_TRUE(contains(message,
                         "test.yaml:9:5: routes[0].require: is required on a route "
                         "with authentication (deny by default)"))
        << message;
    EXPECT_TRUE(contains(message, "authorize: authenticated")) << message;
}

TEST(AuthorizationConfig, RuleOnAPublicRouteIsRefused) {
    auto message = error_of(base + R"(routes:
  - path: /items
    methods: [GET]
    upstream: app
    auth: none
    require: {roles: [admin]}
)");
    EXPECT_TRUE(contains(message,
                         "test.yaml:13:14: routes[0].require: applies to authenticated "
                         "routes only"))
        << message;
    message = error_of(base + R"(routes:
  - path: /items
    methods: [GET]
    upstream: app
    auth: none
    authorize: authenticated
)");
    EXPECT_TRUE(contains(message, "routes[0].authorize: applies to authenticated routes only"))
        << message;
}

TEST(AuthorizationConfig, MalformedRulesAreRefusedWithTheirKey) {
    auto route = [](const std::string& rule) {
        return base + "routes:\n  - path: /items\n    methods: [GET]\n    upstream: app\n" +
               "    auth: jwt\n" + rule;
    };
    auto message = error_of(route("    require: {roles: [admin]}\n    authorize: authenticated\n"));
    EXPECT_TRUE(contains(message,
                         "test.yaml:14:16: routes[0].authorize: cannot be combined with "
                         "require"))
        << message;
    message = error_of(route("    authorize: everyone\n"));
    EXPECT_TRUE(contains(message, "test.yaml:13:16: routes[0].authorize: must be `authenticated`"))
        << message;
    message = error_of(route("    require: {}\n"));
    EXPECT_TRUE(contains(message, "routes[0].require: requires nothing")) << message;
    message = error_of(route("    require:\n"));
    EXPECT_TRUE(contains(message, "routes[0].require: must be a map")) << message;
    message = error_of(route("    require: {role: [admin]}\n"));
    EXPECT_TRUE(contains(message, "test.yaml:13:15: routes[0].require.role: unknown key"))
        << message;
    message = error_of(route("    require: {roles: [admin, 'bad role']}\n"));
    EXPECT_TRUE(contains(message,
                         "test.yaml:13:30: routes[0].require.roles[1]: \"bad role\" is "
                         "not valid"))
        << message;
    message = error_of(route("    require: {scopes: [read, read]}\n"));
    EXPECT_TRUE(contains(message, "routes[0].require.scopes[0]: \"read\" is listed twice"))
        << message;
    message = error_of("roles: {clerk: [orders:read]}\n" +
                       route("    require: {permissions: [orders:*]}\n"));
    EXPECT_TRUE(contains(message, "routes[0].require.permissions[0]: \"orders:*\" is not valid"))
        << message;
    EXPECT_TRUE(contains(message, "no wildcard")) << message;
}

// A permission pattern must be well formed: a name, a name ending in ":*", or "*".
TEST(AuthorizationConfig, MalformedPermissionPatternsAreRefused) {
    const std::string routes =
        "routes:\n  - path: /items\n    methods: [GET]\n    upstream: app\n    auth: none\n";
    for (const char* pattern :
         {"orders*", "*:read", "orders:*:x", "orders:**", "or ders", "", ":*"}) {
        auto message =
            error_of(base + "roles:\n  clerk: [orders:read, '" + pattern + "']\n" + routes);
        EXPECT_TRUE(contains(message, "test.yaml:9:24: roles.clerk[1]: \"" + std::string(pattern) +
                                          "\" is not valid"))
            << pattern << ": " << message;
    }
    auto message = error_of(base + "roles:\n  'bad role': [orders:read]\n" + routes);
    EXPECT_TRUE(contains(message,
                         "test.yaml:9:3: roles.bad role: role name \"bad role\" is not "
                         "valid"))
        << message;
    message = error_of(base + "roles: [admin]\n" + routes);
    EXPECT_TRUE(contains(message, "roles: must be a map")) << message;
    message = error_of(base + "roles:\n  clerk: orders:read\n" + routes);
    EXPECT_TRUE(contains(message, "roles.clerk: must be a list")) << message;
}

// Permissions come only from roles: one that no role grants would make the
// route unreachable, which is a mistake worth stopping the load for.
TEST(AuthorizationConfig, PermissionNoRoleGrantsIsRefused) {
    const std::string route =
        "routes:\n  - path: /items\n    methods: [DELETE]\n    upstream: app\n    auth: jwt\n"
        "    require: {permissions: [orders:read, orders:delete]}\n";
    auto message = error_of(base + "roles: {clerk: [orders:read]}\n" + route);
    EXPECT_TRUE(contains(message,
                         "routes[0].require.permissions: no role under `roles` grants "
                         "\"orders:delete\""))
        << message;
    EXPECT_EQ(error_of(base + "roles: {clerk: [orders:read], admin: ['orders:*']}\n" + route),
              "(no error)");
    EXPECT_EQ(error_of(base + "roles: {root: ['*']}\n" + route), "(no error)");
}

// Like auth, a group's rule passes down and the innermost one wins; `auth:
// none` inside a protected group drops the group's rule.
TEST(AuthorizationConfig, GroupsPassTheirRuleDown) {
    auto settings = load_settings_text(base + R"(routes:
  - prefix: /admin
    upstream: app
    auth: jwt
    require: {roles: [admin]}
    routes:
      - {name: users, path: /users, methods: [GET]}
      - {name: profile, path: /me, methods: [GET], authorize: authenticated}
      - {name: status, path: /status, methods: [GET], auth: none}
      - {name: keys, path: /keys, methods: [GET], auth: api_key}
)",
                                       "t.yaml");
    const auto& users = route_named(settings, "users").authorization;
    EXPECT_EQ(users.mode, AuthorizationMode::require);
    EXPECT_EQ(users.requirement.roles, std::vector<std::string>{"admin"});
    EXPECT_EQ(users.rule, "t.yaml:9 routes[0].require");
    EXPECT_EQ(route_named(settings, "profile").authorization.mode,
              AuthorizationMode::authenticated);
    EXPECT_EQ(route_named(settings, "status").authorization.mode, AuthorizationMode::unset);
    EXPECT_EQ(route_named(settings, "keys").authorization.mode, AuthorizationMode::require);

    auto message = error_of(base + R"(routes:
  - prefix: /public
    upstream: app
    auth: none
    routes:
      - {path: /a, methods: [GET]}
      - {path: /b, methods: [GET], auth: jwt}
)");
    EXPECT_TRUE(contains(message, "test.yaml:14:9: routes[0].routes[1].require: is required"))
        << message;
}

// The token service's password change is authenticated by the user's own
// token: it is `authorize: authenticated`; the other endpoints are public.
TEST(AuthorizationConfig, TokenServiceRoutesStayReachable) {
    auto settings = load_settings_text(
        base + "routes:\n  - {path: /x, methods: [GET], upstream: app, auth: none}\n", "t.yaml");
    for (const auto& route : settings.routes) {
        if (route.handler == "password") {
            EXPECT_EQ(route.authorization.mode, AuthorizationMode::authenticated);
        } else {
            EXPECT_EQ(route.authorization.mode, AuthorizationMode::unset) << route.name;
            EXPECT_TRUE(route.auth.is_none()) << route.name;
        }
    }
}

// Method-level rules: two routes on one path with disjoint methods load, each
// with its own rule; unnamed, each is named by its methods. The same method
// twice is still a conflict.
TEST(AuthorizationConfig, MethodLevelRoutesOnOnePath) {
    const std::string routes = R"(routes:
  - path: /orders/{order_id}
    methods: [GET, PATCH]
    upstream: app
    auth: jwt
    require: {roles: [user, admin]}
  - path: /orders/{order_id}
    methods: [DELETE]
    upstream: app
    auth: jwt
    require: {roles: [admin]}
)";
    auto settings = load_settings_text(base + routes, "t.yaml");
    const auto& read = route_named(settings, "GET,PATCH /orders/{order_id}");
    const auto& remove = route_named(settings, "DELETE /orders/{order_id}");
    EXPECT_EQ(read.authorization.requirement.roles, (std::vector<std::string>{"admin", "user"}));
    EXPECT_EQ(remove.authorization.requirement.roles, std::vector<std::string>{"admin"});
    rampart::observe::Metrics metrics(1);
    EXPECT_NO_THROW(rampart::config::Snapshot::build(std::move(settings), metrics, 1, {}));

    auto named = load_settings_text(
        base +
            "routes:\n"
            "  - {name: read, path: /o, methods: [GET], upstream: app, auth: none}\n"
            "  - {path: /o, methods: [DELETE], upstream: app, auth: none}\n",
        "t.yaml");
    EXPECT_NO_THROW(route_named(named, "read"));
    EXPECT_NO_THROW(route_named(named, "/o")) << "only clashing default names change";

    auto overlapping = load_settings_text(
        base +
            "routes:\n"
            "  - {path: /o, methods: [GET], upstream: app, auth: none}\n"
            "  - {path: /o, methods: [HEAD, DELETE], upstream: app, auth: none}\n",
        "t.yaml");
    rampart::observe::Metrics more_metrics(1);
    try {
        rampart::config::Snapshot::build(std::move(overlapping), more_metrics, 1, {});
        FAIL() << "GET and HEAD on one path overlap";
    } catch (const rampart::config::ConfigError& error) {
        EXPECT_TRUE(contains(error.what(), "for method HEAD")) << error.what();
    }
}

// The embedded default: v2 needs any identity, and deleting a user needs admin.
TEST(AuthorizationConfig, EmbeddedDefaultStatesItsRules) {
    auto settings =
        load_settings_text(rampart::config::embedded_default_configuration(), "(embedded)");
    const auto& remove = route_named(settings, "DELETE /api/v2/users/{user_id}");
    EXPECT_EQ(remove.authorization.requirement.roles, std::vector<std::string>{"admin"});
    EXPECT_EQ(route_named(settings, "GET,PATCH /api/v2/users/{user_id}").authorization.mode,
              AuthorizationMode::authenticated);
    EXPECT_EQ(route_named(settings, "/api/v2/orders").authorization.mode,
              AuthorizationMode::authenticated);
    EXPECT_EQ(route_named(settings, "/api/v1/orders").authorization.mode, AuthorizationMode::unset);
}
