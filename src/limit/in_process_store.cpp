#include "limit/in_process_store.hpp"

#include <algorithm>

namespace rampart::limit {

InProcessStore::InProcessStore(InProcessStoreOptions options)
    : shard_count_(std::max<std::size_t>(options.shard_count, 1)),
      per_shard_capacity_(
          std::max<std::size_t>((options.max_keys + shard_count_ - 1) / shard_count_, 1)),
      sweep_interval_(options.sweep_interval),
      shards_(std::make_unique<Shard[]>(shard_count_)) {}

void InProcessStore::decide(std::span<const LimitCheck> checks, std::span<LimitOutcome> outcomes,
                            Nanoseconds now) {
    for (std::size_t index = 0; index < checks.size(); ++index) {
        outcomes[index] = decide_one(checks[index], now);
        if (!outcomes[index].decision.admitted) {
            // A refused request counts against none of its limits.
            for (std::size_t earlier = 0; earlier < index; ++earlier) {
                refund(checks[earlier], outcomes[earlier]);
            }
            for (std::size_t later = index + 1; later < checks.size(); ++later) {
                outcomes[later] = LimitOutcome{};
                outcomes[later].decision.admitted = true;
                outcomes[later].decision.remaining = checks[later].policy->burst;
            }
            return;
        }
    }
}

LimitOutcome InProcessStore::decide_one(const LimitCheck& check, Nanoseconds now) {
    LimitOutcome outcome;
    auto* shard = &shard_for(check.key);
    std::unique_lock lock(shard->mutex);
    Entry* entry = entry_for(*shard, check.key, now);
    if (entry == nullptr) {
        lock.unlock();
        overflow_decisions_.fetch_add(1, std::memory_order_relaxed);
        outcome.counted_on_overflow = true;
        shard = &shard_for(check.overflow_key);
        lock = std::unique_lock(shard->mutex);
        entry = &shard->overflow[check.overflow_key];
    }
    outcome.decision = gcra_decide(entry->arrival_time, now, *check.policy);
    entry->arrival_time = outcome.decision.new_arrival_time;
    if (!outcome.decision.admitted &&
        (!entry->ever_refused || now - entry->last_reported_refusal >= check.policy->tolerance)) {
        entry->ever_refused = true;
        entry->last_reported_refusal = now;
        outcome.report_refusal = true;
    }
    return outcome;
}

void InProcessStore::refund(const LimitCheck& check, const LimitOutcome& outcome) {
    const KeyDigest& key = outcome.counted_on_overflow ? check.overflow_key : check.key;
    auto& shard = shard_for(key);
    std::lock_guard lock(shard.mutex);
    auto& table = outcome.counted_on_overflow ? shard.overflow : shard.entries;
    if (auto found = table.find(key); found != table.end()) {
        found->second.arrival_time = gcra_refund(found->second.arrival_time, *check.policy);
    }
}

InProcessStore::Entry* InProcessStore::entry_for(Shard& shard, const KeyDigest& key,
                                                 Nanoseconds now) {
    if (auto found = shard.entries.find(key); found != shard.entries.end()) {
        return &found->second;
    }
    if (now >= shard.next_sweep || shard.entries.size() >= per_shard_capacity_) {
        sweep(shard, now);
        shard.next_sweep = now + sweep_interval_;
    }
    if (shard.entries.size() >= per_shard_capacity_) {
        return nullptr;
    }
    return &shard.entries.try_emplace(key, Entry{now, 0, false}).first->second;
}

// Drops the entries whose TAT has passed: their budget is full, the same as
// no entry. (A key refused again after that reports again, which is at most
// once per window as a refused key's TAT lies a window ahead.)
void InProcessStore::sweep(Shard& shard, Nanoseconds now) {
    auto idle = [now](const auto& item) { return item.second.arrival_time <= now; };
    std::erase_if(shard.entries, idle);
    std::erase_if(shard.overflow, idle);
}

std::size_t InProcessStore::key_count() const {
    std::size_t count = 0;
    for (std::size_t index = 0; index < shard_count_; ++index) {
        std::lock_guard lock(shards_[index].mutex);
        count += shards_[index].entries.size();
    }
    return count;
}

}  // namespace rampart::limit
