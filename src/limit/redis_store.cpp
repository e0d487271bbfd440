#include "limit/redis_store.hpp"

#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <array>

#include "limit/limit_definition.hpp"
#include "limit/redis_gcra_script.hpp"
#include "store/redis/redis_connection.hpp"

namespace rampart::limit {

namespace asio = boost::asio;
namespace redis = store::redis;

namespace {

void append_counter(std::string& out, std::string_view name, std::string_view labels,
                    std::uint64_t value) {
    out.append(name);
    out.append(labels);
    out.push_back(' ');
    out.append(std::to_string(value));
    out.push_back('\n');
}

}  // namespace

RedisStore::RedisStore(RedisStoreSettings settings, unsigned workers,
                       InProcessStoreOptions local_options)
    : settings_(std::move(settings)),
      local_(local_options),
      slots_(std::make_unique<WorkerSlot[]>(std::max(workers, 1U))),
      slot_count_(std::max(workers, 1U)) {}

RedisStore::~RedisStore() = default;

void RedisStore::set_transition_observer(TransitionObserver observer) {
    observer_ = std::move(observer);
}

GcraPolicy RedisStore::divided_policy(const GcraPolicy& policy, int instances) {
    if (instances <= 1) {
        return policy;
    }
    GcraPolicy divided;
    // Each instance gets 1/N of the rate: one unit costs N times as long.
    // The interval is at most max_tolerance and the product stays below the
    // original tolerance (or one interval), so nothing overflows.
    divided.emission_interval = policy.emission_interval > max_tolerance / instances
                                    ? max_tolerance
                                    : policy.emission_interval * instances;
    divided.burst = std::max<std::int64_t>(1, policy.burst / instances);
    divided.tolerance = divided.emission_interval * divided.burst;
    return divided;
}

void RedisStore::decide(std::span<const LimitCheck> checks, std::span<LimitOutcome> outcomes,
                        Nanoseconds now) {
    decide_without_redis(checks, outcomes, now);
}

std::shared_ptr<redis::RedisConnection> RedisStore::connection_for(unsigned worker) {
    return slots_[worker % slot_count_].connection.lock();
}

asio::awaitable<void> RedisStore::decide_async(std::span<const LimitCheck> checks,
                                               std::span<LimitOutcome> outcomes, Nanoseconds now,
                                               unsigned worker) {
    if (checks.empty()) {
        co_return;
    }
    auto& slot = slots_[worker % slot_count_];
    auto connection = slot.connection.lock();
    if (!connection) {
        // This worker's first decision: its connection lives on its executor.
        auto index = worker % slot_count_;
        connection =
            redis::RedisConnection::start(co_await asio::this_coro::executor,
                                          redis_connection_options(settings_, settings_.timeout),
                                          [this, index](bool up, std::string_view reason) {
                                              on_connection_state(index, up, reason);
                                          });
        slot.connection = connection;
    }

    // KEYS: the counters, then their refusal markers; ARGV: interval and burst per limit.
    std::array<std::string, 2 * max_limits_per_section> keys;
    std::array<std::string, 2 * max_limits_per_section> numbers;
    std::array<std::string_view, 3 + 4 * max_limits_per_section> arguments;
    auto count = std::min(checks.size(), max_limits_per_section);
    auto key_count = std::to_string(2 * count);
    std::size_t used = 0;
    arguments[used++] = "EVALSHA";
    arguments[used++] = gcra_script_sha1();
    arguments[used++] = key_count;
    for (std::size_t index = 0; index < count; ++index) {
        keys[index] = redis_counter_key(settings_.key_prefix, checks[index].key, false);
        keys[count + index] = redis_counter_key(settings_.key_prefix, checks[index].key, true);
        numbers[2 * index] =
            std::to_string(script_emission_interval_microseconds(*checks[index].policy));
        numbers[2 * index + 1] = std::to_string(checks[index].policy->burst);
    }
    for (std::size_t index = 0; index < 2 * count; ++index) {
        arguments[used++] = keys[index];
    }
    for (std::size_t index = 0; index < 2 * count; ++index) {
        arguments[used++] = numbers[index];
    }
    std::span<const std::string_view> command(arguments.data(), used);

    auto result = co_await connection->command(command);
    if (result.answered() && redis::error_code(*result.reply) == "NOSCRIPT") {
        // A new or flushed Redis: EVAL sends the script and caches it for the next EVALSHA.
        arguments[0] = "EVAL";
        arguments[1] = gcra_script();
        result = co_await connection->command(command);
    }
    if (checks.size() <= max_limits_per_section && result.answered() &&
        read_gcra_script_reply(*result.reply, outcomes.first(count))) {
        bool admitted =
            std::all_of(outcomes.begin(), outcomes.begin() + count,
                        [](const LimitOutcome& outcome) { return outcome.decision.admitted; });
        slot.count(admitted ? redis_admitted : redis_refused);
        co_return;
    }
    decide_without_redis(checks, outcomes, now);
    bool admitted = std::all_of(outcomes.begin(), outcomes.end(), [](const LimitOutcome& outcome) {
        return outcome.decision.admitted;
    });
    slot.count(admitted ? fallback_admitted : fallback_refused);
}

void RedisStore::decide_without_redis(std::span<const LimitCheck> checks,
                                      std::span<LimitOutcome> outcomes, Nanoseconds now) {
    switch (settings_.on_failure) {
        case RedisFailureMode::open:
            for (std::size_t index = 0; index < checks.size(); ++index) {
                outcomes[index] = LimitOutcome{};
                outcomes[index].decision.admitted = true;
                outcomes[index].decision.remaining = checks[index].policy->burst;
            }
            return;
        case RedisFailureMode::closed:
            for (std::size_t index = 0; index < checks.size(); ++index) {
                outcomes[index] = LimitOutcome{};
                outcomes[index].decision.admitted = index != 0;
            }
            outcomes[0].decision.retry_after = nanoseconds_per_second;
            outcomes[0].store_unavailable = true;
            return;
        case RedisFailureMode::local: {
            std::array<GcraPolicy, max_limits_per_section> policies;
            std::array<LimitCheck, max_limits_per_section> divided;
            auto count = std::min(checks.size(), max_limits_per_section);
            for (std::size_t index = 0; index < count; ++index) {
                policies[index] = divided_policy(*checks[index].policy, settings_.instances);
                divided[index] = checks[index];
                divided[index].policy = &policies[index];
            }
            local_.decide({divided.data(), count}, outcomes.first(count), now);
            return;
        }
    }
}

void RedisStore::on_connection_state(unsigned worker, bool up, std::string_view reason) {
    std::lock_guard lock(state_mutex_);
    auto& state = slots_[worker].state;
    auto next = up ? ConnectionState::up : ConnectionState::down;
    if (state == next) {
        return;
    }
    connections_up_ -= state == ConnectionState::up ? 1 : 0;
    connections_down_ -= state == ConnectionState::down ? 1 : 0;
    state = next;
    connections_up_ += up ? 1 : 0;
    connections_down_ += up ? 0 : 1;
    bool store_up = connections_down_ == 0 && connections_up_ > 0;
    bool was_up = up_.load(std::memory_order_relaxed);
    bool first_report = transitions_up_.load(std::memory_order_relaxed) == 0 &&
                        transitions_down_.load(std::memory_order_relaxed) == 0;
    if (store_up == was_up && !first_report) {
        return;
    }
    up_.store(store_up, std::memory_order_relaxed);
    (store_up ? transitions_up_ : transitions_down_).fetch_add(1, std::memory_order_relaxed);
    if (observer_) {
        observer_(store_up, reason, settings_.on_failure);
    }
}

void RedisStore::render_metrics(std::string& out) const {
    out.append(
        "# HELP rampart_rate_limit_redis_up 1 while every worker's connection to the rate-limit "
        "Redis is up.\n# TYPE rampart_rate_limit_redis_up gauge\n");
    append_counter(out, "rampart_rate_limit_redis_up", "", up_.load(std::memory_order_relaxed));
    out.append(
        "# HELP rampart_rate_limit_redis_transitions_total Changes of the rate-limit Redis "
        "between up and down.\n# TYPE rampart_rate_limit_redis_transitions_total counter\n");
    append_counter(out, "rampart_rate_limit_redis_transitions_total", "{to=\"up\"}",
                   transitions_up_.load(std::memory_order_relaxed));
    append_counter(out, "rampart_rate_limit_redis_transitions_total", "{to=\"down\"}",
                   transitions_down_.load(std::memory_order_relaxed));
    std::array<std::uint64_t, outcome_count> totals{};
    for (unsigned index = 0; index < slot_count_; ++index) {
        for (std::size_t outcome = 0; outcome < outcome_count; ++outcome) {
            totals[outcome] += slots_[index].decisions[outcome].load(std::memory_order_relaxed);
        }
    }
    out.append(
        "# HELP rampart_rate_limit_decisions_total Rate-limit decisions of the shared store, by "
        "where they were decided (redis, or on_redis_failure's fallback) and outcome.\n"
        "# TYPE rampart_rate_limit_decisions_total counter\n");
    append_counter(out, "rampart_rate_limit_decisions_total",
                   "{store=\"redis\",outcome=\"admitted\"}", totals[redis_admitted]);
    append_counter(out, "rampart_rate_limit_decisions_total",
                   "{store=\"redis\",outcome=\"refused\"}", totals[redis_refused]);
    append_counter(out, "rampart_rate_limit_decisions_total",
                   "{store=\"fallback\",outcome=\"admitted\"}", totals[fallback_admitted]);
    append_counter(out, "rampart_rate_limit_decisions_total",
                   "{store=\"fallback\",outcome=\"refused\"}", totals[fallback_refused]);
}

}  // namespace rampart::limit
