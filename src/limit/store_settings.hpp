// `rate_limit.store` (top level only): where the counters live. In process
// (default) or in Redis, shared by several Rampart instances. Restart to
// change. docs/rate-limiting.md, "Shared limits through Redis".
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "config/yaml_reader.hpp"

namespace rampart::store::redis {
struct ConnectionOptions;
}

namespace rampart::limit {

// What a decision does while Redis cannot answer.
enum class RedisFailureMode {
    closed,  // refuse (429 with Retry-After): no request passes uncounted
    open,    // admit: availability over the limit
    local,   // this instance's own counters, with the limits divided by `instances`
};

struct RedisStoreSettings {
    std::string address;  // an IP address: resolved nowhere, so no worker ever blocks on DNS
    std::uint16_t port = 6379;
    std::optional<std::string> password;
    int database = 0;
    std::string key_prefix = "rampart:rl:";
    // Keys the counters' digests on every instance alike (see limit_key.hpp).
    std::string key_secret;
    std::chrono::milliseconds timeout{50};
    std::chrono::milliseconds connect_timeout{1000};
    int instances = 1;
    RedisFailureMode on_failure = RedisFailureMode::local;

    friend bool operator==(const RedisStoreSettings&, const RedisStoreSettings&) = default;
};

std::string_view failure_mode_name(RedisFailureMode mode);

// The options of one connection to the configured Redis; the command timeout is the
// caller's (a worker waits `timeout`, the control thread may wait longer).
store::redis::ConnectionOptions redis_connection_options(const RedisStoreSettings& settings,
                                                         std::chrono::milliseconds command_timeout);

// Reads `store` of the top-level rate_limit section; null for the in-process
// store (absent, or type: in_process). Throws config::ConfigError naming file,
// line and key; never puts a secret in the message.
std::optional<RedisStoreSettings> read_store_settings(const config::Section& rate_limit);

}  // namespace rampart::limit
