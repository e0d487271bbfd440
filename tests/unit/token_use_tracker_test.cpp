// The token-misuse tracker (limit/token_use_tracker.hpp): distinct addresses per credential
// within a window, one report per window, IPv6 by /64, and the size bound.
#include <gtest/gtest.h>

#include <string>

#include "limit/token_use_tracker.hpp"

namespace {

using namespace rampart::limit;
using namespace std::chrono_literals;
using boost::asio::ip::make_address;
using Clock = TokenUseTracker::Clock;

const Clock::time_point start = Clock::time_point() + 1000h;

TokenUseTracker::Observation use(TokenUseTracker& tracker, const std::string& credential,
                                 const std::string& address, Clock::time_point now,
                                 unsigned max_addresses = 2) {
    return tracker.record(digest_of(credential), make_address(address), max_addresses, 60s, now);
}

TEST(TokenUseTracker, MoreAddressesThanAllowedWithinTheWindowIsMisuse) {
    TokenUseTracker tracker;
    EXPECT_FALSE(use(tracker, "jti:a", "127.0.0.2", start).misuse_detected);
    EXPECT_FALSE(use(tracker, "jti:a", "127.0.0.3", start + 1s).misuse_detected);
    EXPECT_FALSE(use(tracker, "jti:a", "127.0.0.2", start + 2s).misuse_detected);
    auto third = use(tracker, "jti:a", "127.0.0.4", start + 3s);
    EXPECT_TRUE(third.misuse_detected);
    EXPECT_EQ(third.distinct_addresses, 3u);
    // Reported once per window.
    EXPECT_FALSE(use(tracker, "jti:a", "127.0.0.5", start + 4s).misuse_detected);
    // Other credentials are apart.
    EXPECT_FALSE(use(tracker, "jti:b", "127.0.0.4", start + 4s).misuse_detected);
}

TEST(TokenUseTracker, AddressesOutsideTheWindowAreForgotten) {
    TokenUseTracker tracker;
    use(tracker, "jti:a", "127.0.0.2", start);
    use(tracker, "jti:a", "127.0.0.3", start);
    auto later = use(tracker, "jti:a", "127.0.0.4", start + 61s);
    EXPECT_FALSE(later.misuse_detected);
    EXPECT_EQ(later.distinct_addresses, 1u);
}

TEST(TokenUseTracker, AnIpv6HostCountsAsItsSlash64) {
    TokenUseTracker tracker;
    for (int i = 1; i < 10; ++i) {
        EXPECT_FALSE(
            use(tracker, "jti:a", "2001:db8:0:1::" + std::to_string(i), start).misuse_detected);
    }
}

TEST(TokenUseTracker, TheTableIsBounded) {
    TokenUseTracker tracker(16);  // one per shard
    int tracked = 0;
    for (int i = 0; i < 200; ++i) {
        use(tracker, "jti:" + std::to_string(i), "127.0.0.2", start);
    }
    tracked = static_cast<int>(tracker.tracked());
    EXPECT_LE(tracked, 16);
    EXPECT_GT(tracker.untracked(), 0u);
    // Once quiet for a window, their places are free again.
    use(tracker, "jti:new", "127.0.0.2", start + 61s);
    EXPECT_LE(tracker.tracked(), 16u);
}

}  // namespace

namespace {

// Shared mode: a pair goes to Redis when new here, then again only after half a window.
TEST(TokenUseTracker, APairIsSharedWhenNewAndAgainAfterHalfAWindow) {
    TokenUseTracker tracker;
    EXPECT_TRUE(use(tracker, "jti:s", "127.0.0.2", start).share);
    EXPECT_FALSE(use(tracker, "jti:s", "127.0.0.2", start + 1s).share);
    EXPECT_FALSE(use(tracker, "jti:s", "127.0.0.2", start + 29s).share);
    EXPECT_TRUE(use(tracker, "jti:s", "127.0.0.3", start + 29s).share);  // another address
    EXPECT_TRUE(use(tracker, "jti:s", "127.0.0.2", start + 30s).share);
    EXPECT_FALSE(use(tracker, "jti:s", "127.0.0.2", start + 31s).share);
    // Gone from the window here: new again.
    EXPECT_TRUE(use(tracker, "jti:s", "127.0.0.3", start + 100s).share);
}

TEST(TokenUseTracker, TheObservationNamesTheAddressAsAKey) {
    TokenUseTracker tracker;
    auto first = use(tracker, "jti:k", "2001:db8:1:2::1", start);
    auto same_64 = use(tracker, "jti:k", "2001:db8:1:2::99", start + 1s);
    auto other = use(tracker, "jti:k", "2001:db8:1:3::1", start + 2s);
    EXPECT_EQ(first.address, same_64.address);
    EXPECT_FALSE(first.address == other.address);
}

}  // namespace
