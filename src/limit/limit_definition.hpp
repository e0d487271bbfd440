// The `rate_limit` section compiled at load: each limit's key recipe, its
// GCRA policy (and one per role that has its own), and the header texts it
// announces. Everything a request needs is ready here; a decision only
// hashes the key parts and consults the store.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/yaml_reader.hpp"
#include "limit/gcra.hpp"
#include "limit/limit_key.hpp"
#include "limit/store_settings.hpp"

namespace rampart::limit {

// What a counter is kept per. The identity parts come from the
// authentication stage; a limit keyed by one of them runs after it.
enum class KeyPart { client_ip, route, header, subject, consumer, api_key, client_id };

struct KeyElement {
    KeyPart part = KeyPart::client_ip;
    std::string header_name;  // for KeyPart::header
};

struct CompiledPolicy {
    GcraPolicy gcra;
    // One RateLimit-Policy list member: "per_ip";q=20;w=2
    std::string policy_item;
};

struct RoleOverride {
    std::string role;
    CompiledPolicy policy;
};

struct LimitDefinition {
    std::string name;
    std::string quoted_name;  // the sf-string "name", for the RateLimit field
    std::vector<KeyElement> key;
    CompiledPolicy policy;
    std::vector<RoleOverride> by_role;  // in configuration order: the first held role wins
    // The limit's identity: where it is declared and its name. Counters of a
    // limit declared once at the top level are therefore shared by every route
    // that uses it, and survive a reload that keeps the declaration.
    KeyDigest scope;
    KeyDigest overflow_key;
    bool needs_identity = false;
};

enum class HeaderMode { on_limit, on_all_responses };

struct RateLimitDefinition {
    std::vector<LimitDefinition> limits;
    HeaderMode headers = HeaderMode::on_limit;
};

inline constexpr std::size_t max_limits_per_section = 8;

// Settings of the whole process, at the top-level rate_limit only: the
// in-process store's bound (restart to change) and the rate of new
// connections per client address (null: no rate).
struct ProcessRateLimits {
    std::size_t max_keys = 100'000;
    // Generous by default: many clients can share one address (NAT), and a
    // browser opens several connections at once.
    std::optional<GcraPolicy> connections_per_ip =
        make_gcra_policy(200, nanoseconds_per_second, 1000);
    // `store: {type: redis, ...}`; null: the in-process store.
    std::optional<RedisStoreSettings> redis;
};

// Reads a `rate_limit` section (top level, group, route or token_service).
// `max_keys`, `connections_per_ip` and `store` are accepted at the top level only,
// where `limits` may be empty. Throws config::ConfigError naming file, line,
// column and key.
RateLimitDefinition read_rate_limit_definition(const config::Section& section);

// The top-level rate_limit's process settings, or their defaults.
ProcessRateLimits read_process_rate_limits(const config::Section& root);

}  // namespace rampart::limit
