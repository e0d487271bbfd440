#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <latch>
#include <stdexcept>
#include <string>
#include <thread>
#include <variant>
#include <vector>

#include "store/open_store.hpp"
#include "store/sqlite/migrations.hpp"
#include "store/sqlite/sqlite_store.hpp"

using namespace rampart::store;
using rampart::store::sqlite::SqliteStore;
using std::chrono::seconds;

namespace {

const Time t0 = Time(seconds(1'700'000'000));

// A well-formed hex SHA-256 standing for the hash of secret number `n`.
std::string hash_of(unsigned long long n) {
    char text[65];
    std::snprintf(text, sizeof text, "%064llx", n);
    return text;
}

User make_user(std::string id, std::string username, std::optional<std::string> email = {}) {
    User user;
    user.id = std::move(id);
    user.username = std::move(username);
    user.email = std::move(email);
    user.password_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA";
    user.roles = {"reader"};
    user.created_at = t0;
    user.password_changed_at = t0;
    return user;
}

OAuthClient make_client(std::string client_id) {
    OAuthClient client;
    client.client_id = std::move(client_id);
    client.secret_hash = hash_of(999);
    client.name = "Web app";
    client.allowed_grant_types = {"authorization_code", "refresh_token"};
    client.allowed_scopes = {"orders:read", "orders:write"};
    client.created_at = t0;
    return client;
}

// The first token of a family: idle lifetime 1 hour, absolute lifetime 1 day.
RefreshToken first_token(std::string token_hash, std::string family_id,
                         std::string subject = "usr_alice", std::string client_id = "web") {
    RefreshToken token;
    token.token_hash = std::move(token_hash);
    token.family_id = std::move(family_id);
    token.client_id = std::move(client_id);
    token.subject = std::move(subject);
    token.scopes = {"orders:read", "offline_access"};
    token.issued_at = t0;
    token.idle_expires_at = t0 + seconds(3600);
    token.family_expires_at = t0 + seconds(86400);
    return token;
}

RotationRequest rotation(std::string presented, std::string replacement, Time now) {
    RotationRequest request;
    request.presented_hash = std::move(presented);
    request.new_token_hash = std::move(replacement);
    request.now = now;
    request.idle_lifetime = seconds(3600);
    request.revocation_keep_until = now + seconds(900);
    return request;
}

// Reads one integer with a separate connection, as another process would.
long long query_integer(const std::string& path, const char* sql) {
    sqlite3* database = nullptr;
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &database, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(database, sql, -1, &statement, nullptr), SQLITE_OK);
    long long value = -1;
    if (sqlite3_step(statement) == SQLITE_ROW) {
        value = sqlite3_column_int64(statement, 0);
    }
    sqlite3_finalize(statement);
    sqlite3_close(database);
    return value;
}

void execute_raw(const std::string& path, const char* sql) {
    sqlite3* database = nullptr;
    ASSERT_EQ(sqlite3_open_v2(path.c_str(), &database, SQLITE_OPEN_READWRITE, nullptr), SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(database, sql, nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(database);
}

std::string opening_error(const std::string& path) {
    try {
        SqliteStore store(path);
    } catch (const std::runtime_error& error) {
        return error.what();
    }
    return "";
}

class SqliteStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/rampart-store-test-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        directory_ = pattern;
        path_ = directory_ + "/rampart.db";
        store_ = std::make_unique<SqliteStore>(path_);
    }
    void TearDown() override {
        store_.reset();
        std::filesystem::remove_all(directory_);
    }

    // A user, a client and one family with one token: the usual start of a rotation test.
    void seed_family(const std::string& token_hash, const std::string& family_id) {
        if (!store_->find_client("web")) {
            ASSERT_TRUE(store_->create_client(make_client("web")));
        }
        ASSERT_TRUE(store_->insert_refresh_token(first_token(token_hash, family_id)));
    }

    std::string directory_;
    std::string path_;
    std::unique_ptr<SqliteStore> store_;
};

}  // namespace

TEST_F(SqliteStoreTest, MigratesAnEmptyFileToWalWithTheLatestSchema) {
    EXPECT_EQ(query_integer(path_, "PRAGMA user_version"), sqlite::latest_schema_version());
    EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM sqlite_master WHERE name = 'users'"), 1);
    sqlite3* database = nullptr;
    ASSERT_EQ(sqlite3_open(path_.c_str(), &database), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(database, "PRAGMA journal_mode", -1, &statement, nullptr),
              SQLITE_OK);
    ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
    EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(statement, 0)), "wal");
    sqlite3_finalize(statement);
    sqlite3_close(database);
}

TEST_F(SqliteStoreTest, CreatesThePrivateFileAndRefusesOneOthersCanRead) {
    struct stat status {};
    ASSERT_EQ(::stat(path_.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0600u);
    ASSERT_TRUE(store_->set_meta("k", "v"));
    ASSERT_EQ(::stat((path_ + "-wal").c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0600u);
    store_.reset();
    ASSERT_EQ(::chmod(path_.c_str(), 0644), 0);
    std::string error = opening_error(path_);
    EXPECT_NE(error.find("mode 0644"), std::string::npos) << error;
    EXPECT_NE(error.find(path_), std::string::npos) << error;
}

TEST_F(SqliteStoreTest, ReopeningKeepsTheData) {
    ASSERT_TRUE(store_->create_user(make_user("usr_1", "alice")));
    ASSERT_TRUE(store_->set_meta("master_key_fingerprint", "abc123"));
    store_.reset();
    store_ = std::make_unique<SqliteStore>(path_);
    auto user = store_->find_user_by_username("alice");
    ASSERT_TRUE(user);
    EXPECT_EQ(user->id, "usr_1");
    EXPECT_EQ(*store_->get_meta("master_key_fingerprint"), std::optional<std::string>("abc123"));
    EXPECT_EQ(query_integer(path_, "PRAGMA user_version"), sqlite::latest_schema_version());
}

TEST_F(SqliteStoreTest, RefusesADatabaseNewerThanTheCode) {
    store_.reset();
    std::string newer =
        "PRAGMA user_version = " + std::to_string(sqlite::latest_schema_version() + 1);
    execute_raw(path_, newer.c_str());
    std::string error = opening_error(path_);
    EXPECT_NE(error.find("newer than this build"), std::string::npos) << error;
    EXPECT_EQ(query_integer(path_, "PRAGMA user_version"), sqlite::latest_schema_version() + 1);
}

TEST_F(SqliteStoreTest, RefusesAFileThatIsNotADatabase) {
    std::string other = directory_ + "/other.db";
    {
        std::ofstream file(other);
        file << "this is not an SQLite database, but it is long enough to have a header......";
    }
    ASSERT_EQ(::chmod(other.c_str(), 0600), 0);
    std::string error = opening_error(other);
    EXPECT_NE(error.find("not a database"), std::string::npos) << error;
}

TEST_F(SqliteStoreTest, RefusesADatabaseThatIsASymbolicLink) {
    std::string link = directory_ + "/link.db";
    ASSERT_EQ(::symlink(path_.c_str(), link.c_str()), 0);
    std::string error = opening_error(link);
    EXPECT_NE(error.find("is a symbolic link"), std::string::npos) << error;
}

TEST_F(SqliteStoreTest, OpenStoreCreatesAPrivateDataDirectory) {
    std::string data_directory = directory_ + "/data/nested";
    auto store = open_store(data_directory);
    ASSERT_TRUE(store);
    ASSERT_TRUE(store->set_meta("k", "v"));
    struct stat status {};
    ASSERT_EQ(::stat(data_directory.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0700u);
    EXPECT_TRUE(std::filesystem::exists(data_directory + "/rampart.db"));

    std::string not_a_directory = directory_ + "/file";
    std::ofstream(not_a_directory) << "x";
    try {
        open_store(not_a_directory);
        ADD_FAILURE() << "a file was accepted as the data directory";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("is not a directory"), std::string::npos);
    }
}

TEST_F(SqliteStoreTest, UsernamesAndEmailsAreUniqueIgnoringCase) {
    ASSERT_TRUE(store_->create_user(make_user("usr_1", "Alice", "Alice@Example.com")));
    auto same_name = store_->create_user(make_user("usr_2", "aLICE"));
    ASSERT_FALSE(same_name);
    EXPECT_EQ(same_name.error().code, StoreErrorCode::conflict);
    auto same_email = store_->create_user(make_user("usr_3", "bob", "alice@example.COM"));
    ASSERT_FALSE(same_email);
    EXPECT_EQ(same_email.error().code, StoreErrorCode::conflict);
    auto same_id = store_->create_user(make_user("usr_1", "carol"));
    ASSERT_FALSE(same_id);
    EXPECT_EQ(same_id.error().code, StoreErrorCode::conflict);
    // Several users without an email are fine.
    EXPECT_TRUE(store_->create_user(make_user("usr_4", "dave")));
    EXPECT_TRUE(store_->create_user(make_user("usr_5", "erin")));

    auto found = store_->find_user_by_username("ALICE");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->id, "usr_1");
    EXPECT_EQ(found->username, "Alice");  // as it was given
    EXPECT_EQ(found->email, std::optional<std::string>("Alice@Example.com"));
    auto missing = store_->find_user_by_username("mallory");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, StoreErrorCode::not_found);
}

TEST_F(SqliteStoreTest, UserOperations) {
    User alice = make_user("usr_1", "alice");
    alice.roles = {"admin", "reader"};
    ASSERT_TRUE(store_->create_user(alice));
    ASSERT_TRUE(store_->create_user(make_user("usr_2", "bob")));

    auto found = store_->find_user_by_id("usr_1");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->roles, (std::vector<std::string>{"admin", "reader"}));
    EXPECT_EQ(found->password_hash, alice.password_hash);
    EXPECT_FALSE(found->disabled);
    EXPECT_EQ(found->created_at, t0);
    EXPECT_FALSE(found->locked_until);

    auto users = store_->list_users();
    ASSERT_TRUE(users);
    ASSERT_EQ(users->size(), 2u);
    EXPECT_EQ((*users)[0].username, "alice");
    EXPECT_EQ((*users)[1].username, "bob");

    ASSERT_TRUE(store_->set_user_roles("usr_1", {"auditor"}));
    EXPECT_EQ(store_->find_user_by_id("usr_1")->roles, std::vector<std::string>{"auditor"});
    ASSERT_TRUE(store_->set_user_roles("usr_1", {}));
    EXPECT_TRUE(store_->find_user_by_id("usr_1")->roles.empty());

    ASSERT_TRUE(store_->set_user_disabled("usr_1", true, std::nullopt));
    EXPECT_TRUE(store_->find_user_by_id("usr_1")->disabled);
    ASSERT_TRUE(store_->set_user_disabled("usr_1", false, std::nullopt));
    EXPECT_FALSE(store_->find_user_by_id("usr_1")->disabled);

    const std::string new_hash = "$argon2id$v=19$m=65536,t=3,p=1$bmV3$bmV3aGFzaA";
    ASSERT_TRUE(store_->set_user_password_hash("usr_1", new_hash, t0 + seconds(50), std::nullopt));
    found = store_->find_user_by_id("usr_1");
    EXPECT_EQ(found->password_hash, new_hash);
    EXPECT_EQ(found->password_changed_at, t0 + seconds(50));

    EXPECT_EQ(*store_->record_failed_login("usr_1"), 1);
    EXPECT_EQ(*store_->record_failed_login("usr_1"), 2);
    EXPECT_EQ(*store_->record_failed_login("usr_1"), 3);
    ASSERT_TRUE(store_->set_user_locked_until("usr_1", t0 + seconds(600)));
    found = store_->find_user_by_id("usr_1");
    EXPECT_EQ(found->failed_login_count, 3);
    EXPECT_EQ(found->locked_until, std::optional<Time>(t0 + seconds(600)));
    ASSERT_TRUE(store_->reset_failed_logins("usr_1"));
    found = store_->find_user_by_id("usr_1");
    EXPECT_EQ(found->failed_login_count, 0);
    EXPECT_FALSE(found->locked_until);
    EXPECT_EQ(store_->find_user_by_id("usr_2")->failed_login_count, 0);

    EXPECT_EQ(store_->set_user_roles("usr_x", {"a"}).error().code, StoreErrorCode::not_found);
    EXPECT_EQ(store_->set_user_disabled("usr_x", true, std::nullopt).error().code,
              StoreErrorCode::not_found);
    EXPECT_EQ(store_->set_user_password_hash("usr_x", new_hash, t0, std::nullopt).error().code,
              StoreErrorCode::not_found);
    EXPECT_EQ(store_->record_failed_login("usr_x").error().code, StoreErrorCode::not_found);
    EXPECT_EQ(store_->reset_failed_logins("usr_x").error().code, StoreErrorCode::not_found);
    EXPECT_EQ(store_->set_user_locked_until("usr_x", std::nullopt).error().code,
              StoreErrorCode::not_found);
    EXPECT_EQ(store_->find_user_by_id("usr_x").error().code, StoreErrorCode::not_found);
    EXPECT_THROW(store_->find_user_by_id("usr_x").value(), std::runtime_error);
}

TEST_F(SqliteStoreTest, DisablingOrChangingThePasswordEndsTheSessionsInTheSameTransaction) {
    ASSERT_TRUE(store_->create_user(make_user("usr_alice", "alice")));
    ASSERT_TRUE(store_->create_user(make_user("usr_bob", "bob")));
    seed_family(hash_of(1), "fam_a1");
    ASSERT_TRUE(store_->insert_refresh_token(first_token(hash_of(2), "fam_a2")));
    ASSERT_TRUE(store_->insert_refresh_token(first_token(hash_of(3), "fam_b", "usr_bob")));

    SessionCutoff cutoff{t0 + seconds(100), t0 + seconds(1000), "disabled"};
    ASSERT_TRUE(store_->set_user_disabled("usr_alice", true, cutoff));
    EXPECT_TRUE(store_->find_refresh_token(hash_of(1))->revoked);
    EXPECT_TRUE(store_->find_refresh_token(hash_of(2))->revoked);
    EXPECT_FALSE(store_->find_refresh_token(hash_of(3))->revoked);
    auto lists = store_->load_revocations(t0 + seconds(100));
    ASSERT_TRUE(lists);
    ASSERT_EQ(lists->subjects.size(), 1u);
    EXPECT_EQ(lists->subjects[0].subject, "usr_alice");
    EXPECT_EQ(lists->subjects[0].not_before, t0 + seconds(100));
    EXPECT_EQ(lists->families.size(), 2u);
    auto families = store_->list_families("usr_alice");
    ASSERT_TRUE(families);
    ASSERT_EQ(families->size(), 2u);
    EXPECT_EQ((*families)[0].revoke_reason, "disabled");
    EXPECT_EQ((*families)[0].revoked_at, std::optional<Time>(t0 + seconds(100)));

    const std::string new_hash = "$argon2id$v=19$m=65536,t=3,p=1$bmV3$bmV3aGFzaA";
    SessionCutoff password_cutoff{t0 + seconds(200), t0 + seconds(1100), "password_changed"};
    ASSERT_TRUE(
        store_->set_user_password_hash("usr_bob", new_hash, t0 + seconds(200), password_cutoff));
    EXPECT_TRUE(store_->find_refresh_token(hash_of(3))->revoked);
    lists = store_->load_revocations(t0 + seconds(200));
    ASSERT_EQ(lists->subjects.size(), 2u);
    EXPECT_EQ(lists->families.size(), 3u);

    // An unknown user changes nothing, not even the revocation lists.
    EXPECT_FALSE(store_->set_user_disabled("usr_nobody", true, cutoff));
    EXPECT_EQ(store_->load_revocations(t0 + seconds(200))->subjects.size(), 2u);
}

TEST_F(SqliteStoreTest, TakesHashesNeverRawSecrets) {
    User user = make_user("usr_1", "alice");
    user.password_hash = "correct horse battery staple";
    EXPECT_EQ(store_->create_user(user).error().code, StoreErrorCode::invalid);
    ASSERT_TRUE(store_->create_user(make_user("usr_1", "alice")));
    EXPECT_EQ(store_->set_user_password_hash("usr_1", "hunter2", t0, std::nullopt).error().code,
              StoreErrorCode::invalid);

    ApiKey key;
    key.id = "key_1";
    key.consumer = "billing";
    key.secret_hash = "rk_live_5f3a9c";  // a raw key
    key.created_at = t0;
    EXPECT_EQ(store_->create_api_key(key).error().code, StoreErrorCode::invalid);
    key.secret_hash = std::string(64, 'A');  // upper-case hex is not how the store is fed
    EXPECT_EQ(store_->create_api_key(key).error().code, StoreErrorCode::invalid);

    OAuthClient client = make_client("web");
    client.secret_hash = "s3cret";
    EXPECT_EQ(store_->create_client(client).error().code, StoreErrorCode::invalid);
    client.secret_hash = "$argon2id$v=19$m=65536,t=3,p=1$c2FsdA$aGFzaA";
    ASSERT_TRUE(store_->create_client(client));

    RefreshToken token = first_token("rt_raw_token_value", "fam_1");
    EXPECT_EQ(store_->insert_refresh_token(token).error().code, StoreErrorCode::invalid);
    ASSERT_TRUE(store_->insert_refresh_token(first_token(hash_of(1), "fam_1")));
    auto outcome = store_->rotate_refresh_token(rotation(hash_of(1), "rt_raw", t0));
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().code, StoreErrorCode::invalid);
    EXPECT_FALSE(store_->find_refresh_token(hash_of(1))->used_at);  // nothing changed

    // Nothing the store refused reached the file.
    store_.reset();
    std::ifstream file(path_, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    std::ifstream wal(path_ + "-wal", std::ios::binary);
    bytes.append(std::istreambuf_iterator<char>(wal), std::istreambuf_iterator<char>());
    for (const char* secret : {"correct horse", "hunter2", "rk_live_5f3a9c", "s3cret", "rt_raw"}) {
        EXPECT_EQ(bytes.find(secret), std::string::npos) << secret;
    }
}

TEST_F(SqliteStoreTest, RefusesListItemsThatCannotBeStored) {
    User user = make_user("usr_1", "alice");
    user.roles = {"admin reader"};
    EXPECT_EQ(store_->create_user(user).error().code, StoreErrorCode::invalid);
    user.roles = {""};
    EXPECT_EQ(store_->create_user(user).error().code, StoreErrorCode::invalid);
    ASSERT_TRUE(store_->create_user(make_user("usr_1", "alice")));
    EXPECT_EQ(store_->set_user_roles("usr_1", {"a\tb"}).error().code, StoreErrorCode::invalid);
    OAuthClient client = make_client("web");
    client.allowed_scopes = {"read", "write all"};
    EXPECT_EQ(store_->create_client(client).error().code, StoreErrorCode::invalid);
}

TEST_F(SqliteStoreTest, ApiKeyOperations) {
    ApiKey key;
    key.id = "key_1";
    key.prefix = "rk_1a2b";
    key.secret_hash = hash_of(7);
    key.consumer = "billing";
    key.scopes = {"invoices:read"};
    key.roles = {"service"};
    key.created_at = t0;
    ASSERT_TRUE(store_->create_api_key(key));
    EXPECT_EQ(store_->create_api_key(key).error().code, StoreErrorCode::conflict);
    ApiKey second = key;
    second.id = "key_2";
    second.created_at = t0 + seconds(1);
    ASSERT_TRUE(store_->create_api_key(second));

    auto found = store_->find_api_key("key_1");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->prefix, "rk_1a2b");
    EXPECT_EQ(found->secret_hash, hash_of(7));
    EXPECT_EQ(found->consumer, "billing");
    EXPECT_EQ(found->scopes, std::vector<std::string>{"invoices:read"});
    EXPECT_EQ(found->roles, std::vector<std::string>{"service"});
    EXPECT_FALSE(found->expires_at);
    EXPECT_FALSE(found->revoked_at);

    ASSERT_TRUE(store_->set_api_key_expiry("key_1", t0 + seconds(3600)));
    EXPECT_EQ(store_->find_api_key("key_1")->expires_at, std::optional<Time>(t0 + seconds(3600)));
    ASSERT_TRUE(store_->set_api_key_expiry("key_1", std::nullopt));
    EXPECT_FALSE(store_->find_api_key("key_1")->expires_at);

    ASSERT_TRUE(store_->revoke_api_key("key_1", t0 + seconds(10)));
    ASSERT_TRUE(store_->revoke_api_key("key_1", t0 + seconds(20)));
    EXPECT_EQ(store_->find_api_key("key_1")->revoked_at, std::optional<Time>(t0 + seconds(10)));
    EXPECT_FALSE(store_->find_api_key("key_2")->revoked_at);

    auto keys = store_->list_api_keys();
    ASSERT_TRUE(keys);
    ASSERT_EQ(keys->size(), 2u);
    EXPECT_EQ((*keys)[0].id, "key_1");
    EXPECT_EQ((*keys)[1].id, "key_2");

    EXPECT_EQ(store_->find_api_key("key_x").error().code, StoreErrorCode::not_found);
    EXPECT_EQ(store_->revoke_api_key("key_x", t0).error().code, StoreErrorCode::not_found);
    EXPECT_EQ(store_->set_api_key_expiry("key_x", t0).error().code, StoreErrorCode::not_found);
}

TEST_F(SqliteStoreTest, ClientOperations) {
    OAuthClient web = make_client("web");
    ASSERT_TRUE(store_->create_client(web));
    EXPECT_EQ(store_->create_client(web).error().code, StoreErrorCode::conflict);
    OAuthClient service = make_client("batch");
    service.secret_hash.reset();
    service.allowed_grant_types = {"client_credentials"};
    service.may_introspect = true;
    ASSERT_TRUE(store_->create_client(service));

    auto found = store_->find_client("web");
    ASSERT_TRUE(found);
    EXPECT_EQ(found->secret_hash, web.secret_hash);
    EXPECT_EQ(found->name, "Web app");
    EXPECT_EQ(found->allowed_grant_types, web.allowed_grant_types);
    EXPECT_EQ(found->allowed_scopes, web.allowed_scopes);
    EXPECT_FALSE(found->may_introspect);
    EXPECT_FALSE(store_->find_client("batch")->secret_hash);
    EXPECT_TRUE(store_->find_client("batch")->may_introspect);

    web.name = "Web shop";
    web.disabled = true;
    web.roles = {"frontend"};
    web.allowed_scopes = {"orders:read"};
    web.created_at = t0 + seconds(999);  // not updatable
    ASSERT_TRUE(store_->update_client(web));
    found = store_->find_client("web");
    EXPECT_EQ(found->name, "Web shop");
    EXPECT_TRUE(found->disabled);
    EXPECT_EQ(found->roles, std::vector<std::string>{"frontend"});
    EXPECT_EQ(found->allowed_scopes, std::vector<std::string>{"orders:read"});
    EXPECT_EQ(found->created_at, t0);

    auto clients = store_->list_clients();
    ASSERT_TRUE(clients);
    ASSERT_EQ(clients->size(), 2u);
    EXPECT_EQ((*clients)[0].client_id, "batch");

    OAuthClient unknown = make_client("nobody");
    EXPECT_EQ(store_->update_client(unknown).error().code, StoreErrorCode::not_found);
    EXPECT_EQ(store_->find_client("nobody").error().code, StoreErrorCode::not_found);
    EXPECT_EQ(store_->delete_client("nobody", t0, t0).error().code, StoreErrorCode::not_found);
}

TEST_F(SqliteStoreTest, DeletingAClientDeletesItsTokensAndListsItsFamiliesAsRevoked) {
    seed_family(hash_of(1), "fam_1");
    ASSERT_TRUE(store_->create_client(make_client("other")));
    ASSERT_TRUE(
        store_->insert_refresh_token(first_token(hash_of(2), "fam_2", "usr_alice", "other")));
    ASSERT_TRUE(store_->delete_client("web", t0 + seconds(10), t0 + seconds(910)));

    EXPECT_EQ(store_->find_client("web").error().code, StoreErrorCode::not_found);
    EXPECT_EQ(store_->find_refresh_token(hash_of(1)).error().code, StoreErrorCode::not_found);
    EXPECT_TRUE(store_->find_refresh_token(hash_of(2)));
    auto families = store_->list_families(std::nullopt);
    ASSERT_EQ(families->size(), 1u);
    EXPECT_EQ((*families)[0].family_id, "fam_2");
    auto lists = store_->load_revocations(t0 + seconds(10));
    ASSERT_EQ(lists->families.size(), 1u);
    EXPECT_EQ(lists->families[0].family_id, "fam_1");
    EXPECT_EQ(lists->families[0].keep_until, t0 + seconds(910));
    auto outcome = store_->rotate_refresh_token(rotation(hash_of(1), hash_of(3), t0 + seconds(20)));
    ASSERT_TRUE(outcome);
    ASSERT_TRUE(std::holds_alternative<RotationRefused>(*outcome));
    EXPECT_EQ(std::get<RotationRefused>(*outcome).reason, InvalidReason::unknown);
}

TEST_F(SqliteStoreTest, RefreshTokensNeedAKnownClientAndANewFamily) {
    auto orphan = store_->insert_refresh_token(first_token(hash_of(1), "fam_1"));
    ASSERT_FALSE(orphan);
    EXPECT_EQ(orphan.error().code, StoreErrorCode::conflict);
    seed_family(hash_of(1), "fam_1");
    auto same_family = store_->insert_refresh_token(first_token(hash_of(2), "fam_1"));
    ASSERT_FALSE(same_family);
    EXPECT_EQ(same_family.error().code, StoreErrorCode::conflict);
    EXPECT_EQ(store_->find_refresh_token(hash_of(2)).error().code, StoreErrorCode::not_found);
    RefreshToken with_parent = first_token(hash_of(3), "fam_3");
    with_parent.parent_hash = hash_of(1);
    EXPECT_EQ(store_->insert_refresh_token(with_parent).error().code, StoreErrorCode::invalid);

    auto stored = store_->find_refresh_token(hash_of(1));
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->family_id, "fam_1");
    EXPECT_EQ(stored->client_id, "web");
    EXPECT_EQ(stored->subject, "usr_alice");
    EXPECT_EQ(stored->subject_kind, SubjectKind::user);
    EXPECT_EQ(stored->scopes, (std::vector<std::string>{"orders:read", "offline_access"}));
    EXPECT_EQ(stored->issued_at, t0);
    EXPECT_EQ(stored->idle_expires_at, t0 + seconds(3600));
    EXPECT_EQ(stored->family_expires_at, t0 + seconds(86400));
    EXPECT_FALSE(stored->parent_hash);
    EXPECT_FALSE(stored->used_at);
    EXPECT_FALSE(stored->revoked);
}

TEST_F(SqliteStoreTest, RotationIssuesOneChildAndASecondUseRevokesTheFamily) {
    seed_family(hash_of(1), "fam_1");
    auto outcome = store_->rotate_refresh_token(rotation(hash_of(1), hash_of(2), t0 + seconds(60)));
    ASSERT_TRUE(outcome);
    ASSERT_TRUE(std::holds_alternative<Rotated>(*outcome));
    const Rotated& rotated = std::get<Rotated>(*outcome);
    EXPECT_FALSE(rotated.within_grace);
    EXPECT_EQ(rotated.presented.token_hash, hash_of(1));
    EXPECT_EQ(rotated.presented.family_id, "fam_1");
    EXPECT_EQ(rotated.presented.client_id, "web");
    EXPECT_EQ(rotated.presented.subject, "usr_alice");
    EXPECT_EQ(rotated.presented.scopes,
              (std::vector<std::string>{"orders:read", "offline_access"}));
    EXPECT_EQ(rotated.issued.token_hash, hash_of(2));
    EXPECT_EQ(rotated.issued.parent_hash, std::optional<std::string>(hash_of(1)));
    EXPECT_EQ(rotated.issued.issued_at, t0 + seconds(60));
    EXPECT_EQ(rotated.issued.idle_expires_at, t0 + seconds(3660));

    auto parent = store_->find_refresh_token(hash_of(1));
    EXPECT_EQ(parent->used_at, std::optional<Time>(t0 + seconds(60)));
    auto child = store_->find_refresh_token(hash_of(2));
    ASSERT_TRUE(child);
    EXPECT_EQ(child->family_id, "fam_1");
    EXPECT_EQ(child->scopes, rotated.presented.scopes);
    EXPECT_EQ(child->family_expires_at, t0 + seconds(86400));
    EXPECT_FALSE(child->used_at);

    // The parent again, long after: reuse. The family, the child included, is revoked.
    auto replay = store_->rotate_refresh_token(rotation(hash_of(1), hash_of(3), t0 + seconds(120)));
    ASSERT_TRUE(replay);
    ASSERT_TRUE(std::holds_alternative<ReuseDetected>(*replay));
    const ReuseDetected& reuse = std::get<ReuseDetected>(*replay);
    EXPECT_EQ(reuse.family_id, "fam_1");
    EXPECT_EQ(reuse.client_id, "web");
    EXPECT_EQ(reuse.subject, "usr_alice");
    EXPECT_TRUE(store_->find_refresh_token(hash_of(2))->revoked);
    EXPECT_EQ(store_->find_refresh_token(hash_of(3)).error().code, StoreErrorCode::not_found);
    auto families = store_->list_families("usr_alice");
    ASSERT_EQ(families->size(), 1u);
    EXPECT_EQ((*families)[0].revoked_at, std::optional<Time>(t0 + seconds(120)));
    EXPECT_EQ((*families)[0].revoke_reason, "refresh_token_reuse");
    auto lists = store_->load_revocations(t0 + seconds(120));
    ASSERT_EQ(lists->families.size(), 1u);
    EXPECT_EQ(lists->families[0].family_id, "fam_1");
    EXPECT_EQ(lists->families[0].keep_until, t0 + seconds(1020));

    // The child of the revoked family is dead, and so is any further replay.
    for (const std::string& presented : {hash_of(2), hash_of(1)}) {
        auto late =
            store_->rotate_refresh_token(rotation(presented, hash_of(4), t0 + seconds(180)));
        ASSERT_TRUE(late);
        ASSERT_TRUE(std::holds_alternative<RotationRefused>(*late));
        EXPECT_EQ(std::get<RotationRefused>(*late).reason, InvalidReason::revoked);
    }
    auto unknown = store_->rotate_refresh_token(rotation(hash_of(42), hash_of(5), t0));
    ASSERT_TRUE(unknown);
    EXPECT_EQ(std::get<RotationRefused>(*unknown).reason, InvalidReason::unknown);
}

TEST_F(SqliteStoreTest, IdleAndAbsoluteExpiryRefuseRotation) {
    seed_family(hash_of(1), "fam_1");
    auto idle = store_->rotate_refresh_token(rotation(hash_of(1), hash_of(2), t0 + seconds(3600)));
    ASSERT_TRUE(idle);
    ASSERT_TRUE(std::holds_alternative<RotationRefused>(*idle));
    EXPECT_EQ(std::get<RotationRefused>(*idle).reason, InvalidReason::expired);
    EXPECT_FALSE(store_->find_refresh_token(hash_of(1))->used_at);

    // Rotating every 50 minutes keeps the session alive, but never past the absolute expiry.
    std::string current = hash_of(1);
    ASSERT_TRUE(store_->revoke_family("fam_1", "test", t0, t0));
    seed_family(hash_of(100), "fam_2");
    current = hash_of(100);
    Time now = t0;
    for (unsigned long long i = 101; now + seconds(3000) < t0 + seconds(86400); ++i) {
        now += seconds(3000);
        auto outcome = store_->rotate_refresh_token(rotation(current, hash_of(i), now));
        ASSERT_TRUE(outcome);
        ASSERT_TRUE(std::holds_alternative<Rotated>(*outcome)) << "rotation " << i;
        const RefreshToken& issued = std::get<Rotated>(*outcome).issued;
        EXPECT_EQ(issued.family_expires_at, t0 + seconds(86400));
        EXPECT_LE(issued.idle_expires_at, t0 + seconds(86400));
        current = hash_of(i);
    }
    auto child = store_->find_refresh_token(current);
    EXPECT_EQ(child->idle_expires_at, t0 + seconds(86400));  // capped, not now + 1 hour
    auto absolute =
        store_->rotate_refresh_token(rotation(current, hash_of(999), t0 + seconds(86400)));
    ASSERT_TRUE(absolute);
    ASSERT_TRUE(std::holds_alternative<RotationRefused>(*absolute));
    EXPECT_EQ(std::get<RotationRefused>(*absolute).reason, InvalidReason::expired);
}

TEST_F(SqliteStoreTest, GracePeriodAllowsABoundedNumberOfRetries) {
    seed_family(hash_of(1), "fam_1");
    auto with_grace = [](std::string presented, std::string replacement, Time now) {
        RotationRequest request = rotation(std::move(presented), std::move(replacement), now);
        request.grace = seconds(30);
        request.max_grace_reuses = 2;
        return request;
    };
    auto first =
        store_->rotate_refresh_token(with_grace(hash_of(1), hash_of(2), t0 + seconds(100)));
    ASSERT_TRUE(std::holds_alternative<Rotated>(*first));
    EXPECT_FALSE(std::get<Rotated>(*first).within_grace);
    for (unsigned long long i = 3; i <= 4; ++i) {
        auto retry =
            store_->rotate_refresh_token(with_grace(hash_of(1), hash_of(i), t0 + seconds(110)));
        ASSERT_TRUE(retry);
        ASSERT_TRUE(std::holds_alternative<Rotated>(*retry)) << i;
        EXPECT_TRUE(std::get<Rotated>(*retry).within_grace);
        EXPECT_EQ(std::get<Rotated>(*retry).issued.parent_hash,
                  std::optional<std::string>(hash_of(1)));
    }
    EXPECT_EQ(store_->find_refresh_token(hash_of(1))->grace_reuses, 2);
    // The bound is reached: a third retry, even within the grace period, is reuse.
    auto third =
        store_->rotate_refresh_token(with_grace(hash_of(1), hash_of(5), t0 + seconds(115)));
    ASSERT_TRUE(third);
    EXPECT_TRUE(std::holds_alternative<ReuseDetected>(*third));
    EXPECT_TRUE(store_->find_refresh_token(hash_of(4))->revoked);

    // After the grace period a single retry is reuse.
    seed_family(hash_of(10), "fam_2");
    ASSERT_TRUE(std::holds_alternative<Rotated>(
        *store_->rotate_refresh_token(with_grace(hash_of(10), hash_of(11), t0 + seconds(100)))));
    auto late =
        store_->rotate_refresh_token(with_grace(hash_of(10), hash_of(12), t0 + seconds(130)));
    ASSERT_TRUE(late);
    EXPECT_TRUE(std::holds_alternative<ReuseDetected>(*late));
    EXPECT_TRUE(store_->find_refresh_token(hash_of(11))->revoked);
}

TEST_F(SqliteStoreTest, ConcurrentRotationsOfOneTokenRotateExactlyOnce) {
    constexpr int threads = 20;
    constexpr int rounds = 5;  // a race is a chance; several rounds make a lost one show
    for (int round = 0; round < rounds; ++round) {
        std::string family_id = "fam_" + std::to_string(round);
        unsigned long long presented = 1000ull * (round + 1);
        seed_family(hash_of(presented), family_id);
        std::latch start(threads);
        std::atomic<int> rotated{0};
        std::atomic<int> reuse{0};
        std::atomic<int> refused{0};
        std::atomic<int> errors{0};
        std::vector<std::thread> workers;
        for (int i = 0; i < threads; ++i) {
            workers.emplace_back([&, i] {
                start.arrive_and_wait();
                auto outcome = store_->rotate_refresh_token(
                    rotation(hash_of(presented), hash_of(presented + 1 + i), t0 + seconds(60)));
                if (!outcome) {
                    ++errors;
                } else if (std::holds_alternative<Rotated>(*outcome)) {
                    ++rotated;
                } else if (std::holds_alternative<ReuseDetected>(*outcome)) {
                    ++reuse;
                } else {
                    ++refused;
                }
            });
        }
        for (std::thread& worker : workers) {
            worker.join();
        }
        EXPECT_EQ(errors.load(), 0) << "round " << round;
        EXPECT_EQ(rotated.load(), 1) << "round " << round;
        // The first replay revokes the family; the later ones find it revoked.
        EXPECT_EQ(reuse.load(), 1) << "round " << round;
        EXPECT_EQ(refused.load(), threads - 2) << "round " << round;
        auto family = store_->list_families(std::nullopt)->back();
        EXPECT_EQ(family.family_id, family_id);
        EXPECT_TRUE(family.revoked_at);
    }
    EXPECT_EQ(query_integer(path_, "SELECT count(*) FROM refresh_tokens"), 2 * rounds);
}

TEST_F(SqliteStoreTest, TwoStoresOnOneFileWriteAtOnceWithoutBusy) {
    // The server and the CLI: two processes' worth of connections on one file.
    SqliteStore other(path_);
    constexpr int writes = 50;
    std::atomic<int> errors{0};
    auto write_users = [&](Store& store, const std::string& prefix) {
        for (int i = 0; i < writes; ++i) {
            std::string name = prefix + std::to_string(i);
            if (!store.create_user(make_user("usr_" + name, name)) ||
                !store.record_failed_login("usr_" + name)) {
                ++errors;
            }
        }
    };
    std::thread first([&] { write_users(*store_, "a"); });
    std::thread second([&] { write_users(other, "b"); });
    std::thread third([&] { write_users(*store_, "c"); });
    first.join();
    second.join();
    third.join();
    EXPECT_EQ(errors.load(), 0);
    EXPECT_EQ(store_->list_users()->size(), 3u * writes);
}

TEST_F(SqliteStoreTest, FamiliesAreListedAndRevokedBySubject) {
    seed_family(hash_of(1), "fam_1");
    ASSERT_TRUE(store_->insert_refresh_token(first_token(hash_of(2), "fam_2")));
    RefreshToken bobs = first_token(hash_of(3), "fam_3", "usr_bob");
    bobs.issued_at = t0 + seconds(5);
    ASSERT_TRUE(store_->insert_refresh_token(bobs));

    auto all = store_->list_families(std::nullopt);
    ASSERT_TRUE(all);
    ASSERT_EQ(all->size(), 3u);
    EXPECT_EQ((*all)[2].family_id, "fam_3");
    EXPECT_EQ((*all)[2].created_at, t0 + seconds(5));
    EXPECT_EQ((*all)[2].family_expires_at, t0 + seconds(86400));
    EXPECT_FALSE((*all)[2].revoked_at);
    EXPECT_EQ(store_->list_families("usr_alice")->size(), 2u);
    EXPECT_TRUE(store_->list_families("usr_nobody")->empty());

    auto revoked = store_->revoke_families_of_subject("usr_alice", "logout_everywhere",
                                                      t0 + seconds(10), t0 + seconds(910));
    ASSERT_TRUE(revoked);
    EXPECT_EQ(*revoked, 2u);
    EXPECT_EQ(*store_->revoke_families_of_subject("usr_alice", "again", t0 + seconds(20),
                                                  t0 + seconds(920)),
              0u);
    auto alices = store_->list_families("usr_alice");
    EXPECT_EQ((*alices)[0].revoke_reason, "logout_everywhere");
    EXPECT_EQ((*alices)[0].revoked_at, std::optional<Time>(t0 + seconds(10)));
    EXPECT_FALSE(store_->find_refresh_token(hash_of(3))->revoked);

    ASSERT_TRUE(store_->revoke_family("fam_3", "admin", t0 + seconds(30), t0 + seconds(930)));
    ASSERT_TRUE(store_->revoke_family("fam_3", "twice", t0 + seconds(40), t0 + seconds(940)));
    EXPECT_EQ(store_->list_families("usr_bob")->front().revoke_reason, "admin");
    EXPECT_TRUE(store_->find_refresh_token(hash_of(3))->revoked);
    EXPECT_EQ(store_->revoke_family("fam_x", "admin", t0, t0).error().code,
              StoreErrorCode::not_found);

    ASSERT_TRUE(store_->revoke_subject("usr_carol", {t0 + seconds(50), t0 + seconds(950), "x"}));
    auto lists = store_->load_revocations(t0 + seconds(50));
    EXPECT_EQ(lists->families.size(), 3u);
    ASSERT_EQ(lists->subjects.size(), 1u);
    EXPECT_EQ(lists->subjects[0].subject, "usr_carol");
}

TEST_F(SqliteStoreTest, RevocationListsHoldWhatIsStillRelevant) {
    ASSERT_TRUE(store_->add_access_token_revocation({"jti_1", t0 + seconds(100)}));
    ASSERT_TRUE(store_->add_access_token_revocation({"jti_2", t0 + seconds(300)}));
    ASSERT_TRUE(store_->add_access_token_revocation({"jti_1", t0 + seconds(50)}));  // keeps 100
    ASSERT_TRUE(store_->add_subject_revocation({"usr_1", t0 + seconds(10), t0 + seconds(200)}));
    ASSERT_TRUE(store_->add_subject_revocation({"usr_1", t0 + seconds(5), t0 + seconds(100)}));
    ASSERT_TRUE(store_->add_subject_revocation({"usr_2", t0 + seconds(20), t0 + seconds(400)}));
    seed_family(hash_of(1), "fam_1");
    ASSERT_TRUE(store_->revoke_family("fam_1", "admin", t0, t0 + seconds(150)));

    auto at_start = store_->load_revocations(t0);
    ASSERT_TRUE(at_start);
    ASSERT_EQ(at_start->access_tokens.size(), 2u);
    EXPECT_EQ(at_start->access_tokens[0].jti, "jti_1");
    EXPECT_EQ(at_start->access_tokens[0].expires_at, t0 + seconds(100));
    ASSERT_EQ(at_start->subjects.size(), 2u);
    EXPECT_EQ(at_start->subjects[0].not_before, t0 + seconds(10));  // never moves back
    EXPECT_EQ(at_start->subjects[0].keep_until, t0 + seconds(200));
    ASSERT_EQ(at_start->families.size(), 1u);
    EXPECT_EQ(at_start->families[0].revoked_at, t0);

    auto later = store_->load_revocations(t0 + seconds(150));
    EXPECT_EQ(later->access_tokens.size(), 1u);
    EXPECT_EQ(later->access_tokens[0].jti, "jti_2");
    EXPECT_EQ(later->subjects.size(), 2u);
    EXPECT_TRUE(later->families.empty());
    auto much_later = store_->load_revocations(t0 + seconds(400));
    EXPECT_TRUE(much_later->access_tokens.empty());
    EXPECT_TRUE(much_later->subjects.empty());

    EXPECT_EQ(store_->add_access_token_revocation({"", t0}).error().code, StoreErrorCode::invalid);
}

TEST_F(SqliteStoreTest, PurgeDropsOnlyWhatHasExpired) {
    seed_family(hash_of(1), "fam_1");
    RefreshToken longer = first_token(hash_of(2), "fam_2");
    longer.family_expires_at = t0 + seconds(200000);
    ASSERT_TRUE(store_->insert_refresh_token(longer));
    ASSERT_TRUE(store_->rotate_refresh_token(rotation(hash_of(1), hash_of(3), t0 + seconds(10))));
    ASSERT_TRUE(store_->add_access_token_revocation({"jti_1", t0 + seconds(100)}));
    ASSERT_TRUE(store_->add_access_token_revocation({"jti_2", t0 + seconds(100000)}));
    ASSERT_TRUE(store_->add_subject_revocation({"usr_1", t0, t0 + seconds(100)}));
    ASSERT_TRUE(store_->revoke_family("fam_2", "admin", t0, t0 + seconds(100000)));

    auto counts = store_->purge_expired(t0 + seconds(86400));
    ASSERT_TRUE(counts);
    EXPECT_EQ(counts->refresh_families, 1u);
    EXPECT_EQ(counts->access_token_revocations, 1u);
    EXPECT_EQ(counts->family_revocations, 0u);
    EXPECT_EQ(counts->subject_revocations, 1u);
    EXPECT_EQ(store_->find_refresh_token(hash_of(1)).error().code, StoreErrorCode::not_found);
    EXPECT_EQ(store_->find_refresh_token(hash_of(3)).error().code, StoreErrorCode::not_found);
    EXPECT_TRUE(store_->find_refresh_token(hash_of(2)));
    auto lists = store_->load_revocations(t0);
    EXPECT_EQ(lists->access_tokens.size(), 1u);
    EXPECT_EQ(lists->families.size(), 1u);
    EXPECT_TRUE(lists->subjects.empty());
    EXPECT_EQ(store_->purge_expired(t0 + seconds(86400))->refresh_families, 0u);
}

TEST_F(SqliteStoreTest, BansAreSavedListedDeletedAndPurged) {
    StoredBan ban{"ban_1",          "address", "203.0.113.7",     "scraper",
                  "admin:operator", t0,        t0 + seconds(3600)};
    ASSERT_TRUE(store_->save_ban(ban));
    ASSERT_TRUE(store_->save_ban(
        {"ban_2", "subject", "usr_1", "", "admin:operator", t0, t0 + seconds(60)}));
    auto listed = store_->list_bans(t0);
    ASSERT_TRUE(listed);
    ASSERT_EQ(listed->size(), 2u);
    EXPECT_EQ((*listed)[0].id, "ban_2");  // soonest expiry first
    EXPECT_EQ((*listed)[1].target, "203.0.113.7");
    EXPECT_EQ((*listed)[1].expires_at, t0 + seconds(3600));
    // Saving an id again replaces it.
    ban.expires_at = t0 + seconds(7200);
    ASSERT_TRUE(store_->save_ban(ban));
    EXPECT_EQ(store_->list_bans(t0 + seconds(61))->size(), 1u);
    EXPECT_EQ(store_->list_bans(t0 + seconds(61))->front().expires_at, t0 + seconds(7200));
    ASSERT_TRUE(store_->delete_ban("ban_1"));
    EXPECT_EQ(store_->delete_ban("ban_1").error().code, StoreErrorCode::not_found);
    EXPECT_EQ(store_->purge_expired(t0 + seconds(61))->bans, 1u);
    EXPECT_TRUE(store_->list_bans(t0)->empty());
    EXPECT_EQ(store_->save_ban({"", "address", "x", "", "", t0, t0}).error().code,
              StoreErrorCode::invalid);
}

TEST_F(SqliteStoreTest, SigningKeyOperations) {
    SigningKey key;
    key.kid = "kid_1";
    key.algorithm = "EdDSA";
    key.public_jwk =
        R"({"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"})";
    key.sealed_private_key = {0x00, 0x01, 0xfe, 0xff, 0x00, 0x7f};
    key.created_at = t0;
    key.publish_at = t0;
    key.activate_at = t0 + seconds(3600);
    ASSERT_TRUE(store_->insert_signing_key(key));
    EXPECT_EQ(store_->insert_signing_key(key).error().code, StoreErrorCode::conflict);
    SigningKey second = key;
    second.kid = "kid_2";
    second.created_at = t0 + seconds(1);
    second.retire_at = t0 + seconds(7200);
    ASSERT_TRUE(store_->insert_signing_key(second));

    auto keys = store_->list_signing_keys();
    ASSERT_TRUE(keys);
    ASSERT_EQ(keys->size(), 2u);
    const SigningKey& stored = (*keys)[0];
    EXPECT_EQ(stored.kid, "kid_1");
    EXPECT_EQ(stored.algorithm, "EdDSA");
    EXPECT_EQ(stored.public_jwk, key.public_jwk);
    EXPECT_EQ(stored.sealed_private_key, key.sealed_private_key);
    EXPECT_EQ(stored.activate_at, t0 + seconds(3600));
    EXPECT_FALSE(stored.retire_at);
    EXPECT_EQ((*keys)[1].retire_at, std::optional<Time>(t0 + seconds(7200)));

    ASSERT_TRUE(store_->set_signing_key_schedule("kid_1", t0 + seconds(100), t0 + seconds(200)));
    keys = store_->list_signing_keys();
    EXPECT_EQ((*keys)[0].retire_at, std::optional<Time>(t0 + seconds(100)));
    EXPECT_EQ((*keys)[0].remove_at, std::optional<Time>(t0 + seconds(200)));
    ASSERT_TRUE(store_->delete_signing_key("kid_1"));
    keys = store_->list_signing_keys();
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_EQ((*keys)[0].kid, "kid_2");
    EXPECT_EQ(store_->delete_signing_key("kid_1").error().code, StoreErrorCode::not_found);
    EXPECT_EQ(store_->set_signing_key_schedule("kid_x", std::nullopt, std::nullopt).error().code,
              StoreErrorCode::not_found);
    key.sealed_private_key.clear();
    key.kid = "kid_3";
    EXPECT_EQ(store_->insert_signing_key(key).error().code, StoreErrorCode::invalid);
}

TEST_F(SqliteStoreTest, MetaValues) {
    auto missing = store_->get_meta("master_key_fingerprint");
    ASSERT_TRUE(missing);
    EXPECT_FALSE(*missing);
    ASSERT_TRUE(store_->set_meta("master_key_fingerprint", "one"));
    ASSERT_TRUE(store_->set_meta("master_key_fingerprint", "two"));
    EXPECT_EQ(*store_->get_meta("master_key_fingerprint"), std::optional<std::string>("two"));
    EXPECT_EQ(store_->set_meta("", "x").error().code, StoreErrorCode::invalid);
}

TEST_F(SqliteStoreTest, ErrorMessagesNameTheOperationNotTheValues) {
    ASSERT_TRUE(store_->create_user(make_user("usr_1", "alice", "alice@example.com")));
    auto duplicate = store_->create_user(make_user("usr_2", "ALICE"));
    ASSERT_FALSE(duplicate);
    EXPECT_NE(duplicate.error().message.find("create_user"), std::string::npos);
    EXPECT_NE(duplicate.error().message.find("users.username_key"), std::string::npos);
    EXPECT_EQ(duplicate.error().message.find("ALICE"), std::string::npos);
    EXPECT_EQ(to_string(duplicate.error().code), "conflict");
}
