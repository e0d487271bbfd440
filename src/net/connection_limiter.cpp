#include "net/connection_limiter.hpp"

#include <functional>

namespace rampart::net {

ConnectionLimiter::Shard& ConnectionLimiter::shard_for(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % shards_.size()];
}

ConnectionLimiter::Admission ConnectionLimiter::try_acquire(const boost::asio::ip::address& client,
                                                            std::uint64_t max_total,
                                                            std::uint64_t max_per_ip) {
    if (total_.fetch_add(1, std::memory_order_relaxed) >= max_total) {
        total_.fetch_sub(1, std::memory_order_relaxed);
        return Admission::over_total;
    }
    auto key = client.to_string();
    auto& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    auto& count = shard.per_ip[key];
    if (count >= max_per_ip) {
        if (count == 0) {
            shard.per_ip.erase(key);
        }
        total_.fetch_sub(1, std::memory_order_relaxed);
        return Admission::over_per_ip;
    }
    ++count;
    return Admission::admitted;
}

void ConnectionLimiter::release(const boost::asio::ip::address& client) {
    auto key = client.to_string();
    auto& shard = shard_for(key);
    {
        std::lock_guard lock(shard.mutex);
        auto found = shard.per_ip.find(key);
        if (found != shard.per_ip.end() && --found->second == 0) {
            shard.per_ip.erase(found);
        }
    }
    total_.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace rampart::net
