// The configuration keys of the stages (stage_registry.hpp), valid on routes,
// groups and the top level. Listed here, apart from the factories, so that the
// configuration loader claims them without linking every stage: the fuzz build
// compiles only the files its targets link (tests/fuzz/targets.cmake). A unit
// test (stages_test.cpp) checks this list against the registered factories.
#pragma once

#include <array>
#include <string_view>

namespace rampart::pipeline {

inline constexpr std::array<std::string_view, 11> stage_keys{
    "security_headers", "ip_filter", "rate_limit", "cors",      "deprecated",   "properties",
    "validation",       "multipart", "waf",        "ownership", "error_masking"};

}  // namespace rampart::pipeline
