// Arbitrary bytes as a request body, through the JSON safety limits and then
// a body schema, as the validation stage runs them. A document the limits
// accept must respect every limit, hold no duplicate key, and read the same
// after a round trip; schema validation of it must not crash, throw or
// report more violations than asked for, and must decide the same way twice.
// Its first runs (a build of these files alone with clang, libFuzzer and
// ASan+UBSan) found that Boost 1.81 does not round-trip doubles exactly, and
// valijson's undefined int64 cast in multipleOf (json_schema.cpp).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

#include "util/strict_json.hpp"
#include "validate/json_schema.hpp"

namespace {

namespace json = boost::json;
using rampart::util::StrictJsonLimits;

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

StrictJsonLimits small_limits() {
    StrictJsonLimits limits;
    limits.max_bytes = 4096;
    limits.max_depth = 8;
    limits.max_members = 16;
    limits.max_string_bytes = 64;
    limits.max_number_chars = 24;
    return limits;
}

// Depth, member counts and string sizes of an accepted document.
void check_within(const json::value& value, const StrictJsonLimits& limits, std::size_t depth) {
    if (const auto* array = value.if_array()) {
        check(depth + 1 <= limits.max_depth && array->size() <= limits.max_members);
        for (const auto& element : *array) {
            check_within(element, limits, depth + 1);
        }
    } else if (const auto* object = value.if_object()) {
        check(depth + 1 <= limits.max_depth && object->size() <= limits.max_members);
        std::set<std::string_view> keys;
        for (const auto& [key, member] : *object) {
            check(key.size() <= limits.max_string_bytes);
            check(keys.insert(key).second);
            check_within(member, limits, depth + 1);
        }
    } else if (const auto* text = value.if_string()) {
        check(text->size() <= limits.max_string_bytes);
    }
}

// Equal, except that doubles may differ in their last bits: Boost 1.81 reads
// decimal numbers without exact rounding, so text -> double -> text -> double
// can move by an ulp or so. (Rampart forwards the original bytes: INP-05.)
bool same_document(const json::value& left, const json::value& right) {
    if (left.is_double() && right.is_double()) {
        double a = left.get_double();
        double b = right.get_double();
        return a == b || std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b));
    }
    if (left.kind() != right.kind()) {
        return left == right;  // int64 and uint64 of one value compare equal
    }
    if (const auto* array = left.if_array()) {
        const auto& other = right.get_array();
        if (array->size() != other.size()) {
            return false;
        }
        for (std::size_t i = 0; i < array->size(); ++i) {
            if (!same_document((*array)[i], other[i])) {
                return false;
            }
        }
        return true;
    }
    if (const auto* object = left.if_object()) {
        const auto& other = right.get_object();
        if (object->size() != other.size()) {
            return false;
        }
        for (const auto& [key, member] : *object) {
            const auto* counterpart = other.if_contains(key);
            if (counterpart == nullptr || !same_document(member, *counterpart)) {
                return false;
            }
        }
        return true;
    }
    return left == right;
}

const rampart::validate::CompiledSchema& schema() {
    static const rampart::validate::CompiledSchema compiled(json::parse(R"({
      "type": "object",
      "additionalProperties": false,
      "required": ["id"],
      "properties": {
        "id": {"type": "string", "format": "uuid"},
        "email": {"type": "string", "format": "email"},
        "when": {"type": "string", "format": "date-time"},
        "link": {"format": "uri"},
        "name": {"type": "string", "pattern": "^[A-Za-z ]{1,20}$", "maxLength": 20},
        "count": {"type": "integer", "minimum": 0, "maximum": 100, "multipleOf": 5},
        "ratio": {"type": "number", "exclusiveMaximum": 1},
        "tags": {"type": "array", "uniqueItems": true, "items": {"enum": ["a", "b", 1]}},
        "nested": {"oneOf": [{"type": "null"}, {"$ref": "#"}]}
      }
    })"),
                                                            "fuzz");
    return compiled;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto limits = small_limits();
    auto parsed = rampart::util::parse_strict_json(text, limits);
    if (!parsed) {
        check(!rampart::util::describe(parsed.error()).empty());
        return 0;
    }
    check(text.size() <= limits.max_bytes);
    check_within(*parsed, limits, 0);
    auto again = rampart::util::parse_strict_json(json::serialize(*parsed), StrictJsonLimits{});
    check(again && same_document(*again, *parsed));

    auto violations = schema().validate(*parsed, 4);
    check(violations.size() <= 4);
    for (const auto& violation : violations) {
        check(violation.pointer.empty() || violation.pointer.front() == '/');
        check(!violation.keyword.empty());
    }
    check(schema().validate(*parsed, 4).empty() == violations.empty());
    return 0;
}
