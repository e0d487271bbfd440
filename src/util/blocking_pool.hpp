// Where work that would block a worker thread runs: Argon2id hashing (tens of
// milliseconds and 19 MiB each), store transactions, file reads. A fixed set of
// threads with bounded admission: when `max_pending` jobs are already queued or
// running, run() refuses at once, so a login flood gets 503 instead of
// exhausting memory (PWD-02).
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <cstdint>
#include <functional>

namespace rampart::util {

class BlockingPool {
  public:
    BlockingPool(unsigned threads, unsigned max_pending);
    ~BlockingPool();
    BlockingPool(const BlockingPool&) = delete;
    BlockingPool& operator=(const BlockingPool&) = delete;

    // Runs `work` on a pool thread and resumes the caller on its own executor.
    // False, without running it, when the pool is saturated. `work` must not throw.
    boost::asio::awaitable<bool> run(std::function<void()> work);

    // Queues `work` without waiting for it (a revocation a detector made on a
    // worker thread). False, without queueing it, when the pool is saturated.
    // `work` must not throw.
    bool post(std::function<void()> work);

    // For the CLI and tests: runs `work` on the pool and waits for it.
    void run_and_wait(const std::function<void()>& work);

    unsigned pending() const { return pending_.load(std::memory_order_relaxed); }
    void stop();

  private:
    boost::asio::thread_pool pool_;
    std::atomic<unsigned> pending_{0};
    unsigned max_pending_;
};

}  // namespace rampart::util
