// Enforces the ban list (limit/ban_list.hpp) on requests. Addresses are also
// refused at accept (net/worker.cpp); this stage catches connections opened
// before the ban, and clients behind trusted proxies, whose address is
// exchange.client_address. Consumers, subjects and tokens are checked right
// after authentication, by the authentication stage, through IdentityGuard;
// the guard also feeds the token-misuse detector.
//
// A refusal is 403 problem+json "Temporarily banned." with Retry-After (the
// seconds left), and the connection closes. It says no more: not the reason,
// not the kind of ban. Retry-After tells a legitimate client behind a banned
// address when to come back; an attacker learns nothing it could not learn by
// retrying. One `banned_request_refused` event per ban per report interval.
#pragma once

#include "config/abuse_settings.hpp"
#include "pipeline/stage_registry.hpp"

namespace rampart::auth {
class AuthRuntime;
}
namespace rampart::limit {
class BanList;
class TokenUseTracker;
struct BanCheck;
struct TokenUseReport;
}  // namespace rampart::limit
namespace rampart::observe {
class SecurityEvents;
}

namespace rampart::pipeline {

// No configuration key; order 5 (before ip_filter), on every route, built
// when the server runs with a ban list.
StageFactory ban_stage_factory();

// 403 "Temporarily banned." with Retry-After, and the report when due.
Verdict refuse_banned(Exchange& exchange, const limit::BanCheck& check, std::string_view kind);

// Shared mode: the one instance whose use crossed the limit in Redis
// reports it and acts (ban, revoke), on the control thread. The request that
// crossed has passed; the action refuses the next ones.
void act_on_shared_token_misuse(const limit::TokenUseReport& use, unsigned distinct_addresses,
                                limit::BanList* bans, auth::AuthRuntime* runtime,
                                observe::SecurityEvents& events);

class IdentityGuard {
  public:
    IdentityGuard(limit::BanList* bans, limit::TokenUseTracker* token_uses,
                  config::TokenMisuseSettings misuse, auth::AuthRuntime* runtime)
        : bans_(bans), token_uses_(token_uses), misuse_(misuse), runtime_(runtime) {}

    // After exchange.identity is set: refuses a banned consumer, subject or
    // token, and acts on token misuse. Proceeds otherwise.
    Verdict check(Exchange& exchange) const;

  private:
    Verdict check_bans(Exchange& exchange) const;
    Verdict check_misuse(Exchange& exchange) const;

    limit::BanList* bans_;
    limit::TokenUseTracker* token_uses_;
    config::TokenMisuseSettings misuse_;
    auth::AuthRuntime* runtime_;
};

}  // namespace rampart::pipeline
