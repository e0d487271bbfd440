#include "config/identity_header_settings.hpp"

#include <algorithm>

#include "util/ascii.hpp"

namespace rampart::config {

namespace {

char normalized_character(char c) {
    return c == '_' ? '-' : util::ascii_lower(c);
}

}  // namespace

std::string normalized_header_name(std::string_view name) {
    std::string normalized(name);
    std::transform(normalized.begin(), normalized.end(), normalized.begin(), normalized_character);
    return normalized;
}

bool is_identity_header(std::string_view name, const IdentityHeaderSettings& settings) {
    for (const auto& refused : settings.refused_names) {
        if (refused.size() == name.size() &&
            std::equal(name.begin(), name.end(), refused.begin(),
                       [](char sent, char kept) { return normalized_character(sent) == kept; })) {
            return true;
        }
    }
    return false;
}

void compile_identity_header_names(IdentityHeaderSettings& settings) {
    settings.refused_names.clear();
    auto add = [&](std::string_view name) {
        auto normalized = normalized_header_name(name);
        if (std::find(settings.refused_names.begin(), settings.refused_names.end(), normalized) ==
            settings.refused_names.end()) {
            settings.refused_names.push_back(std::move(normalized));
        }
    };
    for (const auto& header : settings.set) {
        add(header.name);
    }
    for (const auto& name : settings.strip) {
        add(name);
    }
    // Also while signing is off: an upstream set up to trust the header must never get a
    // client's copy.
    add(settings.signed_identity.header);
}

}  // namespace rampart::config
