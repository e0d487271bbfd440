#include "pipeline/stages/rate_limit.hpp"

#include <algorithm>
#include <array>
#include <chrono>

#include "limit/in_process_store.hpp"
#include "limit/limit_definition.hpp"
#include "observe/metrics.hpp"
#include "pipeline/problem.hpp"
#include "pipeline/route.hpp"
#include "pipeline/stages/stage_events.hpp"

namespace rampart::pipeline {

namespace {

constexpr std::string_view stage_key = "rate_limit";
constexpr std::string_view refusal_event = "rate_limited";
constexpr std::string_view refusal_detail =
    "Too many requests. Retry after the delay in the "
    "Retry-After header.";

limit::Nanoseconds monotonic_now() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

// Adds one key part; false when the request lacks it (no identity, or an
// identity without that attribute): the limit does not apply then.
bool add_key_part(const limit::KeyElement& element, const Exchange& exchange,
                  limit::KeyBuilder& key) {
    const auto& identity = exchange.identity;
    switch (element.part) {
        case limit::KeyPart::client_ip:
            limit::add_client_address(exchange.client_address, key);
            return true;
        case limit::KeyPart::route:
            key.add(exchange.route != nullptr ? std::string_view(exchange.route->name)
                                              : std::string_view("(unrouted)"));
            return true;
        case limit::KeyPart::header:
            // Absent and empty are one value: omitting the header buys nothing.
            {
                auto value = exchange.request[element.header_name];
                key.add(std::string_view(value.data(), value.size()));
            }
            return true;
        case limit::KeyPart::subject:
            if (!identity || identity->subject.empty()) {
                return false;
            }
            key.add(identity->issuer_name);
            key.add(identity->subject);
            return true;
        case limit::KeyPart::consumer:
            if (!identity || identity->consumer.empty()) {
                return false;
            }
            key.add(identity->consumer);
            return true;
        case limit::KeyPart::api_key:
            if (!identity || identity->credential != CredentialKind::api_key) {
                return false;
            }
            key.add(identity->subject);
            return true;
        case limit::KeyPart::client_id:
            if (!identity || identity->client_id.empty()) {
                return false;
            }
            key.add(identity->issuer_name);
            key.add(identity->client_id);
            return true;
    }
    return false;
}

const limit::CompiledPolicy& policy_for(const limit::LimitDefinition& limit,
                                        const Exchange& exchange) {
    if (exchange.identity) {
        const auto& roles = exchange.identity->roles;
        for (const auto& role_override : limit.by_role) {
            if (std::find(roles.begin(), roles.end(), role_override.role) != roles.end()) {
                return role_override.policy;
            }
        }
    }
    return limit.policy;
}

void note_policy(RateLimitReport& report, const std::string& item) {
    if (report.policy_count < report.policy_items.size()) {
        report.policy_items[report.policy_count++] = &item;
    }
}

class RateLimitStage final : public Stage {
  public:
    RateLimitStage(std::vector<limit::LimitDefinition> limits, limit::HeaderMode headers,
                   limit::RateLimitStore& store, std::shared_ptr<limit::RateLimitStore> owned)
        : limits_(std::move(limits)),
          headers_(headers),
          store_(&store),
          owned_store_(std::move(owned)) {}

    std::string_view name() const override { return stage_key; }

    // In-process: synchronous, no cost for the coroutine. Redis: the chain
    // awaits the round trip.
    bool is_asynchronous() const override { return store_->is_asynchronous(); }

    Verdict on_request_head(Exchange& exchange) const override {
        Decision decision;
        if (!prepare(exchange, decision)) {
            return Verdict::proceed;
        }
        store_->decide({decision.checks.data(), decision.count},
                       {decision.outcomes.data(), decision.count}, monotonic_now());
        return conclude(exchange, decision);
    }

    boost::asio::awaitable<Verdict> on_request_head_async(Exchange& exchange) const override {
        Decision decision;
        if (!prepare(exchange, decision)) {
            co_return Verdict::proceed;
        }
        co_await store_->decide_async({decision.checks.data(), decision.count},
                                      {decision.outcomes.data(), decision.count}, monotonic_now(),
                                      exchange.worker_index);
        co_return conclude(exchange, decision);
    }

    void on_response(Exchange& exchange) const override {
        const auto& report = exchange.rate_limit;
        if (report.quoted_name == nullptr ||
            (!report.refused && headers_ != limit::HeaderMode::on_all_responses)) {
            return;
        }
        std::string policies;
        for (std::size_t index = 0; index < report.policy_count; ++index) {
            policies += index == 0 ? "" : ", ";
            policies += *report.policy_items[index];
        }
        auto reset = std::to_string(report.reset_seconds);
        exchange.response.set("RateLimit-Policy", policies);
        exchange.response.set("RateLimit", *report.quoted_name + ";r=" +
                                               std::to_string(report.remaining) + ";t=" + reset);
        if (report.refused) {
            // The same instant as t, as the draft asks.
            exchange.response.set(http::field::retry_after, reset);
        }
    }

  private:
    // The limits that apply to one request, and what the store said.
    struct Decision {
        std::array<limit::LimitCheck, limit::max_limits_per_section> checks;
        std::array<const limit::LimitDefinition*, limit::max_limits_per_section> applied{};
        std::array<const limit::CompiledPolicy*, limit::max_limits_per_section> policies{};
        std::array<limit::LimitOutcome, limit::max_limits_per_section> outcomes;
        std::size_t count = 0;
    };

    // False when no limit applies to the request.
    bool prepare(const Exchange& exchange, Decision& decision) const {
        for (const auto& limit : limits_) {
            limit::KeyBuilder key;
            key.add_bytes(limit.scope.bytes.data(), limit.scope.bytes.size());
            if (!std::all_of(limit.key.begin(), limit.key.end(), [&](const auto& element) {
                    return add_key_part(element, exchange, key);
                })) {
                continue;
            }
            auto index = decision.count++;
            decision.policies[index] = &policy_for(limit, exchange);
            decision.applied[index] = &limit;
            decision.checks[index] = {key.digest(), limit.overflow_key,
                                      &decision.policies[index]->gcra};
        }
        return decision.count != 0;
    }

    static Verdict conclude(Exchange& exchange, const Decision& decision) {
        auto& report = exchange.rate_limit;
        for (std::size_t index = 0; index < decision.count; ++index) {
            note_policy(report, decision.policies[index]->policy_item);
        }
        for (std::size_t index = 0; index < decision.count; ++index) {
            const auto& outcome = decision.outcomes[index];
            if (!outcome.decision.admitted) {
                return refuse(exchange, *decision.applied[index], outcome);
            }
        }
        for (std::size_t index = 0; index < decision.count; ++index) {
            const auto& admitted = decision.outcomes[index].decision;
            if (report.quoted_name == nullptr || admitted.remaining < report.remaining) {
                report.quoted_name = &decision.applied[index]->quoted_name;
                report.remaining = admitted.remaining;
                report.reset_seconds = limit::seconds_rounded_up(admitted.reset_after);
            }
        }
        return Verdict::proceed;
    }

    static Verdict refuse(Exchange& exchange, const limit::LimitDefinition& limit,
                          const limit::LimitOutcome& outcome) {
        auto& report = exchange.rate_limit;
        report.refused = true;
        report.quoted_name = &limit.quoted_name;
        report.remaining = 0;
        report.reset_seconds =
            std::max<std::int64_t>(1, limit::seconds_rounded_up(outcome.decision.retry_after));
        if (exchange.route != nullptr && exchange.route->metrics != nullptr) {
            exchange.route->metrics->record_rate_limited(exchange.worker_index);
        }
        // A refusal because Redis is away (on_redis_failure: closed) is not
        // logged per request: the store's transition line says it once.
        if (outcome.report_refusal) {
            report_security_event(exchange, refusal_event,
                                  outcome.counted_on_overflow ? "store_full" : limit.name);
        }
        set_problem(exchange, http::status::too_many_requests, refusal_detail);
        return Verdict::respond;
    }

    std::vector<limit::LimitDefinition> limits_;
    limit::HeaderMode headers_;
    limit::RateLimitStore* store_;
    std::shared_ptr<limit::RateLimitStore> owned_store_;
};

enum class Phase { before_authentication, after_authentication };

std::shared_ptr<const Stage> build_stage(const StageBuildContext& context, Phase phase) {
    if (!context.section) {
        return nullptr;
    }
    auto definition = limit::read_rate_limit_definition(*context.section);
    std::vector<limit::LimitDefinition> limits;
    for (auto& limit : definition.limits) {
        if (limit.needs_identity == (phase == Phase::after_authentication)) {
            limits.push_back(std::move(limit));
        }
    }
    if (limits.empty()) {
        return nullptr;
    }
    std::shared_ptr<limit::RateLimitStore> owned;
    auto* store = context.services.rate_limits;
    if (store == nullptr) {
        // `rampart check` and tests without runtime services: a private store.
        owned = std::make_shared<limit::InProcessStore>();
        store = owned.get();
    }
    return std::make_shared<RateLimitStage>(std::move(limits), definition.headers, *store,
                                            std::move(owned));
}

}  // namespace

StageFactory rate_limit_before_authentication_stage_factory() {
    return {stage_key, 20, [](const StageBuildContext& context) {
                return build_stage(context, Phase::before_authentication);
            }};
}

StageFactory rate_limit_after_authentication_stage_factory() {
    return {stage_key, 37, [](const StageBuildContext& context) {
                return build_stage(context, Phase::after_authentication);
            }};
}

}  // namespace rampart::pipeline
