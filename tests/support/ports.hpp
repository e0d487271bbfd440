// Loopback ports for tests: every server a test starts listens on 127.0.0.1.
#pragma once

#include <cstdint>

namespace rampart::test {

// A port that was free on 127.0.0.1 a moment ago (bound to port 0, read back, closed).
std::uint16_t free_port();

// Whether a TCP connect to 127.0.0.1:port succeeds right now.
bool accepts_connections(std::uint16_t port);

}  // namespace rampart::test
