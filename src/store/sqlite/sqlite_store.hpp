// The embedded Store: one SQLite file (WAL, foreign keys on, synchronous=NORMAL) used by the
// server and the CLI at once. Callers share a small pool of connections; every write is one
// BEGIN IMMEDIATE transaction, retried with a bounded backoff while another connection or
// process holds the write lock, so a caller sees `busy` only after several seconds of it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "store/sqlite/statement.hpp"
#include "store/store.hpp"

namespace rampart::store::sqlite {

struct SqliteOptions {
    // Open connections; callers beyond this many wait for one to be free.
    std::size_t connections = 4;
    // How long one statement waits for a lock held by another connection or process.
    std::chrono::milliseconds busy_timeout{5000};
    // How long a write keeps retrying BEGIN IMMEDIATE and COMMIT before it reports `busy`.
    std::chrono::milliseconds write_deadline{10000};
};

class SqliteStore final : public Store {
  public:
    // Opens the database file, creating it with mode 0600 (an existing file readable by group
    // or others is refused), and applies the pending migrations. Load time: throws
    // std::runtime_error naming the file and the reason.
    explicit SqliteStore(std::string path, SqliteOptions options = {});
    ~SqliteStore() override;

    StoreResult<void> create_user(const User& user) override;
    StoreResult<User> find_user_by_id(std::string_view id) override;
    StoreResult<User> find_user_by_username(std::string_view username) override;
    StoreResult<std::vector<User>> list_users() override;
    StoreResult<void> set_user_roles(std::string_view id,
                                     const std::vector<std::string>& roles) override;
    StoreResult<void> set_user_disabled(std::string_view id, bool disabled,
                                        const std::optional<SessionCutoff>& cutoff) override;
    StoreResult<void> set_user_password_hash(std::string_view id, std::string_view password_hash,
                                             Time changed_at,
                                             const std::optional<SessionCutoff>& cutoff) override;
    StoreResult<int> record_failed_login(std::string_view id) override;
    StoreResult<void> reset_failed_logins(std::string_view id) override;
    StoreResult<void> set_user_locked_until(std::string_view id,
                                            std::optional<Time> locked_until) override;

    StoreResult<void> create_api_key(const ApiKey& key) override;
    StoreResult<ApiKey> find_api_key(std::string_view id) override;
    StoreResult<std::vector<ApiKey>> list_api_keys() override;
    StoreResult<void> revoke_api_key(std::string_view id, Time revoked_at) override;
    StoreResult<void> set_api_key_expiry(std::string_view id,
                                         std::optional<Time> expires_at) override;

    StoreResult<void> create_client(const OAuthClient& client) override;
    StoreResult<OAuthClient> find_client(std::string_view client_id) override;
    StoreResult<std::vector<OAuthClient>> list_clients() override;
    StoreResult<void> update_client(const OAuthClient& client) override;
    StoreResult<void> delete_client(std::string_view client_id, Time now,
                                    Time revocation_keep_until) override;

    StoreResult<void> insert_refresh_token(const RefreshToken& first) override;
    StoreResult<RotationOutcome> rotate_refresh_token(const RotationRequest& request) override;
    StoreResult<RefreshToken> find_refresh_token(std::string_view token_hash) override;
    StoreResult<void> revoke_family(std::string_view family_id, std::string_view reason, Time now,
                                    Time keep_until) override;
    StoreResult<std::size_t> revoke_families_of_subject(std::string_view subject,
                                                        std::string_view reason, Time now,
                                                        Time keep_until) override;
    StoreResult<void> revoke_subject(std::string_view subject,
                                     const SessionCutoff& cutoff) override;
    StoreResult<std::vector<RefreshFamily>> list_families(
        std::optional<std::string_view> subject) override;

    StoreResult<void> add_access_token_revocation(const AccessTokenRevocation& revocation) override;
    StoreResult<void> add_subject_revocation(const SubjectRevocation& revocation) override;
    StoreResult<RevocationLists> load_revocations(Time now) override;

    StoreResult<void> insert_signing_key(const SigningKey& key) override;
    StoreResult<std::vector<SigningKey>> list_signing_keys() override;
    StoreResult<void> set_signing_key_schedule(std::string_view kid, std::optional<Time> retire_at,
                                               std::optional<Time> remove_at) override;
    StoreResult<void> delete_signing_key(std::string_view kid) override;

    StoreResult<void> save_ban(const StoredBan& ban) override;
    StoreResult<void> delete_ban(std::string_view id) override;
    StoreResult<std::vector<StoredBan>> list_bans(Time now) override;

    StoreResult<std::optional<std::string>> get_meta(std::string_view name) override;
    StoreResult<void> set_meta(std::string_view name, std::string_view value) override;

    StoreResult<PurgeCounts> purge_expired(Time now) override;

  private:
    class Lease;  // a connection checked out of the pool, given back when it goes
    enum class TransactionKind { read, write };

    Lease lease();
    void give_back(std::unique_ptr<Connection> connection);

    // Runs `operation(Connection&)` in one transaction; commits when it returns a value and
    // rolls back when it returns an error.
    template <class Operation>
    auto in_transaction(TransactionKind kind, std::string_view context, Operation&& operation)
        -> decltype(operation(std::declval<Connection&>()));
    // Runs a single-row statement without a transaction of its own.
    template <class Operation>
    auto with_connection(Operation&& operation) -> decltype(operation(std::declval<Connection&>()));
    // One UPDATE or DELETE that must change a row: not_found when it changes none.
    template <class... Values>
    StoreResult<void> change_one(std::string_view context, std::string_view sql,
                                 const Values&... values);

    std::string path_;
    SqliteOptions options_;
    std::mutex mutex_;
    std::condition_variable connection_returned_;
    std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace rampart::store::sqlite
