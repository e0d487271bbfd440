#include "validate/parameter_coercion.hpp"

#include <algorithm>

#include "util/strict_json.hpp"

namespace rampart::validate {

namespace json = boost::json;

namespace {

// Longer than any int64 or double spelled sensibly; the parse stays bounded.
constexpr std::size_t max_number_text = 32;

std::vector<ScalarType> scalar_types_of(const json::value& schema) {
    std::vector<std::string_view> names;
    const auto* object = schema.if_object();
    const json::value* type = object != nullptr ? object->if_contains("type") : nullptr;
    if (type != nullptr && type->is_string()) {
        names.push_back(type->get_string());
    } else if (type != nullptr && type->is_array()) {
        for (const auto& name : type->get_array()) {
            if (name.is_string()) {
                names.push_back(name.get_string());
            }
        }
    }
    std::vector<ScalarType> types;
    auto declares = [&](std::string_view name) {
        return std::find(names.begin(), names.end(), name) != names.end();
    };
    if (declares("integer")) {
        types.push_back(ScalarType::integer);
    }
    if (declares("number")) {
        types.push_back(ScalarType::number);
    }
    if (declares("boolean")) {
        types.push_back(ScalarType::boolean);
    }
    if (declares("string")) {
        types.push_back(ScalarType::string);
    }
    return types;
}

std::optional<json::value> parse_number(std::string_view text) {
    if (text.empty() || text.size() > max_number_text) {
        return std::nullopt;
    }
    util::StrictJsonLimits limits;
    limits.max_bytes = max_number_text;
    limits.max_number_chars = max_number_text;
    auto parsed = util::parse_strict_json(text, limits);
    // Only the number itself: no surrounding whitespace either.
    if (!parsed || !parsed->is_number() || text.front() == ' ' || text.back() == ' ' ||
        text.front() == '\t' || text.back() == '\t' || text.front() == '\n' ||
        text.back() == '\n' || text.front() == '\r' || text.back() == '\r') {
        return std::nullopt;
    }
    return std::move(*parsed);
}

std::optional<json::value> convert(std::string_view text, ScalarType type) {
    switch (type) {
        case ScalarType::string:
            return json::value(json::string(text));
        case ScalarType::boolean:
            if (text == "true" || text == "false") {
                return json::value(text == "true");
            }
            return std::nullopt;
        case ScalarType::integer: {
            auto number = parse_number(text);
            if (number && (number->is_int64() || number->is_uint64())) {
                return number;
            }
            return std::nullopt;
        }
        case ScalarType::number:
            return parse_number(text);
    }
    return std::nullopt;
}

}  // namespace

ParameterShape shape_of(const json::value& schema) {
    ParameterShape shape;
    shape.scalar_types = scalar_types_of(schema);
    const auto* object = schema.if_object();
    const json::value* type = object != nullptr ? object->if_contains("type") : nullptr;
    if (type != nullptr && type->is_string() && type->get_string() == "array") {
        shape.is_array = true;
        if (const auto* items = object->if_contains("items")) {
            shape.item_types = scalar_types_of(*items);
        }
    }
    return shape;
}

std::optional<json::value> coerce(std::string_view text, const std::vector<ScalarType>& types) {
    if (types.empty()) {
        return json::value(json::string(text));
    }
    for (auto type : types) {
        if (auto converted = convert(text, type)) {
            return converted;
        }
    }
    return std::nullopt;
}

}  // namespace rampart::validate
