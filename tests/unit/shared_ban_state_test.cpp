// The pure parts of the Redis-shared ban list (limit/shared_ban_state.hpp):
// keys, the stored form and its validation, and the reconciliation of a copy
// with Redis. The scripts run against a real redis-server in
// tests/integration/shared_bans_test.cpp.
#include <gtest/gtest.h>

#include <string>

#include "limit/redis_token_uses.hpp"
#include "limit/shared_ban_state.hpp"

namespace {

using namespace rampart::limit;
using namespace std::chrono_literals;

const BanTime now = BanTime() + std::chrono::hours(24 * 365 * 56);

Ban make_ban(std::string id, BanKind kind, std::string target, BanTime expires = now + 1h) {
    Ban ban;
    ban.id = std::move(id);
    ban.kind = kind;
    ban.target = std::move(target);
    ban.reason = "test";
    ban.created_by = "admin";
    ban.created_at = now;
    ban.expires_at = expires;
    return ban;
}

TEST(SharedBanState, KeysLiveUnderThePrefix) {
    auto keys = shared_ban_keys("rampart:rl:");
    EXPECT_EQ(keys.version, "rampart:rl:bans:version");
    EXPECT_EQ(keys.index, "rampart:rl:bans:index");
    EXPECT_EQ(keys.ban_prefix, "rampart:rl:ban:");
}

TEST(SharedBanState, OneMemberPerKindAndTarget) {
    auto member = shared_ban_member(BanKind::address, "127.0.0.2");
    EXPECT_EQ(member.size(), 64u);
    EXPECT_EQ(member, shared_ban_member(BanKind::address, "127.0.0.2"));
    EXPECT_NE(member, shared_ban_member(BanKind::address, "127.0.0.3"));
    EXPECT_NE(shared_ban_member(BanKind::consumer, "x"), shared_ban_member(BanKind::subject, "x"));
}

TEST(SharedBanState, ABanSurvivesTheRoundTrip) {
    auto ban = make_ban("ban_0123456789abcdef", BanKind::token, "jti:abc");
    ban.persistent = true;
    auto decoded = decode_shared_ban(encode_shared_ban(ban));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->id, ban.id);
    EXPECT_EQ(decoded->kind, BanKind::token);
    EXPECT_EQ(decoded->target, "jti:abc");
    EXPECT_EQ(decoded->reason, "test");
    EXPECT_EQ(decoded->created_by, "admin");
    EXPECT_EQ(decoded->created_at, ban.created_at);
    EXPECT_EQ(decoded->expires_at, ban.expires_at);
    EXPECT_TRUE(decoded->persistent);
}

TEST(SharedBanState, WhatThisVersionDidNotWriteIsIgnored) {
    auto valid =
        encode_shared_ban(make_ban("ban_0123456789abcdef", BanKind::address, "10.0.0.0/8"));
    ASSERT_TRUE(decode_shared_ban(valid));
    auto with = [&](const std::string& from, const std::string& to) {
        auto text = valid;
        auto at = text.find(from);
        EXPECT_NE(at, std::string::npos) << from;
        return text.replace(at, from.size(), to);
    };
    EXPECT_FALSE(decode_shared_ban("not json"));
    EXPECT_FALSE(decode_shared_ban("[]"));
    EXPECT_FALSE(decode_shared_ban(with("\"address\"", "\"planet\"")));
    EXPECT_FALSE(decode_shared_ban(with("10.0.0.0/8", "10.1.2.3/8")));  // not canonical
    EXPECT_FALSE(decode_shared_ban(with("10.0.0.0/8", "0.0.0.0/0")));   // wider than allowed
    EXPECT_FALSE(decode_shared_ban(with("ban_0123456789abcdef", "ban_short")));
    EXPECT_FALSE(decode_shared_ban(with("\"persistent\":false", "\"persistent\":0")));
    EXPECT_FALSE(decode_shared_ban(with("\"expires_at_ms\"", "\"expires\"")));
}

TEST(SharedBanState, ReconciliationPutsNewAndChangedBansAndDropsLiftedOnes) {
    auto kept = make_ban("ban_000000000000000a", BanKind::address, "127.0.0.2");
    auto lifted = make_ban("ban_000000000000000b", BanKind::address, "127.0.0.3");
    auto renewed_here = make_ban("ban_000000000000000c", BanKind::consumer, "billing");
    auto renewed_there = renewed_here;
    renewed_there.expires_at = now + 2h;
    auto added_there = make_ban("ban_000000000000000d", BanKind::subject, "usr_1");
    auto changes =
        reconcile_bans({kept, lifted, renewed_here}, {kept, renewed_there, added_there}, {});
    ASSERT_EQ(changes.to_put.size(), 2u);
    for (const auto& ban : changes.to_put) {
        EXPECT_TRUE(ban.id == renewed_there.id || ban.id == added_there.id) << ban.id;
        if (ban.id == renewed_there.id) {
            EXPECT_EQ(ban.expires_at, now + 2h);
        }
    }
    ASSERT_EQ(changes.to_drop.size(), 1u);
    EXPECT_EQ(changes.to_drop[0], lifted.id);
}

TEST(SharedBanState, AnotherIdForTheSameTargetReplacesOurs) {
    auto ours = make_ban("ban_000000000000000a", BanKind::address, "127.0.0.2");
    auto theirs = make_ban("ban_00000000000000ff", BanKind::address, "127.0.0.2");
    auto changes = reconcile_bans({ours}, {theirs}, {});
    ASSERT_EQ(changes.to_put.size(), 1u);
    EXPECT_EQ(changes.to_put[0].id, theirs.id);
    EXPECT_TRUE(changes.to_drop.empty());  // put() replaces it
}

TEST(SharedBanState, ChangesNotYetWrittenAreLeftAlone) {
    auto added_here = make_ban("ban_000000000000000a", BanKind::address, "127.0.0.2");
    auto lifted_here = make_ban("ban_000000000000000b", BanKind::address, "127.0.0.3");
    PendingBanChanges pending;
    pending.ids = {added_here.id, lifted_here.id};
    pending.members = {shared_ban_member(added_here.kind, added_here.target),
                       shared_ban_member(lifted_here.kind, lifted_here.target)};
    // Redis does not know the new ban yet, and still holds the lifted one.
    auto changes = reconcile_bans({added_here}, {lifted_here}, pending);
    EXPECT_TRUE(changes.to_put.empty());
    EXPECT_TRUE(changes.to_drop.empty());
}

TEST(SharedBanList, PutHoldsTheBanExactlyAndReplacesTheTargetsId) {
    InProcessBanList list;
    auto ban = make_ban("ban_000000000000000a", BanKind::address, "127.0.0.2", now + 1h);
    ASSERT_TRUE(list.put(ban, now));
    EXPECT_TRUE(list.check_address(boost::asio::ip::make_address("127.0.0.2"), now).banned);
    EXPECT_EQ(list.find(ban.id, now)->expires_at, now + 1h);
    auto replaced = make_ban("ban_00000000000000ff", BanKind::address, "127.0.0.2", now + 2h);
    ASSERT_TRUE(list.put(replaced, now));
    EXPECT_EQ(list.size(), 1u);
    EXPECT_FALSE(list.find(ban.id, now));
    EXPECT_EQ(list.find(replaced.id, now)->expires_at, now + 2h);
    EXPECT_FALSE(list.put(make_ban("ban_000000000000000c", BanKind::address, "127.0.0.9", now),
                          now));  // expired
    // The same id now on another target: one ban, moved.
    auto moved = make_ban(replaced.id, BanKind::address, "127.0.0.7", now + 2h);
    ASSERT_TRUE(list.put(moved, now));
    EXPECT_EQ(list.size(), 1u);
    EXPECT_FALSE(list.check_address(boost::asio::ip::make_address("127.0.0.2"), now).banned);
    EXPECT_TRUE(list.check_address(boost::asio::ip::make_address("127.0.0.7"), now).banned);
    ASSERT_TRUE(list.lift(replaced.id));
    EXPECT_EQ(list.size(), 0u);
    EXPECT_FALSE(list.check_address(boost::asio::ip::make_address("127.0.0.2"), now).banned);
}

TEST(SharedTokenUses, KeysNameTheCredentialByItsDigest) {
    auto credential = digest_of("jti:abc");
    auto key = token_uses_key("rampart:rl:", credential);
    EXPECT_TRUE(key.starts_with("rampart:rl:tu:"));
    EXPECT_EQ(key.size(), std::string("rampart:rl:tu:").size() + 32);
    EXPECT_EQ(token_uses_reported_key("rampart:rl:", credential), key + ":r");
    EXPECT_EQ(key.find("abc"), std::string::npos);
}

}  // namespace
