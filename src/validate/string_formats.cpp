#include "validate/string_formats.hpp"

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/address_v6.hpp>
#include <boost/url/parse.hpp>

#include <array>
#include <string>

namespace rampart::validate {

namespace {

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_hex_digit(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// The value of `count` digits at the front of `text`, consumed; -1 if they are not digits.
int take_digits(std::string_view& text, std::size_t count) {
    if (text.size() < count) {
        return -1;
    }
    int value = 0;
    for (std::size_t i = 0; i < count; ++i) {
        if (!is_digit(text[i])) {
            return -1;
        }
        value = value * 10 + (text[i] - '0');
    }
    text.remove_prefix(count);
    return value;
}

bool take(std::string_view& text, char expected) {
    if (text.empty() || text.front() != expected) {
        return false;
    }
    text.remove_prefix(1);
    return true;
}

bool is_leap_year(int year) {
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
    static constexpr std::array<int, 12> days{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return month == 2 && is_leap_year(year) ? 29 : days[static_cast<std::size_t>(month - 1)];
}

// full-date = date-fullyear "-" date-month "-" date-mday
bool take_full_date(std::string_view& text) {
    int year = take_digits(text, 4);
    if (year < 0 || !take(text, '-')) {
        return false;
    }
    int month = take_digits(text, 2);
    if (month < 1 || month > 12 || !take(text, '-')) {
        return false;
    }
    int day = take_digits(text, 2);
    return day >= 1 && day <= days_in_month(year, month);
}

// full-time = partial-time time-offset, with a leap second allowed as :60.
bool take_full_time(std::string_view& text) {
    int hour = take_digits(text, 2);
    if (hour < 0 || hour > 23 || !take(text, ':')) {
        return false;
    }
    int minute = take_digits(text, 2);
    if (minute < 0 || minute > 59 || !take(text, ':')) {
        return false;
    }
    int second = take_digits(text, 2);
    if (second < 0 || second > 60) {
        return false;
    }
    if (take(text, '.')) {
        std::size_t digits = 0;
        while (digits < text.size() && is_digit(text[digits])) {
            ++digits;
        }
        if (digits == 0) {
            return false;
        }
        text.remove_prefix(digits);
    }
    if (take(text, 'Z') || take(text, 'z')) {
        return true;
    }
    if (!take(text, '+') && !take(text, '-')) {
        return false;
    }
    int offset_hour = take_digits(text, 2);
    if (offset_hour < 0 || offset_hour > 23 || !take(text, ':')) {
        return false;
    }
    int offset_minute = take_digits(text, 2);
    return offset_minute >= 0 && offset_minute <= 59;
}

bool is_date_time(std::string_view text) {
    if (!take_full_date(text)) {
        return false;
    }
    if (!take(text, 'T') && !take(text, 't')) {
        return false;
    }
    return take_full_time(text) && text.empty();
}

bool is_date(std::string_view text) {
    return take_full_date(text) && text.empty();
}

bool is_time(std::string_view text) {
    return take_full_time(text) && text.empty();
}

bool is_uuid(std::string_view text) {
    if (text.size() != 36) {
        return false;
    }
    for (std::size_t i = 0; i < text.size(); ++i) {
        bool hyphen_position = i == 8 || i == 13 || i == 18 || i == 23;
        if (hyphen_position ? text[i] != '-' : !is_hex_digit(text[i])) {
            return false;
        }
    }
    return true;
}

// RFC 1123 host name: dot-separated labels of letters, digits and inner
// hyphens, 63 bytes each, 253 in all.
bool is_hostname(std::string_view text) {
    if (text.empty() || text.size() > 253) {
        return false;
    }
    std::size_t label_start = 0;
    for (std::size_t i = 0; i <= text.size(); ++i) {
        if (i < text.size() && text[i] != '.') {
            if (!is_alpha(text[i]) && !is_digit(text[i]) && text[i] != '-') {
                return false;
            }
            continue;
        }
        auto label = text.substr(label_start, i - label_start);
        if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
            return false;
        }
        label_start = i + 1;
    }
    return true;
}

// RFC 5322 atext, the characters of a dot-atom local part.
bool is_atom_character(char c) {
    return is_alpha(c) || is_digit(c) ||
           std::string_view("!#$%&'*+-/=?^_`{|}~").find(c) != std::string_view::npos;
}

// local-part "@" domain, with a dot-atom local part of at most 64 bytes and a
// host name domain (RFC 5321 §4.1.2, §4.5.3.1); quoted local parts and
// address literals are refused: no API field needs them and they are a
// classic injection carrier.
bool is_email(std::string_view text) {
    auto at = text.rfind('@');
    if (at == std::string_view::npos || text.size() > 254) {
        return false;
    }
    auto local = text.substr(0, at);
    if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.' ||
        local.find("..") != std::string_view::npos) {
        return false;
    }
    for (char c : local) {
        if (c != '.' && !is_atom_character(c)) {
            return false;
        }
    }
    return is_hostname(text.substr(at + 1));
}

bool is_ipv4(std::string_view text) {
    boost::system::error_code error;
    boost::asio::ip::make_address_v4(std::string(text), error);
    return !error;
}

bool is_ipv6(std::string_view text) {
    // A zone ("%eth0") names an interface of the sender's host: not an address.
    if (text.find('%') != std::string_view::npos) {
        return false;
    }
    boost::system::error_code error;
    boost::asio::ip::make_address_v6(std::string(text), error);
    return !error;
}

}  // namespace

bool is_known_format(std::string_view format) {
    static constexpr std::array<std::string_view, 10> known{
        "date-time", "date",          "time", "email", "uuid",
        "uri",       "uri-reference", "ipv4", "ipv6",  "hostname"};
    for (auto name : known) {
        if (name == format) {
            return true;
        }
    }
    return false;
}

bool matches_format(std::string_view format, std::string_view text) {
    if (format == "date-time") {
        return is_date_time(text);
    }
    if (format == "date") {
        return is_date(text);
    }
    if (format == "time") {
        return is_time(text);
    }
    if (format == "email") {
        return is_email(text);
    }
    if (format == "uuid") {
        return is_uuid(text);
    }
    if (format == "uri") {
        return boost::urls::parse_uri(text).has_value();
    }
    if (format == "uri-reference") {
        return boost::urls::parse_uri_reference(text).has_value();
    }
    if (format == "ipv4") {
        return is_ipv4(text);
    }
    if (format == "ipv6") {
        return is_ipv6(text);
    }
    if (format == "hostname") {
        return is_hostname(text);
    }
    return false;
}

}  // namespace rampart::validate
