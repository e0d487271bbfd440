#include "net/request_head_validator.hpp"

#include <array>
#include <cstddef>

namespace rampart::net {

namespace {

using boost::beast::http::status;

// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-"
// / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
constexpr std::array<bool, 256> make_token_table() {
    std::array<bool, 256> table{};
    for (int c = '0'; c <= '9'; ++c)
        table[c] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        table[c] = true;
    for (int c = 'A'; c <= 'Z'; ++c)
        table[c] = true;
    for (char c : std::string_view("!#$%&'*+-.^_`|~"))
        table[static_cast<unsigned char>(c)] = true;
    return table;
}
constexpr auto token_table = make_token_table();

bool is_token_char(char c) {
    return token_table[static_cast<unsigned char>(c)];
}

// RFC 9110 §5.5: field-value bytes are HTAB, SP, VCHAR and obs-text.
bool is_field_value_char(char c) {
    auto byte = static_cast<unsigned char>(c);
    return byte == '\t' || (byte >= 0x20 && byte != 0x7f);
}

bool is_visible_ascii(char c) {
    return c > 0x20 && c < 0x7f;
}
bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

constexpr RequestRejection bad_request(std::string_view detail) {
    return {status::bad_request, detail};
}

// Walks the head once; each parse_* step advances `position` or reports why
// the head is refused.
class HeadScanner {
  public:
    HeadScanner(std::string_view head, const HeadLimits& limits) : head_(head), limits_(limits) {}

    std::optional<RequestRejection> scan() {
        if (auto rejection = parse_request_line()) {
            return rejection;
        }
        if (head_.size() - position_ > limits_.max_header_bytes) {
            return RequestRejection{status::request_header_fields_too_large,
                                    "The request header section is too large."};
        }
        return parse_field_lines();
    }

  private:
    bool at_end() const { return position_ >= head_.size(); }
    char current() const { return head_[position_]; }

    // A CR must be the first half of a CRLF; anything else is a bare CR.
    bool consume_crlf() {
        if (head_.size() - position_ >= 2 && head_[position_] == '\r' &&
            head_[position_ + 1] == '\n') {
            position_ += 2;
            return true;
        }
        return false;
    }

    std::optional<RequestRejection> parse_request_line() {
        std::size_t method_start = position_;
        while (!at_end() && is_token_char(current())) {
            ++position_;
        }
        if (position_ == method_start || at_end() || current() != ' ') {
            return bad_request("The request line is malformed.");
        }
        ++position_;
        if (auto rejection = parse_request_target()) {
            return rejection;
        }
        if (at_end() || current() != ' ') {
            return bad_request("The request line is malformed.");
        }
        ++position_;
        if (auto rejection = parse_http_version()) {
            return rejection;
        }
        if (!consume_crlf()) {
            return bad_request("The request line is malformed.");
        }
        return std::nullopt;
    }

    std::optional<RequestRejection> parse_request_target() {
        std::size_t target_start = position_;
        while (!at_end() && current() != ' ') {
            char c = current();
            if (!is_visible_ascii(c)) {
                return bad_request("The request target contains a forbidden character.");
            }
            if (c == '#') {
                return bad_request("The request target must not contain a fragment.");
            }
            ++position_;
            if (position_ - target_start > limits_.max_request_target_bytes) {
                return RequestRejection{status::uri_too_long, "The request target is too long."};
            }
        }
        std::string_view target = head_.substr(target_start, position_ - target_start);
        if (target.empty()) {
            return bad_request("The request line is malformed.");
        }
        if (target == "*") {
            return bad_request("The asterisk-form request target is not supported.");
        }
        return std::nullopt;
    }

    // HTTP-version = "HTTP/" DIGIT "." DIGIT, nothing more (RFC 9112 §2.3).
    std::optional<RequestRejection> parse_http_version() {
        std::string_view rest = head_.substr(position_);
        if (rest.size() < 8 || rest.substr(0, 5) != "HTTP/" || !is_digit(rest[5]) ||
            rest[6] != '.' || !is_digit(rest[7])) {
            return bad_request("The HTTP version is malformed.");
        }
        position_ += 8;
        if (rest[5] != '1' || (rest[7] != '0' && rest[7] != '1')) {
            // Only a well-formed version that is not 1.x gets here; anything
            // after it that is not CRLF is caught by the caller as a 400.
            if (head_.size() - position_ >= 2 && head_[position_] == '\r' &&
                head_[position_ + 1] == '\n') {
                return RequestRejection{status::http_version_not_supported,
                                        "Only HTTP/1.0 and HTTP/1.1 are supported."};
            }
        }
        return std::nullopt;
    }

    std::optional<RequestRejection> parse_field_lines() {
        std::uint64_t field_count = 0;
        while (true) {
            if (at_end()) {
                return bad_request("The request head is incomplete.");
            }
            if (current() == '\r') {
                if (!consume_crlf()) {
                    return bad_request("The request head contains a bare CR.");
                }
                if (!at_end()) {
                    return bad_request("The request head has data after its end.");
                }
                return std::nullopt;
            }
            if (current() == ' ' || current() == '\t') {
                // Line folding (obs-fold), or whitespace between the request
                // line and the first field: both are smuggling vectors.
                return bad_request("A header field line starts with whitespace.");
            }
            if (++field_count > limits_.max_header_fields) {
                return RequestRejection{status::request_header_fields_too_large,
                                        "The request has too many header fields."};
            }
            if (auto rejection = parse_field_line()) {
                return rejection;
            }
        }
    }

    // field-line = field-name ":" OWS field-value OWS CRLF
    std::optional<RequestRejection> parse_field_line() {
        std::size_t name_start = position_;
        while (!at_end() && is_token_char(current())) {
            ++position_;
        }
        if (at_end()) {
            return bad_request("The request head is incomplete.");
        }
        if (current() != ':') {
            if (current() == ' ' || current() == '\t') {
                return bad_request("A header field name is followed by whitespace.");
            }
            return bad_request("A header field name is malformed.");
        }
        if (position_ == name_start) {
            return bad_request("A header field name is empty.");
        }
        ++position_;
        while (!at_end() && is_field_value_char(current())) {
            ++position_;
        }
        if (at_end()) {
            return bad_request("The request head is incomplete.");
        }
        if (current() != '\r') {
            return bad_request("A header field value contains a forbidden character.");
        }
        if (!consume_crlf()) {
            return bad_request("The request head contains a bare CR.");
        }
        return std::nullopt;
    }

    std::string_view head_;
    const HeadLimits& limits_;
    std::size_t position_ = 0;
};

}  // namespace

std::optional<RequestRejection> validate_request_head(std::string_view head,
                                                      const HeadLimits& limits) {
    return HeadScanner(head, limits).scan();
}

std::optional<RequestRejection> classify_incomplete_head(std::string_view partial,
                                                         const HeadLimits& limits) {
    if (partial.find("\r\n\r\n") != std::string_view::npos) {
        return std::nullopt;
    }
    // Method, two spaces and "HTTP/1.1" fit comfortably in 64 bytes; a longer
    // request line can only mean an over-long target.
    std::size_t line_end = partial.find_first_of("\r\n");
    std::size_t request_line_length =
        line_end == std::string_view::npos ? partial.size() : line_end;
    if (request_line_length > limits.max_request_target_bytes + 64) {
        return RequestRejection{status::uri_too_long, "The request target is too long."};
    }
    return RequestRejection{status::request_header_fields_too_large,
                            "The request header section is too large."};
}

}  // namespace rampart::net
