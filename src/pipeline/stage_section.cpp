#include "pipeline/stage_section.hpp"

namespace rampart::pipeline {

std::optional<config::Section> find_stage_section(const config::Settings& settings,
                                                  const config::Route* route,
                                                  std::string_view key) {
    if (key.empty()) {
        return std::nullopt;
    }
    if (route != nullptr) {
        for (const auto& section : route->stage_sections) {
            if (section.has(key)) {
                return section.section(key);
            }
        }
    }
    if (settings.global_stage_section && settings.global_stage_section->has(key)) {
        return settings.global_stage_section->section(key);
    }
    return std::nullopt;
}

}  // namespace rampart::pipeline
