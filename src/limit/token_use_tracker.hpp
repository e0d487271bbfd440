// Token misuse detection: one credential (an access token by its jti or
// digest, an API key by its id) presented from more distinct client addresses
// than `max_addresses` within `window`: a stolen token replayed from
// elsewhere, or a key shared beyond its owner. Addresses count as hosts
// (IPv4) or /64 networks (IPv6), like every other per-address limit.
//
// Bounded memory: at most `max_tracked` credentials, each with at most
// max_addresses + 1 recent addresses. When the table is full, credentials
// without an address seen within the window go first; if none has gone, a
// new credential is not tracked (counted in untracked()) rather than evicting
// one under observation. Thread-safe (sharded locks); a credential already
// tracked allocates nothing.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/abuse_settings.hpp"
#include "limit/limit_key.hpp"

namespace rampart::limit {

// Shared mode: one use worth telling the other instances (limit/redis_token_uses.hpp),
// with what acting on a crossing needs.
struct TokenUseReport {
    KeyDigest credential;  // keyed with the shared secret: the same on every instance
    KeyDigest address;
    std::string target;  // "jti:<id>", "api_key:<id>" or "sha256:<hex>": never the token
    std::string subject;
    std::int64_t expires_at = 0;  // the token's, seconds since the epoch; 0 unknown
    config::TokenMisuseSettings settings;
};

// Where shared mode sends them: an interface, so that the request path does not
// depend on the Redis client.
class TokenUseSharing {
  public:
    virtual ~TokenUseSharing() = default;
    // Whether the shared count answers: if not, the caller detects locally.
    virtual bool available() const noexcept = 0;
    // Any thread; never waits.
    virtual void report(TokenUseReport use) noexcept = 0;
};

struct TokenUseSettings {
    unsigned max_addresses = 3;
    std::chrono::seconds window{10 * 60};
    std::size_t max_tracked = 100'000;
};

class TokenUseTracker {
  public:
    using Clock = std::chrono::steady_clock;

    struct Observation {
        // This use took the credential over max_addresses within the window,
        // and it was not reported within the last window: report it now.
        bool misuse_detected = false;
        unsigned distinct_addresses = 0;  // within the window, this use included
        // Shared mode: this (credential, address) pair is new here within the
        // window, or was last told to Redis half a window ago or more: worth
        // one round trip. Known pairs cost none.
        bool share = false;
        KeyDigest address;
    };

    explicit TokenUseTracker(std::size_t max_tracked = 100'000);
    ~TokenUseTracker();

    Observation record(const KeyDigest& credential, const boost::asio::ip::address& client,
                       unsigned max_addresses, std::chrono::seconds window, Clock::time_point now);

    std::size_t tracked() const;

    // Shared mode (limit/redis_token_uses.hpp): set before the workers start.
    void share_through(std::unique_ptr<TokenUseSharing> sharing);
    TokenUseSharing* sharing() const noexcept { return sharing_.get(); }
    std::uint64_t untracked() const noexcept { return untracked_.load(std::memory_order_relaxed); }

  private:
    struct Use {
        KeyDigest address;
        Clock::time_point last_seen;
        Clock::time_point shared_at;
    };
    struct Credential {
        std::vector<Use> uses;
        Clock::time_point reported_at{};
        bool reported = false;
    };
    struct alignas(64) Shard {
        mutable std::mutex mutex;
        std::unordered_map<KeyDigest, Credential, KeyDigestHash> credentials;
    };
    static constexpr std::size_t shard_count = 16;

    Shard& shard_for(const KeyDigest& key) noexcept { return shards_[key.high() % shard_count]; }
    static void sweep(Shard& shard, std::chrono::seconds window, Clock::time_point now);

    std::size_t per_shard_capacity_;
    std::array<Shard, shard_count> shards_;
    std::atomic<std::uint64_t> untracked_{0};
    std::unique_ptr<TokenUseSharing> sharing_;
};

}  // namespace rampart::limit
