// Caps open client connections, in total and per client IP, across all
// workers. Touched once per accepted and once per closed connection, never
// per request.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>

namespace rampart::net {

class ConnectionLimiter {
public:
    enum class Admission { admitted, over_total, over_per_ip };

    Admission try_acquire(const boost::asio::ip::address& client, std::uint64_t max_total,
                          std::uint64_t max_per_ip);
    void release(const boost::asio::ip::address& client);
    std::uint64_t open_connections() const { return total_.load(std::memory_order_relaxed); }

private:
    struct Shard {
        std::mutex mutex;
        std::unordered_map<std::string, std::uint64_t> per_ip;
    };
    Shard& shard_for(const std::string& key);

    std::atomic<std::uint64_t> total_{0};
    std::array<Shard, 16> shards_;
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
