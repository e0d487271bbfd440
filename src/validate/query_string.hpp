// A request's query string as a list of decoded parameters, within limits on
// its length and on the number of parameters. Members are split on '&' and
// at their first '='; Boost.URL checks and decodes the percent-escapes, with
// '+' as a space (application/x-www-form-urlencoded, as upstream frameworks
// read it).
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::validate {

struct QueryParameter {
    std::string name;          // decoded
    std::string value;         // decoded; empty for "?flag"
    std::string_view encoded;  // "name=value" exactly as received, for rewriting the query
};

struct QueryLimits {
    std::size_t max_length = 4096;  // bytes of the raw query
    std::size_t max_parameters = 64;
};

enum class QueryError {
    too_long,
    too_many_parameters,
    malformed,     // a bad percent-escape ("%zz", "%4")
    invalid_utf8,  // a decoded name or value is not UTF-8
};

// A fixed text for the problem detail: it never quotes the query.
std::string_view describe(QueryError error);

// `raw` is the query without '?', as received; it must outlive the result.
boost::system::result<std::vector<QueryParameter>, QueryError> parse_query_string(
    std::string_view raw, const QueryLimits& limits);

}  // namespace rampart::validate
