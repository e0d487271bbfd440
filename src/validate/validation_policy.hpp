// What the `validation` section of a route (or of its group, or the top
// level) asks for, compiled when the configuration loads: media types, JSON
// limits, and the schemas of the body and of the path, query and header
// parameters. The validation stage (pipeline/stages/validation.hpp) applies
// it; docs/validation.md describes the keys.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/settings.hpp"
#include "util/strict_json.hpp"
#include "validate/json_schema.hpp"
#include "validate/layered_section.hpp"
#include "validate/media_type.hpp"
#include "validate/parameter_coercion.hpp"
#include "validate/query_string.hpp"
#include "validate/response_contract.hpp"

namespace rampart::validate {

// What to do with a scalar query parameter given more than once: two
// readers (Rampart and the upstream's framework) could pick different ones.
enum class DuplicatePolicy {
    reject,  // 400
    first,   // keep the first; the others are removed before forwarding
    last,    // keep the last; likewise
};

struct ParameterRule {
    std::string name;  // header names in lower case
    std::shared_ptr<const CompiledSchema> schema;
    ParameterShape shape;
    bool required = false;
};

struct ParameterRules {
    std::vector<ParameterRule> parameters;
    bool reject_unknown = false;  // query only

    const ParameterRule* find(std::string_view name) const;
};

struct QueryRules {
    ParameterRules rules;
    QueryLimits limits;
    DuplicatePolicy duplicates = DuplicatePolicy::reject;
};

struct ValidationPolicy {
    std::vector<MediaType> content_types;       // a body must have one of them; never empty
    std::vector<MediaType> response_types;      // Accept must allow one; empty: not checked
    std::vector<std::string> bodyless_methods;  // upper case; a body on these is refused
    util::StrictJsonLimits json_limits;
    std::shared_ptr<const CompiledSchema> body_schema;  // null: no schema
    bool body_required = false;                         // a method that takes a body must send one
    QueryRules query;
    ParameterRules path;
    ParameterRules headers;
    // `response`: checked and logged, never enforced; null when absent or disabled.
    std::shared_ptr<const ResponseContract> response;

    bool takes_body(std::string_view method) const;
};

// Throws config::ConfigError at the offending key. `route_path` is the
// route's template, which must name every declared path parameter.
ValidationPolicy read_validation_policy(const config::Section& section,
                                        const std::string& route_path);
// The same over two layers: an imported route's section over its group's.
ValidationPolicy read_validation_policy(const LayeredSection& section,
                                        const std::string& route_path);

}  // namespace rampart::validate
