// Well-formed UTF-8 (RFC 3629): no overlong forms (overlong "/" and "." are
// classic filter bypasses), no surrogates, nothing above U+10FFFF. Shared by
// the path normaliser, the strict JSON reader and the password policy.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace rampart::util {

// The number of code points, or nullopt when `text` is not well-formed UTF-8.
std::optional<std::size_t> count_utf8_code_points(std::string_view text);

inline bool is_valid_utf8(std::string_view text) {
    return count_utf8_code_points(text).has_value();
}

}  // namespace rampart::util
