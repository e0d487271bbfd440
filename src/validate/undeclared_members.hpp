// Members of a JSON value that its schema does not declare: for response
// validation (validate/response_contract.hpp), where an API returning a field
// its contract never mentions is the finding, even when the schema leaves
// `additionalProperties` open (as most OpenAPI documents do).
//
// Walks the value and the schema together. At each place in the value, the
// schemas that apply are the one reached plus everything it pulls in at the
// same place: local `$ref`s, allOf, anyOf, oneOf, then, else and schema
// dependencies. A member of an object counts as undeclared when at least one
// of those schemas has `properties`, and none of them declares the name (in
// `properties`, a matching `patternProperties`, or an `additionalProperties`
// schema other than true or {}). A name declared by any branch of anyOf/oneOf counts as
// declared: the finding is "nobody wrote this field down", not "this branch
// did not". Declared members and array items are walked further.
#pragma once

#include <boost/json/value.hpp>
#include <boost/regex.hpp>

#include <map>
#include <string>
#include <vector>

#include "validate/json_schema.hpp"

namespace rampart::validate {

class UndeclaredMembers {
  public:
    // `schema` must outlive this object (the CompiledSchema's document).
    explicit UndeclaredMembers(const boost::json::value& schema);

    // One {pointer, "undeclared"} per undeclared member, at most `max_found`,
    // in document order. The walk does not enter an undeclared member.
    std::vector<SchemaViolation> find(const boost::json::value& instance,
                                      std::size_t max_found) const;

  private:
    struct Walk;
    const boost::json::value& schema_;
    std::map<std::string, boost::regex, std::less<>> patterns_;  // patternProperties, compiled once
};

}  // namespace rampart::validate
