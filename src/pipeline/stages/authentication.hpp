// Authenticates every request of a route that says `auth:` with methods
// (config/auth_settings.hpp): bearer JWTs (Rampart's own tokens and those of
// configured issuers), API keys, HTTP Basic (RFC 7617) against the users
// in the store, and the connection's verified client certificate mapped to an
// `mtls.consumers` entry. On success the verified Identity goes into the exchange; on
// failure the client gets 401 with a challenge per accepted scheme (RFC 6750,
// RFC 7617) and a generic problem body that never says which check failed,
// while the reason goes to the security-event log.
//
// Credentials are accepted only from headers (and, for mtls, the TLS
// handshake): a token or key in the query string is refused (JWT-21, APIK-01),
// and never logged.
//
// Basic is the costly one: an Argon2id verification per request, on the
// blocking pool, behind /auth/login's throttle (APIK-06, PWD-06), only over
// TLS. Nothing is cached, so the stage is asynchronous on routes accepting it.
#pragma once

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

// Order 35: after CORS (preflights carry no credentials), before everything
// that needs to know who is asking. Built from the route's `auth`, not from a
// key of its own.
StageFactory authentication_stage_factory();

}  // namespace rampart::pipeline
