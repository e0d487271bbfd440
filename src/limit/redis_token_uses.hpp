// Token-misuse tracking shared through Redis (shared mode): the distinct
// client addresses of one credential are counted across every instance, so
// N instances behind a load balancer see a stolen token's addresses together.
//
// Each instance still tracks its own uses (TokenUseTracker): only a
// (credential, address) pair it has not told Redis within half a window goes
// there, so a client reusing its token from its one address costs no round
// trip. Those go from the worker to a queue that the control thread drains
// (never a worker: the request does not wait for Redis), one EVALSHA each:
// a Lua script adds the address to the credential's sorted set (scored by
// Redis's clock), drops those older than the window, counts, and sets a
// "reported" flag with SET NX PX window when the count is over the limit.
// Redis runs the script alone, so exactly one instance sees the flag set:
// one event and one action per crossing, wherever the addresses came in.
//
// The action applies after the request that crossed (it does not wait for
// Redis): a ban or revocation refuses the next requests. While Redis does
// not answer, each instance detects from its own addresses, as in embedded
// mode (TokenUseTracker::Observation::misuse_detected).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "limit/store_settings.hpp"
#include "limit/token_use_tracker.hpp"

namespace rampart::store::redis {
class RedisConnection;
}

namespace rampart::limit {

// The Redis keys of a credential: its addresses and its "reported" flag.
std::string token_uses_key(std::string_view key_prefix, const KeyDigest& credential);
std::string token_uses_reported_key(std::string_view key_prefix, const KeyDigest& credential);
std::string_view token_uses_script();

class RedisTokenUses final : public TokenUseSharing {
  public:
    static constexpr std::size_t max_queued = 10'000;
    // Runs on the control thread for the one report that crossed the limit.
    using MisuseHandler = std::function<void(const TokenUseReport&, unsigned distinct_addresses)>;

    explicit RedisTokenUses(RedisStoreSettings settings);
    ~RedisTokenUses() override;

    // Connects on `executor` (the control thread).
    void start(boost::asio::any_io_executor executor, MisuseHandler handler);
    // Whether Redis answers: if not, the caller detects locally.
    bool available() const noexcept override { return up_.load(std::memory_order_relaxed); }
    // Any thread; never waits. A full queue drops the report (counted).
    void report(TokenUseReport use) noexcept override;

    void render_metrics(std::string& out) const;

  private:
    boost::asio::awaitable<void> drain();

    RedisStoreSettings settings_;
    MisuseHandler handler_;
    // The connection keeps itself alive on the control thread's event loop.
    std::weak_ptr<store::redis::RedisConnection> connection_;
    std::optional<boost::asio::any_io_executor> executor_;
    std::atomic<bool> up_{false};

    std::mutex queue_mutex_;
    std::deque<TokenUseReport> queue_;
    bool draining_ = false;
    std::atomic<std::uint64_t> shared_{0};
    std::atomic<std::uint64_t> dropped_{0};
};

}  // namespace rampart::limit
