// The schema of the SQLite store as an ordered list of migrations. The database's
// PRAGMA user_version is the number of the last migration applied; the pending ones run in one
// transaction at open, and a database newer than this build is refused.
//
// The SQL sticks to forms PostgreSQL also accepts (TEXT, BIGINT, INTEGER 0/1 flags, REFERENCES
// ... ON DELETE CASCADE, CHECK); only BLOB would be BYTEA there. Role, scope and grant-type lists
// are one TEXT column each, the items separated by single spaces (OAuth's own scope syntax).
#pragma once

#include <span>

#include "store/sqlite/statement.hpp"

namespace rampart::store::sqlite {

struct Migration {
    int version;
    const char* description;
    const char* sql;
};

std::span<const Migration> migrations();
int latest_schema_version();

// Brings the database to latest_schema_version(). Runs at load time: throws
// std::runtime_error naming `path` when the database is newer than this build or a migration
// fails (and then changes nothing).
void apply_migrations(Connection& connection, const std::string& path);

}  // namespace rampart::store::sqlite
