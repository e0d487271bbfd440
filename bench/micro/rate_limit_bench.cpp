// One rate-limit decision of the in-process store for a key it already holds,
// as the rate_limit stage makes per request: build the key (limit scope and
// client address), hash it, look it up under the shard's lock and run GCRA.
// Also with two limits (the refund path is not timed: nothing is refused),
// and from several threads on distinct keys to show the shards at work.
// The `allocations` counter (per decision) counts operator new calls in the
// timed loop: it must stay 0 for a known key.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <new>

#include <boost/asio/ip/address.hpp>

#include <array>
#include <string>

#include "limit/in_process_store.hpp"

// Counts this thread's allocations, for the `allocations` counter below. The
// replacement is for the whole benchmark binary; it only adds an increment.
// (GCC sees malloc/free inside replaced new/delete as a mismatch; it is not.)
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
thread_local std::uint64_t allocations_on_this_thread = 0;

void* operator new(std::size_t size) {
    ++allocations_on_this_thread;
    if (void* memory = std::malloc(size == 0 ? 1 : size)) {
        return memory;
    }
    throw std::bad_alloc();
}

void operator delete(void* memory) noexcept {
    std::free(memory);
}

void operator delete(void* memory, std::size_t) noexcept {
    std::free(memory);
}

namespace {

using namespace rampart::limit;

// A policy that never refuses in a benchmark run, so every decision admits.
const GcraPolicy& generous_policy() {
    static const GcraPolicy policy =
        *make_gcra_policy(1'000'000'000, nanoseconds_per_second, 1'000'000'000);
    return policy;
}

InProcessStore& shared_store() {
    static InProcessStore store;
    return store;
}

void BM_KnownKeyDecision(benchmark::State& state) {
    auto& store = shared_store();
    static const KeyDigest scope = digest_of("rate_limit/per_ip");
    static const KeyDigest overflow = digest_of("rate_limit/per_ip/(overflow)");
    auto address =
        boost::asio::ip::make_address("203.0.113." + std::to_string(10 + state.thread_index()));
    Nanoseconds now = 1'000'000'000;
    auto decide = [&] {
        KeyBuilder key;
        key.add_bytes(scope.bytes.data(), scope.bytes.size());
        add_client_address(address, key);
        LimitCheck check{key.digest(), overflow, &generous_policy()};
        LimitOutcome outcome;
        store.decide({&check, 1}, {&outcome, 1}, now);
        benchmark::DoNotOptimize(outcome);
        now += 1000;
    };
    decide();  // the key is known from here on
    auto allocations_before = allocations_on_this_thread;
    for (auto _ : state) {
        decide();
    }
    state.counters["allocations"] =
        benchmark::Counter(static_cast<double>(allocations_on_this_thread - allocations_before),
                           benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_KnownKeyDecision);
BENCHMARK(BM_KnownKeyDecision)->Threads(2);

void BM_TwoLimitsKnownKeys(benchmark::State& state) {
    auto& store = shared_store();
    static const std::array<KeyDigest, 2> scopes = {digest_of("per_second"), digest_of("per_hour")};
    auto address = boost::asio::ip::make_address("198.51.100.7");
    Nanoseconds now = 1'000'000'000;
    for (auto _ : state) {
        std::array<LimitCheck, 2> checks;
        for (std::size_t index = 0; index < checks.size(); ++index) {
            KeyBuilder key;
            key.add_bytes(scopes[index].bytes.data(), scopes[index].bytes.size());
            add_client_address(address, key);
            checks[index] = {key.digest(), scopes[index], &generous_policy()};
        }
        std::array<LimitOutcome, 2> outcomes;
        store.decide(checks, outcomes, now);
        benchmark::DoNotOptimize(outcomes);
        now += 1000;
    }
}
BENCHMARK(BM_TwoLimitsKnownKeys);

}  // namespace
