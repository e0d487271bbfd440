// OpenAPI 3.0 and 3.1 schema objects as draft-7 JSON Schema, the dialect
// CompiledSchema (valijson) checks. Used by the importer
// (validate/openapi_import.hpp) for bodies and parameters.
//
// - 3.0 `nullable: true` adds "null" to `type` (and to `enum`); 3.0's
//   boolean exclusiveMinimum/exclusiveMaximum become the numeric draft-6 form.
// - 3.1 (2020-12) keywords with a draft-7 equivalent are translated
//   (prefixItems, $defs, dependentRequired, dependentSchemas); those without
//   one (unevaluatedProperties, $dynamicRef, ...) are dropped with a note.
// - Annotations valijson does not need are dropped (description, example,
//   discriminator, xml, x-*, ...). format int32/int64 become bounds, byte a
//   base64 pattern; float, double and password are annotations; other
//   formats CompiledSchema does not know are dropped with a note.
// - readOnly properties are not required in requests, writeOnly ones not in
//   responses (OpenAPI 3.0 §4.7.25).
// - `#/components/schemas/X` references become `#/definitions/X`, and every
//   component the schema reaches is copied, converted once, into its
//   `definitions`: recursive schemas stay references, never inlined.
//   Any other reference (another file, a URL, elsewhere in the document) is
//   an OpenApiError: nothing is ever fetched.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace rampart::validate {

// A problem that stops one part of the spec from being imported; what()
// is "location: message" with the location as a key path into the spec.
class OpenApiError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

enum class OpenApiVersion { v3_0, v3_1 };
enum class SchemaDirection { request, response };

class OpenApiSchemaConverter {
  public:
    // `components` is the document's components.schemas (may be null);
    // `file` prefixes every location.
    OpenApiSchemaConverter(const boost::json::value* component_schemas, OpenApiVersion version,
                           std::string file);

    // The schema at `location` ("paths./users.post.requestBody...schema") as
    // a self-contained draft-7 schema. Throws OpenApiError for what cannot be
    // imported; adds notes for what is imported weaker than written.
    boost::json::value convert(const boost::json::value& schema, const std::string& location,
                               SchemaDirection direction, std::vector<std::string>& notes) const;

  private:
    const boost::json::value* components_;
    OpenApiVersion version_;
    std::string file_;
};

// The name X of "#/components/<kind>/X", unescaped (RFC 6901); empty when
// `reference` is not of that form.
std::string component_name(std::string_view reference, std::string_view kind);

}  // namespace rampart::validate
