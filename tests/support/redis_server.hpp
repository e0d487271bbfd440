// A real redis-server (Debian's, from scripts/install-deps.sh) on a free
// loopback port for the shared rate-limit tests: no persistence, its own
// directory, killed with the test. It can be stopped and started again on the
// same port, as an outage and a recovery.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace rampart::test {

class RedisServer {
  public:
    // Starts it and waits until it accepts connections; throws if it cannot.
    // With a password, clients must AUTH.
    explicit RedisServer(std::string password = "");
    ~RedisServer();

    std::uint16_t port() const { return port_; }
    std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
    // SIGKILL, as a crash: nothing is flushed, connections reset.
    void stop();
    // SIGSTOP and SIGCONT: a Redis that accepts connections and never answers.
    void pause();
    void resume();
    // On the same port, empty (no persistence).
    void start();
    bool running() const { return process_ != nullptr; }
    // One command through redis-cli, its output ("PONG", a number).
    std::string command(const std::string& arguments) const;

  private:
    std::uint16_t port_;
    std::string password_;
    TempDir directory_;
    std::unique_ptr<Process> process_;
};

}  // namespace rampart::test
