#include "store/sqlite/statement.hpp"

#include <limits>
#include <stdexcept>

namespace rampart::store::sqlite {

namespace {

StoreErrorCode classify(int result_code) {
    switch (result_code & 0xff) {
        case SQLITE_CONSTRAINT:
            return StoreErrorCode::conflict;
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return StoreErrorCode::busy;
        case SQLITE_CORRUPT:
        case SQLITE_NOTADB:
            return StoreErrorCode::corrupt;
        default:
            return StoreErrorCode::io;
    }
}

}  // namespace

StoreError make_error(int result_code, std::string_view context, sqlite3* database) {
    // sqlite3_errmsg names constraints and states ("UNIQUE constraint failed: users.username_key",
    // "database is locked"), never bound values; fall back to the generic text of the code when
    // the connection's last error is another one.
    const char* reason = sqlite3_errstr(result_code);
    if (database != nullptr && sqlite3_extended_errcode(database) == result_code) {
        reason = sqlite3_errmsg(database);
    }
    std::string message(context);
    message += ": ";
    message += reason;
    return {classify(result_code), std::move(message)};
}

std::int64_t to_unix_seconds(Time time) {
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

Time from_unix_seconds(std::int64_t seconds) {
    return Time(std::chrono::seconds(seconds));
}

Connection::Connection(const std::string& path, std::chrono::milliseconds busy_timeout) {
    // NOMUTEX: a connection is used by one thread at a time (the store's pool hands it out).
    // Not SQLITE_OPEN_NOFOLLOW: it refuses a symbolic link anywhere in the path, and a data
    // directory on a mounted volume is often reached through one.
    int flags =
        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE;
    int result_code = sqlite3_open_v2(path.c_str(), &handle_, flags, nullptr);
    if (result_code != SQLITE_OK) {
        std::string reason =
            handle_ != nullptr ? sqlite3_errmsg(handle_) : sqlite3_errstr(result_code);
        sqlite3_close(handle_);
        handle_ = nullptr;
        throw std::runtime_error("cannot open the database " + path + ": " + reason);
    }
    sqlite3_busy_timeout(handle_, static_cast<int>(busy_timeout.count()));
}

Connection::~Connection() {
    // Every Statement is finalized before its connection goes, so close cannot be refused.
    sqlite3_close(handle_);
}

boost::system::result<void, StoreError> Connection::execute(const char* sql,
                                                            std::string_view context) {
    int result_code = sqlite3_exec(handle_, sql, nullptr, nullptr, nullptr);
    if (result_code != SQLITE_OK) {
        return make_error(result_code, context, handle_);
    }
    return {};
}

Statement::Statement(Connection& connection, std::string_view sql, std::string_view context)
    : database_(connection.handle()), context_(context) {
    if (sql.size() > static_cast<std::size_t>(std::numeric_limits<int>::max())) {
        failure_ = SQLITE_TOOBIG;
        return;
    }
    remember(sqlite3_prepare_v2(database_, sql.data(), static_cast<int>(sql.size()), &statement_,
                                nullptr));
}

Statement::~Statement() {
    sqlite3_finalize(statement_);
}

void Statement::remember(int result_code) {
    if (result_code != SQLITE_OK && failure_ == SQLITE_OK) {
        failure_ = result_code;
    }
}

void Statement::bind_null(int index) {
    if (statement_ != nullptr) {
        remember(sqlite3_bind_null(statement_, index));
    }
}

void Statement::bind_integer(int index, std::int64_t value) {
    if (statement_ != nullptr) {
        remember(sqlite3_bind_int64(statement_, index, value));
    }
}

void Statement::bind_text(int index, std::string_view value) {
    if (statement_ != nullptr) {
        remember(sqlite3_bind_text64(statement_, index, value.data(), value.size(),
                                     SQLITE_TRANSIENT, SQLITE_UTF8));
    }
}

void Statement::bind_blob(int index, const std::vector<std::uint8_t>& value) {
    if (statement_ != nullptr) {
        // A zero-length blob must not be bound as NULL: a non-null pointer for empty data.
        static const std::uint8_t empty = 0;
        const void* data = value.empty() ? &empty : value.data();
        remember(sqlite3_bind_blob64(statement_, index, data, value.size(), SQLITE_TRANSIENT));
    }
}

boost::system::result<bool, StoreError> Statement::step() {
    if (failure_ != SQLITE_OK) {
        return make_error(failure_, context_, database_);
    }
    int result_code = sqlite3_step(statement_);
    if (result_code == SQLITE_ROW) {
        return true;
    }
    if (result_code == SQLITE_DONE) {
        return false;
    }
    return make_error(result_code, context_, database_);
}

boost::system::result<void, StoreError> Statement::run() {
    while (true) {
        auto row = step();
        if (!row) {
            return row.error();
        }
        if (!*row) {
            return {};
        }
    }
}

bool Statement::is_null(int column) const {
    return sqlite3_column_type(statement_, column) == SQLITE_NULL;
}

std::int64_t Statement::integer(int column) const {
    return sqlite3_column_int64(statement_, column);
}

std::string Statement::text(int column) const {
    const auto* data = sqlite3_column_text(statement_, column);
    int size = sqlite3_column_bytes(statement_, column);
    if (data == nullptr) {
        return {};
    }
    return std::string(reinterpret_cast<const char*>(data), static_cast<std::size_t>(size));
}

std::optional<std::string> Statement::optional_text(int column) const {
    if (is_null(column)) {
        return std::nullopt;
    }
    return text(column);
}

std::optional<Time> Statement::optional_time(int column) const {
    if (is_null(column)) {
        return std::nullopt;
    }
    return time(column);
}

std::vector<std::uint8_t> Statement::blob(int column) const {
    const auto* data = static_cast<const std::uint8_t*>(sqlite3_column_blob(statement_, column));
    int size = sqlite3_column_bytes(statement_, column);
    if (data == nullptr) {
        return {};
    }
    return std::vector<std::uint8_t>(data, data + size);
}

}  // namespace rampart::store::sqlite
