// Request-rate baselines per route and per consumer (issue 6). Counting is
// cheap: routes are not counted here at all (the per-worker request counters
// of observe::Metrics already are; the caller passes their totals), and a
// consumer's request is one increment in its worker's own map, under a mutex
// only the interval's end contends for. The EWMA arithmetic runs once per
// interval, on the control thread, in close_interval.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "config/anomaly_settings.hpp"
#include "observe/anomaly/rate_baseline.hpp"

namespace rampart::observe::anomaly {

struct TrafficAnomaly {
    std::string_view scope;  // "route" or "consumer"
    std::string name;
    BaselineVerdict verdict;
};

// Request totals per route, cumulative (as Metrics counts them).
using RouteTotals = std::vector<std::pair<std::string, std::uint64_t>>;

struct TransparentStringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const noexcept {
        return std::hash<std::string_view>{}(text);
    }
};

class TrafficBaselines {
  public:
    TrafficBaselines(const config::TrafficBaselineSettings& settings, unsigned worker_count);

    // Hot path, from worker `worker` only.
    void count_consumer(unsigned worker, std::string_view consumer) noexcept;

    // The interval that lasted `elapsed_seconds` ended: learns it and returns
    // the spikes that started in it. Control thread only.
    std::vector<TrafficAnomaly> close_interval(const RouteTotals& route_totals,
                                               double elapsed_seconds);

    std::size_t tracked_consumers() const;
    // Consumers not counted because the table was full of active ones.
    std::uint64_t untracked_consumer_requests() const;

    const BaselineParameters& parameters() const noexcept { return parameters_; }

  private:
    struct alignas(64) WorkerCounts {
        mutable std::mutex mutex;
        std::unordered_map<std::string, std::uint64_t, TransparentStringHash, std::equal_to<>>
            requests;
        std::uint64_t untracked = 0;
    };
    struct RouteState {
        RateBaseline baseline;
        std::uint64_t last_total = 0;
    };
    struct ConsumerState {
        RateBaseline baseline;
        std::uint32_t idle_intervals = 0;
    };

    void close_routes(const RouteTotals& route_totals, double elapsed_seconds,
                      std::vector<TrafficAnomaly>& anomalies);
    void close_consumers(double elapsed_seconds, std::vector<TrafficAnomaly>& anomalies);
    bool make_room_for_consumer();

    config::TrafficBaselineSettings settings_;
    BaselineParameters parameters_;
    std::uint32_t idle_intervals_before_eviction_;
    unsigned worker_count_;
    std::unique_ptr<WorkerCounts[]> worker_counts_;
    std::map<std::string, RouteState, std::less<>> routes_;  // control thread only
    mutable std::mutex consumers_mutex_;                     // for the metrics scrape
    std::unordered_map<std::string, ConsumerState, TransparentStringHash, std::equal_to<>>
        consumers_;
    std::uint64_t untracked_total_ = 0;
};

}  // namespace rampart::observe::anomaly
