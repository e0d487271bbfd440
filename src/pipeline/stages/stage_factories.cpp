#include "pipeline/stages/stage_factories.hpp"

namespace rampart::pipeline {

std::vector<StageFactory> all_stage_factories() {
    return {
        security_headers_stage_factory(),                  // 0
        ban_stage_factory(),                               // 5
        ip_filter_stage_factory(),                         // 10
        rate_limit_before_authentication_stage_factory(),  // 20
        cors_stage_factory(),                              // 30
        authentication_stage_factory(),                    // 35
        authorization_stage_factory(),                     // 36
        rate_limit_after_authentication_stage_factory(),   // 37
        deprecation_stage_factory(),                       // 40
        properties_stage_factory(),                        // 45
        validation_stage_factory(),                        // 50
        multipart_stage_factory(),                         // 55
        waf_stage_factory(),                               // 60
        ownership_stage_factory(),                         // 65
        error_masking_stage_factory(),                     // 1000
    };
}

}  // namespace rampart::pipeline
