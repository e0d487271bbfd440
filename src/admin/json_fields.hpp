// Reads the members of an admin API request body: each member has one
// expected type, a member nobody reads is refused (no mass assignment), and
// every refusal names the member without quoting its value.
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "admin/operations/operation.hpp"

namespace rampart::admin {

class JsonFields {
  public:
    // The body must be one JSON object (strictly parsed: no duplicate members); an empty body is
    // an empty object.
    static OperationResult<JsonFields> parse(std::string_view body);

    std::optional<std::string> string(std::string_view name);
    std::optional<std::vector<std::string>> strings(std::string_view name);
    std::optional<bool> boolean(std::string_view name);

    // The first problem met while reading, or a member nobody read.
    OperationResult<void> finish() const;

  private:
    explicit JsonFields(boost::json::object object) : object_(std::move(object)) {}
    const boost::json::value* member(std::string_view name);
    void wrong_type(std::string_view name, std::string_view expected);

    boost::json::object object_;
    std::vector<std::string> read_;
    std::optional<OperationError> error_;
};

}  // namespace rampart::admin
