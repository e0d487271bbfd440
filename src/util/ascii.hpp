// ASCII helpers for protocol text (header names, schemes, tokens).
#pragma once

#include <string_view>

namespace rampart::util {

constexpr char ascii_lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// Case-insensitive ASCII equality. Not beast::iequals: in Boost 1.81 it reads
// one byte past the end of its arguments when they differ in case after the
// last character (found by fuzz_path_normalizer; Boost.URL's ci_is_equal too).
constexpr bool equals_ignoring_case(std::string_view left, std::string_view right) {
    if (left.size() != right.size()) {
        return false;
    }
    for (std::size_t i = 0; i < left.size(); ++i) {
        if (ascii_lower(left[i]) != ascii_lower(right[i])) {
            return false;
        }
    }
    return true;
}

constexpr bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() && equals_ignoring_case(text.substr(0, prefix.size()), prefix);
}

// RFC 9110 tchar.
constexpr bool is_token_character(char c) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
        return true;
    }
    return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}

constexpr bool is_token(std::string_view text) {
    if (text.empty()) {
        return false;
    }
    for (char c : text) {
        if (!is_token_character(c)) {
            return false;
        }
    }
    return true;
}

}  // namespace rampart::util
