#include "support/process.hpp"

#include "support/ports.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace rampart::test {

std::string rampart_binary() {
    return RAMPART_BINARY;
}
std::string demo_upstream_binary() {
    return DEMO_UPSTREAM_BINARY;
}
std::string source_dir() {
    return RAMPART_SOURCE_DIR;
}

namespace {

constexpr auto poll_interval = std::chrono::milliseconds(10);

// "NAME=value" strings: the inherited environment with `extra` replacing or adding entries.
std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
    std::vector<std::string> environment;
    for (char** entry = environ; *entry; ++entry) {
        std::string_view name_and_value = *entry;
        std::string name(name_and_value.substr(0, name_and_value.find('=')));
        if (!extra.contains(name)) {
            environment.emplace_back(name_and_value);
        }
    }
    for (const auto& [name, value] : extra) {
        environment.push_back(name + "=" + value);
    }
    return environment;
}

std::vector<char*> null_terminated(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (auto& string : strings) {
        pointers.push_back(string.data());
    }
    pointers.push_back(nullptr);
    return pointers;
}

std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    std::ostringstream content;
    content << file.rdbuf();
    return content.str();
}

// Distinguishes the capture files of several processes of one binary in one directory.
std::string next_capture_prefix(const std::string& directory, const std::string& executable) {
    static std::atomic<int> process_number{0};
    return directory + "/" + std::filesystem::path(executable).filename().string() + "." +
           std::to_string(++process_number);
}

}  // namespace

Process::Process(const std::string& executable, const std::vector<std::string>& arguments,
                 const std::string& output_directory,
                 const std::map<std::string, std::string>& extra_environment) {
    std::string prefix = next_capture_prefix(output_directory, executable);
    output_path_ = prefix + ".stdout";
    errors_path_ = prefix + ".stderr";

    std::vector<std::string> argv_strings{executable};
    argv_strings.insert(argv_strings.end(), arguments.begin(), arguments.end());
    std::vector<std::string> environment = merged_environment(extra_environment);
    std::vector<char*> argv = null_terminated(argv_strings);
    std::vector<char*> envp = null_terminated(environment);

    posix_spawn_file_actions_t file_actions;
    posix_spawn_file_actions_init(&file_actions);
    posix_spawn_file_actions_addopen(&file_actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&file_actions, STDOUT_FILENO, output_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_addopen(&file_actions, STDERR_FILENO, errors_path_.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    // Asio's sockets are not close-on-exec: a child holding a test's client socket would keep
    // the connection open after the test closed it.
    posix_spawn_file_actions_addclosefrom_np(&file_actions, STDERR_FILENO + 1);

    // The child starts with no blocked signals and default handlers, whatever the test did.
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    sigset_t no_signals;
    sigset_t all_signals;
    sigemptyset(&no_signals);
    sigfillset(&all_signals);
    posix_spawnattr_setsigmask(&attributes, &no_signals);
    posix_spawnattr_setsigdefault(&attributes, &all_signals);
    posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

    int error = posix_spawn(&pid_, executable.c_str(), &file_actions, &attributes, argv.data(),
                            envp.data());
    posix_spawnattr_destroy(&attributes);
    posix_spawn_file_actions_destroy(&file_actions);
    if (error != 0) {
        pid_ = -1;
        throw std::runtime_error("cannot start " + executable + ": " + std::strerror(error));
    }
}

Process::~Process() {
    if (pid_ > 0 && !exit_status_) {
        ::kill(pid_, SIGKILL);
        reap(0);
    }
}

bool Process::reap(int wait_flags) {
    if (exit_status_) {
        return true;
    }
    int status = 0;
    pid_t reaped = ::waitpid(pid_, &status, wait_flags);
    if (reaped != pid_) {
        return false;
    }
    exit_status_ = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
    return true;
}

bool Process::running() {
    return !reap(WNOHANG);
}

bool Process::wait_for_port(std::uint16_t port, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (running()) {
        if (accepts_connections(port)) {
            return true;
        }
        if (std::chrono::steady_clock::now() >= deadline) {
            return false;
        }
        std::this_thread::sleep_for(poll_interval);
    }
    return false;
}

void Process::signal(int signal_number) {
    if (running()) {
        ::kill(pid_, signal_number);
    }
}

std::optional<int> Process::wait_for_exit(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!reap(WNOHANG)) {
        if (std::chrono::steady_clock::now() >= deadline) {
            return std::nullopt;
        }
        std::this_thread::sleep_for(poll_interval);
    }
    return exit_status_;
}

std::string Process::output() const {
    return read_file(output_path_);
}
std::string Process::errors() const {
    return read_file(errors_path_);
}

}  // namespace rampart::test
