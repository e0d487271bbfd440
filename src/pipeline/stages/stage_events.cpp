#include "pipeline/stages/stage_events.hpp"

#include "observe/security_events.hpp"

namespace rampart::pipeline {

void report_security_event(Exchange& exchange, std::string_view event, std::string_view reason) {
    if (exchange.security_events != nullptr) {
        exchange.security_events->emit(event, &exchange, {{"reason", reason}});
    }
}

}  // namespace rampart::pipeline
