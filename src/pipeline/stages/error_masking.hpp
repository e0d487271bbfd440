// Replaces upstream error responses with a generic problem of the same status,
// so stack traces, SQL and internal addresses in an upstream's error body
// never reach the client (ERR-02, ERR-03). Order 1000: last on the request
// path, so its on_response runs first and later response stages decorate the
// generic problem.
#pragma once

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

// Key `error_masking`; always built, with defaults when unconfigured:
//   server_errors: true   mask upstream 5xx
//   client_errors: true   mask upstream 4xx (false: pass their bodies through)
// The masked response keeps the status (unregistered codes become 502 or
// 400) and only the header that status needs: Retry-After on 429 and 503,
// WWW-Authenticate on 401, Allow on 405.
StageFactory error_masking_stage_factory();

}  // namespace rampart::pipeline
