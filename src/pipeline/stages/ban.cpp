#include "pipeline/stages/ban.hpp"

#include <sodium.h>

#include <array>
#include <string>

#include "auth/auth_runtime.hpp"
#include "limit/ban_events.hpp"
#include "limit/ban_list.hpp"
#include "limit/token_use_tracker.hpp"
#include "observe/security_events.hpp"
#include "pipeline/problem.hpp"
#include "util/ascii.hpp"

namespace rampart::pipeline {

namespace {

constexpr std::string_view refusal_event = "banned_request_refused";

class BanStage final : public Stage {
  public:
    explicit BanStage(limit::BanList& bans) : bans_(bans) {}

    std::string_view name() const override { return "ban"; }

    Verdict on_request_head(Exchange& exchange) const override {
        auto check = bans_.check_address(exchange.client_address, exchange.arrival_time());
        return check.banned ? refuse_banned(exchange, check, "address") : Verdict::proceed;
    }

  private:
    limit::BanList& bans_;
};

// The bearer credential of the request, or empty.
std::string_view bearer_credential(const Exchange& exchange) {
    std::string_view authorization = exchange.request[http::field::authorization];
    constexpr std::string_view scheme = "Bearer ";
    if (authorization.size() <= scheme.size() ||
        !util::equals_ignoring_case(authorization.substr(0, scheme.size()), scheme)) {
        return {};
    }
    auto credential = authorization.substr(scheme.size());
    while (!credential.empty() && credential.front() == ' ') {
        credential.remove_prefix(1);
    }
    return credential;
}

// Lower-case hex SHA-256 of a credential, without allocating.
struct CredentialDigest {
    std::array<char, 2 * crypto_hash_sha256_BYTES + 1> hex{};
    std::string_view text() const { return {hex.data(), hex.size() - 1}; }
};

CredentialDigest digest_of_credential(std::string_view credential) {
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(credential.data()),
                       credential.size());
    CredentialDigest result;
    sodium_bin2hex(result.hex.data(), result.hex.size(), digest.data(), digest.size());
    return result;
}

// How a credential is named in bans and events: ("jti", id), ("api_key", id)
// or ("sha256", digest); empty form for credentials that are no token.
struct CredentialName {
    std::string_view form;
    std::string_view value;
    CredentialDigest digest;  // backs value for "sha256"
};

CredentialName credential_name(const Exchange& exchange) {
    CredentialName name;
    const Identity& identity = *exchange.identity;
    if (identity.credential == CredentialKind::api_key) {
        name.form = "api_key";
        name.value = identity.subject;
    } else if (identity.credential == CredentialKind::access_token) {
        if (!identity.token_id.empty()) {
            name.form = "jti";
            name.value = identity.token_id;
        } else if (auto bearer = bearer_credential(exchange); !bearer.empty()) {
            name.form = "sha256";
            name.digest = digest_of_credential(bearer);
            name.value = name.digest.text();
        }
    }
    return name;
}

std::string target_text(const CredentialName& name) {
    return std::string(name.form) + ":" + std::string(name.value);
}

// The store is blocking I/O: the revocation runs on the blocking pool, and
// the directory picks it up when it is done.
void revoke_credential(auth::AuthRuntime& runtime, std::string_view form, std::string_view value,
                       std::int64_t expires_at) {
    auto* auth_runtime = &runtime;
    std::string id(value);
    bool api_key = form == "api_key";
    auto now = std::chrono::system_clock::now();
    auto expires = expires_at > 0
                       ? std::chrono::system_clock::time_point(std::chrono::seconds(expires_at))
                       : now + std::chrono::hours(24);
    runtime.blocking_pool().post([auth_runtime, id, api_key, now, expires] {
        if (api_key) {
            (void)auth_runtime->store().revoke_api_key(id, now);
        } else {
            (void)auth_runtime->store().add_access_token_revocation({id, expires});
        }
        auth_runtime->refresh();
    });
}

}  // namespace

Verdict refuse_banned(Exchange& exchange, const limit::BanCheck& check, std::string_view kind) {
    if (check.report && exchange.security_events != nullptr) {
        exchange.security_events->emit(refusal_event, &exchange,
                                       {{"ban_id", check.id()}, {"kind", kind}});
    }
    set_problem(exchange, http::status::forbidden, "Temporarily banned.");
    exchange.response.set(http::field::retry_after, std::to_string(check.retry_after.count()));
    exchange.close_connection = true;
    return Verdict::respond;
}

Verdict IdentityGuard::check(Exchange& exchange) const {
    if (!exchange.identity) {
        return Verdict::proceed;
    }
    if (bans_ != nullptr && check_bans(exchange) == Verdict::respond) {
        return Verdict::respond;
    }
    if (token_uses_ != nullptr && misuse_.max_addresses > 0) {
        return check_misuse(exchange);
    }
    return Verdict::proceed;
}

Verdict IdentityGuard::check_bans(Exchange& exchange) const {
    if (bans_->size() == 0) {
        return Verdict::proceed;
    }
    const Identity& identity = *exchange.identity;
    auto now = limit::BanClock::now();
    if (!identity.consumer.empty()) {
        if (auto hit = bans_->check(limit::BanKind::consumer, identity.consumer, now); hit.banned) {
            return refuse_banned(exchange, hit, "consumer");
        }
    }
    if (auto hit = bans_->check(limit::BanKind::subject, identity.subject, now); hit.banned) {
        return refuse_banned(exchange, hit, "subject");
    }
    if (identity.credential == CredentialKind::api_key) {
        if (auto hit = bans_->check_token("api_key", identity.subject, now); hit.banned) {
            return refuse_banned(exchange, hit, "token");
        }
    }
    if (identity.credential == CredentialKind::access_token) {
        if (auto hit = bans_->check_token("jti", identity.token_id, now); hit.banned) {
            return refuse_banned(exchange, hit, "token");
        }
        if (bans_->has_token_digest_bans()) {
            auto digest = digest_of_credential(bearer_credential(exchange));
            if (auto hit = bans_->check_token("sha256", digest.text(), now); hit.banned) {
                return refuse_banned(exchange, hit, "token");
            }
        }
    }
    return Verdict::proceed;
}

Verdict IdentityGuard::check_misuse(Exchange& exchange) const {
    auto name = credential_name(exchange);
    if (name.form.empty()) {
        return Verdict::proceed;
    }
    limit::KeyBuilder key;
    key.add(name.form);
    key.add(name.value);
    auto credential = key.digest();
    auto seen = token_uses_->record(credential, exchange.client_address, misuse_.max_addresses,
                                    misuse_.window, limit::TokenUseTracker::Clock::now());
    if (auto* sharing = token_uses_->sharing(); sharing != nullptr && sharing->available()) {
        // Counted across instances in Redis, after this request: one instance
        // acts, on the control thread (act_on_shared_token_misuse).
        if (seen.share) {
            sharing->report({credential, seen.address, target_text(name),
                             exchange.identity->subject, exchange.identity->expires_at, misuse_});
        }
        return Verdict::proceed;
    }
    if (!seen.misuse_detected) {
        return Verdict::proceed;
    }
    auto target = target_text(name);
    auto addresses = std::to_string(seen.distinct_addresses);
    bool can_revoke = runtime_ != nullptr && name.form != "sha256";
    auto action = misuse_.action;
    if (action == config::TokenMisuseAction::revoke && !can_revoke) {
        action = config::TokenMisuseAction::ban;  // nothing to revoke by: ban its digest
    }
    std::string_view action_name = action == config::TokenMisuseAction::event    ? "event"
                                   : action == config::TokenMisuseAction::revoke ? "revoke"
                                                                                 : "ban";
    if (exchange.security_events != nullptr) {
        exchange.security_events->emit("token_misuse_detected", &exchange,
                                       {{"credential", target},
                                        {"subject", exchange.identity->subject},
                                        {"distinct_addresses", addresses},
                                        {"window_seconds", std::to_string(misuse_.window.count())},
                                        {"action", action_name}});
    }
    if (action == config::TokenMisuseAction::event) {
        return Verdict::proceed;
    }
    if (action == config::TokenMisuseAction::ban && bans_ != nullptr) {
        auto added = bans_->add({limit::BanKind::token, target, "token_misuse", "auto:token_misuse",
                                 misuse_.ban_ttl, false},
                                limit::BanClock::now());
        if (added && exchange.security_events != nullptr) {
            limit::report_ban(*exchange.security_events, "ban_added", *added, &exchange);
        }
        auto hit = bans_->check_token(name.form, name.value, limit::BanClock::now());
        return hit.banned ? refuse_banned(exchange, hit, "token") : Verdict::proceed;
    }
    if (action == config::TokenMisuseAction::revoke) {
        // The store is blocking I/O: the revocation runs on the blocking pool,
        // and the directory picks it up when it is done. This request, from
        // the address that gave the token away, is refused now.
        revoke_credential(*runtime_, name.form, name.value, exchange.identity->expires_at);
        set_problem(exchange, http::status::unauthorized, "Authentication is required.");
        exchange.response.set(http::field::www_authenticate,
                              "Bearer realm=\"rampart\", error=\"invalid_token\"");
        return Verdict::respond;
    }
    return Verdict::proceed;
}

void act_on_shared_token_misuse(const limit::TokenUseReport& use, unsigned distinct_addresses,
                                limit::BanList* bans, auth::AuthRuntime* runtime,
                                observe::SecurityEvents& events) {
    auto colon = use.target.find(':');
    std::string_view form = std::string_view(use.target).substr(0, colon);
    std::string_view value = std::string_view(use.target).substr(colon + 1);
    auto action = use.settings.action;
    if (action == config::TokenMisuseAction::revoke && (runtime == nullptr || form == "sha256")) {
        action = config::TokenMisuseAction::ban;  // nothing to revoke by: ban its digest
    }
    std::string_view action_name = action == config::TokenMisuseAction::event    ? "event"
                                   : action == config::TokenMisuseAction::revoke ? "revoke"
                                                                                 : "ban";
    events.emit("token_misuse_detected", nullptr,
                {{"credential", use.target},
                 {"subject", use.subject},
                 {"distinct_addresses", std::to_string(distinct_addresses)},
                 {"window_seconds", std::to_string(use.settings.window.count())},
                 {"action", action_name},
                 {"counted", "shared"}});
    if (action == config::TokenMisuseAction::ban && bans != nullptr) {
        auto added = bans->add({limit::BanKind::token, use.target, "token_misuse",
                                "auto:token_misuse", use.settings.ban_ttl, false},
                               limit::BanClock::now());
        if (added) {
            limit::report_ban(events, "ban_added", *added);
        }
    } else if (action == config::TokenMisuseAction::revoke) {
        revoke_credential(*runtime, form, value, use.expires_at);
    }
}

StageFactory ban_stage_factory() {
    return {"", 5, [](const StageBuildContext& context) -> std::shared_ptr<const Stage> {
                if (context.services.bans == nullptr) {
                    return nullptr;
                }
                return std::make_shared<BanStage>(*context.services.bans);
            }};
}

}  // namespace rampart::pipeline
