// The signing-key lifecycle on a real SQLite store: the first key, rotation
// (publish first, sign later, retire, remove), distinct kids, sealing at rest
// and the wrong-master-key refusal (KEY-03, KEY-05, KEY-06).
#include <gtest/gtest.h>

#include <sodium.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "auth/revocation_list.hpp"
#include "auth/signing_keys.hpp"
#include "store/open_store.hpp"

namespace {

using namespace rampart;
using namespace std::chrono_literals;

class SigningKeys : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/rampart-keys-XXXXXX";
        directory = mkdtemp(pattern);
        store = store::open_store(directory);
        master = std::make_unique<auth::MasterKey>(auth::MasterKey::load_or_create(directory));
        settings.enabled = true;
        settings.signing.publish_lead = 10min;
        settings.access_token_lifetime = 10min;
    }
    void TearDown() override { std::filesystem::remove_all(directory); }

    std::string database_bytes() const {
        std::string bytes;
        for (const char* name : {"/rampart.db", "/rampart.db-wal"}) {
            std::ifstream file(directory + name, std::ios::binary);
            std::stringstream text;
            text << file.rdbuf();
            bytes += text.str();
        }
        return bytes;
    }

    std::string directory;
    std::unique_ptr<store::Store> store;
    std::unique_ptr<auth::MasterKey> master;
    config::TokenServiceSettings settings;
    store::Time now =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
};

TEST_F(SigningKeys, FirstKeySignsAtOnceAndIsSealed) {
    auth::ensure_signing_key(*store, *master, settings, now);
    auth::ensure_signing_key(*store, *master, settings, now);  // idempotent
    auto keys = store->list_signing_keys().value();
    ASSERT_EQ(keys.size(), 1u);
    auto ring = auth::KeyRing::build(keys, *master, now);
    ASSERT_NE(ring->signing_key(), nullptr);
    EXPECT_EQ(ring->signing_key()->kid(), keys[0].kid);
    EXPECT_EQ(ring->signing_key()->kid(), *ring->signing_key()->thumbprint())
        << "kid = RFC 7638 thumbprint";
    auto bytes = database_bytes();
    EXPECT_EQ(bytes.find("PRIVATE KEY"), std::string::npos);
    EXPECT_EQ(bytes.find("\"d\":"), std::string::npos);
}

TEST_F(SigningKeys, RotationPublishesFirstThenSignsThenRetires) {
    auth::ensure_signing_key(*store, *master, settings, now);
    auto old_kid = store->list_signing_keys().value()[0].kid;
    auto new_kid = auth::rotate_signing_key(*store, *master, settings, 60s, now);
    auto keys = store->list_signing_keys().value();

    auto staged = auth::KeyRing::build(keys, *master, now);
    EXPECT_EQ(staged->signing_key()->kid(), old_kid) << "stage: still signed by the old key";
    EXPECT_NE(staged->published().find(new_kid), nullptr) << "but the new one is published";

    auto promoted = auth::KeyRing::build(keys, *master, now + 10min);
    EXPECT_EQ(promoted->signing_key()->kid(), new_kid);
    EXPECT_NE(promoted->published().find(old_kid), nullptr) << "the old key verifies its tokens";

    auto retired = auth::KeyRing::build(keys, *master, now + 10min + 10min + 60s);
    EXPECT_EQ(retired->published().find(old_kid), nullptr);
    EXPECT_EQ(auth::remove_expired_signing_keys(*store, now + 21min), 1u);
    EXPECT_EQ(store->list_signing_keys().value().size(), 1u);
}

TEST_F(SigningKeys, EveryRotationHasItsOwnKid) {
    auth::ensure_signing_key(*store, *master, settings, now);
    for (int i = 0; i < 3; ++i) {
        auth::rotate_signing_key(*store, *master, settings, 60s, now + std::chrono::seconds(i));
    }
    std::set<std::string> kids;
    for (const auto& key : store->list_signing_keys().value()) {
        kids.insert(key.kid);
    }
    EXPECT_EQ(kids.size(), 4u);
}

TEST_F(SigningKeys, AnotherMasterKeyFailsClosed) {
    auth::check_master_key(*store, *master);
    auth::ensure_signing_key(*store, *master, settings, now);
    std::string other_directory = directory + "/other";
    std::filesystem::create_directory(other_directory);
    auto other = auth::MasterKey::load_or_create(other_directory);
    EXPECT_THROW(auth::check_master_key(*store, other), auth::SigningKeyError);
    EXPECT_THROW(auth::KeyRing::build(store->list_signing_keys().value(), other, now),
                 auth::SigningKeyError);
    EXPECT_EQ(store->list_signing_keys().value().size(), 1u) << "nothing was regenerated";
}

TEST(RevocationList, MatchesJtiFamilyAndSubjectCutoff) {
    store::RevocationLists lists;
    auto cutoff =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    lists.access_tokens.push_back({"jti-1", cutoff + 1h});
    lists.families.push_back({"family-1", cutoff, cutoff + 1h});
    lists.subjects.push_back({"usr_a", cutoff, cutoff + 1h});
    auth::RevocationList revocations(lists);
    EXPECT_TRUE(revocations.is_revoked("jti-1", "", "usr_b", cutoff));
    EXPECT_TRUE(revocations.is_revoked("jti-2", "family-1", "usr_b", cutoff));
    EXPECT_TRUE(revocations.is_revoked("jti-2", "", "usr_a", cutoff - 1s));
    EXPECT_FALSE(revocations.is_revoked("jti-2", "", "usr_a", cutoff + 1s));
    EXPECT_FALSE(revocations.is_revoked("jti-2", "family-2", "usr_b", cutoff));
}

}  // namespace
