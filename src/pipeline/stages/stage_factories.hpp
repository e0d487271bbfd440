// The factory of every stage under pipeline/stages/. The registry
// (stage_registry.cpp) orders them; one line per stage here.
#pragma once

#include <vector>

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

std::vector<StageFactory> all_stage_factories();

}  // namespace rampart::pipeline
