#include "pipeline/stage_registry.hpp"

#include <algorithm>
#include <array>

#include "pipeline/stage_section.hpp"
#include "pipeline/stages/stage_factories.hpp"

namespace rampart::pipeline {

namespace {

const std::vector<StageFactory>& factories() {
    static const std::vector<StageFactory> table = [] {
        std::vector<StageFactory> list = all_stage_factories();
        std::stable_sort(
            list.begin(), list.end(),
            [](const StageFactory& a, const StageFactory& b) { return a.order < b.order; });
        return list;
    }();
    return table;
}

}  // namespace

std::span<const StageFactory> registered_stages() {
    return factories();
}

std::vector<std::shared_ptr<const Stage>> build_stages(const config::Settings& settings,
                                                       const config::Route* route,
                                                       const StageServices& services) {
    std::vector<std::shared_ptr<const Stage>> stages;
    for (const auto& factory : factories()) {
        StageBuildContext context{settings, route, find_stage_section(settings, route, factory.key),
                                  services};
        if (auto stage = factory.build(context)) {
            stages.push_back(std::move(stage));
        }
    }
    return stages;
}

}  // namespace rampart::pipeline
