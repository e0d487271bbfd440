#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "auth/login_throttle.hpp"

namespace {

using namespace std::chrono_literals;
using boost::asio::ip::make_address;
using rampart::auth::LoginThrottle;
using rampart::auth::LoginThrottleSettings;
using TimePoint = LoginThrottle::TimePoint;

// A steady-clock time far from its epoch, as on a machine that has been up a while.
const TimePoint start = TimePoint() + 1000h;

// 127.0.0.<n>, a different address per attempt: the PWD-06 distributed attack.
boost::asio::ip::address loopback(int n) {
    return make_address("127.0." + std::to_string(n / 250) + "." + std::to_string(1 + n % 250));
}

TEST(LoginThrottle, BackoffGrowsExponentiallyAfterTheFreeAttempts) {
    LoginThrottle throttle;
    TimePoint now = start;
    int attempt = 0;
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(throttle.check("alice", loopback(attempt), now).allowed);
        throttle.record_failure("alice", loopback(attempt++), now);
    }
    // Failures 6, 7, 8, ... block for 1 s, 2 s, 4 s, ...
    for (std::chrono::seconds expected : {1s, 2s, 4s, 8s, 16s}) {
        ASSERT_TRUE(throttle.check("alice", loopback(attempt), now).allowed);
        throttle.record_failure("alice", loopback(attempt++), now);
        auto refused = throttle.check("alice", loopback(attempt), now);
        EXPECT_FALSE(refused.allowed);
        EXPECT_EQ(refused.retry_after, expected);
        EXPECT_FALSE(throttle.check("alice", loopback(attempt), now + expected - 1ms).allowed);
        now += expected;
    }
}

TEST(LoginThrottle, BackoffIsCappedAtTheMaximumDelay) {
    LoginThrottle throttle;
    TimePoint now = start;
    for (int i = 0; i < 40; ++i) {
        throttle.record_failure("alice", loopback(i), now);
        now += 15min;  // always wait the longest delay out
    }
    auto refused = throttle.check("alice", loopback(99), now - 15min + 1s);
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, 15min - 1s);
    EXPECT_TRUE(throttle.check("alice", loopback(99), now).allowed);
}

TEST(LoginThrottle, OtherAccountsAreUnaffected) {
    LoginThrottle throttle;
    for (int i = 0; i < 10; ++i) {
        throttle.record_failure("alice", loopback(i), start);
    }
    EXPECT_FALSE(throttle.check("alice", loopback(50), start).allowed);
    EXPECT_TRUE(throttle.check("bob", loopback(50), start).allowed);
    EXPECT_TRUE(throttle.check("Alice", loopback(50), start).allowed);  // the caller canonicalises
}

TEST(LoginThrottle, SuccessResetsTheAccountButNotTheAddress) {
    LoginThrottleSettings settings;
    settings.spraying_distinct_accounts = 3;
    LoginThrottle throttle(settings);
    auto address = make_address("192.0.2.7");
    for (int i = 0; i < 7; ++i) {
        throttle.record_failure("alice", address, start + std::chrono::seconds(i * 10));
    }
    TimePoint now = start + 62s;  // the 7th failure's 2 s delay is over
    ASSERT_TRUE(throttle.check("alice", address, now).allowed);
    throttle.record_failure("bob", address, now);  // the address has now tried 2 accounts
    throttle.record_success("alice", address, now);
    // Five free attempts again for alice...
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(throttle.check("alice", loopback(i), now).allowed) << i;
        throttle.record_failure("alice", loopback(i), now);
    }
    throttle.record_failure("alice", loopback(5), now);
    EXPECT_FALSE(throttle.check("alice", loopback(6), now).allowed);  // the 6th: 1 s
    // ...but the address still remembers alice and bob: a third account bans it.
    throttle.record_failure("carol", address, now);
    auto banned = throttle.check("dave", address, now);
    EXPECT_FALSE(banned.allowed);
    EXPECT_EQ(banned.retry_after, 15min);
}

TEST(LoginThrottle, NeverMoreThanTheHourlyCapOfFailures) {
    LoginThrottleSettings settings;
    settings.maximum_delay = 1s;  // so that only the hourly cap limits
    LoginThrottle throttle(settings);
    TimePoint now = start;
    int accepted = 0;
    // Try every 2 s for two hours; count the failures the throttle let through in any hour.
    std::vector<TimePoint> failures;
    for (int i = 0; i < 3600; ++i, now += 2s) {
        if (throttle.check("alice", loopback(i), now).allowed) {
            throttle.record_failure("alice", loopback(i), now);
            failures.push_back(now);
            ++accepted;
        }
    }
    for (std::size_t first = 0; first < failures.size(); ++first) {
        std::size_t within_hour = 0;
        for (std::size_t k = first; k < failures.size() && failures[k] - failures[first] < 1h;
             ++k) {
            ++within_hour;
        }
        ASSERT_LE(within_hour, 100u) << "starting at failure " << first;
    }
    EXPECT_GT(accepted, 100);  // the cap is a cap, not a lockout: attempts resume
}

TEST(LoginThrottle, HourlyCapBlocksForAtMostSeventyMinutes) {
    LoginThrottleSettings settings;
    settings.maximum_delay = 1s;
    LoginThrottle throttle(settings);
    TimePoint now = start;
    for (int i = 0; i < 100; ++i, now += 1s) {
        ASSERT_TRUE(throttle.check("alice", loopback(i), now).allowed) << i;
        throttle.record_failure("alice", loopback(i), now);
    }
    auto refused = throttle.check("alice", loopback(500), now);
    EXPECT_FALSE(refused.allowed);
    EXPECT_GE(refused.retry_after, 1h - 100s);
    EXPECT_LE(refused.retry_after, 70min);
    EXPECT_TRUE(throttle.check("alice", loopback(500), now + refused.retry_after).allowed);
    // A success does not reset the hourly count.
    throttle.record_success("alice", loopback(500), now);
    EXPECT_FALSE(throttle.check("alice", loopback(500), now).allowed);
}

TEST(LoginThrottle, ConsecutiveFailuresAreForgottenAnHourAfterTheBlockEnds) {
    LoginThrottle throttle;
    for (int i = 0; i < 8; ++i) {
        throttle.record_failure("alice", loopback(i), start);  // the 8th blocks for 4 s
    }
    throttle.record_failure("alice", loopback(8), start + 1h + 3s);
    EXPECT_EQ(throttle.check("alice", loopback(9), start + 1h + 3s).retry_after, 8s);  // the 9th

    throttle.record_success("alice", loopback(9), start + 2h);
    for (int i = 0; i < 8; ++i) {
        throttle.record_failure("alice", loopback(i), start + 2h);
    }
    TimePoint later = start + 3h + 4s;
    ASSERT_TRUE(throttle.check("alice", loopback(9), later).allowed);
    throttle.record_failure("alice", loopback(9), later);
    EXPECT_TRUE(throttle.check("alice", loopback(9), later).allowed);  // 1 of 5 free, not the 9th
}

TEST(LoginThrottle, WaitingOutTheLongestDelayDoesNotRestartTheBackoff) {
    LoginThrottleSettings settings;
    settings.maximum_delay = 2h;  // longer than forget_failures_after
    LoginThrottle throttle(settings);
    TimePoint now = start;
    for (int i = 0; i < 30; ++i) {
        throttle.record_failure("alice", loopback(i), now);
        now = std::max(now, now + throttle.check("alice", loopback(i), now).retry_after);
    }
    auto refused = throttle.check("alice", loopback(99), now - 1s);
    EXPECT_FALSE(refused.allowed);
    EXPECT_EQ(refused.retry_after, 1s);
    // At the 2 h delay's end the count is still there: the next failure blocks 2 h again.
    throttle.record_failure("alice", loopback(99), now);
    EXPECT_EQ(throttle.check("alice", loopback(99), now).retry_after, 2h);
}

TEST(LoginThrottle, SprayingFromOneAddressIsBannedTemporarily) {
    LoginThrottle throttle;
    auto sprayer = make_address("203.0.113.9");
    auto bystander = make_address("203.0.113.10");
    TimePoint now = start;
    for (int i = 0; i < 19; ++i, now += 10s) {
        ASSERT_TRUE(throttle.check("user" + std::to_string(i), sprayer, now).allowed) << i;
        throttle.record_failure("user" + std::to_string(i), sprayer, now);
    }
    // Retrying accounts already tried does not count twice.
    throttle.record_failure("user0", sprayer, now);
    ASSERT_TRUE(throttle.check("user19", sprayer, now).allowed);
    throttle.record_failure("user19", sprayer, now);  // the 20th distinct account

    auto banned = throttle.check("someone-else", sprayer, now);
    EXPECT_FALSE(banned.allowed);
    EXPECT_EQ(banned.retry_after, 15min);
    EXPECT_FALSE(throttle.check("user0", sprayer, now + 15min - 1s).allowed);
    EXPECT_TRUE(throttle.check("someone-else", bystander, now).allowed);
    EXPECT_TRUE(throttle.check("someone-else", sprayer, now + 15min).allowed);
}

TEST(LoginThrottle, SprayingSlowerThanTheWindowIsNotBanned) {
    LoginThrottle throttle;
    auto address = make_address("203.0.113.9");
    TimePoint now = start;
    for (int i = 0; i < 60; ++i, now += 32s) {  // at most 19 distinct accounts in any 10 minutes
        ASSERT_TRUE(throttle.check("user" + std::to_string(i), address, now).allowed) << i;
        throttle.record_failure("user" + std::to_string(i), address, now);
    }
}

TEST(LoginThrottle, ManyFailuresFromOneAddressAreBanned) {
    LoginThrottleSettings settings;
    settings.spraying_distinct_accounts = 1000;
    settings.address_failure_limit = 30;
    LoginThrottle throttle(settings);
    auto address = make_address("198.51.100.1");
    for (int i = 0; i < 29; ++i) {
        throttle.record_failure("user" + std::to_string(i % 10), address, start);
    }
    EXPECT_TRUE(throttle.check("user99", address, start).allowed);
    throttle.record_failure("user99", address, start);
    EXPECT_FALSE(throttle.check("user99", address, start).allowed);
}

TEST(LoginThrottle, Ipv6AddressesCountPerSlash64) {
    LoginThrottle throttle;
    for (int i = 0; i < 20; ++i) {
        auto address = make_address("2001:db8:1:2::" + std::to_string(i + 1));
        throttle.record_failure("user" + std::to_string(i), address, start);
    }
    EXPECT_FALSE(throttle.check("x", make_address("2001:db8:1:2:ffff::1"), start).allowed);
    EXPECT_TRUE(throttle.check("x", make_address("2001:db8:1:3::1"), start).allowed);

    for (int i = 0; i < 20; ++i) {
        throttle.record_failure("user" + std::to_string(i), make_address("192.0.2.55"), start);
    }
    EXPECT_FALSE(throttle.check("x", make_address("::ffff:192.0.2.55"), start).allowed);
}

TEST(LoginThrottle, MemoryStaysBoundedUnderAFloodOfRandomUsernames) {
    LoginThrottleSettings settings;
    settings.maximum_accounts = 1000;
    settings.maximum_addresses = 1000;
    LoginThrottle throttle(settings);
    auto sprayer = make_address("203.0.113.9");
    for (int i = 0; i < 10; ++i) {
        throttle.record_failure("alice", loopback(i), start);  // alice: blocked for 16 s
    }
    for (int i = 0; i < 20; ++i) {
        throttle.record_failure("victim" + std::to_string(i), sprayer, start);  // banned
    }
    std::mt19937_64 random(42);
    for (int i = 0; i < 100'000; ++i) {
        std::string username = "flood-" + std::to_string(random());
        boost::asio::ip::address_v6::bytes_type bytes{0x20, 0x01, 0x0d, 0xb8};
        for (int b = 4; b < 8; ++b) {
            bytes[b] = static_cast<unsigned char>(random());
        }
        throttle.record_failure(username, boost::asio::ip::address_v6(bytes), start);
        ASSERT_LE(throttle.tracked_accounts(), 1000u);
        ASSERT_LE(throttle.tracked_addresses(), 1000u);
    }
    // The entries under attack survived the flood; only flood entries were evicted.
    EXPECT_FALSE(throttle.check("alice", loopback(77), start + 15s).allowed);
    EXPECT_FALSE(throttle.check("anyone", sprayer, start + 14min).allowed);
}

TEST(LoginThrottle, IsSafeToShareBetweenThreads) {
    LoginThrottleSettings settings;
    settings.spraying_distinct_accounts = 100'000;
    settings.address_failure_limit = 100'000;
    LoginThrottle throttle(settings);
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&throttle, t] {
            for (int i = 0; i < 2000; ++i) {
                std::string account = "t" + std::to_string(t) + "-" + std::to_string(i % 500);
                throttle.check(account, loopback(t), start);
                throttle.record_failure(account, loopback(t), start);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    EXPECT_EQ(throttle.tracked_accounts(), 2000u);
    EXPECT_EQ(throttle.tracked_addresses(), 4u);
    EXPECT_TRUE(throttle.check("t0-1", loopback(0), start).allowed);  // 4 failures each: free
}

TEST(LoginThrottle, RefusesNonsensicalSettings) {
    LoginThrottleSettings zero_cap;
    zero_cap.maximum_accounts = 0;
    EXPECT_THROW(LoginThrottle{zero_cap}, std::invalid_argument);
    LoginThrottleSettings inverted;
    inverted.base_delay = 1h;
    EXPECT_THROW(LoginThrottle{inverted}, std::invalid_argument);
}

}  // namespace

namespace {

using Detection = LoginThrottle::Detection;

TEST(LoginThrottleDetection, TheFailureThatStartsABanSaysSoOnce) {
    LoginThrottleSettings settings;
    settings.spraying_distinct_accounts = 3;
    LoginThrottle throttle(settings);
    auto sprayer = make_address("203.0.113.9");
    EXPECT_EQ(throttle.record_failure("a", sprayer, start).detection, Detection::none);
    EXPECT_EQ(throttle.record_failure("b", sprayer, start + 1s).detection, Detection::none);
    auto third = throttle.record_failure("c", sprayer, start + 2s);
    EXPECT_EQ(third.detection, Detection::one_address_many_accounts);
    EXPECT_EQ(third.ban_duration, settings.ban_duration);
    EXPECT_EQ(third.count, 3u);
    // During the ban, failures neither extend it nor report it again.
    EXPECT_EQ(throttle.record_failure("d", sprayer, start + 3s).detection, Detection::none);
}

TEST(LoginThrottleDetection, ManyAddressesOnOneAccountAreReportedOncePerWindow) {
    LoginThrottleSettings settings;
    settings.distributed_distinct_addresses = 4;
    settings.free_attempts = 100;
    LoginThrottle throttle(settings);
    TimePoint now = start;
    for (int i = 0; i < 3; ++i, now += 1s) {
        EXPECT_EQ(throttle.record_failure("alice", loopback(i), now).detection, Detection::none);
    }
    // The same address again is not a new one.
    EXPECT_EQ(throttle.record_failure("alice", loopback(0), now).detection, Detection::none);
    auto fourth = throttle.record_failure("alice", loopback(3), now);
    EXPECT_EQ(fourth.detection, Detection::many_addresses_one_account);
    EXPECT_EQ(fourth.count, 4u);
    EXPECT_EQ(throttle.record_failure("alice", loopback(4), now + 1s).detection, Detection::none);
    // No lockout: the account is only throttled by its own backoff (here: none yet).
    EXPECT_TRUE(throttle.check("alice", loopback(9), now + 1s).allowed);
    // A window later it is reported again.
    auto later = now + settings.address_window + 2s;
    for (int i = 10; i < 13; ++i) {
        throttle.record_failure("alice", loopback(i), later);
    }
    EXPECT_EQ(throttle.record_failure("alice", loopback(13), later).detection,
              Detection::many_addresses_one_account);
}

TEST(LoginThrottleDetection, ForgivingAnAddressEndsItsBan) {
    LoginThrottleSettings settings;
    settings.spraying_distinct_accounts = 2;
    LoginThrottle throttle(settings);
    auto sprayer = make_address("203.0.113.9");
    throttle.record_failure("a", sprayer, start);
    throttle.record_failure("b", sprayer, start);
    ASSERT_FALSE(throttle.check("c", sprayer, start).allowed);
    throttle.forgive_address(sprayer);
    EXPECT_TRUE(throttle.check("c", sprayer, start).allowed);
}

}  // namespace
