// Routes from an OpenAPI 3.0 or 3.1 document: one route per operation, with
// its methods, its authentication (from `security`), and a `validation`
// section for its path, query and header parameters and its JSON request
// body. Used by `rampart import-openapi` (which writes the routes as YAML)
// and by a route group's `openapi` key (which reads them at load).
// docs/validation.md ("Validation from an OpenAPI document") describes the
// mapping; whatever cannot be imported is a note naming its place in the
// document, and is left out or imported stricter, never weaker, except where
// a note says a keyword is not enforced.
#pragma once

#include "validate/openapi_yaml.hpp"

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "validate/openapi_schema.hpp"

namespace rampart::validate {

struct OpenApiImportOptions {
    // A group of the configuration states its own `require` or `authorize`:
    // routes needing any authenticated caller leave it to the group, and
    // routes needing scopes add them to the group's `require` (`group_require`,
    // empty for `authorize: authenticated`).
    bool group_authorizes = false;
    boost::json::object group_require;
    // The JSON schemas of each operation's 2xx and default responses become
    // the route's `validation.response.schemas` (log-only response
    // validation); `validate_responses` switches them on, else they are
    // written with `enabled: false`, ready to be switched on.
    bool response_schemas = true;
    bool validate_responses = false;
    // The bound on the document's values, YAML aliases expanded (parse_openapi_document).
    std::size_t max_values = default_max_openapi_values;
};

struct ImportedRoute {
    std::string location;       // the operation in the document: "paths./users/{id}.get"
    boost::json::object route;  // path, methods, [auth, require/authorize], [validation]
};

struct OpenApiImport {
    OpenApiVersion version = OpenApiVersion::v3_0;
    std::string title;
    std::string api_version;
    std::string server_path;  // the path of the first server URL ("/v1"), "" if none
    std::vector<ImportedRoute> routes;
    std::vector<std::string>
        notes;  // "shop.yaml: paths./x.post.requestBody...: not imported (...)"
};

// Throws OpenApiError when the document is not an OpenAPI 3.0 or 3.1 document
// at all; problems of single operations are notes.
OpenApiImport import_openapi(std::string_view text, const std::string& file,
                             const OpenApiImportOptions& options = {});

}  // namespace rampart::validate
