// Path, query and header parameters arrive as text; their schemas declare
// JSON types. The declared type is read once at load, and each value is
// converted to it before validation ("100" -> 100 for an integer). A value
// that is not exactly a JSON number or boolean of that type is not converted
// ("1e2" is no integer, "+1", " 1" and "0x10" no number) and fails `type`.
#pragma once

#include <boost/json/value.hpp>

#include <optional>
#include <string_view>
#include <vector>

namespace rampart::validate {

enum class ScalarType { string, integer, number, boolean };

struct ParameterShape {
    // What the text may become, in the order tried: integer before number
    // before boolean before string. Empty when the schema declares no type:
    // the text stays a string.
    std::vector<ScalarType> scalar_types;
    // A parameter declared `type: array` takes every occurrence of a
    // repeated query parameter ("?tag=a&tag=b"), each converted to
    // `item_types`.
    bool is_array = false;
    std::vector<ScalarType> item_types;
};

// Reads "type" (and for arrays "items.type") of a parameter's schema.
ParameterShape shape_of(const boost::json::value& schema);

// The text as the first of `types` it converts to; nullopt if none.
std::optional<boost::json::value> coerce(std::string_view text,
                                         const std::vector<ScalarType>& types);

}  // namespace rampart::validate
