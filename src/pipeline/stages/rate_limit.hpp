// Rate limits (RL-01, RL-02, RL-04, RL-06): GCRA limits keyed by client
// address, route, a header and the caller's identity, counted in a
// RateLimitStore. One `rate_limit` section compiles to up to two stages: the
// limits keyed by the connection and the request alone run before
// authentication (order 20), so a flood is refused before any signature
// check or password hash; limits keyed by the identity, or with per-role
// policies, run after authorization (order 37). docs/rate-limiting.md.
#pragma once

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

// Key `rate_limit` (top level, groups, routes; the innermost wins):
//   limits: (required)  up to 8 of {name, key, rate, period: 1s, burst: rate,
//                       by_role: {<role>: {rate, period, burst}}}
//   headers: on_limit   or on_all_responses: RateLimit-Policy and RateLimit
//                       on every response, not only on a 429
//   max_keys: 100000    top level only: the counters the store holds at most
//   store: {type: redis, ...}  top level only: counters shared through Redis
//                       (limit/store_settings.hpp); the stage then awaits the store
// A refusal is a 429 problem with Retry-After and a `rate_limited` security
// event (once per key and window).
StageFactory rate_limit_before_authentication_stage_factory();
StageFactory rate_limit_after_authentication_stage_factory();

}  // namespace rampart::pipeline
