// The in-process ban list (limit/ban_list.hpp): targets canonicalised and
// refused, address bans by host, /64 and network, expiry and the maximum TTL,
// one report per ban per interval, renewal keeping the id, lifting, the
// size bound, and checks racing with adds from several threads.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "limit/ban_list.hpp"

namespace {

using namespace rampart::limit;
using namespace std::chrono_literals;
namespace ip = boost::asio::ip;

const BanTime start = BanTime(std::chrono::seconds(1'800'000'000));

BanRequest request(BanKind kind, std::string target, std::chrono::seconds ttl = 60s) {
    return BanRequest{kind, std::move(target), "test", "admin", ttl, false};
}

bool banned(InProcessBanList& bans, std::string_view address, BanTime now = start) {
    return bans.check_address(ip::make_address(std::string(address)), now).banned;
}

TEST(BanList, TargetsAreCanonicalOrRefused) {
    EXPECT_EQ(canonical_ban_target(BanKind::address, "203.0.113.7").value(), "203.0.113.7");
    EXPECT_EQ(canonical_ban_target(BanKind::address, "203.0.113.7/24").value(), "203.0.113.0/24");
    EXPECT_EQ(canonical_ban_target(BanKind::address, "::ffff:10.1.2.3").value(), "10.1.2.3");
    EXPECT_EQ(canonical_ban_target(BanKind::address, "2001:db8:1:2:3:4:5:6").value(),
              "2001:db8:1:2::/64");
    EXPECT_EQ(canonical_ban_target(BanKind::address, "2001:db8::/32").value(), "2001:db8::/32");
    EXPECT_FALSE(canonical_ban_target(BanKind::address, "0.0.0.0/0"));
    EXPECT_FALSE(canonical_ban_target(BanKind::address, "2001:db8::1/128"));
    EXPECT_FALSE(canonical_ban_target(BanKind::address, "example.com"));
    EXPECT_FALSE(canonical_ban_target(BanKind::address, "10.0.0.1/x"));
    EXPECT_EQ(canonical_ban_target(BanKind::token, "jti:abc").value(), "jti:abc");
    EXPECT_EQ(canonical_ban_target(BanKind::token, "sha256:" + std::string(64, 'A')).value(),
              "sha256:" + std::string(64, 'a'));
    // Never the token itself.
    EXPECT_FALSE(canonical_ban_target(BanKind::token, "eyJhbGciOi.eyJzdWIi.sig"));
    EXPECT_FALSE(canonical_ban_target(BanKind::token, "sha256:abc"));
    EXPECT_FALSE(canonical_ban_target(BanKind::consumer, ""));
    EXPECT_FALSE(canonical_ban_target(BanKind::subject, "a\nb"));
    EXPECT_EQ(ban_kind_from("subject"), BanKind::subject);
    EXPECT_FALSE(ban_kind_from("user"));
}

TEST(BanList, AnAddressBanCoversTheHostItsSlash64OrItsNetwork) {
    InProcessBanList bans;
    EXPECT_FALSE(banned(bans, "127.0.0.2"));
    ASSERT_TRUE(bans.add(request(BanKind::address, "127.0.0.2"), start));
    EXPECT_TRUE(banned(bans, "127.0.0.2"));
    EXPECT_TRUE(banned(bans, "::ffff:127.0.0.2"));
    EXPECT_FALSE(banned(bans, "127.0.0.3"));
    ASSERT_TRUE(bans.add(request(BanKind::address, "2001:db8:0:7::1"), start));
    EXPECT_TRUE(banned(bans, "2001:db8:0:7:ffff::9"));
    EXPECT_FALSE(banned(bans, "2001:db8:0:8::1"));
    ASSERT_TRUE(bans.add(request(BanKind::address, "198.51.100.0/24"), start));
    EXPECT_TRUE(banned(bans, "198.51.100.200"));
    EXPECT_FALSE(banned(bans, "198.51.101.1"));
}

TEST(BanList, NamesAndTokensAreCheckedByKind) {
    InProcessBanList bans;
    ASSERT_TRUE(bans.add(request(BanKind::consumer, "acme"), start));
    ASSERT_TRUE(bans.add(request(BanKind::token, "jti:t-1"), start));
    EXPECT_TRUE(bans.check(BanKind::consumer, "acme", start).banned);
    EXPECT_FALSE(bans.check(BanKind::subject, "acme", start).banned);
    EXPECT_TRUE(bans.check_token("jti", "t-1", start).banned);
    EXPECT_TRUE(bans.check(BanKind::token, "jti:t-1", start).banned);
    EXPECT_FALSE(bans.check_token("api_key", "t-1", start).banned);
    EXPECT_FALSE(bans.has_token_digest_bans());
    ASSERT_TRUE(bans.add(request(BanKind::token, "sha256:" + std::string(64, '0')), start));
    EXPECT_TRUE(bans.has_token_digest_bans());
}

TEST(BanList, BansExpireAndTheTtlIsBounded) {
    InProcessBanList bans({.max_ttl = 3600s});
    auto added = bans.add(request(BanKind::address, "127.0.0.2", 30s), start);
    ASSERT_TRUE(added);
    auto check = bans.check_address(ip::make_address("127.0.0.2"), start + 10s);
    EXPECT_TRUE(check.banned);
    EXPECT_EQ(check.retry_after, 20s);
    EXPECT_EQ(check.id(), added->id);
    EXPECT_FALSE(banned(bans, "127.0.0.2", start + 30s));
    EXPECT_EQ(bans.list(start + 30s).size(), 0u);
    auto expired = bans.remove_expired(start + 31s);
    ASSERT_EQ(expired.size(), 1u);
    EXPECT_EQ(expired[0].id, added->id);
    EXPECT_EQ(bans.size(), 0u);
    EXPECT_FALSE(bans.add(request(BanKind::address, "127.0.0.2", 3601s), start));
    auto defaulted = bans.add(request(BanKind::address, "127.0.0.2", 0s), start);
    ASSERT_TRUE(defaulted);
    EXPECT_EQ(defaulted->expires_at - defaulted->created_at, 3600s);
}

TEST(BanList, ARefusalIsReportedOncePerInterval) {
    InProcessBanList bans({.report_interval = 60s});
    ASSERT_TRUE(bans.add(request(BanKind::subject, "u-1", 600s), start));
    EXPECT_TRUE(bans.check(BanKind::subject, "u-1", start).report);
    EXPECT_FALSE(bans.check(BanKind::subject, "u-1", start + 1s).report);
    EXPECT_FALSE(bans.check(BanKind::subject, "u-1", start + 59s).report);
    EXPECT_TRUE(bans.check(BanKind::subject, "u-1", start + 60s).report);
}

TEST(BanList, TheSameTargetAgainRenewsOneBan) {
    InProcessBanList bans;
    auto first = bans.add(request(BanKind::address, "127.0.0.2", 60s), start);
    auto second = bans.add(request(BanKind::address, "127.0.0.2/32", 600s), start + 1s);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->id, second->id);
    EXPECT_EQ(bans.size(), 1u);
    EXPECT_TRUE(banned(bans, "127.0.0.2", start + 300s));
}

TEST(BanList, LiftingEndsABanAtOnce) {
    InProcessBanList bans;
    auto added = bans.add(request(BanKind::address, "127.0.0.0/8"), start);
    ASSERT_TRUE(added);
    ASSERT_TRUE(bans.find(added->id, start));
    auto lifted = bans.lift(added->id);
    ASSERT_TRUE(lifted);
    EXPECT_EQ(lifted->target, "127.0.0.0/8");
    EXPECT_FALSE(banned(bans, "127.0.0.2"));
    EXPECT_FALSE(bans.lift(added->id));
    EXPECT_FALSE(bans.find(added->id, start));
}

TEST(BanList, RestoredBansKeepTheirIdAndExpiredOnesAreDropped) {
    InProcessBanList bans;
    Ban kept{
        "ban_0123456789abcdef", BanKind::consumer, "acme", "r", "admin", start, start + 60s, true};
    Ban old{"ban_fedcba9876543210", BanKind::consumer, "other", "r", "admin",
            start - 120s,           start - 60s,       true};
    bans.restore(kept, start);
    bans.restore(old, start);
    EXPECT_EQ(bans.size(), 1u);
    ASSERT_TRUE(bans.find("ban_0123456789abcdef", start));
    EXPECT_TRUE(bans.check(BanKind::consumer, "acme", start).banned);
}

TEST(BanList, TheListIsBounded) {
    InProcessBanList bans({.max_entries = 3});
    ASSERT_TRUE(bans.add(request(BanKind::subject, "a", 10s), start));
    ASSERT_TRUE(bans.add(request(BanKind::subject, "b", 100s), start));
    ASSERT_TRUE(bans.add(request(BanKind::subject, "c", 100s), start));
    auto refused = bans.add(request(BanKind::subject, "d", 100s), start + 1s);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().message, "the ban list is full");
    // Once one has expired, its place is free again.
    EXPECT_TRUE(bans.add(request(BanKind::subject, "d", 100s), start + 10s));
    EXPECT_EQ(bans.size(), 3u);
}

TEST(BanList, ChecksRaceSafelyWithAddsAndLifts) {
    InProcessBanList bans;
    std::atomic<bool> done{false};
    std::atomic<int> hits{0};
    std::vector<std::thread> readers;
    for (int i = 0; i < 3; ++i) {
        readers.emplace_back([&] {
            while (!done.load()) {
                hits += banned(bans, "10.0.0.5") ? 1 : 0;
                hits += bans.check(BanKind::subject, "s-5", start).banned ? 1 : 0;
            }
        });
    }
    for (int i = 0; i < 2000; ++i) {
        auto address =
            bans.add(request(BanKind::address, "10.0.0." + std::to_string(i % 10)), start);
        auto subject = bans.add(request(BanKind::subject, "s-" + std::to_string(i % 10)), start);
        ASSERT_TRUE(address && subject);
        if (i % 3 == 0) {
            bans.lift(address->id);
            bans.lift(subject->id);
        }
    }
    done = true;
    for (auto& reader : readers) {
        reader.join();
    }
    EXPECT_LE(bans.size(), 20u);
    // Every id lifted above is gone from both tables; what stays is consistent.
    EXPECT_EQ(bans.list(start).size(), bans.size());
    ASSERT_TRUE(bans.add(request(BanKind::subject, "s-5"), start));
    EXPECT_TRUE(bans.check(BanKind::subject, "s-5", start).banned);
}

}  // namespace
