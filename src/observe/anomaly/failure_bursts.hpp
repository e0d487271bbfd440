// Bursts of failed requests per client address (issue 6): 401s (failed
// authentication: credential stuffing, token guessing) and 4xx of any kind
// (scanning, fuzzing) counted in a sliding window per address, IPv6 per /64.
// Only failed requests touch this table, so normal traffic pays nothing; the
// table is striped by address so that workers rarely meet on a lock, and
// bounded (max_clients): expired entries are purged when a stripe fills.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <unordered_map>

#include "config/anomaly_settings.hpp"

namespace rampart::observe::anomaly {

struct FailureBurst {
    std::string_view kind;       // "401" or "4xx"
    std::uint32_t failures = 0;  // the sliding-window estimate when it crossed
    std::uint32_t threshold = 0;
};

class FailureBursts {
  public:
    using Clock = std::chrono::steady_clock;

    explicit FailureBursts(const config::FailureBurstSettings& settings);

    // A request from `client` was answered `status` (callers pass 4xx only).
    // Returns the burst this failure completed: once per burst, which ends
    // when the client's rate falls below half the threshold. Never throws.
    std::optional<FailureBurst> record(const boost::asio::ip::address& client, unsigned status,
                                       Clock::time_point now) noexcept;

    std::size_t tracked_clients() const;
    // Failures not counted because the table was full of recent clients.
    std::uint64_t untracked_failures() const noexcept {
        return untracked_failures_.load(std::memory_order_relaxed);
    }

  private:
    using AddressKey = std::array<unsigned char, 16>;
    struct AddressKeyHash {
        std::size_t operator()(const AddressKey& key) const noexcept;
    };
    // Two fixed windows weighted into a sliding one (the "sliding window
    // counter"): 24 bytes per address instead of a log of timestamps.
    struct Counter {
        std::uint32_t current = 0;
        std::uint32_t previous = 0;
        bool in_burst = false;
    };
    struct Entry {
        std::int64_t window_index = 0;
        Counter unauthorized;   // 401
        Counter client_errors;  // any 4xx
    };
    static constexpr std::size_t stripe_count = 16;
    struct alignas(64) Stripe {
        mutable std::mutex mutex;
        std::unordered_map<AddressKey, Entry, AddressKeyHash> entries;
        std::int64_t last_purge_window = -1;
    };

    static AddressKey key_of(const boost::asio::ip::address& client) noexcept;
    Entry* find_or_add(Stripe& stripe, const AddressKey& key, std::int64_t window_index);
    std::optional<FailureBurst> count(Counter& counter, double previous_weight,
                                      std::uint32_t threshold, std::string_view kind) noexcept;

    config::FailureBurstSettings settings_;
    std::size_t max_entries_per_stripe_;
    std::array<Stripe, stripe_count> stripes_;
    std::atomic<std::uint64_t> untracked_failures_{0};
};

}  // namespace rampart::observe::anomaly
