#include "validate/media_type.hpp"

#include <boost/beast/http/rfc7230.hpp>

#include <algorithm>
#include <cstddef>

#include "util/ascii.hpp"

namespace rampart::validate {

namespace {

using util::equals_ignoring_case;

constexpr std::string_view json_suffix = "+json";

std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) {
        text.remove_prefix(1);
    }
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) {
        text.remove_suffix(1);
    }
    return text;
}

bool ends_with_ignoring_case(std::string_view text, std::string_view suffix) {
    return text.size() >= suffix.size() &&
           equals_ignoring_case(text.substr(text.size() - suffix.size()), suffix);
}

std::string lowercase(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), util::ascii_lower);
    return lower;
}

// The number of ';' outside quoted strings: Beast's param_list stops quietly
// at the first malformed parameter, so the count tells whether it read all.
std::size_t count_separators(std::string_view parameters) {
    std::size_t separators = 0;
    bool quoted = false;
    for (std::size_t i = 0; i < parameters.size(); ++i) {
        char c = parameters[i];
        if (quoted && c == '\\') {
            ++i;
        } else if (c == '"') {
            quoted = !quoted;
        } else if (!quoted && c == ';') {
            ++separators;
        }
    }
    return separators;
}

// Calls `visit(name, value)` for each parameter; false when malformed.
template <typename Visitor>
bool for_each_parameter(std::string_view parameters, Visitor&& visit) {
    std::size_t read = 0;
    for (const auto& [name, value] : boost::beast::http::param_list(parameters)) {
        ++read;
        if (!visit(std::string_view(name), std::string_view(value))) {
            return false;
        }
    }
    return read == count_separators(parameters);
}

bool type_matches(const MediaType& wanted, std::string_view type, std::string_view subtype) {
    if (!equals_ignoring_case(wanted.type, type)) {
        return false;
    }
    if (wanted.subtype.starts_with("*+")) {
        auto suffix = std::string_view(wanted.subtype).substr(1);
        return subtype.size() > suffix.size() && ends_with_ignoring_case(subtype, suffix);
    }
    return equals_ignoring_case(wanted.subtype, subtype);
}

// A media range of Accept ("*/*", "type/*", "type/subtype") covers `produced`.
bool range_covers(std::string_view type, std::string_view subtype, const MediaType& produced) {
    if (type == "*") {
        return subtype == "*";
    }
    if (!equals_ignoring_case(type, produced.type)) {
        return false;
    }
    if (subtype == "*") {
        return true;
    }
    if (produced.subtype.starts_with("*+")) {
        return ends_with_ignoring_case(subtype, std::string_view(produced.subtype).substr(1));
    }
    return equals_ignoring_case(subtype, produced.subtype);
}

// "q=0", "q=0.0", "q=0.000": the client refuses the range (RFC 9110 §12.4.2).
bool is_zero_weight(std::string_view weight) {
    if (weight.empty() || weight.front() != '0') {
        return false;
    }
    weight.remove_prefix(1);
    if (weight.empty()) {
        return true;
    }
    if (weight.front() != '.') {
        return false;
    }
    weight.remove_prefix(1);
    return std::all_of(weight.begin(), weight.end(), [](char c) { return c == '0'; });
}

bool accepts_member(std::string_view member, const std::vector<MediaType>& produced) {
    auto range = parse_content_type(member);
    if (!range) {
        return false;
    }
    bool refused = false;
    bool well_formed = for_each_parameter(range->parameters, [&](auto name, auto value) {
        if (equals_ignoring_case(name, "q")) {
            refused = is_zero_weight(value);
        }
        return true;
    });
    if (!well_formed || refused) {
        return false;
    }
    return std::any_of(produced.begin(), produced.end(), [&](const MediaType& type) {
        return range_covers(range->type, range->subtype, type);
    });
}

}  // namespace

bool MediaType::is_json() const {
    return (type == "application" && subtype == "json") ||
           (subtype.size() > json_suffix.size() && subtype.ends_with(json_suffix));
}

bool ContentType::is_json() const {
    return (equals_ignoring_case(type, "application") && equals_ignoring_case(subtype, "json")) ||
           (subtype.size() > json_suffix.size() && ends_with_ignoring_case(subtype, json_suffix));
}

std::optional<MediaType> parse_configured_media_type(std::string_view text) {
    auto slash = text.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    auto type = text.substr(0, slash);
    auto subtype = text.substr(slash + 1);
    if (!util::is_token(type) || type == "*") {
        return std::nullopt;
    }
    bool suffix_pattern = subtype.starts_with("*+") && subtype.size() > 2 &&
                          util::is_token(subtype.substr(2)) &&
                          subtype.find('*', 1) == std::string_view::npos;
    if (!suffix_pattern &&
        (!util::is_token(subtype) || subtype.find('*') != std::string_view::npos)) {
        return std::nullopt;
    }
    return MediaType{lowercase(type), lowercase(subtype)};
}

std::optional<ContentType> parse_content_type(std::string_view header) {
    header = trim(header);
    auto end_of_type = header.find(';');
    auto media = trim(header.substr(0, end_of_type));
    auto slash = media.find('/');
    if (slash == std::string_view::npos) {
        return std::nullopt;
    }
    ContentType content_type{media.substr(0, slash), media.substr(slash + 1), {}};
    if (!util::is_token(content_type.type) || !util::is_token(content_type.subtype)) {
        return std::nullopt;
    }
    if (end_of_type != std::string_view::npos) {
        content_type.parameters = header.substr(end_of_type);
    }
    return content_type;
}

bool content_type_allowed(const ContentType& content_type, const std::vector<MediaType>& allowed) {
    bool listed = std::any_of(allowed.begin(), allowed.end(), [&](const MediaType& type) {
        return type_matches(type, content_type.type, content_type.subtype);
    });
    if (!listed) {
        return false;
    }
    if (!content_type.is_json()) {
        return for_each_parameter(content_type.parameters, [](auto, auto) { return true; });
    }
    return for_each_parameter(content_type.parameters, [](auto name, auto value) {
        return equals_ignoring_case(name, "charset") && equals_ignoring_case(value, "utf-8");
    });
}

bool accept_allows(std::string_view accept, const std::vector<MediaType>& produced) {
    if (trim(accept).empty() || produced.empty()) {
        return true;
    }
    std::size_t start = 0;
    while (start <= accept.size()) {
        auto comma = std::min(accept.find(',', start), accept.size());
        auto member = trim(accept.substr(start, comma - start));
        if (!member.empty() && accepts_member(member, produced)) {
            return true;
        }
        start = comma + 1;
    }
    return false;
}

}  // namespace rampart::validate
