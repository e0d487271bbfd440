// Input validation (INP-01..INP-09): what a route accepts, checked before
// the upstream sees anything. Key `validation` on a route, a group or the top
// level (the innermost wins, whole); compiled at load into a
// validate::ValidationPolicy. Not built for the token service's own
// endpoints, which parse their input strictly themselves.
//
// On the request head, in this order: a body on a bodyless method (400), an
// Accept that no response type satisfies (406), the Content-Type of a body
// (415), a missing required body (400), then the path, query and header
// parameters against their schemas (400). On the body: the JSON safety
// limits and strict syntax while parsing (400, or 413 above json.max_bytes),
// then the body schema (400). Every refusal is problem+json with an `errors`
// list of {in, pointer, keyword}, never a value from the request or a limit
// from the schema, and a `request_invalid` security event. The body is
// forwarded as received, never re-serialised.
#pragma once

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

// Order 50: after authentication and authorization, so an anonymous caller
// learns nothing about a route's schemas.
StageFactory validation_stage_factory();

}  // namespace rampart::pipeline
