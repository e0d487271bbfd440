// The traffic baseline of one route or consumer: an exponentially weighted
// moving average of its request rate and of the rate's variance, updated once
// per interval with that interval's count. A rate above mean + k·σ (and above
// a floor, so that 3 requests on an idle route are not a "spike") starts an
// anomaly episode; the episode is reported once and ends when the rate falls
// below mean + k/2·σ. The deviation is never taken below the Poisson
// noise of the mean (sqrt(mean / interval)): perfectly regular traffic has a
// variance near zero, and one extra request must not look like a spike.
// Pure arithmetic, no clock: the caller feeds intervals.
#pragma once

#include <cstdint>

namespace rampart::observe::anomaly {

struct BaselineParameters {
    double alpha = 0.1;         // weight of the newest interval, 0 < alpha <= 1
    double k = 4.0;             // standard deviations above the mean that count as a spike
    double minimum_rate = 5.0;  // requests per second below which nothing is a spike
    std::uint32_t warmup_intervals = 30;  // intervals observed before any alert
    double interval_seconds = 10;         // for the Poisson floor of the deviation
};

// What one interval's observation concluded.
struct BaselineVerdict {
    bool spike_started = false;     // the first interval of an episode: report it
    double rate = 0;                // requests per second in the interval
    double mean = 0;                // the baseline before this interval
    double standard_deviation = 0;  // the one the band used (see observe)
};

class RateBaseline {
  public:
    // `rate`: requests per second over the interval just ended. The verdict
    // compares it with the baseline as it was before; then the baseline
    // learns the interval (spikes included, so a lasting change of level
    // becomes the new normal instead of alerting forever).
    BaselineVerdict observe(double rate, const BaselineParameters& parameters) noexcept;

    double mean() const noexcept { return mean_; }
    double variance() const noexcept { return variance_; }
    bool in_episode() const noexcept { return in_episode_; }
    std::uint32_t intervals_observed() const noexcept { return intervals_observed_; }

  private:
    double mean_ = 0;
    double variance_ = 0;
    std::uint32_t intervals_observed_ = 0;
    bool in_episode_ = false;
};

}  // namespace rampart::observe::anomaly
