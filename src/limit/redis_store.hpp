// Rate-limit counters in Redis, shared by every Rampart instance that uses
// the same Redis, key prefix, key secret and configuration: each decision is
// one EVALSHA of the GCRA script (redis_gcra_script.hpp), atomic over every
// limit of the request, so N instances together admit exactly the limit.
//
// Each worker has its own pipelined connection (store/redis), made on its
// first decision on that worker's executor. When Redis cannot answer in
// time, the decision follows `on_redis_failure`: refuse (closed), admit
// (open), or count in this process with every limit divided by the number
// of instances (local, the default). The store is "up" while every
// connection is; each change is counted, shown as a gauge and reported to
// the transition observer (a security-log line).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "limit/in_process_store.hpp"
#include "limit/rate_limit_store.hpp"
#include "limit/store_settings.hpp"

namespace rampart::store::redis {
class RedisConnection;
}

namespace rampart::limit {

class RedisStore final : public RateLimitStore {
  public:
    // Told when the store as a whole goes down (some connection lost Redis)
    // or up again, with a reason fit for a log. Any worker thread.
    using TransitionObserver =
        std::function<void(bool up, std::string_view reason, RedisFailureMode mode)>;

    RedisStore(RedisStoreSettings settings, unsigned workers, InProcessStoreOptions local_options);
    ~RedisStore() override;

    // Set before the workers start.
    void set_transition_observer(TransitionObserver observer);

    // Without a worker's executor there is no connection: the failure mode decides.
    void decide(std::span<const LimitCheck> checks, std::span<LimitOutcome> outcomes,
                Nanoseconds now) override;
    bool is_asynchronous() const override { return true; }
    boost::asio::awaitable<void> decide_async(std::span<const LimitCheck> checks,
                                              std::span<LimitOutcome> outcomes, Nanoseconds now,
                                              unsigned worker) override;

    // Prometheus text: the up gauge, the transitions and the decisions.
    void render_metrics(std::string& out) const;

    const RedisStoreSettings& settings() const { return settings_; }
    // The limits of `local` mode: the rate and the burst divided by the
    // instances (the burst at least 1). Public for the unit tests.
    static GcraPolicy divided_policy(const GcraPolicy& policy, int instances);

  private:
    enum class ConnectionState : std::uint8_t { unknown, up, down };
    enum Outcome : std::size_t {
        redis_admitted,
        redis_refused,
        fallback_admitted,
        fallback_refused,
        outcome_count
    };
    struct alignas(64) WorkerSlot {
        std::weak_ptr<store::redis::RedisConnection> connection;
        ConnectionState state = ConnectionState::unknown;
        // One writer (the worker): a relaxed load and store, no locked instruction.
        std::array<std::atomic<std::uint64_t>, outcome_count> decisions{};
        void count(Outcome outcome) {
            auto& counter = decisions[outcome];
            counter.store(counter.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
        }
    };

    std::shared_ptr<store::redis::RedisConnection> connection_for(unsigned worker);
    void on_connection_state(unsigned worker, bool up, std::string_view reason);
    void decide_without_redis(std::span<const LimitCheck> checks, std::span<LimitOutcome> outcomes,
                              Nanoseconds now);

    RedisStoreSettings settings_;
    InProcessStore local_;
    std::unique_ptr<WorkerSlot[]> slots_;
    unsigned slot_count_;
    TransitionObserver observer_;

    mutable std::mutex state_mutex_;  // transitions only: rare
    unsigned connections_up_ = 0;
    unsigned connections_down_ = 0;
    std::atomic<bool> up_{false};
    std::atomic<std::uint64_t> transitions_up_{0};
    std::atomic<std::uint64_t> transitions_down_{0};
};

}  // namespace rampart::limit
