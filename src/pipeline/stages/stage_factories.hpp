// The factory of every stage under pipeline/stages/. The registry
// (stage_registry.cpp) orders them; one line per stage here.
#pragma once

#include <vector>

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

std::vector<StageFactory> all_stage_factories();

StageFactory security_headers_stage_factory();                  // security_headers.hpp, order 0
StageFactory ban_stage_factory();                               // ban.hpp, order 5
StageFactory ip_filter_stage_factory();                         // ip_filter.hpp, order 10
StageFactory rate_limit_before_authentication_stage_factory();  // rate_limit.hpp, order 20
StageFactory cors_stage_factory();                              // cors.hpp, order 30
StageFactory authentication_stage_factory();                    // authentication.hpp, order 35
StageFactory authorization_stage_factory();                     // authorization.hpp, order 36
StageFactory rate_limit_after_authentication_stage_factory();   // rate_limit.hpp, order 37
StageFactory deprecation_stage_factory();                       // deprecation.hpp, order 40
StageFactory properties_stage_factory();                        // properties.hpp, order 45
StageFactory validation_stage_factory();                        // validation.hpp, order 50
StageFactory multipart_stage_factory();                         // multipart.hpp, order 55
StageFactory waf_stage_factory();                               // waf.hpp, order 60
StageFactory ownership_stage_factory();                         // ownership.hpp, order 65
StageFactory error_masking_stage_factory();                     // error_masking.hpp, order 1000

}  // namespace rampart::pipeline
