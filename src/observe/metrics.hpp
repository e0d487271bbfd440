// Prometheus metrics, recorded share-nothing: each worker thread writes only
// its own cache-line-aligned shard with relaxed atomic loads and stores (one
// writer per shard, so no read-modify-write instruction and no lock on the
// request path); a scrape sums the shards. Per-route and per-upstream objects
// are created when the config loads, looked up by name, and live as long as
// Metrics does, so their counters survive config reloads and a stage can keep
// a plain pointer. Labels carry only names from the config and small fixed
// sets (method, status class, outcome), never paths, ids or tokens (LOG-04).
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::observe {

inline constexpr std::size_t cache_line_bytes = 64;

// A counter with a single writer thread: increments are a relaxed load and
// store, readers on other threads see a recent value.
class ShardCounter {
  public:
    void add(std::uint64_t amount = 1) noexcept {
        value_.store(value_.load(std::memory_order_relaxed) + amount, std::memory_order_relaxed);
    }
    std::uint64_t value() const noexcept { return value_.load(std::memory_order_relaxed); }

  private:
    std::atomic<std::uint64_t> value_{0};
};

// Upper bounds in microseconds: 0.5 ms .. 10 s, then +Inf.
inline constexpr std::array<std::uint64_t, 14> latency_bucket_bounds_microseconds = {
    500,     1'000,   2'500,   5'000,     10'000,    25'000,    50'000,
    100'000, 250'000, 500'000, 1'000'000, 2'500'000, 5'000'000, 10'000'000};
inline constexpr std::size_t latency_bucket_count = latency_bucket_bounds_microseconds.size() + 1;

struct LatencyHistogram {
    std::array<ShardCounter, latency_bucket_count> buckets;  // not cumulative
    ShardCounter sum_microseconds;

    void record(std::chrono::microseconds duration) noexcept;
};

inline constexpr std::array<std::string_view, 8> method_labels = {
    "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "other"};
inline constexpr std::array<std::string_view, 5> status_class_labels = {"1xx", "2xx", "3xx", "4xx",
                                                                        "5xx"};
// What response validation (validate/response_contract.hpp) made of an answer.
inline constexpr std::array<std::string_view, 4> response_validation_outcome_labels = {
    "valid", "violation", "invalid", "skipped"};

class RouteMetrics {
  public:
    RouteMetrics(std::string name, unsigned shard_count);
    const std::string& name() const noexcept { return name_; }

    // Hot path, from the worker `worker` only (one writer per shard).
    void record_rate_limited(unsigned worker) noexcept {
        shards_[worker % shard_count_].rate_limited.add();
    }
    // `outcome` is one of response_validation_outcome_labels; others are ignored.
    void record_response_validation(unsigned worker, std::string_view outcome) noexcept {
        for (std::size_t index = 0; index < response_validation_outcome_labels.size(); ++index) {
            if (response_validation_outcome_labels[index] == outcome) {
                shards_[worker % shard_count_].response_validation[index].add();
            }
        }
    }

  private:
    friend class Metrics;
    struct alignas(cache_line_bytes) Shard {
        std::array<std::array<ShardCounter, status_class_labels.size()>, method_labels.size()>
            requests;
        LatencyHistogram latency;
        ShardCounter rate_limited;
        std::array<ShardCounter, response_validation_outcome_labels.size()> response_validation;
    };
    std::string name_;
    unsigned shard_count_;
    std::unique_ptr<Shard[]> shards_;
};

class UpstreamMetrics {
  public:
    UpstreamMetrics(std::string name, unsigned shard_count);
    const std::string& name() const noexcept { return name_; }

  private:
    friend class Metrics;
    struct alignas(cache_line_bytes) Shard {
        ShardCounter succeeded;
        ShardCounter failed;
        LatencyHistogram latency;
    };
    std::string name_;
    unsigned shard_count_;
    std::unique_ptr<Shard[]> shards_;
};

class Metrics {
  public:
    // The route label of requests no route matched.
    static constexpr std::string_view unrouted_label = "(unrouted)";

    explicit Metrics(unsigned worker_count);

    // Find-or-create by name, at config load (takes a mutex). The pointer
    // stays valid while Metrics lives, across reloads.
    RouteMetrics* route(std::string_view name);
    RouteMetrics* unrouted() noexcept { return unrouted_.get(); }
    UpstreamMetrics* upstream(std::string_view name);

    // Hot path. `worker` is the calling worker thread's index (0-based); each
    // worker must pass its own, as a shard has a single writer.
    void record_request(unsigned worker, RouteMetrics& route, std::string_view method,
                        unsigned status, std::chrono::microseconds duration) noexcept;
    void record_upstream(unsigned worker, UpstreamMetrics& upstream, bool failed,
                         std::chrono::microseconds duration) noexcept;
    void connection_opened(unsigned worker) noexcept;
    void connection_closed(unsigned worker) noexcept;
    // A connection closed at accept because its address opened new
    // connections faster than rate_limit.connections_per_ip allows.
    void connection_rate_limited(unsigned worker) noexcept;
    // A connection closed at accept because its address is banned.
    void connection_banned(unsigned worker) noexcept;
    void tls_handshake(unsigned worker, bool succeeded) noexcept;
    // Any thread (reloads are rare, so a shared atomic is fine).
    void record_reload(bool succeeded) noexcept;

    // The sum of the log sinks' dropped_lines(), read at each scrape. The
    // function must stay callable until replaced or Metrics is destroyed.
    void set_dropped_log_lines_source(std::function<std::uint64_t()> source);
    // The number of bans in force, read at each scrape (same rules).
    void set_active_bans_source(std::function<std::uint64_t()> source);
    // More exposition text appended at each scrape by a component that keeps
    // its own counters (the shared rate-limit store). Same lifetime rule.
    void set_extra_source(std::function<void(std::string&)> source);

    // Renders more families at the end of each scrape (the anomaly detector's,
    // the webhook's). Called under the registry mutex; must stay callable
    // while Metrics lives.
    void add_renderer(std::function<void(std::string&)> renderer);

    // Requests answered per configured route since start (the unrouted
    // excluded), summed over the workers: what traffic baselines learn from.
    std::vector<std::pair<std::string, std::uint64_t>> route_request_totals() const;

    unsigned worker_count() const noexcept { return worker_count_; }

    // Text exposition format 0.0.4.
    std::string render_prometheus() const;

  private:
    struct alignas(cache_line_bytes) WorkerShard {
        ShardCounter connections_opened;
        ShardCounter connections_closed;
        ShardCounter connections_rate_limited;
        ShardCounter connections_banned;
        ShardCounter handshakes_succeeded;
        ShardCounter handshakes_failed;
    };

    unsigned shard_index(unsigned worker) const noexcept { return worker % worker_count_; }
    void render_requests(std::string& out) const;
    void render_response_validation(std::string& out,
                                    const std::vector<const RouteMetrics*>& routes) const;
    void render_upstreams(std::string& out) const;
    void render_process_wide(std::string& out) const;

    unsigned worker_count_;
    std::unique_ptr<WorkerShard[]> worker_shards_;
    std::unique_ptr<RouteMetrics> unrouted_;
    std::atomic<std::uint64_t> reloads_succeeded_{0};
    std::atomic<std::uint64_t> reloads_failed_{0};

    mutable std::mutex registry_mutex_;  // guards the maps and the dropped-lines source
    std::map<std::string, std::unique_ptr<RouteMetrics>, std::less<>> routes_;
    std::map<std::string, std::unique_ptr<UpstreamMetrics>, std::less<>> upstreams_;
    std::function<std::uint64_t()> dropped_log_lines_source_;
    std::function<std::uint64_t()> active_bans_source_;
    std::function<void(std::string&)> extra_source_;
    std::vector<std::function<void(std::string&)>> renderers_;
};

// One counter or gauge family without labels, for add_renderer callers.
void append_single_value_family(std::string& out, std::string_view name, std::string_view type,
                                std::string_view help, std::uint64_t value);

// Escapes a label value per the exposition format: \\, \" and \n.
std::string escape_label_value(std::string_view value);

}  // namespace rampart::observe
