#include "net/framing.hpp"
#include "util/ascii.hpp"

#include <boost/url/authority_view.hpp>
#include <boost/url/parse.hpp>

#include <cstdint>
#include <limits>

namespace rampart::net {

namespace {

namespace http = boost::beast::http;
using http::status;

constexpr RequestRejection bad_request(std::string_view detail) {
    return {status::bad_request, detail};
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}

bool is_token_char(char c) {
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        return true;
    }
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

// 1*DIGIT that fits in 64 bits; no sign, no list, no whitespace.
bool is_valid_content_length(std::string_view value) {
    if (value.empty()) {
        return false;
    }
    std::uint64_t length = 0;
    for (char c : value) {
        if (!is_digit(c)) {
            return false;
        }
        auto digit = static_cast<std::uint64_t>(c - '0');
        if (length > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) {
            return false;
        }
        length = length * 10 + digit;
    }
    return true;
}

// The fields framing depends on, gathered in one pass: counting each by
// Beast's equal_range would look its name up in the field tree every time.
struct FramingFields {
    std::size_t content_length_count = 0;
    std::size_t transfer_encoding_count = 0;
    std::size_t host_count = 0;
    std::string_view content_length;
    std::string_view transfer_encoding;
    std::string_view host;

    explicit FramingFields(const http::request_header<>& header) {
        for (const auto& field : header) {
            switch (field.name()) {
                case http::field::content_length:
                    ++content_length_count;
                    content_length = field.value();
                    break;
                case http::field::transfer_encoding:
                    ++transfer_encoding_count;
                    transfer_encoding = field.value();
                    break;
                case http::field::host:
                    ++host_count;
                    host = field.value();
                    break;
                default:
                    break;
            }
        }
    }
};

std::optional<RequestRejection> check_content_length(const FramingFields& fields) {
    if (fields.content_length_count == 0) {
        return std::nullopt;
    }
    // Even identical duplicates ("5, 5" or two lines of 5) are refused: some
    // intermediaries take the first, others the last or the sum.
    if (fields.content_length_count > 1) {
        return bad_request("The request has more than one Content-Length field.");
    }
    if (!is_valid_content_length(fields.content_length)) {
        return bad_request("The Content-Length value is invalid.");
    }
    return std::nullopt;
}

std::optional<RequestRejection> check_transfer_encoding(const http::request_header<>& header,
                                                        const FramingFields& fields) {
    if (fields.transfer_encoding_count == 0) {
        return std::nullopt;
    }
    if (fields.transfer_encoding_count > 1) {
        return bad_request("The request has more than one Transfer-Encoding field.");
    }
    if (header.version() < 11) {
        return bad_request("Transfer-Encoding is not allowed on an HTTP/1.0 request.");
    }
    if (fields.content_length_count != 0) {
        return bad_request("The request has both Content-Length and Transfer-Encoding.");
    }
    std::string_view value = fields.transfer_encoding;
    if (util::equals_ignoring_case(value, "chunked")) {
        return std::nullopt;
    }
    bool single_token = !value.empty();
    for (char c : value) {
        single_token = single_token && is_token_char(c);
    }
    if (single_token) {
        return RequestRejection{status::not_implemented,
                                "The request's transfer coding is not supported."};
    }
    return bad_request("The Transfer-Encoding value is invalid.");
}

// A reg-name restricted to what DNS names use (no sub-delims, no
// percent-encoding): anything fancier in a Host is far likelier an attack
// than a real server name.
bool is_plain_host_name(std::string_view name) {
    if (name.empty()) {
        return false;
    }
    for (char c : name) {
        bool allowed = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                       c == '-' || c == '.' || c == '_' || c == '~';
        if (!allowed) {
            return false;
        }
    }
    return true;
}

bool is_valid_port(std::string_view port) {
    if (port.empty() || port.size() > 5) {
        return false;
    }
    unsigned number = 0;
    for (char c : port) {
        if (!is_digit(c)) {
            return false;
        }
        number = number * 10 + static_cast<unsigned>(c - '0');
    }
    return number <= 65535;
}

// The usual Host, a DNS name or IPv4 address and maybe a port: valid
// without a full authority parse. Anything else goes to is_valid_host_value,
// which this never contradicts: a plain name is a reg-name (or IPv4 address)
// to RFC 3986 too.
bool is_plain_host_and_port(std::string_view value) {
    auto colon = value.find(':');
    if (!is_plain_host_name(value.substr(0, colon))) {
        return false;
    }
    return colon == std::string_view::npos || is_valid_port(value.substr(colon + 1));
}

// uri-host [ ":" port ] (RFC 9112 §3.2, RFC 3986 §3.2.2).
bool is_valid_host_value(std::string_view value) {
    if (is_plain_host_and_port(value)) {
        return true;
    }
    auto authority = boost::urls::parse_authority(value);
    if (!authority || authority->has_userinfo()) {
        return false;
    }
    if (authority->has_port() && !is_valid_port(authority->port())) {
        return false;
    }
    switch (authority->host_type()) {
        case boost::urls::host_type::ipv4:
        case boost::urls::host_type::ipv6:
            return true;
        case boost::urls::host_type::name:
            return is_plain_host_name(authority->encoded_host());
        default:  // IPvFuture, none
            return false;
    }
}

std::optional<RequestRejection> check_host(const http::request_header<>& header,
                                           const FramingFields& fields) {
    if (fields.host_count > 1) {
        return bad_request("The request has more than one Host field.");
    }
    if (fields.host_count == 0) {
        if (header.version() >= 11) {
            return bad_request("The request has no Host field.");
        }
        return std::nullopt;
    }
    if (!is_valid_host_value(fields.host)) {
        return bad_request("The Host value is invalid.");
    }
    return std::nullopt;
}

}  // namespace

std::optional<RequestRejection> check_framing(const http::request_header<>& header) {
    FramingFields fields(header);
    if (auto rejection = check_content_length(fields)) {
        return rejection;
    }
    if (auto rejection = check_transfer_encoding(header, fields)) {
        return rejection;
    }
    return check_host(header, fields);
}

bool is_method_override_header(std::string_view name) {
    return util::equals_ignoring_case(name, "X-HTTP-Method-Override") ||
           util::equals_ignoring_case(name, "X-HTTP-Method") ||
           util::equals_ignoring_case(name, "X-Method-Override");
}

}  // namespace rampart::net
