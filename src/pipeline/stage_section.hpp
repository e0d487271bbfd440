// Where a stage finds its configuration for a route: the route's own section,
// else its innermost group's, else the top level's. Apart from the registry
// (stage_registry.cpp), which links every stage, so that the config fuzz target
// builds stages the same way without them.
#pragma once

#include <optional>
#include <string_view>

#include "config/settings.hpp"

namespace rampart::pipeline {

// `route` null: the top level only (the default chain). An empty key has no section.
std::optional<config::Section> find_stage_section(const config::Settings& settings,
                                                  const config::Route* route, std::string_view key);

}  // namespace rampart::pipeline
