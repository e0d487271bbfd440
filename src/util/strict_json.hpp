// A JSON reader for untrusted input that is stricter than boost::json::parse:
// it refuses duplicate object keys (Boost 1.81 silently keeps one of them,
// so two readers of one document could disagree on its meaning), invalid
// UTF-8, trailing data, comments and trailing commas, and it bounds every
// dimension an attacker could inflate. Used for JOSE headers and payloads and
// for request bodies.
#pragma once

#include <boost/json/value.hpp>
#include <boost/system/result.hpp>

#include <cstddef>
#include <string_view>

namespace rampart::util {

struct StrictJsonLimits {
    std::size_t max_bytes = 1024 * 1024;
    std::size_t max_depth = 32;             // nesting of arrays and objects
    std::size_t max_members = 10'000;       // per object or array
    std::size_t max_string_bytes = 65'536;  // per string or key, after unescaping
    std::size_t max_number_chars = 32;      // digits, sign, point and exponent
};

enum class StrictJsonError {
    too_large,
    too_deep,
    too_many_members,
    string_too_long,
    number_too_long,
    number_out_of_range,  // overflows a double (Boost 1.81 would give inf or NaN)
    duplicate_key,
    invalid_utf8,
    trailing_data,
    syntax,  // includes comments, trailing commas, unescaped control characters
    incomplete,
};

// A fixed, safe text: it never quotes the input.
std::string_view describe(StrictJsonError error);

boost::system::result<boost::json::value, StrictJsonError> parse_strict_json(
    std::string_view text, const StrictJsonLimits& limits = {});

}  // namespace rampart::util
