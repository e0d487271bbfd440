// Rules of the policy language on routes: compiled when the configuration loads, with errors at
// the rule's file, line and column, and evaluated over a request's Exchange.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "config/loader.hpp"
#include "config_error.hpp"
#include "pipeline/rule_context.hpp"
#include "policy/rule.hpp"

namespace {

using rampart::test::config_error_of;
using rampart::test::minimal_configuration;

std::string protected_route(const std::string& rule_line) {
    return minimal_configuration +
           "  - path: /users/{user_id}\n    methods: [GET]\n"
           "    upstream: app\n    auth: jwt\n    require:\n" +
           rule_line + "token_service: {}\n";
}

TEST(AuthorizationRule, LoadsWithTheRoute) {
    auto settings = rampart::config::load_settings_text(
        protected_route(
            "      rule: \"path.user_id == subject.sub || 'admin' in subject.roles\"\n"),
        "test.yaml");
    const auto* route = &settings.routes[1];
    ASSERT_TRUE(route->authorization.requirement.rule);
    EXPECT_EQ(route->authorization.requirement.rule->text(),
              "path.user_id == subject.sub || 'admin' in subject.roles");
}

TEST(AuthorizationRule, ErrorsNameTheFileLineAndColumnInTheRule) {
    // Line 17 of the file; the rule's text starts at column 14, the unknown root at 14 + 11.
    auto unknown_root =
        config_error_of(protected_route("      rule: \"path.id == somebody.sub\"\n"));
    EXPECT_NE(unknown_root.find("test.yaml:17:25:"), std::string::npos) << unknown_root;
    auto plain = config_error_of(protected_route("      rule: path.id == somebody.sub\n"));
    EXPECT_NE(plain.find("test.yaml:17:24:"), std::string::npos) << plain;
    EXPECT_NE(unknown_root.find("routes[1].require.rule"), std::string::npos) << unknown_root;

    auto not_bool = config_error_of(protected_route("      rule: \"size(subject.roles)\"\n"));
    EXPECT_NE(not_bool.find("routes[1].require.rule"), std::string::npos) << not_bool;

    auto not_text = config_error_of(protected_route("      rule: [a, b]\n"));
    EXPECT_NE(not_text.find("must be a string"), std::string::npos) << not_text;
}

rampart::pipeline::Exchange exchange_for(const std::string& subject,
                                         std::vector<std::string> roles) {
    rampart::pipeline::Exchange exchange;
    exchange.request.method(boost::beast::http::verb::get);
    exchange.normalized_path = "/users/usr_alice";
    exchange.path_parameters.emplace_back("user_id", "usr_alice");
    exchange.query = "tenant=t1&owner=a&owner=b&name=a%20b";
    exchange.client_address = boost::asio::ip::make_address("2001:db8::7");
    exchange.request.set("X-Tenant", "t1");
    rampart::pipeline::Identity identity;
    identity.subject = subject;
    identity.roles = std::move(roles);
    identity.scopes = {"users:read"};
    exchange.identity = identity;
    return exchange;
}

bool allows(const std::string& rule, const rampart::pipeline::Exchange& exchange) {
    auto compiled = rampart::policy::compile_rule(rule);
    return compiled.allows(rampart::pipeline::RuleContext(exchange));
}

TEST(AuthorizationRule, SeesTheRequestThroughTheExchange) {
    auto alice = exchange_for("usr_alice", {"customer"});
    auto bob = exchange_for("usr_bob", {"customer"});
    auto admin = exchange_for("usr_root", {"admin"});
    const std::string ownership = "path.user_id == subject.sub || 'admin' in subject.roles";
    EXPECT_TRUE(allows(ownership, alice));
    EXPECT_FALSE(allows(ownership, bob));
    EXPECT_TRUE(allows(ownership, admin));

    EXPECT_TRUE(allows("request.method == 'GET' && request.path.startsWith('/users/')", alice));
    EXPECT_TRUE(allows("request.ip == '2001:db8::7'", alice));
    EXPECT_TRUE(allows("request.headers['x-tenant'] == 't1'", alice));
    EXPECT_TRUE(allows("query.tenant == 't1'", alice));
    EXPECT_TRUE(allows("'users:read' in subject.scope", alice));
    // A parameter sent twice, or encoded, is absent: the rule cannot be satisfied by it.
    EXPECT_FALSE(allows("query.owner == 'a'", alice));
    EXPECT_FALSE(allows("query.owner == 'b'", alice));
    EXPECT_FALSE(allows("has(query.name)", alice));
    // Claims the identity does not have deny.
    EXPECT_FALSE(allows("subject.email == 'alice@example.com'", alice));

    rampart::pipeline::Exchange anonymous;
    EXPECT_FALSE(allows(ownership, anonymous));
}

// A verified JWT's other claims (an external issuer's email, tenant...) are read from its
// payload in place; what the identity itself says wins for the names it has.
TEST(AuthorizationRule, ReadsTheOtherClaimsOfAToken) {
    auto alice = exchange_for("usr_alice", {"customer"});
    alice.identity->claims = std::make_shared<const boost::json::object>(
        boost::json::parse(R"({"sub":"spoofed","email":"alice@example.com","tenant":"t1",
                               "groups":["ops","dev"],"level":3,"email_verified":true,
                               "mixed":["a",1],"profile":{"plan":"pro"},"ratio":0.5,
                               "https://example.com/plan":"pro"})")
            .as_object());
    EXPECT_TRUE(
        allows("subject.email.endsWith('@example.com') && subject.email_verified == true", alice));
    EXPECT_TRUE(allows("subject.tenant == 't1' && 'ops' in subject.groups", alice));
    EXPECT_TRUE(allows("subject.level >= 3 && size(subject.groups) == 2", alice));
    EXPECT_TRUE(allows("subject['https://example.com/plan'] == 'pro'", alice));
    EXPECT_TRUE(allows("subject.sub == 'usr_alice'", alice)) << "the identity's sub wins";
    // Present but of no type the language has: has() is true, every use denies.
    for (const auto* claim : {"mixed", "profile", "ratio"}) {
        EXPECT_TRUE(allows(std::string("has(subject.") + claim + ")", alice)) << claim;
        EXPECT_FALSE(allows(std::string("subject.") + claim + " == 'a'", alice)) << claim;
        EXPECT_FALSE(allows(std::string("!(subject.") + claim + " == 'a')", alice)) << claim;
    }
    EXPECT_FALSE(allows("has(subject.department)", alice));
    EXPECT_FALSE(allows("subject.department != 'sales'", alice)) << "absent is not unequal";
}

// A rule that names a path parameter its route's template does not have is refused at load,
// at the name's line and column.
TEST(AuthorizationRule, PathParametersMustBeInTheRoutesTemplate) {
    auto misspelt =
        config_error_of(protected_route("      rule: \"path.userid == subject.sub\"\n"));
    EXPECT_NE(misspelt.find("test.yaml:17:14: routes[1].require.rule: path.userid is not a "
                            "parameter of the route's path /users/{user_id}"),
              std::string::npos)
        << misspelt;
    auto later = config_error_of(
        protected_route("      rule: \"subject.sub == 'a' || path.tenant == 't1'\"\n"));
    EXPECT_NE(later.find("test.yaml:17:36:"), std::string::npos) << later;
    EXPECT_EQ(config_error_of(protected_route("      rule: \"path.user_id == subject.sub\"\n")),
              "(no error)");
    // From a group: checked against each route's own template.
    auto grouped = config_error_of(minimal_configuration +
                                   "  - prefix: /tenants/{tenant}\n    upstream: app\n"
                                   "    auth: jwt\n"
                                   "    require: {rule: \"path.tenant == subject.tenant\"}\n"
                                   "    routes:\n"
                                   "      - {path: /files, methods: [GET]}\n"
                                   "token_service: {}\n");
    EXPECT_EQ(grouped, "(no error)");
}

}  // namespace
