#include "net/connection_limiter.hpp"

#include <chrono>
#include <functional>

namespace rampart::net {

ConnectionLimiter::Shard& ConnectionLimiter::shard_for(const std::string& key) {
    return shards_[std::hash<std::string>{}(key) % shards_.size()];
}

void ConnectionLimiter::set_connection_rate(const std::optional<limit::GcraPolicy>& policy) {
    rate_burst_.store(policy ? policy->burst : 1, std::memory_order_relaxed);
    rate_emission_interval_.store(policy ? policy->emission_interval : 0,
                                  std::memory_order_relaxed);
}

bool ConnectionLimiter::admit_by_rate(const boost::asio::ip::address& client) {
    limit::GcraPolicy policy;
    policy.emission_interval = rate_emission_interval_.load(std::memory_order_relaxed);
    if (policy.emission_interval == 0) {
        return true;
    }
    policy.burst = rate_burst_.load(std::memory_order_relaxed);
    policy.tolerance = policy.emission_interval * policy.burst;
    static const limit::KeyDigest overflow_key = limit::digest_of("(connection rate overflow)");
    limit::KeyBuilder key;
    limit::add_client_address(client, key);
    limit::LimitCheck check{key.digest(), overflow_key, &policy};
    limit::LimitOutcome outcome;
    auto now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
                   .count();
    connection_rates_.decide({&check, 1}, {&outcome, 1}, now);
    return outcome.decision.admitted;
}

ConnectionLimiter::Admission ConnectionLimiter::try_acquire(const boost::asio::ip::address& client,
                                                            std::uint64_t max_total,
                                                            std::uint64_t max_per_ip) {
    if (!admit_by_rate(client)) {
        return Admission::over_rate;
    }
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
