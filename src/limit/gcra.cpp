#include "limit/gcra.hpp"

#include <algorithm>

namespace rampart::limit {

std::optional<GcraPolicy> make_gcra_policy(std::int64_t rate, Nanoseconds period,
                                           std::int64_t burst) {
    if (rate <= 0 || period <= 0 || burst <= 0) {
        return std::nullopt;
    }
    Nanoseconds emission_interval = period / rate;
    if (emission_interval <= 0 || burst > max_tolerance / emission_interval) {
        return std::nullopt;
    }
    return GcraPolicy{emission_interval, burst, emission_interval * burst};
}

GcraDecision gcra_decide(Nanoseconds arrival_time, Nanoseconds now, const GcraPolicy& policy) {
    // Both terms are within max_tolerance of now, so nothing overflows.
    Nanoseconds new_arrival_time = std::max(arrival_time, now) + policy.emission_interval;
    Nanoseconds ahead = new_arrival_time - now;
    GcraDecision decision;
    if (ahead > policy.tolerance) {
        decision.new_arrival_time = arrival_time;
        decision.retry_after = ahead - policy.tolerance;
        return decision;
    }
    decision.admitted = true;
    decision.new_arrival_time = new_arrival_time;
    decision.remaining = (policy.tolerance - ahead) / policy.emission_interval;
    decision.reset_after = ahead;
    return decision;
}

Nanoseconds gcra_refund(Nanoseconds arrival_time, const GcraPolicy& policy) {
    return arrival_time - policy.emission_interval;
}

std::int64_t seconds_rounded_up(Nanoseconds duration) {
    if (duration <= 0) {
        return 0;
    }
    return (duration + nanoseconds_per_second - 1) / nanoseconds_per_second;
}

}  // namespace rampart::limit
