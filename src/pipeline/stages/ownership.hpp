// Object-level authorization by the resource's owner (AUTHZ-01, OWASP API1:2023), for resources
// whose owner is not in the path: the route names a field of the upstream's JSON answer (a JSON
// pointer, `/owner_id`) that must equal a claim of the caller (`sub` by default, or any claim a
// rule can read: `username`, `email`...).
//
//   ownership:
//     field: /owner_id
//     claim: sub
//     bypass: {roles: [admin], rule: "..."}     # who skips the check
//     resource_path: /orders/{order_id}          # where the resource is read; default: the path
//
// A GET is checked on its own answer: a 2xx whose owner is someone else becomes Rampart's
// ordinary 404 (existence is not confirmed). Every other method (PUT, PATCH, DELETE, POST,
// HEAD...) is checked first: the stage GETs the resource from the same upstream through the
// worker's pools (pipeline/upstream_fetch.hpp), with the identity headers the request would
// carry, and forwards the request only when the caller owns it; otherwise nothing is sent. With
// `resource_path`, every method, GET included, is checked by that fetch.
//
// Fails closed: a 2xx answer that is not JSON, or lacks the field, or holds no string or integer
// there, is a 502; a fetch that times out or finds no target is a 503, one that fails or gets a
// 5xx is a 502. A non-2xx answer to the client's own GET passes to the ordinary error path; a
// non-2xx answer to the fetch is the client's answer (masked like any upstream error), and
// nothing is written. Denials are `ownership_denied` security events, failures
// `ownership_unverifiable`; neither ever carries the owner's value.
#pragma once

#include <optional>
#include <string_view>

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

// What an ownership stage (one built by the factory below) decides for `exchange` if the
// resource is `answer` (the upstream's JSON), without answering or logging: "bypassed" or
// "owner" pass; "not_owner" and "claim_absent" are the 404; "not_json", "owner_missing" and
// "owner_not_comparable" the 502. nullopt when `stage` is some other stage. For `rampart policy
// test`.
std::optional<std::string_view> explain_ownership(const Stage& stage, const Exchange& exchange,
                                                  std::string_view answer);

// Order 65: after authorization, rate limits, validation and the injection filter's check of
// a bodyless request, so that the fetch is made only for a request the cheaper stages admit;
// and on the way out before property filtering (45), so the owner field is read from the
// upstream's own answer.
StageFactory ownership_stage_factory();

}  // namespace rampart::pipeline
