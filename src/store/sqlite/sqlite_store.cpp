#include "store/sqlite/sqlite_store.hpp"
#include "store/sqlite/migrations.hpp"
#include "util/ascii.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <thread>
#include <utility>

namespace rampart::store::sqlite {

namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

StoreError not_found(std::string_view context) {
    return {StoreErrorCode::not_found, std::string(context) + ": no such record"};
}

StoreError invalid(std::string_view context, std::string_view reason) {
    return {StoreErrorCode::invalid, std::string(context) + ": " + std::string(reason)};
}

// ---- values as stored ----

bool is_sha256_hex(std::string_view text) {
    return text.size() == 64 && std::all_of(text.begin(), text.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

// A PHC string ("$argon2id$v=19$..."): what a password hash looks like, unlike a password.
bool is_phc_string(std::string_view text) {
    return text.size() > 2 && text.front() == '$' && text.find('$', 1) != std::string_view::npos &&
           std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

bool is_list_item(std::string_view item) {
    return !item.empty() &&
           std::all_of(item.begin(), item.end(), [](char c) { return c > 0x20 && c != 0x7f; });
}

// Lists are stored as one TEXT column, items separated by single spaces.
std::optional<std::string> join_items(const std::vector<std::string>& items) {
    std::string joined;
    for (const std::string& item : items) {
        if (!is_list_item(item)) {
            return std::nullopt;
        }
        if (!joined.empty()) {
            joined += ' ';
        }
        joined += item;
    }
    return joined;
}

std::vector<std::string> split_items(std::string_view joined) {
    std::vector<std::string> items;
    while (!joined.empty()) {
        std::size_t space = joined.find(' ');
        items.emplace_back(joined.substr(0, space));
        if (space == std::string_view::npos) {
            break;
        }
        joined.remove_prefix(space + 1);
    }
    return items;
}

std::string lookup_key(std::string_view text) {
    std::string key(text);
    for (char& c : key) {
        c = util::ascii_lower(c);
    }
    return key;
}

std::optional<std::string> optional_lookup_key(const std::optional<std::string>& text) {
    if (!text) {
        return std::nullopt;
    }
    return lookup_key(*text);
}

std::string_view to_string(SubjectKind kind) {
    return kind == SubjectKind::client ? "client" : "user";
}

SubjectKind subject_kind_from(std::string_view text) {
    return text == "client" ? SubjectKind::client : SubjectKind::user;
}

// ---- rows ----

constexpr std::string_view user_columns =
    "id, username, email, password_hash, roles, disabled, failed_login_count, locked_until, "
    "created_at, password_changed_at";

User read_user(const Statement& row) {
    User user;
    user.id = row.text(0);
    user.username = row.text(1);
    user.email = row.optional_text(2);
    user.password_hash = row.text(3);
    user.roles = split_items(row.text(4));
    user.disabled = row.flag(5);
    user.failed_login_count = static_cast<int>(row.integer(6));
    user.locked_until = row.optional_time(7);
    user.created_at = row.time(8);
    user.password_changed_at = row.time(9);
    return user;
}

constexpr std::string_view api_key_columns =
    "id, prefix, secret_hash, consumer, scopes, roles, created_at, expires_at, revoked_at";

ApiKey read_api_key(const Statement& row) {
    ApiKey key;
    key.id = row.text(0);
    key.prefix = row.text(1);
    key.secret_hash = row.text(2);
    key.consumer = row.text(3);
    key.scopes = split_items(row.text(4));
    key.roles = split_items(row.text(5));
    key.created_at = row.time(6);
    key.expires_at = row.optional_time(7);
    key.revoked_at = row.optional_time(8);
    return key;
}

constexpr std::string_view client_columns =
    "client_id, secret_hash, name, allowed_grant_types, allowed_scopes, roles, may_introspect, "
    "disabled, created_at";

OAuthClient read_client(const Statement& row) {
    OAuthClient client;
    client.client_id = row.text(0);
    client.secret_hash = row.optional_text(1);
    client.name = row.text(2);
    client.allowed_grant_types = split_items(row.text(3));
    client.allowed_scopes = split_items(row.text(4));
    client.roles = split_items(row.text(5));
    client.may_introspect = row.flag(6);
    client.disabled = row.flag(7);
    client.created_at = row.time(8);
    return client;
}

// A token with what it inherits from its family; revoked when either is.
constexpr std::string_view refresh_token_query =
    "SELECT t.token_hash, t.family_id, t.parent_hash, f.client_id, f.subject, f.subject_kind, "
    "t.scopes, t.issued_at, t.idle_expires_at, f.family_expires_at, t.used_at, t.grace_reuses, "
    "t.revoked, f.revoked_at "
    "FROM refresh_tokens t JOIN refresh_families f ON f.family_id = t.family_id "
    "WHERE t.token_hash = ?";

RefreshToken read_refresh_token(const Statement& row) {
    RefreshToken token;
    token.token_hash = row.text(0);
    token.family_id = row.text(1);
    token.parent_hash = row.optional_text(2);
    token.client_id = row.text(3);
    token.subject = row.text(4);
    token.subject_kind = subject_kind_from(row.text(5));
    token.scopes = split_items(row.text(6));
    token.issued_at = row.time(7);
    token.idle_expires_at = row.time(8);
    token.family_expires_at = row.time(9);
    token.used_at = row.optional_time(10);
    token.grace_reuses = static_cast<int>(row.integer(11));
    token.revoked = row.flag(12) || !row.is_null(13);
    return token;
}

constexpr std::string_view family_columns =
    "family_id, client_id, subject, subject_kind, created_at, family_expires_at, revoked_at, "
    "revoke_reason";

RefreshFamily read_family(const Statement& row) {
    RefreshFamily family;
    family.family_id = row.text(0);
    family.client_id = row.text(1);
    family.subject = row.text(2);
    family.subject_kind = subject_kind_from(row.text(3));
    family.created_at = row.time(4);
    family.family_expires_at = row.time(5);
    family.revoked_at = row.optional_time(6);
    family.revoke_reason = row.optional_text(7).value_or("");
    return family;
}

constexpr std::string_view signing_key_columns =
    "kid, algorithm, public_jwk, sealed_private_key, created_at, publish_at, activate_at, "
    "retire_at, remove_at";

SigningKey read_signing_key(const Statement& row) {
    SigningKey key;
    key.kid = row.text(0);
    key.algorithm = row.text(1);
    key.public_jwk = row.text(2);
    key.sealed_private_key = row.blob(3);
    key.created_at = row.time(4);
    key.publish_at = row.time(5);
    key.activate_at = row.time(6);
    key.retire_at = row.optional_time(7);
    key.remove_at = row.optional_time(8);
    return key;
}

std::string select_from(std::string_view columns, std::string_view rest) {
    std::string sql = "SELECT ";
    sql += columns;
    sql += ' ';
    sql += rest;
    return sql;
}

// Every row of a query, read with `read_row`.
template <class Reader>
auto read_all(Statement& statement, Reader read_row)
    -> StoreResult<std::vector<decltype(read_row(statement))>> {
    std::vector<decltype(read_row(statement))> rows;
    while (true) {
        auto row = statement.step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return rows;
        }
        rows.push_back(read_row(statement));
    }
}

// The one row of a query, or not_found.
template <class Reader>
auto read_one(Statement& statement, Reader read_row, std::string_view context)
    -> StoreResult<decltype(read_row(statement))> {
    auto row = statement.step();
    if (!row) {
        return row.error();
    }
    if (!*row) {
        return not_found(context);
    }
    return read_row(statement);
}

// ---- transactions ----

bool is_busy(int result_code) {
    return (result_code & 0xff) == SQLITE_BUSY || (result_code & 0xff) == SQLITE_LOCKED;
}

// Retries `sql` while the database is busy, with a doubling pause, until `deadline`. The
// busy_timeout handler already waited inside each attempt; this outer loop covers the cases
// where SQLite reports busy without waiting.
StoreResult<void> execute_retrying(Connection& connection, const char* sql,
                                   std::string_view context, steady_clock::time_point deadline) {
    milliseconds pause(1);
    while (true) {
        int result_code = sqlite3_exec(connection.handle(), sql, nullptr, nullptr, nullptr);
        if (result_code == SQLITE_OK) {
            return {};
        }
        if (!is_busy(result_code) || steady_clock::now() >= deadline) {
            return make_error(result_code, context, connection.handle());
        }
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, milliseconds(50));
    }
}

void roll_back(Connection& connection) {
    if (sqlite3_get_autocommit(connection.handle()) == 0) {
        sqlite3_exec(connection.handle(), "ROLLBACK", nullptr, nullptr, nullptr);
    }
}

// ---- revocation inside a transaction ----

// The families selected by `column` = `value` that are not yet revoked are revoked (with their
// tokens) and put on the revocation list. `column` is one of a fixed set of names, never input.
StoreResult<std::size_t> revoke_families_where(Connection& connection, std::string_view column,
                                               std::string_view value, std::string_view reason,
                                               Time now, Time keep_until,
                                               std::string_view context) {
    std::string live_families = "FROM refresh_families WHERE ";
    live_families += column;
    live_families += " = ? AND revoked_at IS NULL";

    Statement listed(connection,
                     "INSERT INTO family_revocations (family_id, revoked_at, keep_until) "
                     "SELECT family_id, ?, ? " +
                         live_families + " ON CONFLICT (family_id) DO NOTHING",
                     context);
    if (auto done = listed.bind_all(now, keep_until, value).run(); !done) {
        return done.error();
    }
    Statement tokens(connection,
                     "UPDATE refresh_tokens SET revoked = 1 WHERE family_id IN (SELECT family_id " +
                         live_families + ")",
                     context);
    if (auto done = tokens.bind_all(value).run(); !done) {
        return done.error();
    }
    std::string revoke = "UPDATE refresh_families SET revoked_at = ?, revoke_reason = ? WHERE ";
    revoke += column;
    revoke += " = ? AND revoked_at IS NULL";
    Statement families(connection, revoke, context);
    if (auto done = families.bind_all(now, reason, value).run(); !done) {
        return done.error();
    }
    return static_cast<std::size_t>(connection.changes());
}

StoreResult<void> upsert_subject_revocation(Connection& connection,
                                            const SubjectRevocation& revocation,
                                            std::string_view context) {
    // Both times only move forward: a later cutoff never revives tokens an earlier one killed.
    Statement statement(
        connection,
        "INSERT INTO subject_revocations (subject, not_before, keep_until) VALUES (?, ?, ?) "
        "ON CONFLICT (subject) DO UPDATE SET "
        "not_before = CASE WHEN excluded.not_before > subject_revocations.not_before "
        "THEN excluded.not_before ELSE subject_revocations.not_before END, "
        "keep_until = CASE WHEN excluded.keep_until > subject_revocations.keep_until "
        "THEN excluded.keep_until ELSE subject_revocations.keep_until END",
        context);
    return statement.bind_all(revocation.subject, revocation.not_before, revocation.keep_until)
        .run();
}

StoreResult<void> apply_cutoff(Connection& connection, std::string_view subject,
                               const SessionCutoff& cutoff, std::string_view context) {
    auto revoked = revoke_families_where(connection, "subject", subject, cutoff.reason, cutoff.at,
                                         cutoff.keep_until, context);
    if (!revoked) {
        return revoked.error();
    }
    return upsert_subject_revocation(
        connection, SubjectRevocation{std::string(subject), cutoff.at, cutoff.keep_until}, context);
}

// ---- opening ----

// Creates the file with mode 0600 before SQLite does (SQLite would honour the umask, usually
// 0644), and refuses an existing one that group or others can use: it holds password hashes and
// sealed signing keys. SQLite gives the -wal and -shm files the database file's mode.
void prepare_database_file(const std::string& path) {
    int descriptor = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (descriptor < 0 && errno == ELOOP) {
        throw std::runtime_error("the database " + path +
                                 " is a symbolic link; point the data directory at the file's "
                                 "directory instead");
    }
    if (descriptor < 0) {
        throw std::runtime_error("cannot open the database " + path + ": " + std::strerror(errno));
    }
    struct stat status {};
    int stat_result = ::fstat(descriptor, &status);
    int stat_errno = errno;
    ::close(descriptor);
    if (stat_result != 0) {
        throw std::runtime_error("cannot inspect the database " + path + ": " +
                                 std::strerror(stat_errno));
    }
    if (!S_ISREG(status.st_mode)) {
        throw std::runtime_error("the database " + path + " is not a regular file");
    }
    if ((status.st_mode & 077) != 0) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(status.st_mode & 07777));
        throw std::runtime_error("the database " + path +
                                 " is accessible by group or others (mode " + mode +
                                 "); make it private with chmod 600");
    }
}

std::string query_text(Connection& connection, const char* sql, const std::string& path) {
    Statement statement(connection, sql, sql);
    auto row = statement.step();
    if (!row) {
        throw std::runtime_error("database " + path + ": " + row.error().message);
    }
    return *row ? statement.text(0) : std::string();
}

// Per-connection settings; foreign keys are off by default in SQLite.
void configure(Connection& connection, const std::string& path) {
    for (const char* pragma : {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL"}) {
        if (auto done = connection.execute(pragma, pragma); !done) {
            throw std::runtime_error("database " + path + ": " + done.error().message);
        }
    }
    if (query_text(connection, "PRAGMA foreign_keys", path) != "1") {
        throw std::runtime_error("database " + path +
                                 ": this SQLite library does not enforce foreign keys");
    }
}

}  // namespace

class SqliteStore::Lease {
  public:
    Lease(SqliteStore& store, std::unique_ptr<Connection> connection)
        : store_(store), connection_(std::move(connection)) {}
    ~Lease() { store_.give_back(std::move(connection_)); }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;

    Connection& operator*() const { return *connection_; }

  private:
    SqliteStore& store_;
    std::unique_ptr<Connection> connection_;
};

SqliteStore::SqliteStore(std::string path, SqliteOptions options)
    : path_(std::move(path)), options_(options) {
    prepare_database_file(path_);
    auto first = std::make_unique<Connection>(path_, options_.busy_timeout);
    // WAL is a property of the file: set once, before the first transaction. It also makes the
    // first read of the file, which is where a file that is not a database is noticed.
    if (query_text(*first, "PRAGMA journal_mode = WAL", path_) != "wal") {
        throw std::runtime_error("database " + path_ + ": cannot switch to WAL journal mode");
    }
    configure(*first, path_);
    apply_migrations(*first, path_);
    idle_.push_back(std::move(first));
    for (std::size_t i = 1; i < std::max<std::size_t>(options_.connections, 1); ++i) {
        auto connection = std::make_unique<Connection>(path_, options_.busy_timeout);
        configure(*connection, path_);
        idle_.push_back(std::move(connection));
    }
}

SqliteStore::~SqliteStore() = default;

SqliteStore::Lease SqliteStore::lease() {
    std::unique_lock lock(mutex_);
    connection_returned_.wait(lock, [this] { return !idle_.empty(); });
    auto connection = std::move(idle_.back());
    idle_.pop_back();
    return Lease(*this, std::move(connection));
}

void SqliteStore::give_back(std::unique_ptr<Connection> connection) {
    roll_back(*connection);  // only if an operation left a transaction open
    {
        std::lock_guard lock(mutex_);
        idle_.push_back(std::move(connection));
    }
    connection_returned_.notify_one();
}

template <class Operation>
auto SqliteStore::in_transaction(TransactionKind kind, std::string_view context,
                                 Operation&& operation)
    -> decltype(operation(std::declval<Connection&>())) {
    Lease lease = this->lease();
    Connection& connection = *lease;
    auto deadline = steady_clock::now() + options_.write_deadline;
    // IMMEDIATE takes the write lock up front: a deferred transaction that reads and then writes
    // can fail with SQLITE_BUSY_SNAPSHOT, which no amount of waiting fixes.
    const char* begin = kind == TransactionKind::write ? "BEGIN IMMEDIATE" : "BEGIN";
    if (auto begun = execute_retrying(connection, begin, context, deadline); !begun) {
        return begun.error();
    }
    auto result = operation(connection);
    if (!result) {
        roll_back(connection);
        return result;
    }
    // A COMMIT refused as busy leaves the transaction open, so it can be retried.
    if (auto committed = execute_retrying(connection, "COMMIT", context, deadline); !committed) {
        roll_back(connection);
        return committed.error();
    }
    return result;
}

template <class Operation>
auto SqliteStore::with_connection(Operation&& operation)
    -> decltype(operation(std::declval<Connection&>())) {
    Lease lease = this->lease();
    return operation(*lease);
}

template <class... Values>
StoreResult<void> SqliteStore::change_one(std::string_view context, std::string_view sql,
                                          const Values&... values) {
    return in_transaction(TransactionKind::write, context,
                          [&](Connection& connection) -> StoreResult<void> {
                              Statement statement(connection, sql, context);
                              if (auto done = statement.bind_all(values...).run(); !done) {
                                  return done.error();
                              }
                              if (connection.changes() == 0) {
                                  return not_found(context);
                              }
                              return {};
                          });
}

// ---- users ----

StoreResult<void> SqliteStore::create_user(const User& user) {
    constexpr std::string_view context = "create_user";
    auto roles = join_items(user.roles);
    if (user.id.empty() || user.username.empty()) {
        return invalid(context, "the id and the username must not be empty");
    }
    if (!is_phc_string(user.password_hash)) {
        return invalid(context, "the password hash must be a PHC string");
    }
    if (!roles) {
        return invalid(context, "a role is empty or contains whitespace");
    }
    return in_transaction(TransactionKind::write, context, [&](Connection& connection) {
        Statement statement(connection,
                            "INSERT INTO users (id, username, username_key, email, email_key, "
                            "password_hash, roles, disabled, failed_login_count, locked_until, "
                            "created_at, password_changed_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            context);
        return statement
            .bind_all(user.id, user.username, lookup_key(user.username), user.email,
                      optional_lookup_key(user.email), user.password_hash, *roles, user.disabled,
                      user.failed_login_count, user.locked_until, user.created_at,
                      user.password_changed_at)
            .run();
    });
}

StoreResult<User> SqliteStore::find_user_by_id(std::string_view id) {
    constexpr std::string_view context = "find_user_by_id";
    return with_connection([&](Connection& connection) {
        Statement statement(connection, select_from(user_columns, "FROM users WHERE id = ?"),
                            context);
        statement.bind_all(id);
        return read_one(statement, read_user, context);
    });
}

StoreResult<User> SqliteStore::find_user_by_username(std::string_view username) {
    constexpr std::string_view context = "find_user_by_username";
    return with_connection([&](Connection& connection) {
        Statement statement(
            connection, select_from(user_columns, "FROM users WHERE username_key = ?"), context);
        statement.bind_all(lookup_key(username));
        return read_one(statement, read_user, context);
    });
}

StoreResult<std::vector<User>> SqliteStore::list_users() {
    constexpr std::string_view context = "list_users";
    return with_connection([&](Connection& connection) {
        Statement statement(connection,
                            select_from(user_columns, "FROM users ORDER BY username_key"), context);
        return read_all(statement, read_user);
    });
}

StoreResult<void> SqliteStore::set_user_roles(std::string_view id,
                                              const std::vector<std::string>& roles) {
    constexpr std::string_view context = "set_user_roles";
    auto joined = join_items(roles);
    if (!joined) {
        return invalid(context, "a role is empty or contains whitespace");
    }
    return change_one(context, "UPDATE users SET roles = ? WHERE id = ?", *joined, id);
}

StoreResult<void> SqliteStore::set_user_disabled(std::string_view id, bool disabled,
                                                 const std::optional<SessionCutoff>& cutoff) {
    constexpr std::string_view context = "set_user_disabled";
    return in_transaction(
        TransactionKind::write, context, [&](Connection& connection) -> StoreResult<void> {
            Statement statement(connection, "UPDATE users SET disabled = ? WHERE id = ?", context);
            if (auto done = statement.bind_all(disabled, id).run(); !done) {
                return done.error();
            }
            if (connection.changes() == 0) {
                return not_found(context);
            }
            if (cutoff) {
                return apply_cutoff(connection, id, *cutoff, context);
            }
            return {};
        });
}

StoreResult<void> SqliteStore::set_user_password_hash(std::string_view id,
                                                      std::string_view password_hash,
                                                      Time changed_at,
                                                      const std::optional<SessionCutoff>& cutoff) {
    constexpr std::string_view context = "set_user_password_hash";
    if (!is_phc_string(password_hash)) {
        return invalid(context, "the password hash must be a PHC string");
    }
    return in_transaction(
        TransactionKind::write, context, [&](Connection& connection) -> StoreResult<void> {
            Statement statement(
                connection,
                "UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?",
                context);
            if (auto done = statement.bind_all(password_hash, changed_at, id).run(); !done) {
                return done.error();
            }
            if (connection.changes() == 0) {
                return not_found(context);
            }
            if (cutoff) {
                return apply_cutoff(connection, id, *cutoff, context);
            }
            return {};
        });
}

StoreResult<int> SqliteStore::record_failed_login(std::string_view id) {
    constexpr std::string_view context = "record_failed_login";
    return in_transaction(
        TransactionKind::write, context, [&](Connection& connection) -> StoreResult<int> {
            Statement increment(
                connection,
                "UPDATE users SET failed_login_count = failed_login_count + 1 WHERE id = ?",
                context);
            if (auto done = increment.bind_all(id).run(); !done) {
                return done.error();
            }
            Statement count(connection, "SELECT failed_login_count FROM users WHERE id = ?",
                            context);
            count.bind_all(id);
            return read_one(
                count, [](const Statement& row) { return static_cast<int>(row.integer(0)); },
                context);
        });
}

StoreResult<void> SqliteStore::reset_failed_logins(std::string_view id) {
    return change_one("reset_failed_logins",
                      "UPDATE users SET failed_login_count = 0, locked_until = NULL WHERE id = ?",
                      id);
}

StoreResult<void> SqliteStore::set_user_locked_until(std::string_view id,
                                                     std::optional<Time> locked_until) {
    return change_one("set_user_locked_until", "UPDATE users SET locked_until = ? WHERE id = ?",
                      locked_until, id);
}

// ---- API keys ----

StoreResult<void> SqliteStore::create_api_key(const ApiKey& key) {
    constexpr std::string_view context = "create_api_key";
    auto scopes = join_items(key.scopes);
    auto roles = join_items(key.roles);
    if (key.id.empty() || key.consumer.empty()) {
        return invalid(context, "the id and the consumer must not be empty");
    }
    if (!is_sha256_hex(key.secret_hash)) {
        return invalid(context, "the secret hash must be a lower-case hex SHA-256");
    }
    if (!scopes || !roles) {
        return invalid(context, "a scope or role is empty or contains whitespace");
    }
    return in_transaction(TransactionKind::write, context, [&](Connection& connection) {
        Statement statement(connection,
                            "INSERT INTO api_keys (id, prefix, secret_hash, consumer, scopes, "
                            "roles, created_at, expires_at, revoked_at) "
                            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            context);
        return statement
            .bind_all(key.id, key.prefix, key.secret_hash, key.consumer, *scopes, *roles,
                      key.created_at, key.expires_at, key.revoked_at)
            .run();
    });
}

StoreResult<ApiKey> SqliteStore::find_api_key(std::string_view id) {
    constexpr std::string_view context = "find_api_key";
    return with_connection([&](Connection& connection) {
        Statement statement(connection, select_from(api_key_columns, "FROM api_keys WHERE id = ?"),
                            context);
        statement.bind_all(id);
        return read_one(statement, read_api_key, context);
    });
}

StoreResult<std::vector<ApiKey>> SqliteStore::list_api_keys() {
    constexpr std::string_view context = "list_api_keys";
    return with_connection([&](Connection& connection) {
        Statement statement(connection,
                            select_from(api_key_columns, "FROM api_keys ORDER BY created_at, id"),
                            context);
        return read_all(statement, read_api_key);
    });
}

StoreResult<void> SqliteStore::revoke_api_key(std::string_view id, Time revoked_at) {
    return change_one("revoke_api_key",
                      "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?",
                      revoked_at, id);
}

StoreResult<void> SqliteStore::set_api_key_expiry(std::string_view id,
                                                  std::optional<Time> expires_at) {
    return change_one("set_api_key_expiry", "UPDATE api_keys SET expires_at = ? WHERE id = ?",
                      expires_at, id);
}

// ---- OAuth clients ----

namespace {

struct ClientLists {
    std::string grant_types;
    std::string scopes;
    std::string roles;
};

StoreResult<ClientLists> check_client(const OAuthClient& client, std::string_view context) {
    auto grant_types = join_items(client.allowed_grant_types);
    auto scopes = join_items(client.allowed_scopes);
    auto roles = join_items(client.roles);
    if (client.client_id.empty()) {
        return invalid(context, "the client id must not be empty");
    }
    if (client.secret_hash && !is_sha256_hex(*client.secret_hash) &&
        !is_phc_string(*client.secret_hash)) {
        return invalid(context, "the secret hash must be a hex SHA-256 or a PHC string");
    }
    if (!grant_types || !scopes || !roles) {
        return invalid(context, "a grant type, scope or role is empty or contains whitespace");
    }
    return ClientLists{std::move(*grant_types), std::move(*scopes), std::move(*roles)};
}

}  // namespace

StoreResult<void> SqliteStore::create_client(const OAuthClient& client) {
    constexpr std::string_view context = "create_client";
    auto lists = check_client(client, context);
    if (!lists) {
        return lists.error();
    }
    return in_transaction(TransactionKind::write, context, [&](Connection& connection) {
        Statement statement(connection,
                            "INSERT INTO oauth_clients (client_id, secret_hash, name, "
                            "allowed_grant_types, allowed_scopes, roles, may_introspect, "
                            "disabled, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            context);
        return statement
            .bind_all(client.client_id, client.secret_hash, client.name, lists->grant_types,
                      lists->scopes, lists->roles, client.may_introspect, client.disabled,
                      client.created_at)
            .run();
    });
}

StoreResult<OAuthClient> SqliteStore::find_client(std::string_view client_id) {
    constexpr std::string_view context = "find_client";
    return with_connection([&](Connection& connection) {
        Statement statement(connection,
                            select_from(client_columns, "FROM oauth_clients WHERE client_id = ?"),
                            context);
        statement.bind_all(client_id);
        return read_one(statement, read_client, context);
    });
}

StoreResult<std::vector<OAuthClient>> SqliteStore::list_clients() {
    constexpr std::string_view context = "list_clients";
    return with_connection([&](Connection& connection) {
        Statement statement(connection,
                            select_from(client_columns, "FROM oauth_clients ORDER BY client_id"),
                            context);
        return read_all(statement, read_client);
    });
}

StoreResult<void> SqliteStore::update_client(const OAuthClient& client) {
    constexpr std::string_view context = "update_client";
    auto lists = check_client(client, context);
    if (!lists) {
        return lists.error();
    }
    return change_one(context,
                      "UPDATE oauth_clients SET secret_hash = ?, name = ?, "
                      "allowed_grant_types = ?, allowed_scopes = ?, roles = ?, "
                      "may_introspect = ?, disabled = ? WHERE client_id = ?",
                      client.secret_hash, client.name, lists->grant_types, lists->scopes,
                      lists->roles, client.may_introspect, client.disabled, client.client_id);
}

StoreResult<void> SqliteStore::delete_client(std::string_view client_id, Time now,
                                             Time revocation_keep_until) {
    constexpr std::string_view context = "delete_client";
    return in_transaction(
        TransactionKind::write, context, [&](Connection& connection) -> StoreResult<void> {
            auto revoked =
                revoke_families_where(connection, "client_id", client_id, "client_deleted", now,
                                      revocation_keep_until, context);
            if (!revoked) {
                return revoked.error();
            }
            // Its families and their tokens go with it (ON DELETE CASCADE).
            Statement statement(connection, "DELETE FROM oauth_clients WHERE client_id = ?",
                                context);
            if (auto done = statement.bind_all(client_id).run(); !done) {
                return done.error();
            }
            if (connection.changes() == 0) {
                return not_found(context);
            }
            return {};
        });
}

// ---- refresh tokens ----

namespace {

StoreResult<std::optional<RefreshToken>> load_refresh_token(Connection& connection,
                                                            std::string_view token_hash,
                                                            std::string_view context) {
    Statement statement(connection, refresh_token_query, context);
    statement.bind_all(token_hash);
    auto token = read_one(statement, read_refresh_token, context);
    if (!token) {
        if (token.error().code == StoreErrorCode::not_found) {
            return std::optional<RefreshToken>();
        }
        return token.error();
    }
    return std::optional<RefreshToken>(std::move(*token));
}

// The child of `parent`: same family, client, subject, scopes and absolute expiry.
StoreResult<RefreshToken> insert_child(Connection& connection, const RefreshToken& parent,
                                       const RotationRequest& request, std::string_view context) {
    RefreshToken child = parent;
    child.token_hash = request.new_token_hash;
    child.parent_hash = parent.token_hash;
    child.issued_at = request.now;
    child.idle_expires_at = std::min(request.now + request.idle_lifetime, parent.family_expires_at);
    child.used_at.reset();
    child.grace_reuses = 0;
    child.revoked = false;
    Statement statement(connection,
                        "INSERT INTO refresh_tokens (token_hash, family_id, parent_hash, scopes, "
                        "issued_at, idle_expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                        context);
    auto scopes = join_items(child.scopes);  // read back from the store: always well-formed
    auto done = statement
                    .bind_all(child.token_hash, child.family_id, child.parent_hash,
                              scopes.value_or(""), child.issued_at, child.idle_expires_at)
                    .run();
    if (!done) {
        return done.error();
    }
    return child;
}

StoreResult<RotationOutcome> rotate_in(Connection& connection, const RotationRequest& request,
                                       std::string_view context) {
    auto loaded = load_refresh_token(connection, request.presented_hash, context);
    if (!loaded) {
        return loaded.error();
    }
    if (!*loaded) {
        return RotationOutcome(RotationRefused{InvalidReason::unknown});
    }
    const RefreshToken& presented = **loaded;
    if (presented.revoked) {
        return RotationOutcome(RotationRefused{InvalidReason::revoked});
    }
    if (request.now >= presented.family_expires_at) {
        return RotationOutcome(RotationRefused{InvalidReason::expired});
    }
    std::optional<Time> used_at = presented.used_at;
    if (!used_at) {
        if (request.now >= presented.idle_expires_at) {
            return RotationOutcome(RotationRefused{InvalidReason::expired});
        }
        // The conditional UPDATE is the decision: of concurrent rotations exactly one changes
        // the row (here serialised by BEGIN IMMEDIATE; on PostgreSQL by the row lock).
        Statement mark(connection,
                       "UPDATE refresh_tokens SET used_at = ? "
                       "WHERE token_hash = ? AND used_at IS NULL AND revoked = 0",
                       context);
        if (auto done = mark.bind_all(request.now, presented.token_hash).run(); !done) {
            return done.error();
        }
        if (connection.changes() == 1) {
            auto child = insert_child(connection, presented, request, context);
            if (!child) {
                return child.error();
            }
            return RotationOutcome(Rotated{presented, std::move(*child), false});
        }
        used_at = request.now;  // used by a concurrent rotation a moment ago
    }
    if (request.now < *used_at + request.grace) {
        Statement take(connection,
                       "UPDATE refresh_tokens SET grace_reuses = grace_reuses + 1 "
                       "WHERE token_hash = ? AND revoked = 0 AND grace_reuses < ?",
                       context);
        if (auto done = take.bind_all(presented.token_hash, request.max_grace_reuses).run();
            !done) {
            return done.error();
        }
        if (connection.changes() == 1) {
            auto child = insert_child(connection, presented, request, context);
            if (!child) {
                return child.error();
            }
            return RotationOutcome(Rotated{presented, std::move(*child), true});
        }
    }
    // A used token presented again: it was stolen, or the client that rotated it was.
    auto revoked =
        revoke_families_where(connection, "family_id", presented.family_id, "refresh_token_reuse",
                              request.now, request.revocation_keep_until, context);
    if (!revoked) {
        return revoked.error();
    }
    return RotationOutcome(
        ReuseDetected{presented.family_id, presented.client_id, presented.subject});
}

}  // namespace

StoreResult<void> SqliteStore::insert_refresh_token(const RefreshToken& first) {
    constexpr std::string_view context = "insert_refresh_token";
    auto scopes = join_items(first.scopes);
    if (!is_sha256_hex(first.token_hash)) {
        return invalid(context, "the token hash must be a lower-case hex SHA-256");
    }
    if (first.family_id.empty() || first.client_id.empty() || first.subject.empty()) {
        return invalid(context, "the family, client and subject must not be empty");
    }
    if (first.parent_hash) {
        return invalid(context, "the first token of a family has no parent");
    }
    if (!scopes) {
        return invalid(context, "a scope is empty or contains whitespace");
    }
    return in_transaction(
        TransactionKind::write, context, [&](Connection& connection) -> StoreResult<void> {
            Statement family(connection,
                             "INSERT INTO refresh_families (family_id, client_id, subject, "
                             "subject_kind, created_at, family_expires_at) "
                             "VALUES (?, ?, ?, ?, ?, ?)",
                             context);
            auto created = family
                               .bind_all(first.family_id, first.client_id, first.subject,
                                         to_string(first.subject_kind), first.issued_at,
                                         first.family_expires_at)
                               .run();
            if (!created) {
                return created.error();
            }
            Statement token(connection,
                            "INSERT INTO refresh_tokens (token_hash, family_id, scopes, "
                            "issued_at, idle_expires_at) VALUES (?, ?, ?, ?, ?)",
                            context);
            return token
                .bind_all(first.token_hash, first.family_id, *scopes, first.issued_at,
                          std::min(first.idle_expires_at, first.family_expires_at))
                .run();
        });
}

StoreResult<RotationOutcome> SqliteStore::rotate_refresh_token(const RotationRequest& request) {
    constexpr std::string_view context = "rotate_refresh_token";
    if (!is_sha256_hex(request.new_token_hash)) {
        return invalid(context, "the new token hash must be a lower-case hex SHA-256");
    }
    return in_transaction(TransactionKind::write, context, [&](Connection& connection) {
        return rotate_in(connection, request, context);
    });
}

StoreResult<RefreshToken> SqliteStore::find_refresh_token(std::string_view token_hash) {
    constexpr std::string_view context = "find_refresh_token";
    return with_connection([&](Connection& connection) {
        Statement statement(connection, refresh_token_query, context);
        statement.bind_all(token_hash);
        return read_one(statement, read_refresh_token, context);
    });
}

StoreResult<void> SqliteStore::revoke_family(std::string_view family_id, std::string_view reason,
                                             Time now, Time keep_until) {
    constexpr std::string_view context = "revoke_family";
    return in_transaction(
        TransactionKind::write, context, [&](Connection& connection) -> StoreResult<void> {
            Statement exists(connection, "SELECT 1 FROM refresh_families WHERE family_id = ?",
                             context);
            exists.bind_all(family_id);
            auto found = read_one(
                exists, [](const Statement&) { return true; }, context);
            if (!found) {
                return found.error();
            }
            auto revoked = revoke_families_where(connection, "family_id", family_id, reason, now,
                                                 keep_until, context);
            if (!revoked) {
                return revoked.error();
            }
            return {};
        });
}

StoreResult<std::size_t> SqliteStore::revoke_families_of_subject(std::string_view subject,
                                                                 std::string_view reason, Time now,
                                                                 Time keep_until) {
    constexpr std::string_view context = "revoke_families_of_subject";
    return in_transaction(TransactionKind::write, context, [&](Connection& connection) {
        return revoke_families_where(connection, "subject", subject, reason, now, keep_until,
                                     context);
    });
}

StoreResult<void> SqliteStore::revoke_subject(std::string_view subject,
                                              const SessionCutoff& cutoff) {
    constexpr std::string_view context = "revoke_subject";
    return in_transaction(TransactionKind::write, context, [&](Connection& connection) {
        return apply_cutoff(connection, subject, cutoff, context);
    });
}

StoreResult<std::vector<RefreshFamily>> SqliteStore::list_families(
    std::optional<std::string_view> subject) {
    constexpr std::string_view context = "list_families";
    return with_connection([&](Connection& connection) {
        std::string sql = select_from(family_columns, "FROM refresh_families");
        if (subject) {
            sql += " WHERE subject = ?";
        }
        sql += " ORDER BY created_at, family_id";
        Statement statement(connection, sql, context);
        if (subject) {
            statement.bind_all(*subject);
        }
        return read_all(statement, read_family);
    });
}

// ---- revocation lists ----

StoreResult<void> SqliteStore::add_access_token_revocation(
    const AccessTokenRevocation& revocation) {
    constexpr std::string_view context = "add_access_token_revocation";
    if (revocation.jti.empty()) {
        return invalid(context, "the jti must not be empty");
    }
    return in_transaction(TransactionKind::write, context, [&](Connection& connection) {
        Statement statement(
            connection,
            "INSERT INTO access_token_revocations (jti, expires_at) VALUES (?, ?) "
            "ON CONFLICT (jti) DO UPDATE SET "
            "expires_at = CASE WHEN excluded.expires_at > access_token_revocations.expires_at "
            "THEN excluded.expires_at ELSE access_token_revocations.expires_at END",
            context);
        return statement.bind_all(revocation.jti, revocation.expires_at).run();
    });
}

StoreResult<void> SqliteStore::add_subject_revocation(const SubjectRevocation& revocation) {
    constexpr std::string_view context = "add_subject_revocation";
    if (revocation.subject.empty()) {
        return invalid(context, "the subject must not be empty");
    }
    return in_transaction(TransactionKind::write, context, [&](Connection& connection) {
        return upsert_subject_revocation(connection, revocation, context);
    });
}

StoreResult<RevocationLists> SqliteStore::load_revocations(Time now) {
    constexpr std::string_view context = "load_revocations";
    return in_transaction(
        TransactionKind::read, context,
        [&](Connection& connection) -> StoreResult<RevocationLists> {
            RevocationLists lists;
            Statement access_tokens(connection,
                                    "SELECT jti, expires_at FROM access_token_revocations "
                                    "WHERE expires_at > ? ORDER BY jti",
                                    context);
            access_tokens.bind_all(now);
            auto access_rows = read_all(access_tokens, [](const Statement& row) {
                return AccessTokenRevocation{row.text(0), row.time(1)};
            });
            if (!access_rows) {
                return access_rows.error();
            }
            Statement families(connection,
                               "SELECT family_id, revoked_at, keep_until FROM family_revocations "
                               "WHERE keep_until > ? ORDER BY family_id",
                               context);
            families.bind_all(now);
            auto family_rows = read_all(families, [](const Statement& row) {
                return FamilyRevocation{row.text(0), row.time(1), row.time(2)};
            });
            if (!family_rows) {
                return family_rows.error();
            }
            Statement subjects(connection,
                               "SELECT subject, not_before, keep_until FROM subject_revocations "
                               "WHERE keep_until > ? ORDER BY subject",
                               context);
            subjects.bind_all(now);
            auto subject_rows = read_all(subjects, [](const Statement& row) {
                return SubjectRevocation{row.text(0), row.time(1), row.time(2)};
            });
            if (!subject_rows) {
                return subject_rows.error();
            }
            lists.access_tokens = std::move(*access_rows);
            lists.families = std::move(*family_rows);
            lists.subjects = std::move(*subject_rows);
            return lists;
        });
}

// ---- signing keys ----

StoreResult<void> SqliteStore::insert_signing_key(const SigningKey& key) {
    constexpr std::string_view context = "insert_signing_key";
    if (key.kid.empty() || key.algorithm.empty() || key.public_jwk.empty() ||
        key.sealed_private_key.empty()) {
        return invalid(context, "the kid, algorithm, public JWK and sealed key must not be empty");
    }
    return in_transaction(TransactionKind::write, context, [&](Connection& connection) {
        Statement statement(connection,
                            "INSERT INTO signing_keys (kid, algorithm, public_jwk, "
                            "sealed_private_key, created_at, publish_at, activate_at, retire_at, "
                            "remove_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                            context);
        return statement
            .bind_all(key.kid, key.algorithm, key.public_jwk, key.sealed_private_key,
                      key.created_at, key.publish_at, key.activate_at, key.retire_at, key.remove_at)
            .run();
    });
}

StoreResult<std::vector<SigningKey>> SqliteStore::list_signing_keys() {
    constexpr std::string_view context = "list_signing_keys";
    return with_connection([&](Connection& connection) {
        Statement statement(
            connection,
            select_from(signing_key_columns, "FROM signing_keys ORDER BY created_at, kid"),
            context);
        return read_all(statement, read_signing_key);
    });
}

StoreResult<void> SqliteStore::set_signing_key_schedule(std::string_view kid,
                                                        std::optional<Time> retire_at,
                                                        std::optional<Time> remove_at) {
    return change_one("set_signing_key_schedule",
                      "UPDATE signing_keys SET retire_at = ?, remove_at = ? WHERE kid = ?",
                      retire_at, remove_at, kid);
}

StoreResult<void> SqliteStore::delete_signing_key(std::string_view kid) {
    return change_one("delete_signing_key", "DELETE FROM signing_keys WHERE kid = ?", kid);
}

// ---- meta ----

StoreResult<std::optional<std::string>> SqliteStore::get_meta(std::string_view name) {
    constexpr std::string_view context = "get_meta";
    return with_connection([&](Connection& connection) -> StoreResult<std::optional<std::string>> {
        Statement statement(connection, "SELECT value FROM meta WHERE name = ?", context);
        statement.bind_all(name);
        auto row = statement.step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return std::optional<std::string>();
        }
        return std::optional<std::string>(statement.text(0));
    });
}

StoreResult<void> SqliteStore::set_meta(std::string_view name, std::string_view value) {
    constexpr std::string_view context = "set_meta";
    if (name.empty()) {
        return invalid(context, "the name must not be empty");
    }
    return in_transaction(TransactionKind::write, context, [&](Connection& connection) {
        Statement statement(connection,
                            "INSERT INTO meta (name, value) VALUES (?, ?) "
                            "ON CONFLICT (name) DO UPDATE SET value = excluded.value",
                            context);
        return statement.bind_all(name, value).run();
    });
}

// ---- bans ----

StoreResult<void> SqliteStore::save_ban(const StoredBan& ban) {
    constexpr std::string_view context = "save_ban";
    if (ban.id.empty() || ban.target.empty()) {
        return invalid(context, "a ban needs an id and a target");
    }
    return in_transaction(TransactionKind::write, context, [&](Connection& connection) {
        Statement statement(connection,
                            "INSERT INTO bans (id, kind, target, reason, created_by, created_at, "
                            "expires_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE "
                            "SET kind = excluded.kind, target = excluded.target, reason = "
                            "excluded.reason, created_by = excluded.created_by, created_at = "
                            "excluded.created_at, expires_at = excluded.expires_at",
                            context);
        return statement
            .bind_all(ban.id, ban.kind, ban.target, ban.reason, ban.created_by, ban.created_at,
                      ban.expires_at)
            .run();
    });
}

StoreResult<void> SqliteStore::delete_ban(std::string_view id) {
    return change_one("delete_ban", "DELETE FROM bans WHERE id = ?", id);
}

StoreResult<std::vector<StoredBan>> SqliteStore::list_bans(Time now) {
    constexpr std::string_view context = "list_bans";
    return with_connection([&](Connection& connection) -> StoreResult<std::vector<StoredBan>> {
        Statement statement(connection,
                            "SELECT id, kind, target, reason, created_by, created_at, expires_at "
                            "FROM bans WHERE expires_at > ? ORDER BY expires_at, id",
                            context);
        statement.bind_all(now);
        return read_all(statement, [](const Statement& row) {
            return StoredBan{row.text(0), row.text(1), row.text(2), row.text(3),
                             row.text(4), row.time(5), row.time(6)};
        });
    });
}

// ---- housekeeping ----

StoreResult<PurgeCounts> SqliteStore::purge_expired(Time now) {
    constexpr std::string_view context = "purge_expired";
    return in_transaction(TransactionKind::write, context,
                          [&](Connection& connection) -> StoreResult<PurgeCounts> {
                              PurgeCounts counts;
                              struct Purge {
                                  const char* sql;
                                  std::size_t* count;
                              };
                              // Used tokens stay until their family expires: a replay of one must
                              // still be recognised as reuse.
                              const Purge purges[] = {
                                  {"DELETE FROM refresh_families WHERE family_expires_at <= ?",
                                   &counts.refresh_families},
                                  {"DELETE FROM access_token_revocations WHERE expires_at <= ?",
                                   &counts.access_token_revocations},
                                  {"DELETE FROM family_revocations WHERE keep_until <= ?",
                                   &counts.family_revocations},
                                  {"DELETE FROM subject_revocations WHERE keep_until <= ?",
                                   &counts.subject_revocations},
                                  {"DELETE FROM bans WHERE expires_at <= ?", &counts.bans},
                              };
                              for (const Purge& purge : purges) {
                                  Statement statement(connection, purge.sql, context);
                                  if (auto done = statement.bind_all(now).run(); !done) {
                                      return done.error();
                                  }
                                  *purge.count = static_cast<std::size_t>(connection.changes());
                              }
                              return counts;
                          });
}

}  // namespace rampart::store::sqlite
