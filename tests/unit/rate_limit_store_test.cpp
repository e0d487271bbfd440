// The in-process rate-limit store (limit/in_process_store.hpp): several
// limits decided together, idle keys expiring, the max_keys bound and its
// overflow counter, one refusal report per window, and exact admission under
// contention from several threads.
#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "limit/in_process_store.hpp"

namespace {

using namespace rampart::limit;

constexpr Nanoseconds second = nanoseconds_per_second;
constexpr Nanoseconds start = 1000 * second;

GcraPolicy policy(std::int64_t rate, Nanoseconds period, std::int64_t burst) {
    return make_gcra_policy(rate, period, burst).value();
}

LimitCheck check(const std::string& key, const GcraPolicy& limit) {
    return LimitCheck{digest_of(key), digest_of("overflow"), &limit};
}

LimitOutcome decide(InProcessStore& store, const LimitCheck& one, Nanoseconds now) {
    LimitOutcome outcome;
    store.decide({&one, 1}, {&outcome, 1}, now);
    return outcome;
}

int admitted(InProcessStore& store, const LimitCheck& one, Nanoseconds now, int count) {
    int total = 0;
    for (int index = 0; index < count; ++index) {
        total += decide(store, one, now).decision.admitted ? 1 : 0;
    }
    return total;
}

TEST(InProcessStore, KeysAreCountedSeparately) {
    InProcessStore store;
    auto limit = policy(5, second, 5);
    EXPECT_EQ(admitted(store, check("alice", limit), start, 10), 5);
    EXPECT_EQ(admitted(store, check("bob", limit), start, 10), 5);
    EXPECT_EQ(store.key_count(), 2u);
}

TEST(InProcessStore, ARequestRefusedByOneLimitCountsAgainstNone) {
    InProcessStore store;
    auto per_second = policy(10, second, 10);
    auto per_minute = policy(3, 60 * second, 3);
    std::vector<LimitCheck> checks = {check("a/second", per_second), check("a/minute", per_minute)};
    std::vector<LimitOutcome> outcomes(2);
    int passed = 0;
    for (int index = 0; index < 8; ++index) {
        store.decide(checks, outcomes, start);
        passed += outcomes[0].decision.admitted && outcomes[1].decision.admitted ? 1 : 0;
    }
    EXPECT_EQ(passed, 3);
    EXPECT_FALSE(outcomes[1].decision.admitted);
    // The per-second limit counted only the 3 admitted requests: 7 remain.
    EXPECT_EQ(decide(store, checks[0], start).decision.remaining, 6);
}

TEST(InProcessStore, IdleKeysExpireAtTheSweep) {
    InProcessStore store({.max_keys = 1000, .shard_count = 1, .sweep_interval = second});
    auto limit = policy(1, second, 1);
    for (int index = 0; index < 100; ++index) {
        decide(store, check("client-" + std::to_string(index), limit), start);
    }
    EXPECT_EQ(store.key_count(), 100u);
    // Two seconds on, every budget is full again: the next new key sweeps them away.
    decide(store, check("late", limit), start + 2 * second);
    EXPECT_EQ(store.key_count(), 1u);
}

TEST(InProcessStore, AFullStoreCountsNewKeysTogetherAndNeverFailsOpen) {
    InProcessStore store({.max_keys = 4, .shard_count = 1, .sweep_interval = 3600 * second});
    auto limit = policy(2, 60 * second, 2);
    for (int index = 0; index < 4; ++index) {
        ASSERT_FALSE(
            decide(store, check("k" + std::to_string(index), limit), start).counted_on_overflow);
    }
    EXPECT_EQ(store.key_count(), 4u);
    // New keys now share the overflow budget of 2: the third is refused.
    auto first = decide(store, check("new-1", limit), start);
    auto second_new = decide(store, check("new-2", limit), start);
    auto third = decide(store, check("new-3", limit), start);
    EXPECT_TRUE(first.counted_on_overflow);
    EXPECT_TRUE(first.decision.admitted);
    EXPECT_TRUE(second_new.decision.admitted);
    EXPECT_FALSE(third.decision.admitted);
    EXPECT_TRUE(third.counted_on_overflow);
    EXPECT_EQ(store.key_count(), 4u);
    EXPECT_EQ(store.overflow_decisions(), 3u);
    // Known keys keep their own counters.
    EXPECT_TRUE(decide(store, check("k0", limit), start).decision.admitted);
    EXPECT_FALSE(decide(store, check("k0", limit), start).counted_on_overflow);
}

TEST(InProcessStore, AFullStoreFreesIdleKeysForNewOnes) {
    InProcessStore store({.max_keys = 2, .shard_count = 1, .sweep_interval = 3600 * second});
    auto limit = policy(1, second, 1);
    decide(store, check("a", limit), start);
    decide(store, check("b", limit), start);
    auto later = decide(store, check("c", limit), start + 5 * second);
    EXPECT_FALSE(later.counted_on_overflow);
    EXPECT_TRUE(later.decision.admitted);
    EXPECT_EQ(store.key_count(), 1u);
}

TEST(InProcessStore, ARefusalIsReportedOncePerWindow) {
    InProcessStore store;
    auto limit = policy(1, 10 * second, 1);
    auto key = check("noisy", limit);
    ASSERT_TRUE(decide(store, key, start).decision.admitted);
    int reports = 0;
    for (int index = 0; index < 100; ++index) {
        auto outcome = decide(store, key, start + index * (second / 100));
        reports += outcome.report_refusal ? 1 : 0;
    }
    EXPECT_EQ(reports, 1);
    // Still refused a window later: reported once more.
    EXPECT_EQ(store.key_count(), 1u);
    ASSERT_TRUE(decide(store, key, start + 10 * second).decision.admitted);
    auto refused_again = decide(store, key, start + 10 * second);
    EXPECT_FALSE(refused_again.decision.admitted);
    EXPECT_TRUE(refused_again.report_refusal);
}

TEST(InProcessStore, ConcurrentRequestsAreAdmittedExactlyUpToTheBurst) {
    InProcessStore store;
    auto limit = policy(1, 3600 * second, 500);
    auto key = check("shared", limit);
    std::atomic<int> total{0};
    std::vector<std::thread> threads;
    for (int thread = 0; thread < 8; ++thread) {
        threads.emplace_back([&] { total += admitted(store, key, start, 1000); });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(total.load(), 500);
}

}  // namespace
