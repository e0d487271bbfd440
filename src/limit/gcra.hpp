// GCRA, the generic cell rate algorithm (ITU-T I.371, as in redis-cell and
// Envoy's "rolling window" limiter): the whole state of one key is a single
// instant, the theoretical arrival time (TAT) at which the key's budget is
// full again. A limit of `rate` per `period` with `burst` emits one unit every
// emission_interval = period / rate, and a request is admitted while the new
// TAT stays within burst * emission_interval of now. A TAT in the past is the
// same as no state at all, which is what lets idle keys expire for free.
//
// All instants are integer nanoseconds of one monotonic clock. Intervals are
// bounded at load (see make_gcra_policy), so no sum here can overflow.
#pragma once

#include <cstdint>
#include <optional>

namespace rampart::limit {

using Nanoseconds = std::int64_t;

inline constexpr Nanoseconds nanoseconds_per_second = 1'000'000'000;
// The longest budget (burst * emission interval) a policy may describe:
// a year, far below the int64 range of nanoseconds (292 years).
inline constexpr Nanoseconds max_tolerance = 366LL * 24 * 3600 * nanoseconds_per_second;

struct GcraPolicy {
    Nanoseconds emission_interval = 0;  // period / rate
    std::int64_t burst = 0;             // units admitted at once from a full budget
    Nanoseconds tolerance = 0;          // burst * emission_interval: the budget's span
};

// Null when the numbers cannot be represented: an emission interval under
// one nanosecond (rate too high for the period) or a budget beyond
// max_tolerance. Rate, period and burst must be positive.
std::optional<GcraPolicy> make_gcra_policy(std::int64_t rate, Nanoseconds period,
                                           std::int64_t burst);

struct GcraDecision {
    bool admitted = false;
    Nanoseconds new_arrival_time = 0;  // the TAT to store; unchanged when refused
    std::int64_t remaining = 0;        // units still admitted at once after this one
    // Refused: how long until this request would be admitted.
    Nanoseconds retry_after = 0;
    // Admitted: how long until the budget is full again.
    Nanoseconds reset_after = 0;
};

// `arrival_time` is the stored TAT of the key (anything <= now for a new or
// idle key). A refused request leaves the state unchanged: it does not count.
GcraDecision gcra_decide(Nanoseconds arrival_time, Nanoseconds now, const GcraPolicy& policy);

// Undoes one admitted unit (a request admitted by one limit and refused by
// another of the same request must not count against the first).
Nanoseconds gcra_refund(Nanoseconds arrival_time, const GcraPolicy& policy);

// Whole seconds, rounded up: what the headers carry.
std::int64_t seconds_rounded_up(Nanoseconds duration);

}  // namespace rampart::limit
