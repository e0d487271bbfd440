// Response validation in log-only mode: what a route's upstream promises to
// answer (`validation.response` of a route, a group or the top level; docs/
// validation.md "Response validation"), and the check of one answer against
// it. The check only reports: the validation stage logs and counts what it
// finds and never changes or blocks the response.
//
//   validation:
//     response:
//       mode: log                      # the only mode
//       schemas:
//         200: {type: object, properties: {...}}
//         2XX: {file: schemas/any-success.json}
//         default: {...}
//       undeclared_properties: report  # or allow
//       max_body_bytes: 1MiB
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "config/yaml_reader.hpp"
#include "validate/json_schema.hpp"
#include "validate/layered_section.hpp"
#include "validate/undeclared_members.hpp"

namespace rampart::validate {

// What became of one response, for the metric and the security log.
enum class ResponseOutcome {
    valid,      // matched its schema
    violation,  // did not: the violations say where
    invalid,    // announced JSON but did not parse (or broke the JSON limits)
    skipped,    // not read: too large, compressed, not JSON, or empty
};

std::string_view outcome_label(ResponseOutcome outcome);

struct ResponseCheck {
    ResponseOutcome outcome = ResponseOutcome::valid;
    std::string_view reason;  // "schema", "invalid_json", "too_large", "encoded", ...
    std::vector<SchemaViolation> violations;  // at most max_reported_violations
};

// The schema of one status key: "200", "2XX" or "default".
struct ResponseSchema {
    std::string status_key;
    std::shared_ptr<const CompiledSchema> schema;
    std::shared_ptr<const UndeclaredMembers> undeclared;  // null with undeclared_properties: allow
};

// What a response carries besides its status, as the check needs it.
struct ResponseView {
    unsigned status = 0;
    std::string_view content_type;
    std::string_view content_encoding;
    std::string_view body;
};

class ResponseContract {
  public:
    static constexpr std::size_t max_reported_violations = 16;
    static constexpr std::uint64_t default_max_body_bytes = 1024 * 1024;

    // The schema for `status`: the exact code, else its class ("2XX"), else
    // "default"; null when the contract says nothing about it.
    const ResponseSchema* schema_for(unsigned status) const;

    // Null schema_for(status) is the caller's business: call only with one.
    ResponseCheck check(const ResponseSchema& schema, const ResponseView& response) const;

    std::vector<ResponseSchema> schemas;  // exact codes first, then classes, then default
    bool report_undeclared = true;
    std::uint64_t max_body_bytes = default_max_body_bytes;
};

// `validation.response` (the section, over an outer one for an imported
// route), or null when absent or `enabled: false`. Throws
// config::ConfigError at the offending key.
std::shared_ptr<const ResponseContract> read_response_contract(const LayeredSection& response);

}  // namespace rampart::validate
