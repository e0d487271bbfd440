// What the login throttle revealed about one failed login (login_throttle.hpp),
// turned into action: a `credential_stuffing_detected` security event naming
// the kind, and for an address that sprays many accounts or floods failures,
// a real ban on the server's ban list (listed by `rampart bans list`,
// liftable, refused at accept). Distributed stuffing on one account is
// reported only: see login_throttle.hpp for why the account is never banned.
#pragma once

#include <string_view>

#include "auth/auth_runtime.hpp"
#include "auth/login_throttle.hpp"
#include "pipeline/exchange.hpp"

namespace rampart::auth {

// `username` as the client sent it (the event names the account attacked).
void act_on_login_failure(pipeline::Exchange& exchange, AuthRuntime& runtime,
                          const LoginThrottle::FailureOutcome& outcome, std::string_view username);

}  // namespace rampart::auth
