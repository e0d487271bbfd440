// Rate-limit state in this process's memory, shared by the worker threads:
// a table of key digest -> TAT, split in shards with one mutex each so
// workers rarely meet on a lock. A decision for a known key is a hash, a
// lookup and a few integer operations, without allocation.
//
// Bounded memory: an entry whose TAT has passed is the same as no entry, so
// each shard drops such idle entries every sweep_interval (and at once when
// it is full). At most max_keys entries exist; while a shard is full, a new
// key is counted on its limit's overflow counter, shared by every key that
// did not fit: the limit still holds for them together (it never fails open),
// and the store reports it (overflow_decisions, a security event upstream).
#pragma once

#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "limit/rate_limit_store.hpp"

namespace rampart::limit {

struct InProcessStoreOptions {
    std::size_t max_keys = 100'000;
    std::size_t shard_count = 64;
    Nanoseconds sweep_interval = 10 * nanoseconds_per_second;
};

class InProcessStore final : public RateLimitStore {
  public:
    explicit InProcessStore(InProcessStoreOptions options = {});

    void decide(std::span<const LimitCheck> checks, std::span<LimitOutcome> outcomes,
                Nanoseconds now) override;

    // Entries held now, overflow counters excluded (takes every shard's lock).
    std::size_t key_count() const;
    std::uint64_t overflow_decisions() const noexcept {
        return overflow_decisions_.load(std::memory_order_relaxed);
    }
    std::size_t max_keys() const noexcept { return per_shard_capacity_ * shard_count_; }

  private:
    struct Entry {
        Nanoseconds arrival_time = 0;
        Nanoseconds last_reported_refusal = 0;
        bool ever_refused = false;
    };
    using Table = std::unordered_map<KeyDigest, Entry, KeyDigestHash>;
    struct alignas(64) Shard {
        std::mutex mutex;
        Table entries;
        Table overflow;  // one per limit; few, and they expire like the others
        Nanoseconds next_sweep = 0;
    };

    Shard& shard_for(const KeyDigest& key) noexcept { return shards_[key.high() % shard_count_]; }
    LimitOutcome decide_one(const LimitCheck& check, Nanoseconds now);
    void refund(const LimitCheck& check, const LimitOutcome& outcome);
    // Finds or makes the entry for `key`; null when the shard is full.
    Entry* entry_for(Shard& shard, const KeyDigest& key, Nanoseconds now);
    static void sweep(Shard& shard, Nanoseconds now);

    std::size_t shard_count_;
    std::size_t per_shard_capacity_;
    Nanoseconds sweep_interval_;
    std::unique_ptr<Shard[]> shards_;
    std::atomic<std::uint64_t> overflow_decisions_{0};
};

}  // namespace rampart::limit
