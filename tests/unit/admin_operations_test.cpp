// The operations the CLI and the admin API share, on a real SQLite store: they check their
// input before changing anything, and they keep the rules (sessions end on disable and on a new
// password, rotation overlaps, Rampart's own client is untouchable).
#include <gtest/gtest.h>

#include <filesystem>

#include "admin/operations/api_key_operations.hpp"
#include "admin/operations/client_operations.hpp"
#include "admin/operations/names.hpp"
#include "admin/operations/session_operations.hpp"
#include "admin/operations/signing_key_operations.hpp"
#include "admin/operations/user_operations.hpp"
#include "config/loader.hpp"
#include "config_error.hpp"
#include "store/open_store.hpp"

namespace {

using namespace rampart::admin;
using namespace std::chrono_literals;

const std::string config_text = rampart::test::minimal_configuration + R"(token_service: {}
)";

const std::string good_password = "a perfectly long passphrase";

class AdminOperations : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/rampart-operations-test-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        directory_ = pattern;
        store_ = rampart::store::open_store(directory_);
    }
    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(directory_);
    }

    OperationContext context(rampart::store::Time now = whole_seconds_now()) {
        return OperationContext{settings_, *store_, now};
    }
    PasswordTools tools() { return {policy_, hasher_}; }

    rampart::config::Settings settings_ =
        rampart::config::load_settings_text(config_text, "test.yaml");
    rampart::auth::PasswordPolicy policy_{rampart::auth::PasswordPolicySettings{
        12, 128, settings_.auth.token_service.passwords.common_password_file}};
    rampart::auth::PasswordHasher hasher_{rampart::auth::Argon2Parameters{}};
    std::string directory_;
    std::unique_ptr<rampart::store::Store> store_;
};

TEST(AdminNames, RefuseWhatCannotBeAName) {
    EXPECT_TRUE(check_username("alice.smith@example"));
    EXPECT_FALSE(check_username(".alice"));
    EXPECT_FALSE(check_username("alice smith"));
    EXPECT_FALSE(check_username(std::string(65, 'a')));
    EXPECT_TRUE(check_email("alice@example.com"));
    EXPECT_FALSE(check_email("alice@example"));
    EXPECT_FALSE(check_email("a@b@example.com"));
    EXPECT_FALSE(check_client_id("Rampart-Login"));
    EXPECT_EQ(check_client_id("a b").error().kind, OperationErrorKind::invalid);
    auto names = split_names(" a, b ,a", "role");
    ASSERT_TRUE(names);
    EXPECT_EQ(*names, (std::vector<std::string>{"a", "b"}));
    EXPECT_FALSE(split_names("a,,b", "role"));
    auto bad = check_names({"ok", "not ok"}, "scope");
    ASSERT_FALSE(bad);
    EXPECT_NE(bad.error().message.find("scope \"not ok\""), std::string::npos);
    EXPECT_TRUE(split_names("", "role")->empty());
}

TEST_F(AdminOperations, CreateUserChecksEverythingBeforeStoring) {
    EXPECT_EQ(
        create_user(context(), {"bad name", std::nullopt, {}}, good_password, tools()).error().kind,
        OperationErrorKind::invalid);
    EXPECT_EQ(create_user(context(), {"alice", std::nullopt, {"bad role"}}, good_password, tools())
                  .error()
                  .kind,
              OperationErrorKind::invalid);
    auto weak = create_user(context(), {"alice", std::nullopt, {}}, "short", tools());
    ASSERT_FALSE(weak);
    EXPECT_EQ(weak.error().message.find("short"), std::string::npos);  // never echoed
    EXPECT_TRUE(store_->list_users()->empty());

    auto created =
        create_user(context(), {"alice", "alice@example.com", {"staff"}}, good_password, tools());
    ASSERT_TRUE(created) << created.error().message;
    EXPECT_TRUE(created->password_hash.starts_with("$argon2id$"));
    EXPECT_EQ(
        create_user(context(), {"ALICE", std::nullopt, {}}, good_password, tools()).error().kind,
        OperationErrorKind::conflict);
    EXPECT_EQ(find_user(context(), "nobody").error().kind, OperationErrorKind::not_found);
}

TEST_F(AdminOperations, DisablingAndANewPasswordEndEverySession) {
    auto user = create_user(context(), {"alice", std::nullopt, {}}, good_password, tools()).value();
    auto disabled = set_user_disabled(context(), "alice", true);
    ASSERT_TRUE(disabled);
    EXPECT_TRUE(disabled->changed);
    EXPECT_FALSE(set_user_disabled(context(), "alice", true)->changed);
    auto revocations = store_->load_revocations(whole_seconds_now()).value();
    ASSERT_EQ(revocations.subjects.size(), 1u);
    EXPECT_EQ(revocations.subjects[0].subject, user.id);

    auto later = whole_seconds_now() + 5s;
    ASSERT_TRUE(set_user_password(context(later), "alice", "another long passphrase", tools()));
    revocations = store_->load_revocations(later).value();
    ASSERT_EQ(revocations.subjects.size(), 1u);
    EXPECT_EQ(revocations.subjects[0].not_before, later);
    EXPECT_FALSE(set_user_password(context(), "alice", "alice", tools()));
}

TEST_F(AdminOperations, ApiKeyRotationKeepsTheOldKeyForTheOverlap) {
    auto now = whole_seconds_now();
    auto issued = create_api_key(context(now), {"billing", {"orders:read"}, {}, 24h});
    ASSERT_TRUE(issued);
    EXPECT_TRUE(issued->full_key.starts_with("rk_" + issued->stored.id + "_"));
    EXPECT_NE(issued->stored.secret_hash, issued->full_key);

    auto rotated = rotate_api_key(context(now), issued->stored.id, std::nullopt);
    ASSERT_TRUE(rotated);
    EXPECT_EQ(rotated->replacement.stored.consumer, "billing");
    EXPECT_EQ(*rotated->replacement.stored.expires_at, now + 24h);  // the old key's lifetime
    auto overlap =
        std::chrono::duration_cast<std::chrono::seconds>(settings_.auth.api_keys.rotation_overlap);
    EXPECT_EQ(rotated->old_key_expires_at, now + overlap);
    EXPECT_EQ(*store_->find_api_key(issued->stored.id)->expires_at, now + overlap);

    ASSERT_TRUE(revoke_api_key(context(), issued->stored.id)->changed);
    EXPECT_FALSE(revoke_api_key(context(), issued->stored.id)->changed);
    EXPECT_EQ(rotate_api_key(context(), issued->stored.id, std::nullopt).error().kind,
              OperationErrorKind::conflict);
    EXPECT_FALSE(create_api_key(context(), {"billing", {}, {}, 10s}));  // below a minute
    EXPECT_FALSE(api_key_id_from(issued->full_key));
    EXPECT_EQ(*api_key_id_from("rk_" + issued->stored.id), issued->stored.id);
}

TEST_F(AdminOperations, ClientsKeepTheirRules) {
    EXPECT_FALSE(
        create_client(context(), {"rampart-login", "", {"client_credentials"}, {}, {}, false}));
    EXPECT_FALSE(create_client(context(), {"reports", "", {"implicit"}, {}, {}, false}));
    EXPECT_FALSE(create_client(context(), {"reports", "", {}, {}, {}, false}));
    auto issued = create_client(context(), {"reports", "", {"client_credentials"}, {}, {}, true});
    ASSERT_TRUE(issued);
    EXPECT_EQ(issued->client.name, "reports");
    EXPECT_TRUE(issued->secret.starts_with("rcs_"));
    EXPECT_NE(*issued->client.secret_hash, issued->secret);

    auto rotated = rotate_client_secret(context(), "reports");
    ASSERT_TRUE(rotated);
    EXPECT_NE(rotated->secret, issued->secret);
    EXPECT_TRUE(set_client_disabled(context(), "reports", true)->changed);
    EXPECT_TRUE(store_->find_client("reports")->disabled);
    ASSERT_TRUE(remove_client(context(), "reports"));
    EXPECT_EQ(find_client(context(), "reports").error().kind, OperationErrorKind::not_found);
    EXPECT_EQ(find_client(context(), "rampart-login").error().kind, OperationErrorKind::invalid);
}

TEST_F(AdminOperations, SessionsAreRevokedOneByOne) {
    EXPECT_EQ(revoke_session(context(), "fam_none").error().kind, OperationErrorKind::not_found);
    ASSERT_TRUE(create_client(context(), {"web", "", {"refresh_token"}, {}, {}, false}));
    rampart::store::RefreshToken token;
    token.token_hash = std::string(64, 'a');
    token.family_id = "fam_one";
    token.client_id = "web";
    token.subject = "usr_alice";
    token.issued_at = whole_seconds_now();
    token.idle_expires_at = token.family_expires_at = token.issued_at + 1h;
    ASSERT_TRUE(store_->insert_refresh_token(token));
    ASSERT_EQ(list_sessions(context(), std::string_view("usr_alice"))->size(), 1u);
    EXPECT_TRUE(list_sessions(context(), std::string_view("usr_bob"))->empty());
    auto revoked = revoke_session(context(), "fam_one");
    ASSERT_TRUE(revoked);
    EXPECT_TRUE(revoked->changed);
    EXPECT_FALSE(revoke_session(context(), "fam_one")->changed);
    EXPECT_EQ(list_sessions(context(), std::nullopt)->at(0).revoke_reason, "admin_revoked");
}

TEST_F(AdminOperations, KeyStatesFollowTheSchedule) {
    rampart::store::SigningKey key;
    auto now = whole_seconds_now();
    key.publish_at = now + 10s;
    key.activate_at = now + 20s;
    EXPECT_EQ(signing_key_state(key, now), "scheduled");
    EXPECT_EQ(signing_key_state(key, now + 10s), "published");
    EXPECT_EQ(signing_key_state(key, now + 20s), "active");
    key.retire_at = now + 30s;
    key.remove_at = now + 40s;
    EXPECT_EQ(signing_key_state(key, now + 30s), "retired");
    EXPECT_EQ(signing_key_state(key, now + 40s), "expired");
}

}  // namespace
