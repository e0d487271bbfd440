// A thin RAII layer over the SQLite C API: a Connection owns a sqlite3*, a Statement owns a
// sqlite3_stmt*. A statement that failed to prepare or bind reports it at its first step(), so
// call sites check one result per statement.
#pragma once

#include <sqlite3.h>

#include <boost/system/result.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "store/store.hpp"

namespace rampart::store::sqlite {

// Maps an SQLite result code to a StoreError; `context` names the operation.
StoreError make_error(int result_code, std::string_view context, sqlite3* database);

std::int64_t to_unix_seconds(Time time);
Time from_unix_seconds(std::int64_t seconds);

class Connection {
  public:
    // Opening happens when the store loads: throws std::runtime_error with the path and reason.
    Connection(const std::string& path, std::chrono::milliseconds busy_timeout);
    ~Connection();
    Connection(const Connection&) = delete;
    Connection& operator=(const Connection&) = delete;

    sqlite3* handle() const { return handle_; }
    // Runs statements that return no rows (pragmas, BEGIN, COMMIT, DDL).
    boost::system::result<void, StoreError> execute(const char* sql, std::string_view context);
    // Rows changed by the last INSERT, UPDATE or DELETE.
    std::int64_t changes() const { return sqlite3_changes64(handle_); }

  private:
    sqlite3* handle_ = nullptr;
};

class Statement {
  public:
    // `context` names the operation in error messages; both must outlive the statement.
    Statement(Connection& connection, std::string_view sql, std::string_view context);
    ~Statement();
    Statement(const Statement&) = delete;
    Statement& operator=(const Statement&) = delete;

    // Parameters are numbered from 1. Accepts integers, bool, text, Time, byte vectors,
    // std::nullopt and std::optional of those.
    template <class Value>
    Statement& bind(int index, const Value& value) {
        if constexpr (std::is_same_v<Value, std::nullopt_t>) {
            bind_null(index);
        } else if constexpr (std::is_same_v<Value, bool>) {
            bind_integer(index, value ? 1 : 0);
        } else if constexpr (std::is_integral_v<Value>) {
            bind_integer(index, static_cast<std::int64_t>(value));
        } else if constexpr (std::is_same_v<Value, Time>) {
            bind_integer(index, to_unix_seconds(value));
        } else if constexpr (std::is_same_v<Value, std::vector<std::uint8_t>>) {
            bind_blob(index, value);
        } else if constexpr (std::is_convertible_v<const Value&, std::string_view>) {
            bind_text(index, std::string_view(value));
        } else {
            if (value) {
                bind(index, *value);
            } else {
                bind_null(index);
            }
        }
        return *this;
    }

    // Binds the values to parameters 1, 2, 3...
    template <class... Values>
    Statement& bind_all(const Values&... values) {
        int index = 0;
        (bind(++index, values), ...);
        return *this;
    }

    // True when a row is available, false when the statement is done.
    boost::system::result<bool, StoreError> step();
    // Steps to the end; for statements that return no rows.
    boost::system::result<void, StoreError> run();

    bool is_null(int column) const;
    std::int64_t integer(int column) const;
    bool flag(int column) const { return integer(column) != 0; }
    std::string text(int column) const;
    std::optional<std::string> optional_text(int column) const;
    Time time(int column) const { return from_unix_seconds(integer(column)); }
    std::optional<Time> optional_time(int column) const;
    std::vector<std::uint8_t> blob(int column) const;

  private:
    void bind_null(int index);
    void bind_integer(int index, std::int64_t value);
    void bind_text(int index, std::string_view value);
    void bind_blob(int index, const std::vector<std::uint8_t>& value);
    void remember(int result_code);

    sqlite3* database_;
    sqlite3_stmt* statement_ = nullptr;
    std::string_view context_;
    int failure_ = SQLITE_OK;  // the first prepare or bind failure
};

}  // namespace rampart::store::sqlite
