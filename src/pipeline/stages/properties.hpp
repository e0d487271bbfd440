// Property-level authorization (AUTHZ-03, OWASP API3:2023): which fields of a
// JSON body a caller may write, and which fields of the upstream's JSON
// answer it may read. Configured per route or group under `properties`
// (docs/authorization.md#property-level), per role; compiled when the
// configuration loads into trees of field names (pipeline/field_set.hpp).
//
// Requests: a body that writes a field no role of the caller may write is
// refused with 400 naming the fields (never their values); a body that is not
// JSON with 415 or 400. Nothing reaches the upstream.
//
// Responses: fields are dropped from the answer (an object, or every object
// of an array, at the root or at `select`), and the body re-serialised, so
// Content-Length is that of what is sent. An answer that cannot be filtered
// (not JSON, compressed, unparseable) is replaced by a 502 problem: fields
// never leak because the upstream changed its format.
#pragma once

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

// Order 45: after authentication and authorization (the roles are verified)
// and after deprecation on the way in, so that on the way out it filters the
// upstream's answer before deprecation and security headers are added.
StageFactory properties_stage_factory();

}  // namespace rampart::pipeline
