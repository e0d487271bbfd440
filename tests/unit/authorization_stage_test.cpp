// The authorization stage's decisions (AUTHZ-02, AUTHZ-05): roles, permissions
// through the `roles` map (with wildcards), scopes, the RFC 6750
// insufficient_scope challenge for bearer tokens, fail-closed without an
// identity, and the security event of every denial. Stages are built through
// the factory from a loaded configuration, as the snapshot does.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "log_lines.hpp"
#include "observe/log_sink.hpp"
#include "observe/security_events.hpp"
#include "pipeline/stage_registry.hpp"
#include "pipeline/stages/stage_factories.hpp"

namespace {

using namespace rampart;
using pipeline::CredentialKind;
using pipeline::Exchange;
using pipeline::Identity;
using pipeline::Verdict;
namespace http = pipeline::http;

const std::string configuration = R"(listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
token_service: {}
roles:
  admin: ["*"]
  clerk: ["orders:*"]
  auditor: [orders:read, reports:read]
routes:
  - {name: admin-only, path: /admin, methods: [GET], upstream: app, auth: jwt,
     require: {roles: [admin, operator]}}
  - {name: order-delete, path: /orders, methods: [DELETE], upstream: app, auth: jwt,
     require: {permissions: [orders:delete, orders:read]}}
  - {name: reports, path: /reports, methods: [POST], upstream: app, auth: [jwt, api_key],
     require: {scopes: [reports:write, reports:read]}}
  - {name: combined, path: /combined, methods: [GET], upstream: app, auth: jwt,
     require: {roles: [auditor, clerk], permissions: [reports:read], scopes: [api]}}
  - {name: anyone, path: /anyone, methods: [GET], upstream: app, auth: jwt,
     authorize: authenticated}
  - {name: public, path: /public, methods: [GET], upstream: app, auth: none}
)";

const config::Settings& settings() {
    static const config::Settings loaded =
        config::load_settings_text(configuration, "authorization.yaml");
    return loaded;
}

// The authorization stage of the named route, or null when none is built.
std::shared_ptr<const pipeline::Stage> stage_of(const std::string& route_name) {
    static const pipeline::StageServices services;
    for (const auto& route : settings().routes) {
        if (route.name == route_name) {
            return pipeline::authorization_stage_factory().build(
                pipeline::StageBuildContext{settings(), &route, std::nullopt, services});
        }
    }
    throw std::runtime_error("no route " + route_name);
}

Identity identity(std::vector<std::string> roles, std::vector<std::string> scopes = {},
                  CredentialKind credential = CredentialKind::access_token) {
    Identity made;
    made.credential = credential;
    made.subject = "usr_alice";
    made.roles = std::move(roles);
    made.scopes = std::move(scopes);
    return made;
}

struct Outcome {
    Verdict verdict;
    Exchange exchange;
};

Outcome run(const std::string& route_name, std::optional<Identity> who) {
    Outcome outcome{Verdict::proceed, {}};
    outcome.exchange.request = pipeline::Request{http::verb::get, "/x", 11};
    outcome.exchange.request_id = "req-7";
    outcome.exchange.identity = std::move(who);
    auto stage = stage_of(route_name);
    EXPECT_TRUE(stage) << route_name;
    outcome.verdict = stage->on_request_head(outcome.exchange);
    return outcome;
}

Verdict verdict(const std::string& route_name, Identity who) {
    return run(route_name, std::move(who)).verdict;
}

std::string header(const Exchange& exchange, http::field name) {
    auto found = exchange.response.find(name);
    return found == exchange.response.end() ? "<absent>" : std::string(found->value());
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

}  // namespace

TEST(AuthorizationStage, RunsRightAfterAuthenticationAndOnlyWhereARuleIsStated) {
    auto factory = pipeline::authorization_stage_factory();
    EXPECT_EQ(factory.order, 36);
    EXPECT_TRUE(factory.key.empty());
    EXPECT_FALSE(stage_of("public")) << "auth: none has nothing to authorize";
    EXPECT_TRUE(stage_of("anyone"));
    std::vector<std::string_view> names;
    for (const auto& built : pipeline::build_stages(settings(), &settings().routes[0], {})) {
        names.push_back(built->name());
    }
    auto authentication = std::find(names.begin(), names.end(), "authentication");
    ASSERT_NE(authentication, names.end());
    ASSERT_NE(authentication + 1, names.end());
    EXPECT_EQ(*(authentication + 1), "authorization");
}

// Any one of the listed roles passes; none of them is a 403.
TEST(AuthorizationStage, RolesAnyOne) {
    EXPECT_EQ(verdict("admin-only", identity({"admin"})), Verdict::proceed);
    EXPECT_EQ(verdict("admin-only", identity({"customer", "operator"})), Verdict::proceed);
    auto denied = run("admin-only", identity({"customer", "Admin"}));
    EXPECT_EQ(denied.verdict, Verdict::respond);
    EXPECT_EQ(denied.exchange.response.result(), http::status::forbidden);
    EXPECT_EQ(header(denied.exchange, http::field::content_type), "application/problem+json");
    EXPECT_FALSE(contains(denied.exchange.response.body(), "admin")) << "the body is generic";
    EXPECT_EQ(header(denied.exchange, http::field::www_authenticate), "<absent>")
        << "a missing role is no scope problem";
    EXPECT_EQ(verdict("admin-only", identity({})), Verdict::respond);
}

// Every permission, each granted by some role of the identity; "orders:*" and
// "*" are wildcards, matched on the role side only.
TEST(AuthorizationStage, PermissionsAllThroughRoles) {
    EXPECT_EQ(verdict("order-delete", identity({"clerk"})), Verdict::proceed);
    EXPECT_EQ(verdict("order-delete", identity({"admin"})), Verdict::proceed);
    EXPECT_EQ(verdict("order-delete", identity({"auditor"})), Verdict::respond)
        << "orders:read alone is not orders:delete";
    EXPECT_EQ(verdict("order-delete", identity({"auditor", "customer"})), Verdict::respond);
    EXPECT_EQ(verdict("order-delete", identity({"orders:delete", "orders:read"})), Verdict::respond)
        << "a role named like a permission grants nothing";
    EXPECT_EQ(verdict("order-delete", identity({})), Verdict::respond);
}

// Every scope; a bearer token short of scope gets RFC 6750's challenge naming
// what the route needs, an API key gets the 403 alone.
TEST(AuthorizationStage, ScopesAllWithInsufficientScopeChallenge) {
    EXPECT_EQ(verdict("reports", identity({}, {"reports:read", "reports:write"})),
              Verdict::proceed);
    auto denied = run("reports", identity({}, {"reports:read"}));
    EXPECT_EQ(denied.verdict, Verdict::respond);
    EXPECT_EQ(denied.exchange.response.result(), http::status::forbidden);
    EXPECT_EQ(header(denied.exchange, http::field::www_authenticate),
              "Bearer realm=\"rampart\", error=\"insufficient_scope\", "
              "scope=\"reports:read reports:write\"");
    auto key = run("reports", identity({}, {"reports:read"}, CredentialKind::api_key));
    EXPECT_EQ(key.verdict, Verdict::respond);
    EXPECT_EQ(header(key.exchange, http::field::www_authenticate), "<absent>");
}

TEST(AuthorizationStage, CombinedRequirementsMustAllHold) {
    EXPECT_EQ(verdict("combined", identity({"auditor"}, {"api"})), Verdict::proceed);
    EXPECT_EQ(verdict("combined", identity({"clerk"}, {"api"})), Verdict::respond)
        << "clerk has the role but not reports:read";
    EXPECT_EQ(verdict("combined", identity({"clerk", "admin"}, {"api"})), Verdict::proceed);
    EXPECT_EQ(verdict("combined", identity({"admin"}, {"api"})), Verdict::respond)
        << "admin grants the permission but is not a listed role";
    auto no_scope = run("combined", identity({"auditor"}, {}));
    EXPECT_EQ(no_scope.verdict, Verdict::respond);
    EXPECT_TRUE(
        contains(header(no_scope.exchange, http::field::www_authenticate), "insufficient_scope"));
    auto no_role = run("combined", identity({"guest"}, {}));
    EXPECT_EQ(header(no_role.exchange, http::field::www_authenticate), "<absent>")
        << "the challenge only when scope is all that is missing";
}

// authorize: authenticated lets any identity through; no identity at all
// (authentication did not run) fails closed.
TEST(AuthorizationStage, AuthenticatedAndFailClosed) {
    EXPECT_EQ(verdict("anyone", identity({})), Verdict::proceed);
    auto nobody = run("anyone", std::nullopt);
    EXPECT_EQ(nobody.verdict, Verdict::respond);
    EXPECT_EQ(nobody.exchange.response.result(), http::status::forbidden);
    EXPECT_EQ(run("admin-only", std::nullopt).verdict, Verdict::respond);
}

// Every denial is an authorization_denied event naming the route, the rule
// and what was missing, by name only.
TEST(AuthorizationStage, DenialsAreSecurityEvents) {
    auto directory = std::filesystem::temp_directory_path() /
                     ("rampart-authorization-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory);
    auto log_path = (directory / "security.log").string();
    {
        observe::LogSink sink(config::LogSink{true, log_path});
        observe::SecurityEvents events(&sink);
        auto attempt = [&](const std::string& route, Identity who) {
            Exchange exchange;
            exchange.request = pipeline::Request{http::verb::delete_, "/orders", 11};
            exchange.request_id = "req-9";
            exchange.security_events = &events;
            exchange.identity = std::move(who);
            stage_of(route)->on_request_head(exchange);
        };
        attempt("admin-only", identity({"customer"}));
        attempt("order-delete", identity({"auditor"}));
        attempt("reports", identity({}, {"reports:read"}));
        attempt("admin-only", identity({"admin"}));  // allowed: no event
        sink.flush();
    }
    auto lines = rampart::test::read_log_lines(log_path);
    std::filesystem::remove_all(directory);
    ASSERT_EQ(lines.size(), 3u);
    for (const auto& line : lines) {
        EXPECT_TRUE(contains(line, "\"event\":\"authorization_denied\"")) << line;
        EXPECT_TRUE(contains(line, "\"subject\":\"usr_alice\"")) << line;
        EXPECT_TRUE(contains(line, "\"request_id\":\"req-9\"")) << line;
    }
    EXPECT_TRUE(contains(lines[0], "\"route\":\"admin-only\"")) << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"reason\":\"missing_role\"")) << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"missing\":\"admin operator\"")) << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"rule\":\"authorization.yaml:13 routes[0].require\""))
        << lines[0];
    EXPECT_TRUE(contains(lines[1], "\"reason\":\"missing_permission\"")) << lines[1];
    EXPECT_TRUE(contains(lines[1], "\"missing\":\"orders:delete\"")) << lines[1];
    EXPECT_TRUE(contains(lines[2], "\"reason\":\"missing_scope\"")) << lines[2];
    EXPECT_TRUE(contains(lines[2], "\"missing\":\"reports:write\"")) << lines[2];
}
