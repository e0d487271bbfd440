// Whether a request head announces a body, for stages that must decide at the
// head (inspect now, or wait for the body). The session has already refused
// conflicting or malformed framing, so the fields say it exactly.
#pragma once

#include "pipeline/exchange.hpp"

namespace rampart::pipeline {

// Chunked, or a Content-Length above 0.
bool announces_body(const Request& request);

}  // namespace rampart::pipeline
