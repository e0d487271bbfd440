// Header fields exactly as they crossed the wire: in order, with duplicates and the sender's
// spelling, so that tests can assert what a proxy added, removed or repeated.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::test {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// Case-insensitive lookups by field name.
bool has_header(const HeaderList& headers, std::string_view name);
std::string header_value(const HeaderList& headers, std::string_view name);  // first, or ""
std::vector<std::string> header_values(const HeaderList& headers, std::string_view name);

}  // namespace rampart::test
