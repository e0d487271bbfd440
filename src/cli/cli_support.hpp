// What the administrative commands (users, apikeys, clients, keys) share: the configuration and
// the store they work on, reading a new password without echo, argument checks, and output.
//
// The commands work on the store directly, with no server: a running server polls the store and
// picks the changes up within a second. Bad input is a CommandError, thrown before anything is
// changed; main prints its one-line message and exits non-zero.
#pragma once

#include <chrono>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "admin/operations/operation.hpp"
#include "auth/master_key.hpp"
#include "config/settings.hpp"
#include "store/store.hpp"
#include "util/printable.hpp"

namespace CLI {
class App;
}

namespace rampart::cli {

class CommandError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// What the command line asks for: the chosen subcommand's parse callback sets `action`, and main
// runs it after parsing, so that every error is reported in one place.
struct CommandLine {
    std::string config_file;  // empty: the embedded default
    std::function<int()> action;
};

// Adds `-c,--config FILE` to `command`, stored in `command_line.config_file`.
void add_config_option(CLI::App& command, CommandLine& command_line);

// Gives the (leaf) `command` a --config option and makes `run`, with the loaded configuration,
// the action when the command is chosen.
void set_action(CLI::App& command, CommandLine& command_line,
                std::function<int(const config::Settings&)> run);

// The configuration file, or the embedded default when `config_file` is empty.
config::Settings load_settings(const std::string& config_file);

// The store of the configuration's data directory (created when missing).
std::unique_ptr<store::Store> open_store(const config::Settings& settings);

// The master key, checked against the fingerprint the store holds (recorded the first time).
std::unique_ptr<auth::MasterKey> open_master_key(const config::Settings& settings,
                                                 store::Store& store);

// The context the shared operations (admin/operations) run in: `store`, now.
admin::OperationContext operation_context(const config::Settings& settings, store::Store& store);

// The value of a store result, or a CommandError saying what failed (`what`) and why.
template <typename T>
T value_or_fail(store::StoreResult<T> result, std::string_view what) {
    if (!result) {
        throw CommandError(std::string(what) + ": " + result.error().message);
    }
    if constexpr (!std::is_void_v<T>) {
        return std::move(*result);
    }
}

// The value of an operation's result, or a CommandError with the operation's message.
template <typename T>
T value_or_fail(admin::OperationResult<T> result) {
    if (!result) {
        throw CommandError(result.error().message);
    }
    if constexpr (!std::is_void_v<T>) {
        return std::move(*result);
    }
}

// A new password for `username`. From a terminal: asked twice with echo off, and both entries
// must match. Otherwise: the first line of standard input (for scripts). Never from argv.
std::string read_new_password(std::string_view username);

// "a,b, c" -> {"a", "b", "c"} (admin::split_names), or a CommandError.
std::vector<std::string> parse_name_list(std::string_view text, std::string_view what);

// A duration such as 90m, 12h or 30d (config syntax), between `minimum` and `maximum`.
std::chrono::seconds parse_duration_argument(std::string_view text, std::string_view option,
                                             std::chrono::seconds minimum,
                                             std::chrono::seconds maximum);

// "2026-11-25T08:02:27Z"; "-" for none.
std::string format_time(std::optional<store::Time> time);
// "a,b"; "-" for an empty list.
std::string join_names(const std::vector<std::string>& names);
using util::printable;

// Left-aligned columns, two spaces apart, under a header row.
class Table {
  public:
    explicit Table(std::vector<std::string> headers);
    void add_row(std::vector<std::string> cells);
    void print(std::ostream& out) const;

  private:
    std::vector<std::vector<std::string>> rows_;
};

// "name: value" lines with the values aligned.
void print_fields(std::ostream& out,
                  const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace rampart::cli
