#include "pipeline/stages/stage_factories.hpp"

namespace rampart::pipeline {

std::vector<StageFactory> all_stage_factories() {
    return {
        security_headers_stage_factory(),  // 0
        ip_filter_stage_factory(),         // 10
        cors_stage_factory(),              // 30
        authentication_stage_factory(),    // 35
        authorization_stage_factory(),     // 36
        ownership_stage_factory(),         // 37
        deprecation_stage_factory(),       // 40
        error_masking_stage_factory(),     // 1000
    };
}

}  // namespace rampart::pipeline
