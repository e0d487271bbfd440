#include "util/blocking_pool.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>

namespace rampart::util {

namespace asio = boost::asio;

BlockingPool::BlockingPool(unsigned threads, unsigned max_pending)
    : pool_(threads == 0 ? 1 : threads), max_pending_(max_pending == 0 ? 1 : max_pending) {}

BlockingPool::~BlockingPool() {
    stop();
}

asio::awaitable<bool> BlockingPool::run(std::function<void()> work) {
    if (pending_.fetch_add(1, std::memory_order_acq_rel) >= max_pending_) {
        pending_.fetch_sub(1, std::memory_order_acq_rel);
        co_return false;
    }
    // co_spawn on the pool runs `work` there; awaiting it with use_awaitable
    // resumes this coroutine on the caller's executor, not on the pool.
    co_await asio::co_spawn(
        pool_.get_executor(),
        [&work]() -> asio::awaitable<void> {
            work();
            co_return;
        },
        asio::use_awaitable);
    pending_.fetch_sub(1, std::memory_order_acq_rel);
    co_return true;
}

bool BlockingPool::post(std::function<void()> work) {
    if (pending_.fetch_add(1, std::memory_order_acq_rel) >= max_pending_) {
        pending_.fetch_sub(1, std::memory_order_acq_rel);
        return false;
    }
    asio::post(pool_.get_executor(), [this, work = std::move(work)] {
        work();
        pending_.fetch_sub(1, std::memory_order_acq_rel);
    });
    return true;
}

void BlockingPool::run_and_wait(const std::function<void()>& work) {
    asio::post(pool_.get_executor(), asio::use_future([&work] { work(); })).get();
}

void BlockingPool::stop() {
    pool_.stop();
    pool_.join();
}

}  // namespace rampart::util
