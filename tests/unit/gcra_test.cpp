// GCRA arithmetic (limit/gcra.hpp): burst, steady rate, the edges of the
// clock and the largest representable policies.
#include <gtest/gtest.h>

#include <limits>

#include "limit/gcra.hpp"

namespace {

using namespace rampart::limit;

constexpr Nanoseconds second = nanoseconds_per_second;

GcraPolicy policy(std::int64_t rate, Nanoseconds period, std::int64_t burst) {
    auto made = make_gcra_policy(rate, period, burst);
    EXPECT_TRUE(made.has_value());
    return made.value_or(GcraPolicy{1, 1, 1});
}

// Sends `count` requests at instant `now`, storing the TAT; returns how many were admitted.
int admit_at(Nanoseconds& arrival_time, Nanoseconds now, const GcraPolicy& limit, int count) {
    int admitted = 0;
    for (int index = 0; index < count; ++index) {
        auto decision = gcra_decide(arrival_time, now, limit);
        arrival_time = decision.new_arrival_time;
        admitted += decision.admitted ? 1 : 0;
    }
    return admitted;
}

TEST(Gcra, AFullBudgetAdmitsExactlyTheBurstAtOnce) {
    auto limit = policy(10, second, 20);
    Nanoseconds arrival_time = 0;
    EXPECT_EQ(admit_at(arrival_time, 1000 * second, limit, 50), 20);
}

TEST(Gcra, RemainingCountsDownToZeroThenRefusesWithTheDelayOfOneEmission) {
    auto limit = policy(100, 60 * second, 100);
    Nanoseconds now = 5 * second;
    Nanoseconds arrival_time = 0;
    for (int expected_remaining = 99; expected_remaining >= 0; --expected_remaining) {
        auto decision = gcra_decide(arrival_time, now, limit);
        ASSERT_TRUE(decision.admitted);
        EXPECT_EQ(decision.remaining, expected_remaining);
        arrival_time = decision.new_arrival_time;
    }
    auto refused = gcra_decide(arrival_time, now, limit);
    EXPECT_FALSE(refused.admitted);
    EXPECT_EQ(refused.new_arrival_time, arrival_time);  // a refusal does not count
    EXPECT_EQ(refused.retry_after, 600'000'000);        // one unit per 0.6 s
    EXPECT_EQ(seconds_rounded_up(refused.retry_after), 1);
    // One nanosecond early is still refused; at retry_after it is admitted.
    EXPECT_FALSE(gcra_decide(arrival_time, now + refused.retry_after - 1, limit).admitted);
    auto later = gcra_decide(arrival_time, now + refused.retry_after, limit);
    EXPECT_TRUE(later.admitted);
    EXPECT_EQ(later.remaining, 0);
}

TEST(Gcra, SteadyRateIsAdmittedForEverAndFasterIsNot) {
    auto limit = policy(10, second, 1);
    Nanoseconds arrival_time = 0;
    Nanoseconds now = 100 * second;
    int admitted = 0;
    for (int index = 0; index < 1000; ++index) {  // exactly the rate: every one passes
        admitted += admit_at(arrival_time, now, limit, 1);
        now += second / 10;
    }
    EXPECT_EQ(admitted, 1000);
    admitted = 0;
    for (int index = 0; index < 1000; ++index) {  // twice the rate: half pass
        admitted += admit_at(arrival_time, now, limit, 1);
        now += second / 20;
    }
    EXPECT_EQ(admitted, 500);
}

TEST(Gcra, RefusedRequestsDoNotDelayTheNextAdmission) {
    auto limit = policy(1, second, 1);
    Nanoseconds arrival_time = 0;
    Nanoseconds now = 10 * second;
    ASSERT_EQ(admit_at(arrival_time, now, limit, 1), 1);
    EXPECT_EQ(admit_at(arrival_time, now + second / 2, limit, 1000), 0);
    EXPECT_EQ(admit_at(arrival_time, now + second, limit, 1), 1);
}

TEST(Gcra, AnIdleKeyRefillsOnlyUpToTheBurst) {
    auto limit = policy(5, second, 5);
    Nanoseconds arrival_time = 0;
    ASSERT_EQ(admit_at(arrival_time, second, limit, 5), 5);
    EXPECT_EQ(admit_at(arrival_time, 3600 * second, limit, 100), 5);
}

TEST(Gcra, ResetAfterIsTheTimeUntilTheBudgetIsFull) {
    auto limit = policy(10, second, 10);
    auto first = gcra_decide(0, second, limit);
    EXPECT_EQ(first.reset_after, second / 10);
    EXPECT_EQ(seconds_rounded_up(first.reset_after), 1);
    EXPECT_EQ(seconds_rounded_up(0), 0);
    EXPECT_EQ(seconds_rounded_up(second), 1);
    EXPECT_EQ(seconds_rounded_up(second + 1), 2);
}

TEST(Gcra, RefundGivesBackOneUnit) {
    auto limit = policy(1, second, 1);
    Nanoseconds arrival_time = 0;
    Nanoseconds now = 10 * second;
    ASSERT_EQ(admit_at(arrival_time, now, limit, 1), 1);
    ASSERT_EQ(admit_at(arrival_time, now, limit, 1), 0);
    arrival_time = gcra_refund(arrival_time, limit);
    EXPECT_EQ(admit_at(arrival_time, now, limit, 1), 1);
}

TEST(Gcra, UnrepresentablePoliciesAreRefused) {
    EXPECT_FALSE(make_gcra_policy(0, second, 1));
    EXPECT_FALSE(make_gcra_policy(1, 0, 1));
    EXPECT_FALSE(make_gcra_policy(1, second, 0));
    EXPECT_FALSE(make_gcra_policy(2, 1, 1));  // an emission interval under 1 ns
    // A budget over a year: 1 per day with a burst of 400 days.
    EXPECT_FALSE(make_gcra_policy(1, 86400 * second, 400));
    EXPECT_TRUE(make_gcra_policy(1, 86400 * second, 366));
}

// The longest policy at clock values far from zero: no sum overflows, and the
// arithmetic is still exact.
TEST(Gcra, LongPeriodsNearTheEndOfTheClockDoNotOverflow) {
    auto limit = policy(1000, 366LL * 86400 * second, 1000);
    Nanoseconds now = std::numeric_limits<Nanoseconds>::max() / 2;
    Nanoseconds arrival_time = 0;
    EXPECT_EQ(admit_at(arrival_time, now, limit, 2000), 1000);
    auto refused = gcra_decide(arrival_time, now, limit);
    EXPECT_FALSE(refused.admitted);
    EXPECT_EQ(refused.retry_after, limit.emission_interval);
    EXPECT_GT(refused.retry_after, 0);
    // Many periods later the budget is full again, and no more.
    EXPECT_EQ(admit_at(arrival_time, now + 10 * limit.tolerance, limit, 2000), 1000);
}

TEST(Gcra, ARateThatDoesNotDivideThePeriodStaysWithinTheRate) {
    auto limit = policy(3, second, 1);  // 333333333 ns apart
    Nanoseconds arrival_time = 0;
    Nanoseconds now = second;
    int admitted = 0;
    for (int millisecond = 0; millisecond < 10'000; ++millisecond) {
        admitted += admit_at(arrival_time, now + millisecond * (second / 1000), limit, 1);
    }
    // 10 s at 3/s: 30, plus the one the full budget allows at the start.
    EXPECT_GE(admitted, 30);
    EXPECT_LE(admitted, 31);
}

}  // namespace
