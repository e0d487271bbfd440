// Shared-mode rate-limit throughput: decisions per second of the Redis store
// (limit/redis_store.hpp) through one worker's single pipelined connection,
// against a redis-server on loopback (bench/redis-bench.sh starts one).
// `concurrency` coroutines each decide in a loop, one request under one limit
// of its own key, as that many concurrent requests of one worker would: with
// more than one in flight, commands share the connection's writes and reads.
//
//   rampart_redis_bench PORT [SECONDS=5] [CONCURRENCY=1,8,64,256]
//
// Prints, per concurrency: decisions/s, the mean latency of a decision, and
// how many fell back (should be 0: a fallback means Redis missed the timeout).
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <vector>

#include "limit/limit_key.hpp"
#include "limit/redis_store.hpp"

namespace {

namespace asio = boost::asio;
using namespace rampart;
using Clock = std::chrono::steady_clock;

struct Totals {
    std::uint64_t decisions = 0;
    std::uint64_t refused = 0;
};

asio::awaitable<void> decide_in_a_loop(limit::RedisStore& store, const limit::GcraPolicy& policy,
                                       int client, Clock::time_point until, Totals& totals) {
    std::array<limit::LimitCheck, 1> checks{
        limit::LimitCheck{limit::digest_of("bench client " + std::to_string(client)),
                          limit::digest_of("bench overflow"), &policy}};
    std::array<limit::LimitOutcome, 1> outcomes;
    while (Clock::now() < until) {
        co_await store.decide_async(checks, outcomes, 0, 0);
        ++totals.decisions;
        totals.refused += outcomes[0].decision.admitted ? 0 : 1;
    }
}

std::uint64_t fallback_decisions(const limit::RedisStore& store) {
    std::string text;
    store.render_metrics(text);
    std::uint64_t total = 0;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.starts_with("rampart_rate_limit_decisions_total{store=\"fallback\"")) {
            total += std::strtoull(line.substr(line.rfind(' ') + 1).c_str(), nullptr, 10);
        }
    }
    return total;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s PORT [SECONDS] [CONCURRENCY,...]\n", argv[0]);
        return 2;
    }
    auto port = static_cast<std::uint16_t>(std::atoi(argv[1]));
    int seconds = argc > 2 ? std::atoi(argv[2]) : 5;
    std::vector<int> levels;
    std::istringstream list(argc > 3 ? argv[3] : "1,8,64,256");
    for (std::string item; std::getline(list, item, ',');) {
        levels.push_back(std::atoi(item.c_str()));
    }
    limit::use_shared_key_secret("rampart redis bench key secret");
    limit::RedisStoreSettings settings;
    settings.address = "127.0.0.1";
    settings.port = port;
    settings.key_prefix = "bench:rl:";
    settings.key_secret = "rampart redis bench key secret";
    settings.timeout = std::chrono::milliseconds(1000);
    settings.on_failure = limit::RedisFailureMode::open;
    // Generous: every decision admits, so each one writes its key.
    auto policy = *limit::make_gcra_policy(1'000'000, limit::nanoseconds_per_second, 1'000'000);

    std::printf("concurrency  decisions/s  mean latency  fallbacks\n");
    for (int level : levels) {
        asio::io_context io(1);
        limit::RedisStore store(settings, 1, {});
        Totals totals;
        // A first decision connects and loads the script, outside the measurement.
        {
            std::array<limit::LimitCheck, 1> warm{
                limit::LimitCheck{limit::digest_of("warm"), limit::digest_of("warm"), &policy}};
            std::array<limit::LimitOutcome, 1> outcome;
            bool done = false;
            asio::co_spawn(
                io,
                [&]() -> asio::awaitable<void> {
                    co_await store.decide_async(warm, outcome, 0, 0);
                    done = true;
                },
                asio::detached);
            while (!done) {
                io.run_one();
            }
        }
        totals = {};
        auto start = Clock::now();
        auto until = start + std::chrono::seconds(seconds);
        for (int client = 0; client < level; ++client) {
            asio::co_spawn(io, decide_in_a_loop(store, policy, client, until, totals),
                           asio::detached);
        }
        // The connection's own loop runs for ever: run until the clients are done.
        io.run_until(until + std::chrono::milliseconds(200));
        auto elapsed = static_cast<double>(seconds);
        double rate = static_cast<double>(totals.decisions) / elapsed;
        double latency_us = level * 1e6 / rate;
        std::printf("%11d  %11.0f  %9.1f µs  %9llu\n", level, rate, latency_us,
                    static_cast<unsigned long long>(fallback_decisions(store)));
    }
    return 0;
}
