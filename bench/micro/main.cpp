// One main for every micro-benchmark file in this folder.
#include <benchmark/benchmark.h>

BENCHMARK_MAIN();
