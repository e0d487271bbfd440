// The top-level `abuse:` section: the ban list's bounds and the token-misuse
// detector (one access token or API key used from too many client addresses).
// Credential stuffing is detected by the login throttle (token_service.login_throttle),
// whose address bans land in the same ban list.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "config/yaml_reader.hpp"

namespace rampart::config {

struct BanSettings {
    std::size_t max_entries = 100'000;
    std::chrono::seconds default_ttl{60 * 60};
    std::chrono::seconds max_ttl{7 * 24 * 60 * 60};
    std::chrono::seconds report_interval{60};
};

enum class TokenMisuseAction { event, revoke, ban };

struct TokenMisuseSettings {
    unsigned max_addresses = 0;  // 0: the detector is off
    std::chrono::seconds window{10 * 60};
    TokenMisuseAction action = TokenMisuseAction::event;
    std::chrono::seconds ban_ttl{60 * 60};
    std::size_t max_tracked = 100'000;
};

struct AbuseSettings {
    BanSettings bans;
    TokenMisuseSettings token_misuse;
};

// Reads `abuse:` (absent: the defaults). Throws ConfigError naming file, line and key.
AbuseSettings read_abuse_settings(const Section& root);

}  // namespace rampart::config
