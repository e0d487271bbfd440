// The one door through which stages report security events (a refused
// address, ...). Stages call report_security_event and never touch
// observe::SecurityEvents themselves, so the event log can change without
// touching every stage.
#pragma once

#include <string_view>

#include "pipeline/exchange.hpp"

namespace rampart::pipeline {

// Emits `event` with a "reason" field to exchange.security_events; a no-op
// when the session attached none (unit tests, the admin listener).
void report_security_event(Exchange& exchange, std::string_view event, std::string_view reason);

}  // namespace rampart::pipeline
