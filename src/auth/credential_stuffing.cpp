#include "auth/credential_stuffing.hpp"

#include <string>

#include "limit/ban_events.hpp"
#include "limit/ban_list.hpp"
#include "observe/security_events.hpp"

namespace rampart::auth {

namespace {

std::string_view kind_of(LoginThrottle::Detection detection) {
    switch (detection) {
        case LoginThrottle::Detection::one_address_many_accounts:
            return "one_address_many_usernames";
        case LoginThrottle::Detection::address_failure_flood:
            return "one_address_many_failures";
        case LoginThrottle::Detection::many_addresses_one_account:
            return "many_addresses_one_username";
        case LoginThrottle::Detection::none:
            break;
    }
    return "none";
}

}  // namespace

void act_on_login_failure(pipeline::Exchange& exchange, AuthRuntime& runtime,
                          const LoginThrottle::FailureOutcome& outcome, std::string_view username) {
    if (outcome.detection == LoginThrottle::Detection::none ||
        exchange.security_events == nullptr) {
        return;
    }
    auto kind = kind_of(outcome.detection);
    auto count = std::to_string(outcome.count);
    if (outcome.detection == LoginThrottle::Detection::many_addresses_one_account) {
        exchange.security_events->emit(
            "credential_stuffing_detected", &exchange,
            {{"kind", kind}, {"username", username}, {"distinct_addresses", count}});
        return;
    }
    exchange.security_events->emit("credential_stuffing_detected", &exchange,
                                   {{"kind", kind}, {"count", count}});
    auto* bans = runtime.bans();
    if (bans == nullptr) {
        return;  // the throttle's own ban still holds for logins
    }
    limit::BanRequest request{limit::BanKind::address, exchange.client_address.to_string(),
                              std::string(kind),       "auto:credential_stuffing",
                              outcome.ban_duration,    false};
    if (auto added = bans->add(request, limit::BanClock::now())) {
        limit::report_ban(*exchange.security_events, "ban_added", *added, &exchange);
    } else {
        exchange.security_events->emit("ban_refused", &exchange,
                                       {{"kind", "address"}, {"reason", added.error().message}});
    }
}

}  // namespace rampart::auth
