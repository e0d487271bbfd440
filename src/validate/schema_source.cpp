#include "validate/schema_source.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>

#include "util/strict_json.hpp"

namespace rampart::validate {

namespace json = boost::json;

namespace {

constexpr std::size_t max_schema_file_bytes = 4 * 1024 * 1024;
constexpr std::size_t max_yaml_depth = 128;
// Values in one schema, counted as converted: a YAML alias counts each time it
// is used, so a few lines of aliases of aliases cannot expand into billions.
constexpr std::size_t max_schema_values = 100'000;

json::value plain_scalar(const std::string& text) {
    if (text == "null" || text == "Null" || text == "NULL" || text == "~") {
        return nullptr;
    }
    if (text == "true" || text == "True" || text == "TRUE") {
        return true;
    }
    if (text == "false" || text == "False" || text == "FALSE") {
        return false;
    }
    if (!text.empty() && (text.front() == '-' || (text.front() >= '0' && text.front() <= '9'))) {
        auto number = util::parse_strict_json(text);
        if (number && number->is_number()) {
            return std::move(*number);
        }
    }
    return json::string(text);
}

json::value convert(const config::Section& owner, const YAML::Node& node, const std::string& path,
                    std::size_t depth, std::size_t& values) {
    if (depth > max_yaml_depth) {
        owner.fail_at(node, path, "is nested too deeply");
    }
    if (++values > max_schema_values) {
        owner.fail_at(node, path,
                      "makes the schema larger than 100000 values (a YAML alias counts each time "
                      "it is used)");
    }
    switch (node.Type()) {
        case YAML::NodeType::Map: {
            json::object object;
            std::set<std::string> seen;
            for (auto it = node.begin(); it != node.end(); ++it) {
                if (!it->first.IsScalar()) {
                    owner.fail_at(it->first, path, "keys must be plain strings");
                }
                const auto& key = it->first.Scalar();
                auto child = path + "." + key;
                if (!seen.insert(key).second) {
                    owner.fail_at(it->first, child, "is given twice");
                }
                object[key] = convert(owner, it->second, child, depth + 1, values);
            }
            return object;
        }
        case YAML::NodeType::Sequence: {
            json::array array;
            for (std::size_t index = 0; index < node.size(); ++index) {
                array.push_back(convert(owner, node[index],
                                        path + "[" + std::to_string(index) + "]", depth + 1,
                                        values));
            }
            return array;
        }
        case YAML::NodeType::Scalar:
            // yaml-cpp tags quoted scalars "!" and plain ones "?".
            if (node.Tag() == "!") {
                return json::string(node.Scalar());
            }
            return plain_scalar(node.Scalar());
        case YAML::NodeType::Null:
            return nullptr;
        case YAML::NodeType::Undefined:
            break;
    }
    owner.fail_at(node, path, "is missing");
}

// {file: path}: the one key of a map that is not a schema (a schema's
// properties live under "properties").
bool is_file_reference(const YAML::Node& node) {
    return node.IsMap() && node.size() == 1 && node.begin()->first.IsScalar() &&
           node.begin()->first.Scalar() == "file" && node.begin()->second.IsScalar();
}

std::string read_file(const config::Section& owner, const YAML::Node& node, const std::string& path,
                      const std::filesystem::path& file) {
    std::ifstream stream(file, std::ios::binary);
    if (!stream) {
        owner.fail_at(node, path, "cannot read the schema file \"" + file.string() + "\"");
    }
    std::string text;
    char buffer[8192];
    while (stream.read(buffer, sizeof buffer) || stream.gcount() > 0) {
        text.append(buffer, static_cast<std::size_t>(stream.gcount()));
        if (text.size() > max_schema_file_bytes) {
            owner.fail_at(node, path,
                          "the schema file \"" + file.string() + "\" is larger than 4 MiB");
        }
    }
    return text;
}

json::value load_file(const config::Section& owner, const YAML::Node& node,
                      const std::string& path) {
    auto name = node.begin()->second.Scalar();
    auto file_path = path + ".file";
    std::filesystem::path file(name);
    if (file.is_relative()) {
        file = std::filesystem::path(owner.file()).parent_path() / file;
    }
    auto text = read_file(owner, node.begin()->second, file_path, file);
    auto extension = file.extension().string();
    if (extension == ".yaml" || extension == ".yml") {
        YAML::Node document;
        try {
            document = YAML::Load(text);
        } catch (const YAML::Exception& error) {
            owner.fail_at(
                node.begin()->second, file_path,
                "\"" + name + "\" line " + std::to_string(error.mark.line + 1) + ": " + error.msg);
        }
        auto schema_file = std::make_shared<const std::string>(file.string());
        std::size_t values = 0;
        return convert(config::Section(schema_file, YAML::Node(), ""), document, "(schema)", 0,
                       values);
    }
    util::StrictJsonLimits limits;
    limits.max_bytes = max_schema_file_bytes;
    limits.max_depth = max_yaml_depth;
    limits.max_members = 100'000;
    limits.max_string_bytes = max_schema_file_bytes;
    limits.max_number_chars = 64;
    auto parsed = util::parse_strict_json(text, limits);
    if (!parsed) {
        owner.fail_at(node.begin()->second, file_path,
                      "\"" + name + "\" is not a valid JSON schema file: " +
                          std::string(util::describe(parsed.error())));
    }
    return std::move(*parsed);
}

}  // namespace

json::value yaml_to_json(const config::Section& owner, const YAML::Node& node,
                         const std::string& path) {
    std::size_t values = 0;
    return convert(owner, node, path, 0, values);
}

std::shared_ptr<const CompiledSchema> load_schema(const config::Section& owner,
                                                  const YAML::Node& node, const std::string& path) {
    if (!node.IsMap() &&
        !(node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false"))) {
        owner.fail_at(node, path, "must be a JSON Schema (a map) or {file: path}");
    }
    bool from_file = is_file_reference(node);
    auto document = from_file ? load_file(owner, node, path) : yaml_to_json(owner, node, path);
    auto base_location = config::format_location(owner.file(), node.Mark(), path);
    if (from_file) {
        base_location += " (" + node.begin()->second.Scalar() + ")";
    }
    try {
        return std::make_shared<const CompiledSchema>(document, base_location);
    } catch (const SchemaError& error) {
        throw config::ConfigError(error.what());
    }
}

}  // namespace rampart::validate
