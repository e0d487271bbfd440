#include "observe/anomaly/traffic_baselines.hpp"

#include <algorithm>
#include <chrono>

namespace rampart::observe::anomaly {

namespace {

double to_seconds(config::Duration duration) {
    return std::chrono::duration<double>(duration).count();
}

}  // namespace

TrafficBaselines::TrafficBaselines(const config::TrafficBaselineSettings& settings,
                                   unsigned worker_count)
    : settings_(settings),
      worker_count_(std::max(worker_count, 1u)),
      worker_counts_(std::make_unique<WorkerCounts[]>(worker_count_)) {
    parameters_.alpha = settings.alpha;
    parameters_.k = settings.k;
    parameters_.minimum_rate = settings.minimum_rate;
    parameters_.interval_seconds = to_seconds(settings.interval);
    auto warmup = settings.warmup.count() / std::max<std::int64_t>(settings.interval.count(), 1);
    parameters_.warmup_intervals =
        static_cast<std::uint32_t>(std::min<std::int64_t>(warmup, 1 << 20));
    // A consumer silent for as long as the warm-up (at least ten intervals)
    // has no baseline worth keeping: its slot goes to someone active.
    idle_intervals_before_eviction_ = std::max<std::uint32_t>(parameters_.warmup_intervals, 10);
}

void TrafficBaselines::count_consumer(unsigned worker, std::string_view consumer) noexcept {
    if (!settings_.per_consumer || consumer.empty()) {
        return;
    }
    auto& counts = worker_counts_[worker % worker_count_];
    std::lock_guard lock(counts.mutex);
    auto found = counts.requests.find(consumer);
    if (found != counts.requests.end()) {
        ++found->second;
        return;
    }
    if (counts.requests.size() >= settings_.max_consumers) {
        ++counts.untracked;
        return;
    }
    try {
        counts.requests.emplace(std::string(consumer), 1);
    } catch (...) {
        ++counts.untracked;  // out of memory: a lost count beats a failed request
    }
}

std::vector<TrafficAnomaly> TrafficBaselines::close_interval(const RouteTotals& route_totals,
                                                             double elapsed_seconds) {
    std::vector<TrafficAnomaly> anomalies;
    if (elapsed_seconds <= 0) {
        return anomalies;
    }
    if (settings_.per_route) {
        close_routes(route_totals, elapsed_seconds, anomalies);
    }
    if (settings_.per_consumer) {
        close_consumers(elapsed_seconds, anomalies);
    }
    return anomalies;
}

void TrafficBaselines::close_routes(const RouteTotals& route_totals, double elapsed_seconds,
                                    std::vector<TrafficAnomaly>& anomalies) {
    for (const auto& [name, total] : route_totals) {
        auto found = routes_.find(name);
        if (found == routes_.end()) {
            // First seen: its earlier requests belong to no known interval.
            routes_.emplace(name, RouteState{RateBaseline{}, total});
            continue;
        }
        auto& state = found->second;
        auto requests = total >= state.last_total ? total - state.last_total : 0;
        state.last_total = total;
        auto verdict =
            state.baseline.observe(static_cast<double>(requests) / elapsed_seconds, parameters_);
        if (verdict.spike_started) {
            anomalies.push_back(TrafficAnomaly{"route", name, verdict});
        }
    }
}

void TrafficBaselines::close_consumers(double elapsed_seconds,
                                       std::vector<TrafficAnomaly>& anomalies) {
    std::lock_guard lock(consumers_mutex_);
    std::unordered_map<std::string, std::uint64_t, TransparentStringHash, std::equal_to<>> merged;
    for (unsigned worker = 0; worker < worker_count_; ++worker) {
        decltype(merged) taken;
        {
            auto& counts = worker_counts_[worker];
            std::lock_guard counts_lock(counts.mutex);
            taken.swap(counts.requests);
            untracked_total_ += counts.untracked;
            counts.untracked = 0;
        }
        for (auto& [name, requests] : taken) {
            merged[name] += requests;
        }
    }
    for (auto& [name, state] : consumers_) {
        auto counted = merged.find(name);
        std::uint64_t requests = 0;
        if (counted != merged.end()) {
            requests = counted->second;
            merged.erase(counted);
        }
        state.idle_intervals = requests == 0 ? state.idle_intervals + 1 : 0;
        auto verdict =
            state.baseline.observe(static_cast<double>(requests) / elapsed_seconds, parameters_);
        if (verdict.spike_started) {
            anomalies.push_back(TrafficAnomaly{"consumer", name, verdict});
        }
    }
    std::erase_if(consumers_, [this](const auto& entry) {
        return entry.second.idle_intervals >= idle_intervals_before_eviction_;
    });
    // Consumers new in this interval: their first interval seeds the baseline.
    for (auto& [name, requests] : merged) {
        if (!make_room_for_consumer()) {
            untracked_total_ += requests;
            continue;
        }
        ConsumerState state;
        state.baseline.observe(static_cast<double>(requests) / elapsed_seconds, parameters_);
        consumers_.emplace(name, std::move(state));
    }
}

// The table is bounded: when full, the consumer idle the longest leaves; when
// every one is active, the newcomer is not tracked (and counted as such).
bool TrafficBaselines::make_room_for_consumer() {
    if (consumers_.size() < settings_.max_consumers) {
        return true;
    }
    auto idlest = std::max_element(
        consumers_.begin(), consumers_.end(), [](const auto& left, const auto& right) {
            return left.second.idle_intervals < right.second.idle_intervals;
        });
    if (idlest == consumers_.end() || idlest->second.idle_intervals == 0) {
        return false;
    }
    consumers_.erase(idlest);
    return true;
}

std::size_t TrafficBaselines::tracked_consumers() const {
    std::lock_guard lock(consumers_mutex_);
    return consumers_.size();
}

std::uint64_t TrafficBaselines::untracked_consumer_requests() const {
    std::lock_guard lock(consumers_mutex_);
    return untracked_total_;
}

}  // namespace rampart::observe::anomaly
