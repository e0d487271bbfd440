// Caps open client connections, in total and per client IP, and the rate of
// new connections per client IP (GCRA, limit/gcra.hpp), across all workers.
// Touched once per accepted and once per closed connection, never per request.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "limit/in_process_store.hpp"

namespace rampart::net {

class ConnectionLimiter {
public:
    enum class Admission { admitted, over_total, over_per_ip, over_rate };

    // A connection refused for its rate does not count against the rate.
    Admission try_acquire(const boost::asio::ip::address& client, std::uint64_t max_total,
                          std::uint64_t max_per_ip);
    // The rate of new connections per client address; null: none. Any
    // thread (a reload); accepts see it at once.
    void set_connection_rate(const std::optional<limit::GcraPolicy>& policy);
    void release(const boost::asio::ip::address& client);
    std::uint64_t open_connections() const { return total_.load(std::memory_order_relaxed); }

private:
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, std::uint64_t> per_ip;
    };
    Shard& shard_for(const std::string& key);
    bool admit_by_rate(const boost::asio::ip::address& client);

    std::atomic<std::uint64_t> total_{0};
    std::array<Shard, 16> shards_;
    // Bounded like every rate-limit store: a flood from many addresses
    // shares the overflow counter once the table is full.
    limit::InProcessStore connection_rates_{{.max_keys = 100'000, .shard_count = 16}};
    std::atomic<limit::Nanoseconds> rate_emission_interval_{0};  // 0: no rate
    std::atomic<std::int64_t> rate_burst_{1};
};

// RAII: releases its admission when the connection ends.
class ConnectionAdmission {
public:
    ConnectionAdmission(ConnectionLimiter& limiter, boost::asio::ip::address client)
        : limiter_(&limiter), client_(std::move(client)) {}
    ConnectionAdmission(const ConnectionAdmission&) = delete;
    ConnectionAdmission& operator=(const ConnectionAdmission&) = delete;
    ~ConnectionAdmission() { limiter_->release(client_); }

private:
    ConnectionLimiter* limiter_;
    boost::asio::ip::address client_;
};

}  // namespace rampart::net
