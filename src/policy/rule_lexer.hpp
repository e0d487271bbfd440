// Splits a rule's text into tokens, each with its position in the
// configuration file. Load time only: errors are RuleError exceptions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/rule_error.hpp"

namespace rampart::policy {

enum class TokenKind : std::uint8_t {
    identifier,
    integer,
    string,
    keyword_true,
    keyword_false,
    keyword_in,
    left_parenthesis,
    right_parenthesis,
    left_bracket,
    right_bracket,
    comma,
    dot,
    logical_not,
    logical_and,
    logical_or,
    equal,
    not_equal,
    less,
    less_equal,
    greater,
    greater_equal,
    end,
};

struct Token {
    TokenKind kind = TokenKind::end;
    std::string_view text;     // as written, a view into the rule's text
    std::string string_value;  // a string literal without quotes, escapes resolved
    std::int64_t integer_value = 0;
    SourcePosition position;
};

// Rules longer than this are refused before they are read.
inline constexpr std::size_t maximum_rule_bytes = 4096;

// The tokens of `text`, ending with one TokenKind::end token.
std::vector<Token> tokenize_rule(std::string_view text, RulePosition where);

// How a token is named in an error message: "')'", "'foo'", "a string literal".
std::string describe_token(const Token& token);

}  // namespace rampart::policy
