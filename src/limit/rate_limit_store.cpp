#include "limit/rate_limit_store.hpp"

namespace rampart::limit {

boost::asio::awaitable<void> RateLimitStore::decide_async(std::span<const LimitCheck> checks,
                                                          std::span<LimitOutcome> outcomes,
                                                          Nanoseconds now, unsigned) {
    decide(checks, outcomes, now);
    co_return;
}

}  // namespace rampart::limit
