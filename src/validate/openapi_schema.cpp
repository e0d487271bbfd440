#include "validate/openapi_schema.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <limits>
#include <set>

#include "validate/string_formats.hpp"

namespace rampart::validate {

namespace json = boost::json;

namespace {

constexpr std::size_t max_schema_depth = 64;

// Keywords copied as they are: their values are data or numbers, not schemas.
const std::set<std::string, std::less<>> copied_keywords{
    "type",     "enum",        "const",         "multipleOf",    "maximum",
    "minimum",  "maxLength",   "minLength",     "pattern",       "maxItems",
    "minItems", "uniqueItems", "maxProperties", "minProperties",
};

// Keywords whose value is one schema.
const std::set<std::string, std::less<>> single_schema_keywords{
    "additionalProperties",
    "additionalItems",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
};

// Keywords whose value is a list of schemas.
const std::set<std::string, std::less<>> schema_list_keywords{"allOf", "anyOf", "oneOf"};

// Annotations: no effect on what validates (or, for $id and $schema, an
// effect the importer decides instead).
const std::set<std::string, std::less<>> annotation_keywords{
    "title",           "description", "default",     "example",  "examples",
    "deprecated",      "readOnly",    "writeOnly",   "xml",      "externalDocs",
    "discriminator",   "$schema",     "$id",         "$comment", "contentMediaType",
    "contentEncoding", "$defs",       "definitions",
};

// JSON Schema 2019/2020 keywords draft 7 cannot say.
const std::set<std::string, std::less<>> unsupported_keywords{
    "unevaluatedProperties", "unevaluatedItems", "$dynamicRef", "$dynamicAnchor", "$recursiveRef",
    "$recursiveAnchor",      "$anchor",          "minContains", "maxContains",    "contentSchema",
};

// Formats that are annotations only (OpenAPI data types), with nothing to check.
const std::set<std::string, std::less<>> annotation_formats{"float", "double", "password"};

std::string pointer_token(std::string_view name) {
    std::string token;
    for (char c : name) {
        token += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    }
    return token;
}

class Conversion {
  public:
    Conversion(const json::value* components, OpenApiVersion version, const std::string& file,
               SchemaDirection direction, std::vector<std::string>& notes)
        : components_(components),
          version_(version),
          file_(file),
          direction_(direction),
          notes_(notes) {}

    json::value run(const json::value& schema, const std::string& location) {
        auto root = convert(schema, location, 0);
        json::object definitions;
        while (!pending_.empty()) {
            auto name = pending_.front();
            pending_.pop_front();
            definitions[name] = convert(component(name), "components.schemas." + name, 0);
        }
        if (definitions.empty()) {
            return root;
        }
        json::object wrapped;
        if (root.is_object() && !root.get_object().contains("$ref")) {
            wrapped = root.get_object();
        } else {
            // Draft 7 ignores the siblings of $ref: keep the reference apart.
            wrapped["allOf"] = json::array{root};
        }
        wrapped["definitions"] = std::move(definitions);
        return wrapped;
    }

  private:
    [[noreturn]] void fail(const std::string& location, const std::string& message) const {
        throw OpenApiError(file_ + ": " + location + ": " + message);
    }

    void note(const std::string& location, const std::string& message) const {
        notes_.push_back(file_ + ": " + location + ": " + message);
    }

    const json::value& component(const std::string& name) const {
        const auto* schemas = components_ != nullptr ? components_->if_object() : nullptr;
        const auto* found = schemas != nullptr ? schemas->if_contains(name) : nullptr;
        if (found == nullptr) {
            fail("components.schemas", "has no schema \"" + name + "\"");
        }
        return *found;
    }

    std::string reference(const json::value& value, const std::string& location) {
        if (!value.is_string()) {
            fail(location, "must be a string");
        }
        std::string_view text = value.get_string();
        auto name = component_name(text, "schemas");
        if (name.empty()) {
            fail(location, "\"" + std::string(text) +
                               "\" is not supported: only references to #/components/schemas/ "
                               "of the same document are (other files and URLs are never fetched)");
        }
        if (referenced_.insert(name).second) {
            component(name);  // exists, or the error names the reference
            pending_.push_back(name);
        }
        return "#/definitions/" + pointer_token(name);
    }

    json::value convert(const json::value& schema, const std::string& location, std::size_t depth) {
        if (schema.is_bool()) {
            return schema;
        }
        const auto* object = schema.if_object();
        if (object == nullptr) {
            fail(location, "must be a schema (a map)");
        }
        if (depth > max_schema_depth) {
            fail(location, "is nested too deeply");
        }
        json::object out;
        bool nullable = false;
        for (const auto& [key, value] : *object) {
            convert_keyword(*object, key, value, location + "." + std::string(key), depth, out,
                            nullable);
        }
        finish_bounds(*object, out);
        remove_unsent_required(*object, out);
        if (nullable) {
            return make_nullable(std::move(out));
        }
        if (const auto* ref = out.if_contains("$ref"); ref != nullptr && out.size() > 1) {
            json::object reference_only{{"$ref", *ref}};
            out.erase("$ref");
            return json::object{{"allOf", json::array{std::move(reference_only), std::move(out)}}};
        }
        return out;
    }

    void convert_keyword(const json::object& schema, std::string_view key, const json::value& value,
                         const std::string& location, std::size_t depth, json::object& out,
                         bool& nullable) {
        if (key == "$ref") {
            out["$ref"] = reference(value, location);
        } else if (key.starts_with("x-") || annotation_keywords.contains(key)) {
            return;
        } else if (key == "nullable") {
            nullable = value.is_bool() && value.get_bool();
        } else if (copied_keywords.contains(key) || key == "required") {
            out[key] = value;
        } else if (key == "exclusiveMinimum" || key == "exclusiveMaximum") {
            convert_exclusive_bound(key, value, location, out);
        } else if (key == "format") {
            convert_format(value, location, out);
        } else if (key == "properties" || key == "patternProperties") {
            out[key] = convert_schema_map(value, location, depth);
        } else if (single_schema_keywords.contains(key)) {
            out[key] = convert(value, location, depth + 1);
        } else if (schema_list_keywords.contains(key)) {
            out[key] = convert_schema_list(value, location, depth);
        } else if (key == "items") {
            if (value.is_array()) {
                out["items"] = convert_schema_list(value, location, depth);
            } else {
                // 2020-12: after prefixItems, `items` is what draft 7 calls additionalItems.
                out[schema.contains("prefixItems") ? "additionalItems" : "items"] =
                    convert(value, location, depth + 1);
            }
        } else if (key == "prefixItems") {
            out["items"] = convert_schema_list(value, location, depth);
        } else if (key == "dependentRequired" || key == "dependencies" ||
                   key == "dependentSchemas") {
            convert_dependencies(value, location, depth, out);
        } else if (unsupported_keywords.contains(key)) {
            note(location, "not enforced (draft-7 JSON Schema has no equivalent)");
        } else {
            note(location, "unknown keyword, ignored");
        }
    }

    void convert_exclusive_bound(std::string_view key, const json::value& value,
                                 const std::string& location, json::object& out) {
        if (value.is_number()) {
            out[key] = value;
            if (version_ == OpenApiVersion::v3_0) {
                note(location, "a number is the OpenAPI 3.1 form; imported as such");
            }
            return;
        }
        if (!value.is_bool()) {
            fail(location, "must be true, false or a number");
        }
        // true is 3.0's form, which finish_bounds translates once every
        // keyword is read; false says nothing.
    }

    // 3.0 `minimum: 5, exclusiveMinimum: true` is draft 6's `exclusiveMinimum: 5`;
    // int32 and int64 are bounds; byte is base64 (RFC 4648 §4).
    static void finish_bounds(const json::object& schema, json::object& out) {
        const std::pair<std::string_view, std::string_view> sides[] = {
            {"minimum", "exclusiveMinimum"}, {"maximum", "exclusiveMaximum"}};
        for (const auto& [bound, exclusive] : sides) {
            const auto* flag = schema.if_contains(exclusive);
            if (flag != nullptr && flag->is_bool() && flag->get_bool() && out.contains(bound)) {
                out[exclusive] = out[bound];
                out.erase(bound);
            }
        }
        const auto* format = schema.if_contains("format");
        if (format == nullptr || !format->is_string()) {
            return;
        }
        if (*format == "int32" || *format == "int64") {
            bool wide = *format == "int64";
            std::int64_t lowest = wide ? std::numeric_limits<std::int64_t>::min()
                                       : std::numeric_limits<std::int32_t>::min();
            std::int64_t highest = wide ? std::numeric_limits<std::int64_t>::max()
                                        : std::numeric_limits<std::int32_t>::max();
            if (!out.contains("minimum") && !out.contains("exclusiveMinimum")) {
                out["minimum"] = lowest;
            }
            if (!out.contains("maximum") && !out.contains("exclusiveMaximum")) {
                out["maximum"] = highest;
            }
        } else if (*format == "byte" && !out.contains("pattern")) {
            out["pattern"] = "^[A-Za-z0-9+/]*={0,2}$";
        }
    }

    void convert_format(const json::value& value, const std::string& location, json::object& out) {
        if (!value.is_string()) {
            fail(location, "must be a string");
        }
        std::string format(value.get_string());
        if (format == "int32" || format == "int64" || format == "byte") {
            return;  // finish_bounds
        } else if (is_known_format(format)) {
            out["format"] = format;
        } else if (format == "binary") {
            note(location, "\"binary\" is not checked (only JSON bodies are validated)");
        } else if (!annotation_formats.contains(format)) {
            note(location, "format \"" + format + "\" is not checked (unknown to Rampart)");
        }
    }

    json::object convert_schema_map(const json::value& value, const std::string& location,
                                    std::size_t depth) {
        const auto* map = value.if_object();
        if (map == nullptr) {
            fail(location, "must be a map of names to schemas");
        }
        json::object out;
        for (const auto& [name, schema] : *map) {
            out[name] = convert(schema, location + "." + std::string(name), depth + 1);
        }
        return out;
    }

    json::array convert_schema_list(const json::value& value, const std::string& location,
                                    std::size_t depth) {
        const auto* list = value.if_array();
        if (list == nullptr) {
            fail(location, "must be a list of schemas");
        }
        json::array out;
        for (std::size_t index = 0; index < list->size(); ++index) {
            out.push_back(
                convert((*list)[index], location + "[" + std::to_string(index) + "]", depth + 1));
        }
        return out;
    }

    void convert_dependencies(const json::value& value, const std::string& location,
                              std::size_t depth, json::object& out) {
        const auto* map = value.if_object();
        if (map == nullptr) {
            fail(location, "must be a map");
        }
        auto& dependencies = out["dependencies"];
        if (!dependencies.is_object()) {
            dependencies = json::object();
        }
        for (const auto& [name, dependency] : *map) {
            dependencies.get_object()[name] =
                dependency.is_array()
                    ? dependency
                    : convert(dependency, location + "." + std::string(name), depth + 1);
        }
    }

    // readOnly properties are sent by the server only, writeOnly ones by the
    // client only: neither is required of the other side.
    void remove_unsent_required(const json::object& schema, json::object& out) const {
        auto* required = out.if_contains("required");
        const auto* properties = schema.if_contains("properties");
        if (required == nullptr || !required->is_array() || properties == nullptr ||
            !properties->is_object()) {
            return;
        }
        std::string_view unsent = direction_ == SchemaDirection::request ? "readOnly" : "writeOnly";
        json::array kept;
        for (const auto& name : required->get_array()) {
            const auto* property = name.is_string()
                                       ? properties->get_object().if_contains(name.get_string())
                                       : nullptr;
            const auto* flag = property != nullptr && property->is_object()
                                   ? property->get_object().if_contains(unsent)
                                   : nullptr;
            if (flag == nullptr || !flag->is_bool() || !flag->get_bool()) {
                kept.push_back(name);
            }
        }
        *required = std::move(kept);
    }

    static json::value make_nullable(json::object out) {
        if (auto* type = out.if_contains("type")) {
            if (type->is_string()) {
                *type = json::array{*type, "null"};
            } else if (type->is_array() &&
                       std::find(type->get_array().begin(), type->get_array().end(),
                                 json::value("null")) == type->get_array().end()) {
                type->get_array().push_back("null");
            }
        }
        if (auto* values = out.if_contains("enum");
            values != nullptr && values->is_array() &&
            std::find(values->get_array().begin(), values->get_array().end(),
                      json::value(nullptr)) == values->get_array().end()) {
            values->get_array().push_back(nullptr);
        }
        if (out.contains("$ref")) {
            return json::object{
                {"anyOf", json::array{std::move(out), json::object{{"type", "null"}}}}};
        }
        return out;
    }

    const json::value* components_;
    OpenApiVersion version_;
    const std::string& file_;
    SchemaDirection direction_;
    std::vector<std::string>& notes_;
    std::set<std::string> referenced_;
    std::deque<std::string> pending_;
};

}  // namespace

std::string component_name(std::string_view reference, std::string_view kind) {
    std::string prefix = "#/components/" + std::string(kind) + "/";
    if (!reference.starts_with(prefix)) {
        return {};
    }
    auto token = reference.substr(prefix.size());
    if (token.empty() || token.find('/') != std::string_view::npos) {
        return {};
    }
    std::string name;
    for (std::size_t i = 0; i < token.size(); ++i) {
        if (token[i] == '~' && i + 1 < token.size() &&
            (token[i + 1] == '0' || token[i + 1] == '1')) {
            name += token[i + 1] == '0' ? '~' : '/';
            ++i;
        } else if (token[i] == '~') {
            return {};
        } else {
            name += token[i];
        }
    }
    return name;
}

OpenApiSchemaConverter::OpenApiSchemaConverter(const json::value* component_schemas,
                                               OpenApiVersion version, std::string file)
    : components_(component_schemas), version_(version), file_(std::move(file)) {}

json::value OpenApiSchemaConverter::convert(const json::value& schema, const std::string& location,
                                            SchemaDirection direction,
                                            std::vector<std::string>& notes) const {
    Conversion conversion(components_, version_, file_, direction, notes);
    return conversion.run(schema, location);
}

}  // namespace rampart::validate
