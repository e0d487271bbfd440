// A monotonic clock read from the kernel's last timer tick
// (CLOCK_MONOTONIC_COARSE): the vDSO returns it without reading the hardware
// counter, a few nanoseconds against tens for steady_clock on this kind of
// VM, at the resolution of one tick (1 to 4 ms). For socket deadlines, which
// are checked every 50 ms anyway; durations that are logged or measured keep
// steady_clock.
#pragma once

#include <time.h>

#include <chrono>

namespace rampart::util {

struct CoarseClock {
    using duration = std::chrono::nanoseconds;
    using rep = duration::rep;
    using period = duration::period;
    using time_point = std::chrono::time_point<CoarseClock>;
    static constexpr bool is_steady = true;

    static time_point now() noexcept {
        timespec now{};
        ::clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
        return time_point(std::chrono::seconds(now.tv_sec) + std::chrono::nanoseconds(now.tv_nsec));
    }
};

}  // namespace rampart::util
