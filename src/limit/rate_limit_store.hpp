// Where rate-limit state lives. The in-process store (in_process_store.hpp)
// keeps it in this process's memory; a shared store (Redis, next) keeps it
// where several instances see it and runs the same GCRA (gcra.hpp) in one
// atomic script per decision (redis_store.hpp). Stages only see this interface.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <span>

#include "limit/gcra.hpp"
#include "limit/limit_key.hpp"

namespace rampart::limit {

// One limit to check for one request: the counter's key, its policy, and the
// counter that stands in for every new key while the store is full.
struct LimitCheck {
    KeyDigest key;
    KeyDigest overflow_key;
    const GcraPolicy* policy = nullptr;
};

struct LimitOutcome {
    GcraDecision decision;
    // The key was not in the full store: its request was counted on the
    // limit's shared overflow counter instead.
    bool counted_on_overflow = false;
    // Refused, and the first refusal of this key within the limit's window:
    // worth a security event (later ones are not, so a flood cannot flood
    // the log).
    bool report_refusal = false;
    // Refused because the shared store could not answer and it fails closed.
    bool store_unavailable = false;
};

class RateLimitStore {
  public:
    virtual ~RateLimitStore() = default;

    // Decides every limit of one request together: either every limit admits
    // and each counts the request, or the request is refused and counts
    // against none. `outcomes` has the size of `checks`. Thread-safe.
    virtual void decide(std::span<const LimitCheck> checks, std::span<LimitOutcome> outcomes,
                        Nanoseconds now) = 0;

    // A store that waits for I/O (Redis) decides here instead, on the
    // calling worker's executor; `worker` is the worker's index (its own
    // connection). The stage then runs asynchronously. The default decides
    // synchronously.
    virtual bool is_asynchronous() const { return false; }
    virtual boost::asio::awaitable<void> decide_async(std::span<const LimitCheck> checks,
                                                      std::span<LimitOutcome> outcomes,
                                                      Nanoseconds now, unsigned worker);
};

}  // namespace rampart::limit
