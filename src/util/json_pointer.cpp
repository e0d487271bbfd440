#include "util/json_pointer.hpp"

namespace rampart::util {

namespace {

// One segment between slashes, unescaped.
boost::system::result<std::string, JsonPointerError> unescape_segment(std::string_view escaped) {
    if (escaped.empty()) {
        return JsonPointerError::empty_segment;
    }
    std::string name;
    name.reserve(escaped.size());
    for (std::size_t index = 0; index < escaped.size(); ++index) {
        if (escaped[index] != '~') {
            name += escaped[index];
            continue;
        }
        if (index + 1 == escaped.size()) {
            return JsonPointerError::bad_escape;
        }
        char code = escaped[++index];
        if (code == '0') {
            name += '~';
        } else if (code == '1') {
            name += '/';
        } else {
            return JsonPointerError::bad_escape;
        }
    }
    return name;
}

}  // namespace

std::string_view describe(JsonPointerError error) {
    switch (error) {
        case JsonPointerError::empty:
            return "is empty: name a field, such as /name";
        case JsonPointerError::missing_leading_slash:
            return "must start with / (a JSON pointer, such as /name or /address/city)";
        case JsonPointerError::empty_segment:
            return "has an empty field name (\"//\" or a trailing /)";
        case JsonPointerError::bad_escape:
            return "has a ~ that is not ~0 (for ~) or ~1 (for /)";
        case JsonPointerError::too_deep:
            return "is too deep (at most 32 levels)";
    }
    return "is not a valid JSON pointer";
}

boost::system::result<std::vector<std::string>, JsonPointerError> parse_json_pointer(
    std::string_view text) {
    if (text.empty()) {
        return JsonPointerError::empty;
    }
    if (text.front() != '/') {
        return JsonPointerError::missing_leading_slash;
    }
    std::vector<std::string> segments;
    std::size_t start = 1;
    while (true) {
        auto end = text.find('/', start);
        auto escaped = text.substr(start, end == std::string_view::npos ? end : end - start);
        auto segment = unescape_segment(escaped);
        if (!segment) {
            return segment.error();
        }
        if (segments.size() == max_json_pointer_segments) {
            return JsonPointerError::too_deep;
        }
        segments.push_back(std::move(*segment));
        if (end == std::string_view::npos) {
            return segments;
        }
        start = end + 1;
    }
}

void append_json_pointer_segment(std::string& pointer, std::string_view name) {
    pointer += '/';
    for (char c : name) {
        if (c == '~') {
            pointer += "~0";
        } else if (c == '/') {
            pointer += "~1";
        } else {
            pointer += c;
        }
    }
}

}  // namespace rampart::util
