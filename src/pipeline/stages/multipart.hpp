// The `multipart` stage: limits on multipart/form-data uploads (issue 5, item
// 5): the number of parts, each part's size, the total, and which media types
// a part may have, checked after the body has arrived and before anything is
// forwarded. Order 55: after input validation (50), before the injection
// filter (60).
#pragma once

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

StageFactory multipart_stage_factory();

}  // namespace rampart::pipeline
