#include "validate/openapi_yaml.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>
#include <charconv>
#include <optional>
#include <set>

#include "util/strict_json.hpp"
#include "validate/openapi_schema.hpp"

namespace rampart::validate {

namespace json = boost::json;

namespace {

constexpr std::size_t max_depth = 256;

bool is_null_word(std::string_view text) {
    return text == "null" || text == "Null" || text == "NULL" || text == "~" || text.empty();
}

bool is_boolean_word(std::string_view text) {
    return text == "true" || text == "True" || text == "TRUE" || text == "false" ||
           text == "False" || text == "FALSE";
}

std::optional<json::value> number_of(std::string_view text) {
    if (text.empty() || !(text.front() == '-' || (text.front() >= '0' && text.front() <= '9'))) {
        return std::nullopt;
    }
    auto number = util::parse_strict_json(text);
    if (number && number->is_number()) {
        return std::move(*number);
    }
    return std::nullopt;
}

json::value plain_scalar(const std::string& text) {
    if (is_null_word(text)) {
        return nullptr;
    }
    if (is_boolean_word(text)) {
        return text.front() == 't' || text.front() == 'T';
    }
    if (auto number = number_of(text)) {
        return std::move(*number);
    }
    return json::string(text);
}

class DocumentReader {
  public:
    DocumentReader(const std::string& file, std::size_t max_values)
        : file_(file), max_values_(max_values) {}

    json::value read(const YAML::Node& node, const std::string& path, std::size_t depth) {
        if (++values_ > max_values_) {
            fail(node, path, "has more than " + std::to_string(max_values_) + " values");
        }
        if (depth > max_depth) {
            fail(node, path, "is nested too deeply");
        }
        switch (node.Type()) {
            case YAML::NodeType::Map:
                return read_map(node, path, depth);
            case YAML::NodeType::Sequence: {
                json::array array;
                for (std::size_t index = 0; index < node.size(); ++index) {
                    array.push_back(
                        read(node[index], path + "[" + std::to_string(index) + "]", depth + 1));
                }
                return array;
            }
            case YAML::NodeType::Scalar:
                // yaml-cpp tags quoted scalars "!" and plain ones "?".
                return node.Tag() == "!" ? json::value(json::string(node.Scalar()))
                                         : plain_scalar(node.Scalar());
            case YAML::NodeType::Null:
            case YAML::NodeType::Undefined:
                break;
        }
        return nullptr;
    }

  private:
    json::value read_map(const YAML::Node& node, const std::string& path, std::size_t depth) {
        json::object object;
        for (auto it = node.begin(); it != node.end(); ++it) {
            if (!it->first.IsScalar()) {
                fail(it->first, path, "keys must be plain strings");
            }
            const auto& key = it->first.Scalar();
            auto child = path.empty() ? key : path + "." + key;
            if (object.contains(key)) {
                fail(it->first, child, "is given twice");
            }
            object[key] = read(it->second, child, depth + 1);
        }
        return object;
    }

    [[noreturn]] void fail(const YAML::Node& node, const std::string& path,
                           const std::string& message) const {
        auto mark = node.Mark();
        std::string where = file_;
        if (!mark.is_null()) {
            where += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
        }
        throw OpenApiError(where + ": " + (path.empty() ? "" : path + ": ") + message);
    }

    const std::string& file_;
    std::size_t max_values_;
    std::size_t values_ = 0;
};

bool is_scalar(const json::value& value) {
    return !value.is_object() && !value.is_array();
}

// Would the configuration loader (or another YAML reader) read the plain
// text as something other than this string?
bool needs_quotes(std::string_view text) {
    static const std::set<std::string_view> words{"yes", "Yes", "YES", "no",  "No",  "NO",
                                                  "on",  "On",  "ON",  "off", "Off", "OFF",
                                                  "y",   "Y",   "n",   "N"};
    return is_null_word(text) || is_boolean_word(text) || words.contains(text) ||
           number_of(text).has_value() || text.find("${") != std::string_view::npos;
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
    return DocumentReader(file, max_values).read(root, "", 0);
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
