// A JSON Schema (draft 7, through valijson) compiled once when the
// configuration loads and shared read-only by every worker. Built from a
// Boost.JSON value and the place it came from, so any source can feed it:
// the route's YAML, a schema file, later an OpenAPI document.
//
// Validation reports where the value failed as JSON pointers with the
// failing keyword only: never the value itself, never the schema's limits
// or patterns, so an error body echoes nothing an attacker sent and reveals
// little of the schema.
#pragma once

#include <boost/json/value.hpp>

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::validate {

// A schema that cannot be compiled; what() starts with the base location.
class SchemaError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

struct SchemaViolation {
    std::string pointer;       // RFC 6901, into the validated value ("" is the whole value)
    std::string_view keyword;  // the schema keyword that failed ("type", "maximum", ...)

    bool operator==(const SchemaViolation&) const = default;
};

class CompiledSchema {
  public:
    // `base_location` ("rampart.yaml:12:9: routes[0].validation.body.schema")
    // prefixes every SchemaError. Refuses unknown `format` values, patterns
    // that do not compile and references to other documents.
    CompiledSchema(const boost::json::value& schema, std::string base_location);
    ~CompiledSchema();
    CompiledSchema(const CompiledSchema&) = delete;
    CompiledSchema& operator=(const CompiledSchema&) = delete;

    // Empty when `instance` is valid; otherwise at most `max_violations`, in
    // the order valijson found them.
    std::vector<SchemaViolation> validate(const boost::json::value& instance,
                                          std::size_t max_violations = 16) const;

    // The schema as given, for readers that need its declared types (the
    // coercion of parameters, which arrive as strings).
    const boost::json::value& document() const { return document_; }
    const std::string& base_location() const { return base_location_; }

  private:
    struct Compiled;
    boost::json::value document_;
    std::string base_location_;
    std::unique_ptr<Compiled> compiled_;
};

}  // namespace rampart::validate
