// JSON Pointers (RFC 6901) as the configuration names fields with them:
// "/address/city" is the member "city" of the member "address". Parsed once
// when the configuration loads; the request path only walks the segments.
//
// Stricter than RFC 6901 where a looser reading would only hide a typo: the
// whole document ("") and empty member names ("/a//b") are refused, and a
// pointer has at most max_json_pointer_segments segments.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::util {

inline constexpr std::size_t max_json_pointer_segments = 32;

enum class JsonPointerError {
    empty,                  // "" points at the whole document
    missing_leading_slash,  // "name" instead of "/name"
    empty_segment,          // "/a//b" or "/a/"
    bad_escape,             // '~' not followed by '0' or '1'
    too_deep,               // more than max_json_pointer_segments segments
};

// A fixed text that never quotes the pointer.
std::string_view describe(JsonPointerError error);

// Lets result<T, JsonPointerError>::value() throw (found by argument-dependent
// lookup); for load time and tests: the configuration reader checks results.
[[noreturn]] inline void throw_exception_from_error(JsonPointerError error,
                                                    const boost::source_location&) {
    throw std::invalid_argument(std::string(describe(error)));
}

// The member names, unescaped ("~1" is '/', "~0" is '~').
boost::system::result<std::vector<std::string>, JsonPointerError> parse_json_pointer(
    std::string_view text);

// Appends "/" and `name` escaped, so that parsing the result gives `name` back.
void append_json_pointer_segment(std::string& pointer, std::string_view name);

}  // namespace rampart::util
