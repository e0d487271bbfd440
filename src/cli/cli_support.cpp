#include "cli/cli_support.hpp"

#include <signal.h>
#include <termios.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <iostream>

#include "admin/operations/names.hpp"
#include "auth/auth_runtime.hpp"
#include "auth/secret_token.hpp"
#include "auth/signing_keys.hpp"
#include "config/loader.hpp"
#include "config/yaml_reader.hpp"
#include "store/open_store.hpp"

namespace rampart::cli {

namespace {

// Longer than any password the policy accepts (at most 256 characters of 4 bytes): a longer
// line is refused rather than silently cut.
constexpr std::size_t maximum_password_line_bytes = 2048;

// The terminal's settings while echo is off, for the signal handler to put back: a password
// prompt interrupted with Ctrl-C must not leave the terminal silent.
struct termios saved_terminal;
volatile std::sig_atomic_t echo_is_off = 0;
constexpr int restoring_signals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

extern "C" void restore_echo_and_reraise(int signal_number) {
    if (echo_is_off) {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_terminal);
    }
    ::signal(signal_number, SIG_DFL);
    ::raise(signal_number);
}

class EchoOff {
  public:
    EchoOff() {
        if (::tcgetattr(STDIN_FILENO, &saved_terminal) != 0) {
            throw CommandError("cannot read the terminal's settings to turn echo off");
        }
        struct sigaction action {};
        action.sa_handler = restore_echo_and_reraise;
        sigemptyset(&action.sa_mask);
        for (std::size_t i = 0; i < std::size(restoring_signals); ++i) {
            ::sigaction(restoring_signals[i], &action, &previous_actions_[i]);
        }
        struct termios quiet = saved_terminal;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        echo_is_off = 1;
        if (::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) != 0) {
            restore();
            throw CommandError("cannot turn the terminal's echo off");
        }
    }
    ~EchoOff() { restore(); }
    EchoOff(const EchoOff&) = delete;
    EchoOff& operator=(const EchoOff&) = delete;

  private:
    void restore() {
        ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_terminal);
        echo_is_off = 0;
        for (std::size_t i = 0; i < std::size(restoring_signals); ++i) {
            ::sigaction(restoring_signals[i], &previous_actions_[i], nullptr);
        }
    }

    struct sigaction previous_actions_[std::size(restoring_signals)]{};
};

// One line from standard input, without its line ending, read byte by byte into a buffer that
// never reallocates (so no copy of the password is left behind). nullopt at end of input with
// nothing read.
std::optional<std::string> read_line() {
    std::string line;
    line.reserve(maximum_password_line_bytes + 1);
    bool read_anything = false;
    while (true) {
        char c = 0;
        auto count = ::read(STDIN_FILENO, &c, 1);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            auth::wipe_secret(line);
            throw CommandError("cannot read the password from standard input");
        }
        if (count == 0 || c == '\n') {
            read_anything = read_anything || count == 1;
            break;
        }
        read_anything = true;
        if (line.size() == maximum_password_line_bytes) {
            auth::wipe_secret(line);
            throw CommandError("the password is too long");
        }
        line.push_back(c);
    }
    if (!line.empty() && line.back() == '\r') {
        line.pop_back();
    }
    if (!read_anything) {
        return std::nullopt;
    }
    return line;
}

std::string prompt_without_echo(const std::string& prompt) {
    std::cerr << prompt << std::flush;
    std::optional<std::string> line;
    {
        EchoOff echo_off;
        line = read_line();
    }
    std::cerr << "\n";
    if (!line) {
        throw CommandError("no password given");
    }
    return std::move(*line);
}

}  // namespace

void add_config_option(CLI::App& command, CommandLine& command_line) {
    command
        .add_option("-c,--config", command_line.config_file,
                    "Configuration file (default: the embedded default, data in "
                    "$RAMPART_DATA_DIRECTORY or ./rampart-data)")
        ->check(CLI::ExistingFile);
}

void set_action(CLI::App& command, CommandLine& command_line,
                std::function<int(const config::Settings&)> run) {
    add_config_option(command, command_line);
    command.callback([&command_line, run = std::move(run)] {
        command_line.action = [&command_line, run] {
            return run(load_settings(command_line.config_file));
        };
    });
}

config::Settings load_settings(const std::string& config_file) {
    return config_file.empty() ? config::load_settings_text(
                                     config::embedded_default_configuration(), "(embedded default)")
                               : config::load_settings_file(config_file);
}

std::unique_ptr<store::Store> open_store(const config::Settings& settings) {
    return store::open_store(settings.data_directory);
}

std::unique_ptr<auth::MasterKey> open_master_key(const config::Settings& settings,
                                                 store::Store& store) {
    // Without a configured key, load_master_key creates <data>/master.key. When the store
    // already holds sealed keys that new key could only fail the check below and be left behind,
    // so a missing key is an error of its own.
    const char* variable = std::getenv(settings.auth.master_key_environment.c_str());
    bool configured = (variable != nullptr && *variable != '\0') || settings.auth.master_key_file;
    auto default_file = std::filesystem::path(settings.data_directory) / auth::master_key_file_name;
    std::error_code error;
    if (!configured &&
        !std::filesystem::exists(std::filesystem::symlink_status(default_file, error)) &&
        !value_or_fail(store.list_signing_keys(), "listing the signing keys").empty()) {
        throw CommandError("the store holds signing keys but no master key was found: set " +
                           settings.auth.master_key_environment +
                           " or master_key.file, or restore " + default_file.string());
    }
    auto master_key = auth::load_master_key(settings);
    auth::check_master_key(store, *master_key);
    return master_key;
}

admin::OperationContext operation_context(const config::Settings& settings, store::Store& store) {
    return admin::OperationContext{settings, store, admin::whole_seconds_now()};
}

std::string read_new_password(std::string_view username) {
    if (::isatty(STDIN_FILENO) == 0) {
        auto line = read_line();
        if (!line || line->empty()) {
            throw CommandError(
                "no password on standard input: give it as one line there, or run from a terminal "
                "to be asked for it");
        }
        return std::move(*line);
    }
    auto password = prompt_without_echo("New password for " + std::string(username) + ": ");
    auto repeated = prompt_without_echo("Repeat the password: ");
    bool same = password == repeated;
    auth::wipe_secret(repeated);
    if (!same) {
        auth::wipe_secret(password);
        throw CommandError("the two passwords differ; nothing was changed");
    }
    return password;
}

std::vector<std::string> parse_name_list(std::string_view text, std::string_view what) {
    return value_or_fail(admin::split_names(text, what));
}

std::chrono::seconds parse_duration_argument(std::string_view text, std::string_view option,
                                             std::chrono::seconds minimum,
                                             std::chrono::seconds maximum) {
    bool ok = false;
    auto parsed = config::parse_duration(text, &ok);
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(parsed);
    if (!ok || seconds < minimum || seconds > maximum) {
        throw CommandError(
            std::string(option) + " must be a duration such as 90m, 12h or 30d, from " +
            std::to_string(minimum.count()) + "s to " + std::to_string(maximum.count() / 86400) +
            "d (got \"" + printable(text) + "\")");
    }
    return seconds;
}

std::string format_time(std::optional<store::Time> time) {
    if (!time) {
        return "-";
    }
    std::time_t seconds = std::chrono::system_clock::to_time_t(*time);
    std::tm parts{};
    ::gmtime_r(&seconds, &parts);
    char text[32];
    auto length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return std::string(text, length);
}

std::string join_names(const std::vector<std::string>& names) {
    if (names.empty()) {
        return "-";
    }
    std::string joined;
    for (const auto& name : names) {
        joined += (joined.empty() ? "" : ",") + name;
    }
    return joined;
}

Table::Table(std::vector<std::string> headers) {
    rows_.push_back(std::move(headers));
}

void Table::add_row(std::vector<std::string> cells) {
    for (auto& cell : cells) {
        cell = printable(cell);
    }
    rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& out) const {
    std::vector<std::size_t> widths;
    for (const auto& row : rows_) {
        widths.resize(std::max(widths.size(), row.size()));
        for (std::size_t column = 0; column < row.size(); ++column) {
            widths[column] = std::max(widths[column], row[column].size());
        }
    }
    for (const auto& row : rows_) {
        std::string line;
        for (std::size_t column = 0; column < row.size(); ++column) {
            line += row[column];
            if (column + 1 < row.size()) {
                line.append(widths[column] - row[column].size() + 2, ' ');
            }
        }
        out << line << "\n";
    }
}

void print_fields(std::ostream& out,
                  const std::vector<std::pair<std::string, std::string>>& fields) {
    std::size_t width = 0;
    for (const auto& field : fields) {
        width = std::max(width, field.first.size());
    }
    for (const auto& [name, value] : fields) {
        out << name << ":" << std::string(width - name.size() + 1, ' ') << printable(value) << "\n";
    }
}

}  // namespace rampart::cli
