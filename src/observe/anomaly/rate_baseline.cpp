#include "observe/anomaly/rate_baseline.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace rampart::observe::anomaly {

BaselineVerdict RateBaseline::observe(double rate, const BaselineParameters& parameters) noexcept {
    BaselineVerdict verdict;
    verdict.rate = rate;
    verdict.mean = mean_;
    double poisson_noise =
        parameters.interval_seconds > 0 ? std::sqrt(mean_ / parameters.interval_seconds) : 0;
    verdict.standard_deviation = std::max(std::sqrt(variance_), poisson_noise);
    bool warmed_up = intervals_observed_ >= parameters.warmup_intervals;
    double deviation = verdict.standard_deviation;
    bool spike =
        warmed_up && rate >= parameters.minimum_rate && rate > mean_ + parameters.k * deviation;
    verdict.spike_started = spike && !in_episode_;
    // Hysteresis: an episode starts above k deviations and ends only below
    // k/2, so traffic climbing over several intervals, or hovering at the
    // edge of the band, is one event and not one per interval.
    bool above_release_level = rate > mean_ + parameters.k / 2 * deviation;
    in_episode_ = warmed_up && (spike || (in_episode_ && above_release_level));

    if (intervals_observed_ == 0) {
        mean_ = rate;  // the first interval seeds the mean; the variance starts at 0
    } else {
        // The incremental EWMA of mean and variance (Finch, "Incremental
        // calculation of weighted mean and variance", 2009).
        double difference = rate - mean_;
        double increment = parameters.alpha * difference;
        mean_ += increment;
        variance_ = (1 - parameters.alpha) * (variance_ + difference * increment);
    }
    if (intervals_observed_ < UINT32_MAX) {
        ++intervals_observed_;
    }
    return verdict;
}

}  // namespace rampart::observe::anomaly
