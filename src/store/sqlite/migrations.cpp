#include "store/sqlite/migrations.hpp"

#include <array>
#include <stdexcept>
#include <string>

namespace rampart::store::sqlite {

namespace {

// Append only: a released migration is never edited, a change is a new migration.
constexpr std::array<Migration, 2> all_migrations{{
    {1, "token service: users, API keys, clients, refresh tokens, revocations, signing keys",
     R"sql(
CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    username_key TEXT NOT NULL UNIQUE,
    email TEXT,
    email_key TEXT UNIQUE,
    password_hash TEXT NOT NULL,
    roles TEXT NOT NULL,
    disabled INTEGER NOT NULL DEFAULT 0,
    failed_login_count INTEGER NOT NULL DEFAULT 0,
    locked_until BIGINT,
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);

CREATE TABLE api_keys (
    id TEXT PRIMARY KEY,
    prefix TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    consumer TEXT NOT NULL,
    scopes TEXT NOT NULL,
    roles TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT,
    revoked_at BIGINT
);

CREATE TABLE oauth_clients (
    client_id TEXT PRIMARY KEY,
    secret_hash TEXT,
    name TEXT NOT NULL,
    allowed_grant_types TEXT NOT NULL,
    allowed_scopes TEXT NOT NULL,
    roles TEXT NOT NULL,
    may_introspect INTEGER NOT NULL DEFAULT 0,
    disabled INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

CREATE TABLE refresh_families (
    family_id TEXT PRIMARY KEY,
    client_id TEXT NOT NULL REFERENCES oauth_clients (client_id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    subject_kind TEXT NOT NULL CHECK (subject_kind IN ('user', 'client')),
    created_at BIGINT NOT NULL,
    family_expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    revoke_reason TEXT
);
CREATE INDEX refresh_families_by_subject ON refresh_families (subject);
CREATE INDEX refresh_families_by_client ON refresh_families (client_id);

CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id TEXT NOT NULL REFERENCES refresh_families (family_id) ON DELETE CASCADE,
    parent_hash TEXT,
    scopes TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    idle_expires_at BIGINT NOT NULL,
    used_at BIGINT,
    grace_reuses INTEGER NOT NULL DEFAULT 0,
    revoked INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX refresh_tokens_by_family ON refresh_tokens (family_id);

CREATE TABLE access_token_revocations (
    jti TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);

CREATE TABLE family_revocations (
    family_id TEXT PRIMARY KEY,
    revoked_at BIGINT NOT NULL,
    keep_until BIGINT NOT NULL
);

CREATE TABLE subject_revocations (
    subject TEXT PRIMARY KEY,
    not_before BIGINT NOT NULL,
    keep_until BIGINT NOT NULL
);

CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    algorithm TEXT NOT NULL,
    public_jwk TEXT NOT NULL,
    sealed_private_key BLOB NOT NULL,
    created_at BIGINT NOT NULL,
    publish_at BIGINT NOT NULL,
    activate_at BIGINT NOT NULL,
    retire_at BIGINT,
    remove_at BIGINT
);

CREATE TABLE meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
)sql"},
    {2, "bans made by administrators", R"sql(
CREATE TABLE bans (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX bans_by_expiry ON bans (expires_at);
)sql"},
}};

[[noreturn]] void fail(const std::string& path, const std::string& reason) {
    throw std::runtime_error("database " + path + ": " + reason);
}

[[noreturn]] void abandon_migration(Connection& connection, const std::string& path,
                                    const std::string& reason) {
    (void)connection.execute("ROLLBACK", "roll back the migration");
    fail(path, reason);
}

StoreResult<int> read_schema_version(Connection& connection) {
    Statement statement(connection, "PRAGMA user_version", "read the schema version");
    auto row = statement.step();
    if (!row) {
        return row.error();
    }
    return *row ? static_cast<int>(statement.integer(0)) : 0;
}

}  // namespace

std::span<const Migration> migrations() {
    return all_migrations;
}

int latest_schema_version() {
    return all_migrations.back().version;
}

void apply_migrations(Connection& connection, const std::string& path) {
    // IMMEDIATE: two processes opening a new file at once must not both migrate it.
    if (auto begun = connection.execute("BEGIN IMMEDIATE", "begin the migration"); !begun) {
        fail(path, begun.error().message);
    }
    auto version = read_schema_version(connection);
    if (!version) {
        abandon_migration(connection, path, version.error().message);
    }
    int current = *version;
    int latest = latest_schema_version();
    if (current > latest) {
        abandon_migration(connection, path,
                          "schema version " + std::to_string(current) +
                              " is newer than this build of rampart supports (" +
                              std::to_string(latest) +
                              "); run a newer rampart or restore a backup");
    }
    for (const Migration& migration : all_migrations) {
        if (migration.version <= current) {
            continue;
        }
        if (auto applied = connection.execute(migration.sql, "apply a migration"); !applied) {
            abandon_migration(connection, path,
                              "migration " + std::to_string(migration.version) + " (" +
                                  migration.description + ") failed: " + applied.error().message);
        }
        // user_version lives in the database header, so it commits or rolls back with the rest.
        std::string set_version = "PRAGMA user_version = " + std::to_string(migration.version);
        if (auto set = connection.execute(set_version.c_str(), "record the schema version"); !set) {
            abandon_migration(connection, path, set.error().message);
        }
    }
    if (auto committed = connection.execute("COMMIT", "commit the migration"); !committed) {
        abandon_migration(connection, path, committed.error().message);
    }
}

}  // namespace rampart::store::sqlite
