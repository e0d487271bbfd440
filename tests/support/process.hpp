// A child process for integration tests (the real `rampart` binary, the demo upstream):
// spawned with posix_spawn, its stdout and stderr captured in files, killed and reaped by the
// destructor so that no test leaves a server behind.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace rampart::test {

// Paths of the binaries under test and of the source tree, fixed at build time.
std::string rampart_binary();
std::string demo_upstream_binary();
std::string source_dir();

class Process {
  public:
    // Runs `executable` with `arguments` (argv[1..]) and this process's environment plus
    // `extra_environment` (which wins on conflicts). stdout and stderr go to files in
    // `output_directory`. Throws std::runtime_error if the process cannot be started.
    Process(const std::string& executable, const std::vector<std::string>& arguments,
            const std::string& output_directory,
            const std::map<std::string, std::string>& extra_environment = {});
    ~Process();
    Process(const Process&) = delete;
    Process& operator=(const Process&) = delete;

    pid_t pid() const { return pid_; }

    // Polls a TCP connect to 127.0.0.1:port; false on timeout or if the process exits first.
    bool wait_for_port(std::uint16_t port,
                       std::chrono::milliseconds timeout = std::chrono::seconds(10));

    // Sends a signal (SIGHUP, SIGTERM...) if the process has not been reaped yet.
    void signal(int signal_number);

    // The exit status once the process has exited (128 + N if signal N killed it, as a shell
    // reports it), std::nullopt if it is still running after `timeout`.
    std::optional<int> wait_for_exit(std::chrono::milliseconds timeout = std::chrono::seconds(10));

    bool running();

    // Everything captured so far.
    std::string output() const;
    std::string errors() const;
    const std::string& output_path() const { return output_path_; }
    const std::string& errors_path() const { return errors_path_; }

  private:
    bool reap(int wait_flags);

    pid_t pid_ = -1;
    std::optional<int> exit_status_;
    std::string output_path_;
    std::string errors_path_;
};

}  // namespace rampart::test
