#include "policy/rule_lexer.hpp"

#include <charconv>
#include <limits>

namespace rampart::policy {

namespace {

bool is_identifier_start(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_identifier_part(char c) {
    return is_identifier_start(c) || is_digit(c);
}

struct Punctuation {
    std::string_view text;
    TokenKind kind;
};

// Two-character operators first, so that "<=" is not read as "<" then "=".
constexpr Punctuation punctuations[] = {
    {"&&", TokenKind::logical_and},
    {"||", TokenKind::logical_or},
    {"==", TokenKind::equal},
    {"!=", TokenKind::not_equal},
    {"<=", TokenKind::less_equal},
    {">=", TokenKind::greater_equal},
    {"<", TokenKind::less},
    {">", TokenKind::greater},
    {"!", TokenKind::logical_not},
    {"(", TokenKind::left_parenthesis},
    {")", TokenKind::right_parenthesis},
    {"[", TokenKind::left_bracket},
    {"]", TokenKind::right_bracket},
    {",", TokenKind::comma},
    {".", TokenKind::dot},
};

class Lexer {
  public:
    Lexer(std::string_view text, RulePosition where) : text_(text), where_(where) {}

    std::vector<Token> run() {
        std::vector<Token> tokens;
        for (skip_space(); offset_ < text_.size(); skip_space()) {
            tokens.push_back(next_token());
        }
        Token end;
        end.position = position_here();
        tokens.push_back(end);
        return tokens;
    }

  private:
    SourcePosition position_here() const {
        if (line_ == 1) {
            return {where_.line, where_.column + column_ - 1};
        }
        return {where_.line + line_ - 1, where_.continuation_indent + column_};
    }

    void advance() {
        if (text_[offset_] == '\n') {
            ++line_;
            column_ = 1;
        } else {
            ++column_;
        }
        ++offset_;
    }

    void skip_space() {
        while (offset_ < text_.size() && (text_[offset_] == ' ' || text_[offset_] == '\t' ||
                                          text_[offset_] == '\n' || text_[offset_] == '\r')) {
            advance();
        }
    }

    Token next_token() {
        char c = text_[offset_];
        if (is_identifier_start(c)) {
            return identifier();
        }
        if (is_digit(c) ||
            (c == '-' && offset_ + 1 < text_.size() && is_digit(text_[offset_ + 1]))) {
            return integer();
        }
        if (c == '\'' || c == '"') {
            return string_literal();
        }
        return punctuation();
    }

    Token start_token(TokenKind kind) const {
        Token token;
        token.kind = kind;
        token.position = position_here();
        return token;
    }

    void finish_token(Token& token, std::size_t start) const {
        token.text = text_.substr(start, offset_ - start);
    }

    Token identifier() {
        Token token = start_token(TokenKind::identifier);
        std::size_t start = offset_;
        while (offset_ < text_.size() && is_identifier_part(text_[offset_])) {
            advance();
        }
        finish_token(token, start);
        if (token.text == "true") {
            token.kind = TokenKind::keyword_true;
        } else if (token.text == "false") {
            token.kind = TokenKind::keyword_false;
        } else if (token.text == "in") {
            token.kind = TokenKind::keyword_in;
        }
        return token;
    }

    Token integer() {
        Token token = start_token(TokenKind::integer);
        std::size_t start = offset_;
        advance();  // a digit or the minus sign
        while (offset_ < text_.size() && is_identifier_part(text_[offset_])) {
            advance();
        }
        finish_token(token, start);
        const char* first = token.text.data();
        const char* last = first + token.text.size();
        auto [end, error] = std::from_chars(first, last, token.integer_value);
        if (error == std::errc::result_out_of_range) {
            throw RuleError(token.position,
                            "integer " + std::string(token.text) + " does not fit in 64 bits");
        }
        if (error != std::errc() || end != last) {
            throw RuleError(token.position, "malformed integer '" + std::string(token.text) + "'");
        }
        return token;
    }

    Token string_literal() {
        Token token = start_token(TokenKind::string);
        std::size_t start = offset_;
        char quote = text_[offset_];
        advance();
        while (true) {
            if (offset_ >= text_.size() || text_[offset_] == '\n') {
                throw RuleError(token.position, "unterminated string");
            }
            char c = text_[offset_];
            if (c == quote) {
                advance();
                break;
            }
            if (c == '\\') {
                token.string_value += escaped_character();
                continue;
            }
            token.string_value += c;
            advance();
        }
        finish_token(token, start);
        return token;
    }

    // Only \\, \' and \" exist: a rule compares identifiers, and every other
    // escape would be one more way to write the same text.
    char escaped_character() {
        SourcePosition position = position_here();
        advance();
        if (offset_ < text_.size()) {
            char c = text_[offset_];
            if (c == '\\' || c == '\'' || c == '"') {
                advance();
                return c;
            }
        }
        throw RuleError(position, "unknown escape in string (only \\\\, \\' and \\\" exist)");
    }

    Token punctuation() {
        std::string_view rest = text_.substr(offset_);
        for (const auto& candidate : punctuations) {
            if (rest.starts_with(candidate.text)) {
                Token token = start_token(candidate.kind);
                std::size_t start = offset_;
                for (std::size_t i = 0; i < candidate.text.size(); ++i) {
                    advance();
                }
                finish_token(token, start);
                return token;
            }
        }
        throw RuleError(position_here(), unexpected_character_message(text_[offset_]));
    }

    static std::string unexpected_character_message(char c) {
        if (c == '=') {
            return "unexpected '=' (comparison is '==')";
        }
        if (c == '&' || c == '|') {
            return std::string("unexpected '") + c + "' (the operators are '&&' and '||')";
        }
        auto byte = static_cast<unsigned char>(c);
        if (byte >= 0x21 && byte < 0x7F) {
            return std::string("unexpected character '") + c + "'";
        }
        constexpr char hex[] = "0123456789ABCDEF";
        return std::string("unexpected byte 0x") + hex[byte >> 4] + hex[byte & 0xF];
    }

    std::string_view text_;
    RulePosition where_;
    std::size_t offset_ = 0;
    std::uint32_t line_ = 1;
    std::uint32_t column_ = 1;
};

}  // namespace

std::vector<Token> tokenize_rule(std::string_view text, RulePosition where) {
    if (text.size() > maximum_rule_bytes) {
        throw RuleError({where.line, where.column},
                        "rule is longer than " + std::to_string(maximum_rule_bytes) + " bytes");
    }
    return Lexer(text, where).run();
}

std::string describe_token(const Token& token) {
    switch (token.kind) {
        case TokenKind::end:
            return "the end of the rule";
        case TokenKind::string:
            return "a string literal";
        case TokenKind::integer:
            return "the integer " + std::string(token.text);
        default:
            return "'" + std::string(token.text) + "'";
    }
}

}  // namespace rampart::policy
