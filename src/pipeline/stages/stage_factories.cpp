#include "pipeline/stages/stage_factories.hpp"

namespace rampart::pipeline {

std::vector<StageFactory> all_stage_factories() {
    return {
    };
}

}  // namespace rampart::pipeline
