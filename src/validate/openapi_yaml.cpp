#include "validate/openapi_yaml.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>
#include <set>

#include "util/strict_json.hpp"
#include "validate/openapi_schema.hpp"
#include "validate/yaml_json.hpp"

namespace rampart::validate {

namespace json = boost::json;

namespace {

constexpr std::size_t max_depth = 256;

bool is_scalar(const json::value& value) {
    return !value.is_object() && !value.is_array();
}

// Would the configuration loader (or another YAML reader) read the plain
// text as something other than this string?
bool needs_quotes(std::string_view text) {
    static const std::set<std::string_view> words{"yes", "Yes", "YES", "no",  "No",  "NO",
                                                  "on",  "On",  "ON",  "off", "Off", "OFF",
                                                  "y",   "Y",   "n",   "N"};
    return !plain_scalar_value(text).is_string() || words.contains(text) ||
           text.find("${") != std::string_view::npos;
}

std::string number_text(const json::value& value) {
    if (value.is_int64()) {
        return std::to_string(value.get_int64());
    }
    if (value.is_uint64()) {
        return std::to_string(value.get_uint64());
    }
    char buffer[64];
    auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, value.get_double());
    return error == std::errc() ? std::string(buffer, end) : "0";
}

void emit_string(YAML::Emitter& out, std::string_view text) {
    if (needs_quotes(text)) {
        out << YAML::DoubleQuoted << std::string(text);
    } else {
        out << std::string(text);
    }
}

void emit(YAML::Emitter& out, const json::value& value, std::size_t depth) {
    if (const auto* object = value.if_object()) {
        bool flat = depth > 0 && object->size() <= 6 &&
                    std::all_of(object->begin(), object->end(),
                                [](const auto& member) { return is_scalar(member.value()); });
        if (flat) {
            out << YAML::Flow;
        }
        out << YAML::BeginMap;
        for (const auto& [key, member] : *object) {
            out << YAML::Key;
            emit_string(out, key);
            out << YAML::Value;
            emit(out, member, depth + 1);
        }
        out << YAML::EndMap;
    } else if (const auto* array = value.if_array()) {
        if (std::all_of(array->begin(), array->end(), is_scalar)) {
            out << YAML::Flow;
        }
        out << YAML::BeginSeq;
        for (const auto& element : *array) {
            emit(out, element, depth + 1);
        }
        out << YAML::EndSeq;
    } else if (value.is_string()) {
        emit_string(out, value.get_string());
    } else if (value.is_bool()) {
        out << (value.get_bool() ? "true" : "false");
    } else if (value.is_null()) {
        out << YAML::Null;
    } else {
        out << number_text(value);
    }
}

}  // namespace

json::value parse_openapi_document(std::string_view text, const std::string& file,
                                   std::size_t max_values) {
    YAML::Node root;
    try {
        root = YAML::Load(std::string(text));
    } catch (const YAML::Exception& error) {
        std::string where = file;
        if (!error.mark.is_null()) {
            where += ":" + std::to_string(error.mark.line + 1) + ":" +
                     std::to_string(error.mark.column + 1);
        }
        throw OpenApiError(where + ": " + error.msg);
    }
    auto refuse = [&file](const YAML::Node& node, const std::string& path,
                          const std::string& message) {
        auto mark = node.Mark();
        std::string where = file;
        if (!mark.is_null()) {
            where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
        }
        throw OpenApiError(where + ": " + (path.empty() ? "" : path + ": ") + message);
    };
    return yaml_node_to_json(root, "", YamlJsonLimits{max_depth, max_values}, refuse);
}

std::string render_yaml(const json::value& value) {
    YAML::Emitter out;
    out.SetIndent(2);
    emit(out, value, 0);
    return std::string(out.c_str()) + "\n";
}

YAML::Node to_yaml_node(const json::value& value) {
    if (const auto* object = value.if_object()) {
        YAML::Node node(YAML::NodeType::Map);
        for (const auto& [key, member] : *object) {
            node[std::string(key)] = to_yaml_node(member);
        }
        return node;
    }
    if (const auto* array = value.if_array()) {
        YAML::Node node(YAML::NodeType::Sequence);
        for (const auto& element : *array) {
            node.push_back(to_yaml_node(element));
        }
        return node;
    }
    if (value.is_null()) {
        return YAML::Node(YAML::NodeType::Null);
    }
    if (value.is_string()) {
        YAML::Node node(std::string(value.get_string()));
        node.SetTag("!");
        return node;
    }
    return YAML::Node(value.is_bool() ? std::string(value.get_bool() ? "true" : "false")
                                      : number_text(value));
}

}  // namespace rampart::validate
