// Arbitrary bytes as a request target under every path policy. The shortcut
// for paths already normal must give what the full normalisation gives.
// Whatever is accepted must be stable: normalising the upstream target again gives the
// same path (what is routed is what the upstream sees), with no NUL in it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/settings.hpp"
#include "net/path_normalizer.hpp"

namespace {

using rampart::config::DotSegmentPolicy;
using rampart::config::PathPolicy;
using rampart::config::SlashPolicy;

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

void check_policy(std::string_view target, const PathPolicy& policy) {
    auto first = rampart::net::normalize_target(target, "fuzz.example", policy);
    auto in_full = rampart::net::normalize_target_in_full(target, "fuzz.example", policy);
    check(first.has_value() == in_full.has_value());
    if (first) {
        check(first->path == in_full->path);
        check(first->upstream_target == in_full->upstream_target);
        check(first->query == in_full->query);
    } else {
        check(first.error().detail == in_full.error().detail);
    }
    if (!first) {
        check(!first.error().detail.empty());
        return;
    }
    const std::string& path = first->path;
    check(!path.empty() && path.front() == '/');
    check(path.find('\0') == std::string::npos);
    if (policy.repeated_slashes == SlashPolicy::merge) {
        check(path.find("//") == std::string::npos);
    }
    if (!policy.allow_semicolons) {
        check(path.find(';') == std::string::npos);
    }
    if (!policy.allow_backslashes) {
        check(path.find('\\') == std::string::npos);
    }
    auto second = rampart::net::normalize_target(first->upstream_target, "fuzz.example", policy);
    check(second.has_value());
    check(second->path == path);
    check(second->upstream_target == first->upstream_target);
    check(second->query == first->query);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view target(reinterpret_cast<const char*>(data), size);
    for (auto slashes : {SlashPolicy::merge, SlashPolicy::reject, SlashPolicy::keep}) {
        for (auto dots : {DotSegmentPolicy::resolve, DotSegmentPolicy::reject}) {
            check_policy(target, PathPolicy{slashes, dots, false, false});
            check_policy(target, PathPolicy{slashes, dots, true, true});
        }
    }
    return 0;
}
