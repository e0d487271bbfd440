// The response security headers every response carries (HDR-01), HSTS on
// HTTPS responses (TLS-06), and the removal of upstream banner headers that
// name server software and versions (ERR-02). Order 0: first on the request
// path, so its on_response runs last and what it sets is final.
#pragma once

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

// Key `security_headers`; always built, with defaults when unconfigured:
//   hsts:                      only on responses sent over TLS
//     enabled: true
//     max_age: 63072000        seconds, or a duration such as 730d
//     include_subdomains: false
//     preload: false           needs include_subdomains and max_age >= 365d
//   content_security_policy: "default-src 'none'; frame-ancestors 'none'"
//   default_cache_control: no-store   for upstream responses without Cache-Control
//                                     ("" adds none); credentialed and Rampart's
//                                     own responses always get no-store
//   strip_response_headers: []  removed in addition to Server, X-Powered-By,
//                               X-AspNet-Version, X-AspNetMvc-Version, X-Runtime
//   add: {}                     Name: value, set on every response
// X-Content-Type-Options: nosniff, X-Frame-Options: DENY and
// Referrer-Policy: no-referrer are fixed.
StageFactory security_headers_stage_factory();

}  // namespace rampart::pipeline
