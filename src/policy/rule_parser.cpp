#include "policy/rule_parser.hpp"

#include <chrono>
#include <optional>
#include <vector>

#include "policy/rule_lexer.hpp"
#include "util/ascii.hpp"

namespace rampart::policy {

namespace {

std::optional<Comparison> comparison_of(TokenKind kind) {
    switch (kind) {
        case TokenKind::equal:
            return Comparison::equal;
        case TokenKind::not_equal:
            return Comparison::not_equal;
        case TokenKind::less:
            return Comparison::less;
        case TokenKind::less_equal:
            return Comparison::less_equal;
        case TokenKind::greater:
            return Comparison::greater;
        case TokenKind::greater_equal:
            return Comparison::greater_equal;
        default:
            return std::nullopt;
    }
}

std::optional<Function> method_named(std::string_view name) {
    if (name == "startsWith") {
        return Function::starts_with;
    }
    if (name == "endsWith") {
        return Function::ends_with;
    }
    if (name == "contains") {
        return Function::contains;
    }
    if (name == "size") {
        return Function::size;
    }
    return std::nullopt;
}

// Reads exactly `count` digits; false when they are not there.
bool read_digits(std::string_view text, std::size_t at, std::size_t count, int& value) {
    if (at + count > text.size()) {
        return false;
    }
    value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') {
            return false;
        }
        value = value * 10 + (text[i] - '0');
    }
    return true;
}

bool has_character(std::string_view text, std::size_t at, char expected) {
    return at < text.size() && text[at] == expected;
}

// "YYYY-MM-DDTHH:MM:SSZ" or with an offset "+HH:MM" / "-HH:MM" (RFC 3339
// without fractions), as unix seconds.
std::optional<std::int64_t> parse_timestamp(std::string_view text) {
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!read_digits(text, 0, 4, year) || !has_character(text, 4, '-') ||
        !read_digits(text, 5, 2, month) || !has_character(text, 7, '-') ||
        !read_digits(text, 8, 2, day) || !(has_character(text, 10, 'T')) ||
        !read_digits(text, 11, 2, hour) || !has_character(text, 13, ':') ||
        !read_digits(text, 14, 2, minute) || !has_character(text, 16, ':') ||
        !read_digits(text, 17, 2, second) || hour > 23 || minute > 59 || second > 59) {
        return std::nullopt;
    }
    std::chrono::year_month_day date{std::chrono::year(year),
                                     std::chrono::month(static_cast<unsigned>(month)),
                                     std::chrono::day(static_cast<unsigned>(day))};
    if (!date.ok()) {
        return std::nullopt;
    }
    std::int64_t offset_seconds = 0;
    std::string_view zone = text.substr(19);
    if (zone != "Z") {
        int offset_hours = 0, offset_minutes = 0;
        if (zone.size() != 6 || (zone[0] != '+' && zone[0] != '-') ||
            !read_digits(zone, 1, 2, offset_hours) || !has_character(zone, 3, ':') ||
            !read_digits(zone, 4, 2, offset_minutes) || offset_hours > 23 || offset_minutes > 59) {
            return std::nullopt;
        }
        offset_seconds = (offset_hours * 3600 + offset_minutes * 60) * (zone[0] == '+' ? 1 : -1);
    }
    auto days = std::chrono::sys_days(date).time_since_epoch().count();
    return days * 86400 + hour * 3600 + minute * 60 + second - offset_seconds;
}

class Parser {
  public:
    Parser(std::vector<Token> tokens, RuleSyntax& syntax)
        : tokens_(std::move(tokens)), syntax_(syntax) {}

    void parse_whole_rule() {
        syntax_.start = peek().position;
        if (peek().kind == TokenKind::end) {
            fail(peek(), "the rule is empty");
        }
        parse_or();
        if (peek().kind != TokenKind::end) {
            fail(peek(), "expected the end of the rule, got " + describe_token(peek()));
        }
    }

  private:
    // Counts one level of nesting for as long as it lives.
    class Nesting {
      public:
        Nesting(Parser& parser, const Token& opening) : parser_(parser) {
            if (++parser_.depth_ > maximum_nesting) {
                parser_.fail(opening,
                             "nesting deeper than " + std::to_string(maximum_nesting) + " levels");
            }
        }
        ~Nesting() { --parser_.depth_; }
        Nesting(const Nesting&) = delete;
        Nesting& operator=(const Nesting&) = delete;

      private:
        Parser& parser_;
    };

    const Token& peek(std::size_t ahead = 0) const {
        std::size_t index = position_ + ahead;
        return index < tokens_.size() ? tokens_[index] : tokens_.back();
    }

    const Token& take() {
        const Token& token = peek();
        if (position_ < tokens_.size() - 1) {
            ++position_;
        }
        return token;
    }

    bool take_if(TokenKind kind) {
        if (peek().kind != kind) {
            return false;
        }
        take();
        return true;
    }

    const Token& expect(TokenKind kind, std::string_view what) {
        if (peek().kind != kind) {
            fail(peek(), "expected " + std::string(what) + ", got " + describe_token(peek()));
        }
        return take();
    }

    [[noreturn]] void fail(const Token& token, const std::string& message) const {
        throw RuleError(token.position, message);
    }

    std::uint32_t add(NodeKind kind, SourcePosition position, std::uint32_t left = no_node,
                      std::uint32_t right = no_node) {
        Node node;
        node.kind = kind;
        node.position = position;
        node.left = left;
        node.right = right;
        return syntax_.add(node);
    }

    std::uint32_t parse_or() { return parse_logical(TokenKind::logical_or); }

    // `operator_kind` is || or &&; the operands of || are && expressions.
    std::uint32_t parse_logical(TokenKind operator_kind) {
        bool is_or = operator_kind == TokenKind::logical_or;
        auto parse_operand = [&] {
            return is_or ? parse_logical(TokenKind::logical_and) : parse_not();
        };
        std::uint32_t left = parse_operand();
        while (peek().kind == operator_kind) {
            SourcePosition position = take().position;
            std::uint32_t marker =
                add(is_or ? NodeKind::or_short_circuit : NodeKind::and_short_circuit, position);
            std::uint32_t right = parse_operand();
            left = add(is_or ? NodeKind::logical_or : NodeKind::logical_and, position, left, right);
            syntax_.nodes[marker].jump_to = left;
        }
        return left;
    }

    std::uint32_t parse_not() {
        if (peek().kind != TokenKind::logical_not) {
            return parse_comparison();
        }
        const Token& bang = take();
        Nesting nesting(*this, bang);
        std::uint32_t operand = parse_not();
        return add(NodeKind::logical_not, bang.position, operand);
    }

    std::uint32_t parse_comparison() {
        std::uint32_t left = parse_membership();
        auto comparison = comparison_of(peek().kind);
        if (!comparison) {
            return left;
        }
        SourcePosition position = take().position;
        std::uint32_t right = parse_membership();
        if (comparison_of(peek().kind)) {
            fail(peek(), "comparisons do not chain; join them with &&");
        }
        std::uint32_t node = add(NodeKind::comparison, position, left, right);
        syntax_.nodes[node].comparison = *comparison;
        return node;
    }

    std::uint32_t parse_membership() {
        std::uint32_t left = parse_member_calls();
        if (peek().kind != TokenKind::keyword_in) {
            return left;
        }
        SourcePosition position = take().position;
        std::uint32_t right = parse_member_calls();
        if (peek().kind == TokenKind::keyword_in) {
            fail(peek(), "'in' does not chain; use parentheses");
        }
        return add(NodeKind::membership, position, left, right);
    }

    // value.startsWith(x), value.endsWith(x), value.contains(x), value.size()
    std::uint32_t parse_member_calls() {
        std::uint32_t receiver = parse_primary();
        while (peek().kind == TokenKind::dot) {
            take();
            const Token& name = expect(TokenKind::identifier, "a method name after '.'");
            auto function = method_named(name.text);
            if (!function) {
                fail(name, "unknown method '" + std::string(name.text) +
                               "' (expected startsWith, endsWith, contains or size)");
            }
            const Token& opening = expect(TokenKind::left_parenthesis, "'(' after the method name");
            Nesting nesting(*this, opening);
            std::uint32_t argument = no_node;
            if (*function != Function::size) {
                argument = parse_or();
            }
            expect(TokenKind::right_parenthesis,
                   *function == Function::size ? "')': size() takes no argument" : "')'");
            receiver = add(NodeKind::call, name.position, receiver, argument);
            syntax_.nodes[receiver].function = *function;
        }
        return receiver;
    }

    std::uint32_t parse_primary() {
        const Token& token = peek();
        switch (token.kind) {
            case TokenKind::string:
                return add_string_literal(take());
            case TokenKind::integer:
                return add_integer_literal(take());
            case TokenKind::keyword_true:
            case TokenKind::keyword_false:
                return add_boolean_literal(take());
            case TokenKind::left_bracket:
                return parse_list();
            case TokenKind::left_parenthesis:
                return parse_parenthesised();
            case TokenKind::identifier:
                if (peek(1).kind == TokenKind::left_parenthesis) {
                    return parse_function_call();
                }
                return parse_attribute();
            default:
                fail(token, "expected a value, got " + describe_token(token));
        }
    }

    std::uint32_t add_string_literal(const Token& token) {
        std::uint32_t node = add(NodeKind::string_literal, token.position);
        syntax_.nodes[node].text = syntax_.add_text(token.string_value);
        return node;
    }

    std::uint32_t add_integer_literal(const Token& token) {
        std::uint32_t node = add(NodeKind::integer_literal, token.position);
        syntax_.nodes[node].integer = token.integer_value;
        return node;
    }

    std::uint32_t add_boolean_literal(const Token& token) {
        std::uint32_t node = add(NodeKind::boolean_literal, token.position);
        syntax_.nodes[node].integer = token.kind == TokenKind::keyword_true ? 1 : 0;
        return node;
    }

    std::uint32_t parse_parenthesised() {
        const Token& opening = take();
        Nesting nesting(*this, opening);
        std::uint32_t inner = parse_or();
        expect(TokenKind::right_parenthesis, "')'");
        return inner;
    }

    // Lists hold literals only, so that a list is data fixed at load time.
    std::uint32_t parse_list() {
        const Token& opening = take();
        Nesting nesting(*this, opening);
        ListRange range{static_cast<std::uint32_t>(syntax_.list_elements.size()), 0};
        std::optional<TokenKind> element_kind;
        while (peek().kind != TokenKind::right_bracket) {
            if (range.count > 0) {
                expect(TokenKind::comma, "',' or ']' in the list");
            }
            const Token& element = take();
            if (element.kind != TokenKind::string && element.kind != TokenKind::integer) {
                fail(element,
                     "a list holds string or integer literals, got " + describe_token(element));
            }
            if (element_kind && *element_kind != element.kind) {
                fail(element, "list elements must all be strings or all integers");
            }
            element_kind = element.kind;
            ListElement stored;
            stored.integer = element.integer_value;
            if (element.kind == TokenKind::string) {
                stored.text = syntax_.add_text(element.string_value);
            }
            syntax_.list_elements.push_back(stored);
            ++range.count;
        }
        take();
        std::uint32_t node = add(NodeKind::list_literal, opening.position);
        syntax_.nodes[node].list = range;
        // An empty list is a list of strings: what `x in []` most plausibly means.
        syntax_.nodes[node].type =
            element_kind == TokenKind::integer ? ValueType::integer_list : ValueType::string_list;
        return node;
    }

    std::uint32_t parse_function_call() {
        const Token& name = take();
        const Token& opening = take();
        Nesting nesting(*this, opening);
        if (name.text == "timestamp") {
            return parse_timestamp_call(name);
        }
        Function function;
        if (name.text == "has") {
            function = Function::has;
        } else if (name.text == "size") {
            function = Function::size;
        } else {
            fail(name, "unknown function '" + std::string(name.text) +
                           "' (expected has, size or timestamp)");
        }
        std::uint32_t argument = parse_or();
        expect(TokenKind::right_parenthesis,
               "')' after the argument of " + std::string(name.text) + "()");
        std::uint32_t node = add(NodeKind::call, name.position, argument);
        syntax_.nodes[node].function = function;
        return node;
    }

    // Timestamps are literals: parsed here, once, never per request.
    std::uint32_t parse_timestamp_call(const Token& name) {
        const Token& argument = peek();
        if (argument.kind != TokenKind::string) {
            fail(argument, "timestamp() takes a string literal such as '2026-01-01T00:00:00Z'");
        }
        take();
        auto seconds = parse_timestamp(argument.string_value);
        if (!seconds) {
            fail(argument, "malformed timestamp '" + argument.string_value +
                               "' (expected e.g. '2026-01-01T00:00:00Z')");
        }
        expect(TokenKind::right_parenthesis, "')' after the argument of timestamp()");
        std::uint32_t node = add(NodeKind::timestamp_literal, name.position);
        syntax_.nodes[node].integer = *seconds;
        return node;
    }

    std::uint32_t add_attribute(const Token& root, AttributeSource source, std::string_view name) {
        std::uint32_t node = add(NodeKind::attribute, root.position);
        syntax_.nodes[node].source = source;
        syntax_.nodes[node].text = syntax_.add_text(name);
        return node;
    }

    std::uint32_t parse_attribute() {
        const Token& root = take();
        if (root.text == "subject") {
            return add_attribute(root, AttributeSource::subject_claim, parse_key(root));
        }
        if (root.text == "path") {
            return add_attribute(root, AttributeSource::path_parameter, parse_key(root));
        }
        if (root.text == "query") {
            return add_attribute(root, AttributeSource::query_parameter, parse_key(root));
        }
        if (root.text == "request") {
            return parse_request_field(root);
        }
        if (root.text == "context") {
            const Token& field = parse_field(root);
            if (field.text != "time") {
                fail(field,
                     "unknown context field '" + std::string(field.text) + "' (expected time)");
            }
            return add_attribute(root, AttributeSource::context_time, "");
        }
        fail(root, "unknown name '" + std::string(root.text) +
                       "' (expected subject, request, path, query or context)");
    }

    const Token& parse_field(const Token& root) {
        expect(TokenKind::dot, "'.' after '" + std::string(root.text) + "'");
        return expect(TokenKind::identifier,
                      "a field name after '" + std::string(root.text) + ".'");
    }

    // subject.name or subject['any name'], likewise for path and query.
    std::string parse_key(const Token& root) {
        if (peek().kind == TokenKind::left_bracket) {
            return parse_index_key();
        }
        if (peek().kind != TokenKind::dot) {
            fail(peek(), "expected '." +
                             std::string(root.text == "subject" ? "<claim>" : "<name>") +
                             "' or '[...]' after '" + std::string(root.text) + "', got " +
                             describe_token(peek()));
        }
        const Token& field = parse_field(root);
        if (peek().kind == TokenKind::left_parenthesis) {
            fail(field, method_on_root_message(root, field));
        }
        return std::string(field.text);
    }

    // `path.startsWith('/admin')` reads as a call on the request's path but
    // would name a path parameter; say so instead of "unexpected '('".
    static std::string method_on_root_message(const Token& root, const Token& field) {
        std::string message = "'" + std::string(root.text) + "' has no methods";
        if (root.text == "path") {
            return message + "; the request's path is request.path";
        }
        return message + "; call " + std::string(field.text) + "() on a value such as " +
               std::string(root.text) + ".<name>";
    }

    std::string parse_index_key() {
        const Token& opening = take();
        Nesting nesting(*this, opening);
        const Token& key = expect(TokenKind::string, "a string literal inside '[...]'");
        expect(TokenKind::right_bracket, "']'");
        return key.string_value;
    }

    std::uint32_t parse_request_field(const Token& root) {
        const Token& field = parse_field(root);
        if (field.text == "method") {
            return add_attribute(root, AttributeSource::request_method, "");
        }
        if (field.text == "path") {
            return add_attribute(root, AttributeSource::request_path, "");
        }
        if (field.text == "ip") {
            return add_attribute(root, AttributeSource::request_ip, "");
        }
        if (field.text != "headers") {
            fail(field, "unknown request field '" + std::string(field.text) +
                            "' (expected method, path, ip or headers)");
        }
        // Only the index form: a field form would invite request.headers.x_user
        // for X-User, and underscores in header names are a known bypass.
        if (peek().kind != TokenKind::left_bracket) {
            fail(peek(), "request.headers takes a name in brackets: request.headers['X-Name']");
        }
        const Token& opening = peek();
        std::string name = parse_index_key();
        if (!util::is_token(name)) {
            fail(opening, "'" + name + "' is not a header name");
        }
        return add_attribute(root, AttributeSource::request_header, name);
    }

    std::vector<Token> tokens_;
    RuleSyntax& syntax_;
    std::size_t position_ = 0;
    std::size_t depth_ = 0;
};

}  // namespace

RuleSyntax parse_rule(std::string_view text, RulePosition where) {
    RuleSyntax syntax;
    Parser(tokenize_rule(text, where), syntax).parse_whole_rule();
    return syntax;
}

}  // namespace rampart::policy
