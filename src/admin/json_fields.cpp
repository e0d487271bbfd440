#include "admin/json_fields.hpp"

#include <algorithm>

#include "util/printable.hpp"
#include "util/strict_json.hpp"

namespace rampart::admin {

namespace {

constexpr std::size_t maximum_body_bytes = 64 * 1024;

}  // namespace

OperationResult<JsonFields> JsonFields::parse(std::string_view body) {
    if (body.empty()) {
        return JsonFields(boost::json::object{});
    }
    util::StrictJsonLimits limits;
    limits.max_bytes = maximum_body_bytes;
    limits.max_depth = 4;
    limits.max_members = 256;
    auto parsed = util::parse_strict_json(body, limits);
    if (!parsed) {
        return invalid("the body is not acceptable JSON: " +
                       std::string(util::describe(parsed.error())));
    }
    if (!parsed->is_object()) {
        return invalid("the body must be a JSON object");
    }
    return JsonFields(std::move(parsed->as_object()));
}

const boost::json::value* JsonFields::member(std::string_view name) {
    read_.emplace_back(name);
    auto* value = object_.if_contains(name);
    // null counts as absent, as an omitted member does.
    return value != nullptr && !value->is_null() ? value : nullptr;
}

void JsonFields::wrong_type(std::string_view name, std::string_view expected) {
    if (!error_) {
        error_ = invalid("\"" + std::string(name) + "\" must be " + std::string(expected));
    }
}

std::optional<std::string> JsonFields::string(std::string_view name) {
    const auto* value = member(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_string()) {
        wrong_type(name, "a string");
        return std::nullopt;
    }
    return std::string(value->as_string());
}

std::optional<std::vector<std::string>> JsonFields::strings(std::string_view name) {
    const auto* value = member(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_array()) {
        wrong_type(name, "an array of strings");
        return std::nullopt;
    }
    std::vector<std::string> texts;
    for (const auto& element : value->as_array()) {
        if (!element.is_string()) {
            wrong_type(name, "an array of strings");
            return std::nullopt;
        }
        texts.emplace_back(element.as_string());
    }
    return texts;
}

std::optional<bool> JsonFields::boolean(std::string_view name) {
    const auto* value = member(name);
    if (value == nullptr) {
        return std::nullopt;
    }
    if (!value->is_bool()) {
        wrong_type(name, "true or false");
        return std::nullopt;
    }
    return value->as_bool();
}

OperationResult<void> JsonFields::finish() const {
    if (error_) {
        return *error_;
    }
    for (const auto& [key, value] : object_) {
        if (std::find(read_.begin(), read_.end(), std::string_view(key)) == read_.end()) {
            return invalid("unknown member \"" + util::printable(key) + "\"");
        }
    }
    return {};
}

}  // namespace rampart::admin
