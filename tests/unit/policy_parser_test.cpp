// The rule language's lexer and parser: tokens and their file positions,
// precedence, every form of expression, and the syntax errors with the exact
// line and column they name.
#include <gtest/gtest.h>

#include <string>

#include "policy/rule_lexer.hpp"
#include "policy/rule_parser.hpp"

namespace {

using namespace rampart::policy;

std::string attribute_text(const RuleSyntax& syntax, const Node& node) {
    std::string name(syntax.text(node.text));
    switch (node.source) {
        case AttributeSource::subject_claim:
            return "subject[" + name + "]";
        case AttributeSource::request_method:
            return "request.method";
        case AttributeSource::request_path:
            return "request.path";
        case AttributeSource::request_ip:
            return "request.ip";
        case AttributeSource::request_header:
            return "header[" + name + "]";
        case AttributeSource::path_parameter:
            return "path[" + name + "]";
        case AttributeSource::query_parameter:
            return "query[" + name + "]";
        case AttributeSource::context_time:
            return "context.time";
    }
    return "?";
}

std::string list_text(const RuleSyntax& syntax, const Node& node) {
    std::string text = "[";
    for (std::uint32_t i = 0; i < node.list.count; ++i) {
        const ListElement& element = syntax.list_elements[node.list.first + i];
        text += i == 0 ? "" : " ";
        text += node.type == ValueType::integer_list
                    ? std::to_string(element.integer)
                    : "'" + std::string(syntax.text(element.text)) + "'";
    }
    return text + "]";
}

// The tree as an S-expression, so that a test states the grouping it expects.
std::string render(const RuleSyntax& syntax, std::uint32_t index) {
    const Node& node = syntax.nodes[index];
    auto child = [&](std::uint32_t child_index) { return render(syntax, child_index); };
    switch (node.kind) {
        case NodeKind::string_literal:
            return "'" + std::string(syntax.text(node.text)) + "'";
        case NodeKind::integer_literal:
            return std::to_string(node.integer);
        case NodeKind::boolean_literal:
            return node.integer != 0 ? "true" : "false";
        case NodeKind::timestamp_literal:
            return "@" + std::to_string(node.integer);
        case NodeKind::list_literal:
            return list_text(syntax, node);
        case NodeKind::attribute:
            return attribute_text(syntax, node);
        case NodeKind::logical_not:
            return "(! " + child(node.left) + ")";
        case NodeKind::logical_and:
            return "(&& " + child(node.left) + " " + child(node.right) + ")";
        case NodeKind::logical_or:
            return "(|| " + child(node.left) + " " + child(node.right) + ")";
        case NodeKind::comparison:
            return "(" + std::string(comparison_operator(node.comparison)) + " " +
                   child(node.left) + " " + child(node.right) + ")";
        case NodeKind::membership:
            return "(in " + child(node.left) + " " + child(node.right) + ")";
        case NodeKind::call:
            return "(" + std::string(function_name(node.function)) + " " + child(node.left) +
                   (node.right == no_node ? "" : " " + child(node.right)) + ")";
        default:
            return "<marker>";
    }
}

std::string parsed(std::string_view text) {
    RuleSyntax syntax = parse_rule(text, {});
    return render(syntax, syntax.root());
}

// "line:column: message" of the RuleError the text raises, or "" when it parses.
std::string parse_error(std::string_view text, RulePosition where = {}) {
    try {
        parse_rule(text, where);
    } catch (const RuleError& error) {
        return error.what();
    }
    return "";
}

TEST(PolicyLexer, GivesEachTokenItsPositionInTheFile) {
    // The rule starts at line 7, column 11; continuation lines are indented by 4.
    auto tokens = tokenize_rule("a == 'x'\n  || b.c", {7, 11, 4});
    ASSERT_EQ(tokens.size(), 8u);
    EXPECT_EQ(tokens[0].kind, TokenKind::identifier);
    EXPECT_EQ(tokens[0].position.line, 7u);
    EXPECT_EQ(tokens[0].position.column, 11u);
    EXPECT_EQ(tokens[1].kind, TokenKind::equal);
    EXPECT_EQ(tokens[1].position.column, 13u);
    EXPECT_EQ(tokens[2].kind, TokenKind::string);
    EXPECT_EQ(tokens[2].string_value, "x");
    EXPECT_EQ(tokens[3].kind, TokenKind::logical_or);
    EXPECT_EQ(tokens[3].position.line, 8u);
    EXPECT_EQ(tokens[3].position.column, 7u);  // indent 4 + column 3 of the text's line
    EXPECT_EQ(tokens[5].kind, TokenKind::dot);
    EXPECT_EQ(tokens[7].kind, TokenKind::end);
}

TEST(PolicyLexer, ReadsLiteralsAndKeywords) {
    auto tokens = tokenize_rule(R"(true false in -42 'it\'s' "say \"hi\"" 'back\\slash')", {});
    ASSERT_EQ(tokens.size(), 8u);
    EXPECT_EQ(tokens[0].kind, TokenKind::keyword_true);
    EXPECT_EQ(tokens[1].kind, TokenKind::keyword_false);
    EXPECT_EQ(tokens[2].kind, TokenKind::keyword_in);
    EXPECT_EQ(tokens[3].kind, TokenKind::integer);
    EXPECT_EQ(tokens[3].integer_value, -42);
    EXPECT_EQ(tokens[4].string_value, "it's");
    EXPECT_EQ(tokens[5].string_value, "say \"hi\"");
    EXPECT_EQ(tokens[6].string_value, "back\\slash");
}

TEST(PolicyLexer, RefusesBadTokensWithTheirPosition) {
    EXPECT_EQ(parse_error("subject.sub == 'abc"), "1:16: unterminated string");
    EXPECT_EQ(parse_error("subject.sub == 'ab\ncd'"), "1:16: unterminated string");
    EXPECT_EQ(parse_error("'a\\n'"),
              "1:3: unknown escape in string (only \\\\, \\' and \\\" exist)");
    EXPECT_EQ(parse_error("subject.sub = 'a'"), "1:13: unexpected '=' (comparison is '==')");
    EXPECT_EQ(parse_error("true & false"), "1:6: unexpected '&' (the operators are '&&' and '||')");
    EXPECT_EQ(parse_error("subject.n > 99999999999999999999"),
              "1:13: integer 99999999999999999999 does not fit in 64 bits");
    EXPECT_EQ(parse_error("subject.n > 12ab"), "1:13: malformed integer '12ab'");
    EXPECT_EQ(parse_error("true\n  && $x", {3, 9, 6}), "4:12: unexpected character '$'");
    EXPECT_EQ(parse_error("true && \x01"), "1:9: unexpected byte 0x01");
}

TEST(PolicyLexer, RefusesRulesLongerThanTheLimit) {
    std::string rule = "true";
    while (rule.size() <= maximum_rule_bytes) {
        rule += " && true";
    }
    EXPECT_EQ(parse_error(rule, {5, 3, 0}), "5:3: rule is longer than 4096 bytes");
}

TEST(PolicyParser, OrBindsLooserThanAndAndBothAssociateLeft) {
    EXPECT_EQ(parsed("true || false && true"), "(|| true (&& false true))");
    EXPECT_EQ(parsed("true && false || true"), "(|| (&& true false) true)");
    EXPECT_EQ(parsed("true || false || true"), "(|| (|| true false) true)");
    EXPECT_EQ(parsed("true && false && true"), "(&& (&& true false) true)");
    EXPECT_EQ(parsed("(true || false) && true"), "(&& (|| true false) true)");
}

TEST(PolicyParser, NotBindsLooserThanComparisonsAndTighterThanAnd) {
    EXPECT_EQ(parsed("!subject.a == 'x'"), "(! (== subject[a] 'x'))");
    EXPECT_EQ(parsed("!true && false"), "(&& (! true) false)");
    EXPECT_EQ(parsed("!!true"), "(! (! true))");
}

TEST(PolicyParser, InBindsTighterThanComparisons) {
    EXPECT_EQ(parsed("'a' in subject.roles == true"), "(== (in 'a' subject[roles]) true)");
    EXPECT_EQ(parsed("subject.sub in ['a', 'b']"), "(in subject[sub] ['a' 'b'])");
    EXPECT_EQ(parsed("subject.level in [1, -2, 3]"), "(in subject[level] [1 -2 3])");
    EXPECT_EQ(parsed("subject.sub in []"), "(in subject[sub] [])");
}

TEST(PolicyParser, ReadsEveryComparison) {
    EXPECT_EQ(parsed("subject.a == 1"), "(== subject[a] 1)");
    EXPECT_EQ(parsed("subject.a != 1"), "(!= subject[a] 1)");
    EXPECT_EQ(parsed("subject.a < 1"), "(< subject[a] 1)");
    EXPECT_EQ(parsed("subject.a <= 1"), "(<= subject[a] 1)");
    EXPECT_EQ(parsed("subject.a > 1"), "(> subject[a] 1)");
    EXPECT_EQ(parsed("subject.a >= 1"), "(>= subject[a] 1)");
}

TEST(PolicyParser, ResolvesEveryAttribute) {
    EXPECT_EQ(parsed("path.user_id == subject.sub || 'admin' in subject.roles"),
              "(|| (== path[user_id] subject[sub]) (in 'admin' subject[roles]))");
    EXPECT_EQ(parsed("subject['https://example.com/tenant'] == query.tenant"),
              "(== subject[https://example.com/tenant] query[tenant])");
    EXPECT_EQ(parsed("request.method == 'GET' && request.path == '/a' && request.ip == '::1'"),
              "(&& (&& (== request.method 'GET') (== request.path '/a')) (== request.ip '::1'))");
    EXPECT_EQ(parsed("request.headers['X-Tenant'] == path['tenant-id']"),
              "(== header[X-Tenant] path[tenant-id])");
    EXPECT_EQ(parsed("context.time < timestamp('2026-01-01T00:00:00Z')"),
              "(< context.time @1767225600)");
}

TEST(PolicyParser, ReadsEveryBuiltIn) {
    EXPECT_EQ(parsed("has(subject.email)"), "(has subject[email])");
    EXPECT_EQ(parsed("size(subject.roles) > 0"), "(> (size subject[roles]) 0)");
    EXPECT_EQ(parsed("subject.roles.size() > 0"), "(> (size subject[roles]) 0)");
    EXPECT_EQ(parsed("request.path.startsWith('/api/')"), "(startsWith request.path '/api/')");
    EXPECT_EQ(parsed("subject.email.endsWith('@example.com')"),
              "(endsWith subject[email] '@example.com')");
    EXPECT_EQ(parsed("'abc'.contains('b')"), "(contains 'abc' 'b')");
    EXPECT_EQ(parsed("request.path.startsWith('/a').contains('x')"),
              "(contains (startsWith request.path '/a') 'x')");
}

TEST(PolicyParser, ReadsTimestampsWithOffsets) {
    EXPECT_EQ(parsed("context.time > timestamp('1970-01-01T01:00:00+01:00')"),
              "(> context.time @0)");
    EXPECT_EQ(parsed("context.time > timestamp('2024-02-29T23:59:59-00:30')"),
              "(> context.time @1709252999)");
}

TEST(PolicyParser, ReadsRulesAcrossLines) {
    EXPECT_EQ(parsed("path.user_id == subject.sub\n|| 'admin' in subject.roles\n"),
              "(|| (== path[user_id] subject[sub]) (in 'admin' subject[roles]))");
}

TEST(PolicyParser, NamesUnknownNamesAndFields) {
    EXPECT_EQ(parse_error("foo.bar == 'x'"),
              "1:1: unknown name 'foo' (expected subject, request, path, query or context)");
    EXPECT_EQ(parse_error("request.body == 'x'"),
              "1:9: unknown request field 'body' (expected method, path, ip or headers)");
    EXPECT_EQ(parse_error("context.date == 'x'"),
              "1:9: unknown context field 'date' (expected time)");
    EXPECT_EQ(parse_error("request.headers.x_user == 'a'"),
              "1:16: request.headers takes a name in brackets: request.headers['X-Name']");
    EXPECT_EQ(parse_error("request.headers['X User'] == 'a'"),
              "1:16: 'X User' is not a header name");
    EXPECT_EQ(parse_error("path.startsWith('/admin')"),
              "1:6: 'path' has no methods; the request's path is request.path");
    EXPECT_EQ(parse_error("subject.contains('x')"),
              "1:9: 'subject' has no methods; call contains() on a value such as subject.<name>");
    EXPECT_EQ(parse_error("subject == 'x'"),
              "1:9: expected '.<claim>' or '[...]' after 'subject', got '=='");
}

TEST(PolicyParser, NamesBadCalls) {
    EXPECT_EQ(parse_error("exists(subject.a)"),
              "1:1: unknown function 'exists' (expected has, size or timestamp)");
    EXPECT_EQ(parse_error("subject.a.matches('x')"),
              "1:11: unknown method 'matches' (expected startsWith, endsWith, contains or size)");
    EXPECT_EQ(parse_error("has(subject.a"),
              "1:14: expected ')' after the argument of has(), got the end of the rule");
    EXPECT_EQ(parse_error("subject.a.size(1) > 0"),
              "1:16: expected ')': size() takes no argument, got the integer 1");
    EXPECT_EQ(parse_error("context.time > timestamp(subject.a)"),
              "1:26: timestamp() takes a string literal such as '2026-01-01T00:00:00Z'");
    EXPECT_EQ(
        parse_error("context.time > timestamp('2026-02-30T00:00:00Z')"),
        "1:26: malformed timestamp '2026-02-30T00:00:00Z' (expected e.g. '2026-01-01T00:00:00Z')");
    EXPECT_EQ(
        parse_error("context.time > timestamp('2026-01-01 00:00:00')"),
        "1:26: malformed timestamp '2026-01-01 00:00:00' (expected e.g. '2026-01-01T00:00:00Z')");
}

TEST(PolicyParser, NamesTrailingGarbageAndMissingOperands) {
    EXPECT_EQ(parse_error("subject.sub == 'a' 'b'"),
              "1:20: expected the end of the rule, got a string literal");
    EXPECT_EQ(parse_error("true)"), "1:5: expected the end of the rule, got ')'");
    EXPECT_EQ(parse_error("subject.a ==\n    "), "2:5: expected a value, got the end of the rule");
    EXPECT_EQ(parse_error(""), "1:1: the rule is empty");
    EXPECT_EQ(parse_error("true &&"), "1:8: expected a value, got the end of the rule");
    EXPECT_EQ(parse_error("subject.a == 1 == 2"),
              "1:16: comparisons do not chain; join them with &&");
    EXPECT_EQ(parse_error("'a' in subject.b in subject.c"),
              "1:18: 'in' does not chain; use parentheses");
}

TEST(PolicyParser, NamesBadLists) {
    EXPECT_EQ(parse_error("subject.a in ['x', 1]"),
              "1:20: list elements must all be strings or all integers");
    EXPECT_EQ(parse_error("subject.a in ['x', subject.b]"),
              "1:20: a list holds string or integer literals, got 'subject'");
    EXPECT_EQ(parse_error("subject.a in ['x' 'y']"),
              "1:19: expected ',' or ']' in the list, got a string literal");
}

TEST(PolicyParser, RefusesNestingDeeperThanTheLimit) {
    std::string deep_enough = std::string(32, '(') + "true" + std::string(32, ')');
    EXPECT_EQ(parsed(deep_enough), "true");
    std::string too_deep = std::string(33, '(') + "true" + std::string(33, ')');
    EXPECT_EQ(parse_error(too_deep), "1:33: nesting deeper than 32 levels");
    std::string too_many_nots = std::string(40, '!') + "true";
    EXPECT_EQ(parse_error(too_many_nots, {2, 5, 0}), "2:37: nesting deeper than 32 levels");
    std::string nested_calls;
    for (int i = 0; i < 40; ++i) {
        nested_calls += "has(";
    }
    EXPECT_EQ(parse_error(nested_calls), "1:132: nesting deeper than 32 levels");
}

TEST(PolicyParser, KeepsLongFlatChainsWithoutNesting) {
    std::string rule = "'r0' in subject.roles";
    for (int i = 1; i < 150; ++i) {
        rule += " || 'r" + std::to_string(i) + "' in subject.roles";
    }
    ASSERT_LE(rule.size(), maximum_rule_bytes);
    RuleSyntax syntax = parse_rule(rule, {});
    EXPECT_EQ(syntax.nodes[syntax.root()].kind, NodeKind::logical_or);
}

TEST(PolicyParser, PlacesShortCircuitMarkersBeforeTheRightOperand) {
    RuleSyntax syntax = parse_rule("true && false", {});
    ASSERT_EQ(syntax.nodes.size(), 4u);
    EXPECT_EQ(syntax.nodes[1].kind, NodeKind::and_short_circuit);
    EXPECT_EQ(syntax.nodes[1].jump_to, 3u);
    EXPECT_EQ(syntax.nodes[3].kind, NodeKind::logical_and);
    EXPECT_EQ(syntax.nodes[3].left, 0u);
    EXPECT_EQ(syntax.nodes[3].right, 2u);
}

}  // namespace
