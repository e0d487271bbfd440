// The YAML side of the OpenAPI importer: an OpenAPI document (YAML, or JSON,
// which YAML reads too) as Boost.JSON, and generated configuration back as
// YAML, either as text (`rampart import-openapi`) or as nodes the loader
// reads like any written configuration (a group's `openapi` key).
#pragma once

#include <yaml-cpp/yaml.h>

#include <boost/json/value.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace rampart::validate {

// The document as JSON, with the scalar rules of configuration schemas
// (validate/schema_source.hpp): quoted scalars are strings; plain ones null,
// booleans or numbers when they read as such. Throws OpenApiError (with the
// line) on a YAML syntax error, a repeated key, nesting deeper than 256, or
// more than `max_values` values (aliases expanded: no "billion laughs").
inline constexpr std::size_t default_max_openapi_values = 1'000'000;
boost::json::value parse_openapi_document(std::string_view text, const std::string& file,
                                          std::size_t max_values = default_max_openapi_values);

// YAML text that the configuration loader reads back as `value`: strings that
// would read as something else (123, true, null, "") are quoted. Maps and
// lists of scalars only are written in flow style ({type: string}).
std::string render_yaml(const boost::json::value& value);

// The same, as nodes: strings are tagged as quoted scalars.
YAML::Node to_yaml_node(const boost::json::value& value);

}  // namespace rampart::validate
