#include "limit/token_use_tracker.hpp"

#include <algorithm>

namespace rampart::limit {

TokenUseTracker::TokenUseTracker(std::size_t max_tracked)
    : per_shard_capacity_(std::max<std::size_t>(1, max_tracked / shard_count)) {}

TokenUseTracker::~TokenUseTracker() = default;

void TokenUseTracker::share_through(std::unique_ptr<TokenUseSharing> sharing) {
    sharing_ = std::move(sharing);
}

void TokenUseTracker::sweep(Shard& shard, std::chrono::seconds window, Clock::time_point now) {
    std::erase_if(shard.credentials, [&](const auto& entry) {
        const auto& uses = entry.second.uses;
        return std::none_of(uses.begin(), uses.end(),
                            [&](const Use& use) { return now - use.last_seen < window; });
    });
}

TokenUseTracker::Observation TokenUseTracker::record(const KeyDigest& credential,
                                                     const boost::asio::ip::address& client,
                                                     unsigned max_addresses,
                                                     std::chrono::seconds window,
                                                     Clock::time_point now) {
    KeyBuilder address_key;
    add_client_address(client, address_key);
    KeyDigest address = address_key.digest();
    Shard& shard = shard_for(credential);
    std::lock_guard lock(shard.mutex);
    auto found = shard.credentials.find(credential);
    if (found == shard.credentials.end()) {
        if (shard.credentials.size() >= per_shard_capacity_) {
            sweep(shard, window, now);
        }
        if (shard.credentials.size() >= per_shard_capacity_) {
            untracked_.fetch_add(1, std::memory_order_relaxed);
            return {};
        }
        found = shard.credentials.emplace(credential, Credential{}).first;
        found->second.uses.reserve(max_addresses + 1);
    }
    Credential& state = found->second;
    auto& uses = state.uses;
    std::erase_if(uses, [&](const Use& use) { return now - use.last_seen >= window; });
    auto same = std::find_if(uses.begin(), uses.end(),
                             [&](const Use& use) { return use.address == address; });
    Observation observation;
    observation.address = address;
    if (same != uses.end()) {
        same->last_seen = now;
        if (now - same->shared_at >= window / 2) {
            same->shared_at = now;
            observation.share = true;
        }
    } else {
        if (uses.size() > max_addresses) {
            // Keep max_addresses + 1: enough to know it is over; drop the oldest.
            uses.erase(std::min_element(uses.begin(), uses.end(), [](const Use& a, const Use& b) {
                return a.last_seen < b.last_seen;
            }));
        }
        uses.push_back({address, now, now});
        observation.share = true;
    }
    observation.distinct_addresses = static_cast<unsigned>(uses.size());
    if (uses.size() > max_addresses && (!state.reported || now - state.reported_at >= window)) {
        state.reported = true;
        state.reported_at = now;
        observation.misuse_detected = true;
    }
    return observation;
}

std::size_t TokenUseTracker::tracked() const {
    std::size_t total = 0;
    for (const auto& shard : shards_) {
        std::lock_guard lock(shard.mutex);
        total += shard.credentials.size();
    }
    return total;
}

}  // namespace rampart::limit
