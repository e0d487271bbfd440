#include "support/http_headers.hpp"
#include "util/ascii.hpp"

#include <boost/beast/core/string.hpp>

namespace rampart::test {

namespace {

bool same_name(std::string_view left, std::string_view right) {
    return rampart::util::equals_ignoring_case(left, right);
}

}  // namespace

bool has_header(const HeaderList& headers, std::string_view name) {
    for (const auto& [field_name, value] : headers) {
        if (same_name(field_name, name)) {
            return true;
        }
    }
    return false;
}

std::string header_value(const HeaderList& headers, std::string_view name) {
    for (const auto& [field_name, value] : headers) {
        if (same_name(field_name, name)) {
            return value;
        }
    }
    return {};
}

std::vector<std::string> header_values(const HeaderList& headers, std::string_view name) {
    std::vector<std::string> values;
    for (const auto& [field_name, value] : headers) {
        if (same_name(field_name, name)) {
            values.push_back(value);
        }
    }
    return values;
}

}  // namespace rampart::test
