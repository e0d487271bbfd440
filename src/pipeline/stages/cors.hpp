// Cross-origin resource sharing (HDR-02). With a `cors` section the stage
// answers preflights itself (they never reach the upstream) and adds
// Access-Control-Allow-Origin for exactly the configured origins. Without one
// CORS is off: upstream Access-Control-* headers are removed and preflights
// refused, so no response ever grants cross-origin access. Order 30.
#pragma once

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

// Key `cors`:
//   allowed_origins: []        "*" alone, or origins scheme://host[:port]
//   allowed_methods: [GET, HEAD, POST]
//   allowed_headers: []        request headers a preflight may announce
//   exposed_headers: []
//   allow_credentials: false   refused together with "*"
//   max_age: 10m               preflight cache lifetime, at most 24h
StageFactory cors_stage_factory();

// OPTIONS with Origin and Access-Control-Request-Method. The session routes
// such a request by the method it announces, not by OPTIONS.
bool is_cors_preflight(const Request& request);

}  // namespace rampart::pipeline
