// The `waf` stage: the OWASP Core Rule Set through libmodsecurity3 on the
// routes that ask for it (validate/waf_engine.hpp). Order 60: after
// authentication, authorization and input validation (50), so anonymous junk
// and requests that break the contract are refused by the cheap checks before
// the filter's regular expressions run.
#pragma once

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

StageFactory waf_stage_factory();

}  // namespace rampart::pipeline
