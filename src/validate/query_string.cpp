#include "validate/query_string.hpp"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/pct_string_view.hpp>

#include <algorithm>

#include "util/utf8.hpp"

namespace rampart::validate {

std::string_view describe(QueryError error) {
    switch (error) {
        case QueryError::too_long:
            return "The query string is too long.";
        case QueryError::too_many_parameters:
            return "The query string has too many parameters.";
        case QueryError::malformed:
            return "The query string is malformed.";
        case QueryError::invalid_utf8:
            return "The query string is not valid UTF-8.";
    }
    return "The query string is malformed.";
}

namespace {

// One "name=value" member, percent-decoded by Boost.URL with '+' as a space.
// The characters themselves are not restricted beyond what the path
// normaliser allows (visible ASCII): APIs send "filter[name]=x" unencoded,
// which RFC 3986's query grammar, and so boost::urls::parse_query, refuses.
boost::system::result<QueryParameter, QueryError> decode_member(std::string_view member) {
    auto equals = member.find('=');
    auto name = boost::urls::make_pct_string_view(member.substr(0, equals));
    auto value = boost::urls::make_pct_string_view(
        equals == std::string_view::npos ? std::string_view() : member.substr(equals + 1));
    if (!name || !value) {
        return QueryError::malformed;
    }
    boost::urls::encoding_opts form;
    form.space_as_plus = true;
    QueryParameter decoded{name->decode(form), value->decode(form), member};
    if (!util::is_valid_utf8(decoded.name) || !util::is_valid_utf8(decoded.value)) {
        return QueryError::invalid_utf8;
    }
    return decoded;
}

}  // namespace

boost::system::result<std::vector<QueryParameter>, QueryError> parse_query_string(
    std::string_view raw, const QueryLimits& limits) {
    std::vector<QueryParameter> parameters;
    if (raw.size() > limits.max_length) {
        return QueryError::too_long;
    }
    std::size_t start = 0;
    while (start < raw.size()) {
        auto end = std::min(raw.find('&', start), raw.size());
        auto member = raw.substr(start, end - start);
        start = end + 1;
        if (member.empty()) {
            continue;  // "a=1&&b=2": an empty member names nothing
        }
        if (parameters.size() == limits.max_parameters) {
            return QueryError::too_many_parameters;
        }
        auto decoded = decode_member(member);
        if (!decoded) {
            return decoded.error();
        }
        parameters.push_back(std::move(*decoded));
    }
    return parameters;
}

}  // namespace rampart::validate
