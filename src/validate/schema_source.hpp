// Where a route's schemas come from: written inline in the configuration
// (YAML, converted to JSON), or a file beside it (`{file: schemas/order.json}`,
// JSON or YAML, relative to the configuration file's directory). Either way
// the schema is compiled here, at load, and any problem is a ConfigError at
// the schema's file:line:column and key path.
#pragma once

#include <yaml-cpp/yaml.h>

#include <boost/json/value.hpp>

#include <memory>
#include <string>

#include "config/yaml_reader.hpp"
#include "validate/json_schema.hpp"

namespace rampart::validate {

// The YAML value as JSON: quoted scalars are strings; plain scalars are null,
// true, false or a JSON number when they read as one, else strings. A
// repeated map key is an error.
boost::json::value yaml_to_json(const config::Section& owner, const YAML::Node& node,
                                const std::string& path);

// The schema at `node` (whose key path is `path`) of `owner`'s file.
std::shared_ptr<const CompiledSchema> load_schema(const config::Section& owner,
                                                  const YAML::Node& node, const std::string& path);

}  // namespace rampart::validate
