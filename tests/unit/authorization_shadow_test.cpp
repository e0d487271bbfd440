// Shadow mode (`require.shadow`): a requirement being rolled out is checked
// and what it would refuse is logged as authorization_shadow_denied, naming
// the route, the rule and what was missing; nothing is enforced. Loaded with
// errors at file:line:column and key path like `require` itself.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "config_error.hpp"
#include "log_lines.hpp"
#include "observe/log_sink.hpp"
#include "observe/security_events.hpp"
#include "pipeline/stage_registry.hpp"
#include "pipeline/stages/stage_factories.hpp"
#include "policy/rule.hpp"

namespace {

using namespace rampart;
using pipeline::Exchange;
using pipeline::Identity;
using pipeline::Verdict;
namespace http = pipeline::http;

// Nine lines: routes start on line 10.
const std::string base = R"(listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
token_service: {}
roles:
  clerk: ["orders:*"]
)";

const std::string configuration = base + R"(routes:
  - name: users
    path: /users/{user_id}
    methods: [GET]
    upstream: app
    auth: jwt
    require:
      roles: [customer, admin]
      shadow: {rule: "path.user_id == subject.sub || 'admin' in subject.roles"}
  - name: observed
    path: /orders
    methods: [GET]
    upstream: app
    auth: jwt
    require: {shadow: {permissions: [orders:read]}}
)";

const config::Settings& settings() {
    static const config::Settings loaded = config::load_settings_text(configuration, "shadow.yaml");
    return loaded;
}

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

Exchange exchange_for(std::string subject, std::vector<std::string> roles,
                      std::string user_id = "usr_alice") {
    Exchange exchange;
    exchange.request = pipeline::Request{http::verb::get, "/users/" + user_id, 11};
    exchange.request_id = "req-3";
    exchange.normalized_path = "/users/" + user_id;
    exchange.path_parameters.emplace_back("user_id", user_id);
    Identity identity;
    identity.subject = std::move(subject);
    identity.roles = std::move(roles);
    exchange.identity = identity;
    return exchange;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

std::string protected_route(const std::string& require_lines) {
    return test::minimal_configuration +
           "  - path: /users/{user_id}\n    methods: [GET]\n"
           "    upstream: app\n    auth: jwt\n    require:\n" +
           require_lines + "token_service: {}\n";
}

}  // namespace

TEST(AuthorizationShadow, LoadsBesideTheEnforcedRequirement) {
    const auto& users = settings().routes[0].authorization;
    EXPECT_EQ(users.requirement.roles, (std::vector<std::string>{"admin", "customer"}));
    EXPECT_FALSE(users.requirement.rule);
    ASSERT_TRUE(users.shadow);
    ASSERT_TRUE(users.shadow->rule);
    EXPECT_EQ(users.shadow->rule->text(),
              "path.user_id == subject.sub || 'admin' in subject.roles");
    EXPECT_EQ(users.shadow_rule, "shadow.yaml:18 routes[0].require.shadow");
    EXPECT_FALSE(settings().routes[1].authorization.requirement.rule);
    ASSERT_TRUE(settings().routes[1].authorization.shadow);
}

TEST(AuthorizationShadow, EnforcesNothingOfTheShadow) {
    auto other = exchange_for("usr_bob", {"customer"}, "usr_alice");
    EXPECT_EQ(stage_of("users")->on_request_head(other), Verdict::proceed);
    auto own = exchange_for("usr_alice", {"customer"});
    EXPECT_EQ(stage_of("users")->on_request_head(own), Verdict::proceed);
    auto observed = exchange_for("usr_bob", {"guest"});
    EXPECT_EQ(stage_of("observed")->on_request_head(observed), Verdict::proceed);
    // The enforced part still is, and an identity is still needed.
    auto wrong_role = exchange_for("usr_alice", {"guest"});
    EXPECT_EQ(stage_of("users")->on_request_head(wrong_role), Verdict::respond);
    EXPECT_EQ(wrong_role.response.result(), http::status::forbidden);
    auto nobody = exchange_for("usr_alice", {"customer"});
    nobody.identity.reset();
    EXPECT_EQ(stage_of("observed")->on_request_head(nobody), Verdict::respond);
}

TEST(AuthorizationShadow, WouldBeDenialsAreSecurityEvents) {
    auto directory = std::filesystem::temp_directory_path() /
                     ("rampart-shadow-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory);
    auto log_path = (directory / "security.log").string();
    {
        observe::LogSink sink(config::LogSink{true, log_path});
        observe::SecurityEvents events(&sink);
        auto attempt = [&](const std::string& route, Exchange exchange) {
            exchange.security_events = &events;
            stage_of(route)->on_request_head(exchange);
        };
        attempt("users", exchange_for("usr_bob", {"customer"}, "usr_alice"));  // shadow denies
        attempt("users", exchange_for("usr_alice", {"customer"}));             // passes: no event
        attempt("users", exchange_for("usr_root", {"admin"}, "usr_alice"));    // passes: no event
        attempt("observed", exchange_for("usr_bob", {"guest"}));               // shadow denies
        attempt("users", exchange_for("usr_bob", {"guest"}));  // enforced denial only
        sink.flush();
    }
    auto lines = rampart::test::read_log_lines(log_path);
    std::filesystem::remove_all(directory);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_TRUE(contains(lines[0], "\"event\":\"authorization_shadow_denied\"")) << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"route\":\"users\"")) << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"reason\":\"rule_denied\"")) << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"rule\":\"shadow.yaml:18 routes[0].require.shadow\""))
        << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"subject\":\"usr_bob\"")) << lines[0];
    EXPECT_TRUE(contains(lines[1], "\"event\":\"authorization_shadow_denied\"")) << lines[1];
    EXPECT_TRUE(contains(lines[1], "\"reason\":\"missing_permission\"")) << lines[1];
    EXPECT_TRUE(contains(lines[1], "\"missing\":\"orders:read\"")) << lines[1];
    EXPECT_TRUE(contains(lines[2], "\"event\":\"authorization_denied\"")) << lines[2];
}

TEST(AuthorizationShadow, ConfigurationErrors) {
    auto bad_rule = test::config_error_of(
        protected_route("      roles: [customer]\n      shadow: {rule: \"path.id == who.sub\"}\n"));
    EXPECT_TRUE(contains(bad_rule, "test.yaml:18:")) << bad_rule;
    EXPECT_TRUE(contains(bad_rule, "routes[1].require.shadow.rule")) << bad_rule;
    auto empty = test::config_error_of(protected_route("      shadow: {}\n"));
    EXPECT_TRUE(contains(empty, "test.yaml:17:")) << empty;
    EXPECT_TRUE(contains(empty, "routes[1].require.shadow: requires nothing")) << empty;
    auto not_a_map = test::config_error_of(protected_route("      shadow: \"x == 1\"\n"));
    EXPECT_TRUE(contains(not_a_map, "routes[1].require.shadow: must be a map")) << not_a_map;
    auto nested = test::config_error_of(
        protected_route("      shadow: {roles: [a], shadow: {roles: [b]}}\n"));
    EXPECT_TRUE(contains(nested, "routes[1].require.shadow.shadow: unknown key")) << nested;
    auto unknown = test::config_error_of(protected_route("      shadow: {rols: [a]}\n"));
    EXPECT_TRUE(contains(unknown, "routes[1].require.shadow.rols: unknown key")) << unknown;
    auto ungranted =
        test::config_error_of(protected_route("      shadow: {permissions: [orders:x]}\n"));
    EXPECT_TRUE(contains(ungranted, "routes[1].require.shadow.permissions: no role")) << ungranted;
}
