// A route group's `openapi` key: the group's routes come from an OpenAPI
// document beside the configuration, read (again on every reload) and
// imported when the configuration loads (validate/openapi_import.hpp).
//
//   - prefix: /shop/v1
//     upstream: shop
//     openapi: specs/shop.yaml        # or {file: specs/shop.yaml}
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "config/yaml_reader.hpp"

namespace rampart::validate {

struct OpenApiGroupRoutes {
    // One section per imported operation, as if written under the group's
    // `routes`: its file is the document, its path the operation in it.
    std::vector<config::Section> routes;
    std::vector<std::string> notes;
};

// `group` has the key `openapi`; `authorization_section` is the innermost
// group (this one or an outer one) that states `require` or `authorize`, whose
// requirement the imported routes keep. Throws ConfigError at the `openapi`
// key for an unreadable or invalid document.
OpenApiGroupRoutes read_openapi_group(const config::Section& group,
                                      const std::optional<config::Section>& authorization_section);

// "rampart.yaml:12:5: routes[1].openapi": for errors of the imported routes.
std::string openapi_key_location(const config::Section& group);

}  // namespace rampart::validate
