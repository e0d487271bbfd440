#include "validate/schema_source.hpp"

#include <boost/json/object.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "util/strict_json.hpp"
#include "validate/yaml_json.hpp"

namespace rampart::validate {

namespace json = boost::json;

namespace {

constexpr std::size_t max_schema_file_bytes = 4 * 1024 * 1024;
constexpr std::size_t max_yaml_depth = 128;
constexpr std::size_t max_schema_values = 100'000;

json::value convert(const config::Section& owner, const YAML::Node& node, const std::string& path) {
    return yaml_node_to_json(
        node, path, YamlJsonLimits{max_yaml_depth, max_schema_values},
        [&owner](const YAML::Node& refused, const std::string& where, const std::string& message) {
            owner.fail_at(refused, where, message);
        });
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
        return convert(config::Section(schema_file, YAML::Node(), ""), document, "(schema)");
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
    return convert(owner, node, path);
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
