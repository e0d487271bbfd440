// The rule language's type checker, through compile_rule: which rules load,
// and the message and exact position of each type error.
#include <gtest/gtest.h>

#include <string>

#include "policy/rule.hpp"

namespace {

using namespace rampart::policy;

std::string compile_error(std::string_view text, RulePosition where = {}) {
    try {
        compile_rule(text, where);
    } catch (const RuleError& error) {
        return error.what();
    }
    return "";
}

ValueType type_of_root(std::string_view text) {
    CompiledRule rule = compile_rule(text);
    return rule.syntax().nodes[rule.syntax().root()].type;
}

TEST(PolicyTypes, AcceptsTypicalRules) {
    for (std::string_view rule : {
             "path.user_id == subject.sub || 'admin' in subject.roles",
             "subject.tenant == path.tenant && request.method in ['GET', 'HEAD']",
             "request.headers['X-Tenant'] == subject.tenant",
             "context.time < timestamp('2027-01-01T00:00:00Z')",
             "has(subject.email) && subject.email.endsWith('@example.com')",
             "size(subject.roles) > 0 && subject.roles.size() < 10",
             "subject.level >= 3 && subject.level in [3, 4, 5]",
             "subject.email_verified",
             "subject.email_verified == true",
             "!(query.debug == 'true')",
             "request.path.startsWith('/api/') && request.ip.contains(':') == false",
             "subject.sub == subject.owner",
             "subject.name < 'm'",
             "size('abc') == 3 && size(['a']) == 1 && size([1, 2]) == 2",
             "has(path.id) && has(query.q) && has(request.headers['X-A'])",
         }) {
        EXPECT_EQ(compile_error(rule), "") << rule;
    }
}

TEST(PolicyTypes, GivesClaimsTheDynamicType) {
    CompiledRule rule = compile_rule("subject.sub == 'x'");
    const auto& nodes = rule.syntax().nodes;
    EXPECT_EQ(nodes[0].type, ValueType::claim);
    EXPECT_EQ(nodes[1].type, ValueType::string);
    EXPECT_EQ(nodes[2].type, ValueType::boolean);
    EXPECT_EQ(type_of_root("subject.admin"), ValueType::claim);
    EXPECT_EQ(type_of_root("!subject.admin"), ValueType::boolean);
}

TEST(PolicyTypes, RequiresTheRuleToBeBool) {
    EXPECT_EQ(compile_error("'admin'"),
              "1:1: a rule must be a bool expression, this one is a string");
    EXPECT_EQ(compile_error("size(subject.roles)", {4, 9, 0}),
              "4:9: a rule must be a bool expression, this one is a int");
    EXPECT_EQ(compile_error("request.path"),
              "1:1: a rule must be a bool expression, this one is a string");
    EXPECT_EQ(compile_error("['a']"),
              "1:1: a rule must be a bool expression, this one is a list<string>");
}

TEST(PolicyTypes, RefusesComparisonsOfDifferentTypes) {
    EXPECT_EQ(compile_error("'a' < 3"), "1:5: cannot compare string with int using '<'");
    EXPECT_EQ(compile_error("request.method == 1"),
              "1:16: cannot compare string with int using '=='");
    EXPECT_EQ(compile_error("true < false"), "1:6: cannot compare bool with bool using '<'");
    EXPECT_EQ(compile_error("['a'] == ['a']"),
              "1:7: cannot compare list<string> with list<string> using '=='");
    EXPECT_EQ(compile_error("subject.exp > context.time"),
              "1:13: cannot compare claim with timestamp using '>'");
    EXPECT_EQ(compile_error("context.time > '2026-01-01'"),
              "1:14: cannot compare timestamp with string using '>'");
    EXPECT_EQ(compile_error("subject.admin < true"),
              "1:15: cannot compare claim with bool using '<'");
}

TEST(PolicyTypes, RefusesInAgainstANonList) {
    EXPECT_EQ(compile_error("'admin' in request.path"),
              "1:9: 'in' needs a list on its right, got string");
    EXPECT_EQ(compile_error("'a' in 'abc'"), "1:5: 'in' needs a list on its right, got string");
    EXPECT_EQ(compile_error("1 in context.time"),
              "1:3: 'in' needs a list on its right, got timestamp");
    EXPECT_EQ(compile_error("1 in subject.roles"), "1:3: cannot look for int in claim");
    EXPECT_EQ(compile_error("'a' in [1, 2]"), "1:5: cannot look for string in list<int>");
    EXPECT_EQ(compile_error("true in ['a']"), "1:6: cannot look for bool in list<string>");
}

TEST(PolicyTypes, RefusesWrongArguments) {
    EXPECT_EQ(compile_error("size(true) > 0"), "1:6: size() takes a string or a list, got bool");
    EXPECT_EQ(compile_error("size(context.time) > 0"),
              "1:6: size() takes a string or a list, got timestamp");
    EXPECT_EQ(compile_error("subject.email.endsWith(1)"),
              "1:24: endsWith() takes a string, got int");
    EXPECT_EQ(compile_error("context.time.startsWith('2')"),
              "1:1: startsWith() is a method of strings, not of timestamp");
    EXPECT_EQ(compile_error("['a'].contains('a')"),
              "1:1: contains() is a method of strings, not of list<string>");
    EXPECT_EQ(compile_error("has(request.method)"),
              "1:5: has() takes subject.<claim>, path.<name>, query.<name> or "
              "request.headers['<name>']");
    EXPECT_EQ(compile_error("has('x')"),
              "1:5: has() takes subject.<claim>, path.<name>, query.<name> or "
              "request.headers['<name>']");
}

TEST(PolicyTypes, RefusesNonBoolOperandsOfLogic) {
    EXPECT_EQ(compile_error("true && 'yes'"), "1:9: '&&' needs a bool, got string");
    EXPECT_EQ(compile_error("request.path || true"), "1:1: '||' needs a bool, got string");
    EXPECT_EQ(compile_error("!size('a')"), "1:2: '!' needs a bool, got int");
}

TEST(PolicyTypes, ReportsPositionsInsideMultiLineRules) {
    // A YAML block scalar at line 10 whose lines are indented by 6 columns.
    EXPECT_EQ(
        compile_error("path.user_id == subject.sub\n|| 'admin' in request.method", {10, 7, 6}),
        "11:18: 'in' needs a list on its right, got string");
}

TEST(PolicyTypes, RefusesRulesThatWouldOverflowTheValueStack) {
    // Each parenthesised level keeps three values waiting: a || b && c == (...)
    std::string rule;
    for (int i = 0; i < 30; ++i) {
        rule += "subject.a || subject.b && subject.c == (";
    }
    rule += "true" + std::string(30, ')');
    std::string error = compile_error(rule);
    EXPECT_NE(error.find("the rule is too complex: it would hold more than 64 values at once"),
              std::string::npos)
        << error;
}

TEST(PolicyTypes, FormatsErrorsAsTheConfigLoaderDoes) {
    try {
        compile_rule("foo.bar == 'x'", {12, 15, 0});
        FAIL() << "the rule compiled";
    } catch (const RuleError& error) {
        EXPECT_EQ(error.position().line, 12u);
        EXPECT_EQ(error.position().column, 15u);
        EXPECT_EQ(format_rule_error(error, "rampart.yaml", "routes[0].authorize.rule"),
                  "rampart.yaml:12:15: routes[0].authorize.rule: unknown name 'foo' (expected "
                  "subject, request, path, query or context)");
    }
}

}  // namespace
