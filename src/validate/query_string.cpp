#include "validate/query_string.hpp"

#include <boost/url/encoding_opts.hpp>
#include <boost/url/params_encoded_view.hpp>
#include <boost/url/parse_query.hpp>

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

boost::system::result<std::vector<QueryParameter>, QueryError> parse_query_string(
    std::string_view raw, const QueryLimits& limits) {
    std::vector<QueryParameter> parameters;
    if (raw.empty()) {
        return parameters;
    }
    if (raw.size() > limits.max_length) {
        return QueryError::too_long;
    }
    auto parsed = boost::urls::parse_query(raw);
    if (!parsed) {
        return QueryError::malformed;
    }
    boost::urls::encoding_opts form;
    form.space_as_plus = true;
    for (auto parameter : *parsed) {
        // "a=1&&b=2": an empty member names nothing.
        if (parameter.key.empty() && !parameter.has_value) {
            continue;
        }
        if (parameters.size() == limits.max_parameters) {
            return QueryError::too_many_parameters;
        }
        QueryParameter decoded;
        decoded.name = parameter.key.decode(form);
        if (parameter.has_value) {
            decoded.value = parameter.value.decode(form);
        }
        if (!util::is_valid_utf8(decoded.name) || !util::is_valid_utf8(decoded.value)) {
            return QueryError::invalid_utf8;
        }
        const char* begin = parameter.key.data();
        const char* end = parameter.has_value ? parameter.value.data() + parameter.value.size()
                                              : parameter.key.data() + parameter.key.size();
        decoded.encoded = std::string_view(begin, static_cast<std::size_t>(end - begin));
        parameters.push_back(std::move(decoded));
    }
    return parameters;
}

}  // namespace rampart::validate
