// YAML nodes as JSON values, for the schemas written in the configuration and
// for OpenAPI documents: quoted scalars are strings; plain ones null, booleans
// or numbers when they read as such. Keys must be plain strings, given once.
// Depth and the number of values are bounded, a YAML alias counted each time
// it is used, so a few lines of aliases of aliases cannot expand into billions.
#pragma once

#include <yaml-cpp/yaml.h>

#include <boost/json/value.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace rampart::validate {

struct YamlJsonLimits {
    std::size_t max_depth = 128;
    std::size_t max_values = 100'000;
};

// Reports the first refusal (the node, its path, what is wrong); must throw.
using YamlJsonRefusal = std::function<void(const YAML::Node& node, const std::string& path,
                                           const std::string& message)>;

// `path` names the node in messages; a key below it is "path.key", "key" at the top.
boost::json::value yaml_node_to_json(const YAML::Node& node, const std::string& path,
                                     YamlJsonLimits limits, const YamlJsonRefusal& refuse);

// What a plain (unquoted) scalar reads as.
boost::json::value plain_scalar_value(std::string_view text);

}  // namespace rampart::validate
