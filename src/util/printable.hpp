// Text from a client or the store as it may safely reach a terminal or an
// error message: control characters become '?'.
#pragma once

#include <string>
#include <string_view>

namespace rampart::util {

std::string printable(std::string_view text);

}  // namespace rampart::util
