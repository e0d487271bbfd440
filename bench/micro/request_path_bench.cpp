// Micro-benchmarks of the pure functions every proxied request goes through
// before any I/O: the strict head check, target normalisation and routing.
// The whole-proxy comparison with nginx and HAProxy is bench/run.sh.
#include <benchmark/benchmark.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/settings.hpp"
#include "net/path_normalizer.hpp"
#include "net/request_head_validator.hpp"
#include "pipeline/route.hpp"
#include "pipeline/router.hpp"

namespace {

using rampart::config::HttpLimits;
using rampart::config::PathPolicy;

// An API request head of about 400 bytes, as wrk or a client SDK sends it.
std::string realistic_head() {
    std::string head =
        "GET /api/v1/orders/8f14e45f-ceea-467f-a0e6-2b5c1a2c3d4e/items?limit=20&offset=40 "
        "HTTP/1.1\r\n"
        "Host: api.example.com\r\n"
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0\r\n"
        "Accept: application/json\r\n"
        "Accept-Encoding: gzip, deflate, br\r\n"
        "Authorization: Bearer eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJiZW5jaCJ9.c2ln\r\n"
        "X-Request-Id: 6b1f0c1e-8a5d-4b7e-9f3a-2d4c6e8a0b1c\r\n"
        "Connection: keep-alive\r\n"
        "\r\n";
    return head;
}

rampart::net::HeadLimits default_head_limits() {
    HttpLimits defaults;
    return {defaults.max_request_target_bytes, defaults.max_header_bytes,
            defaults.max_header_fields};
}

void BM_ValidateRequestHead(benchmark::State& state) {
    const std::string head = realistic_head();
    const auto limits = default_head_limits();
    if (rampart::net::validate_request_head(head, limits).has_value()) {
        state.SkipWithError("the benchmark head was rejected");
        return;
    }
    for (auto _ : state) {
        auto rejection = rampart::net::validate_request_head(head, limits);
        benchmark::DoNotOptimize(rejection);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) *
                            static_cast<std::int64_t>(head.size()));
    state.counters["head_bytes"] = static_cast<double>(head.size());
}
BENCHMARK(BM_ValidateRequestHead);

// Targets as they arrive: plain, with a query, percent-encoded, with a
// repeated slash to merge. Indexed by the benchmark argument.
constexpr std::array<std::string_view, 4> targets{
    "/api/v1/users/12345",
    "/api/v1/orders/8f14e45f-ceea-467f-a0e6-2b5c1a2c3d4e/items?limit=20&offset=40",
    "/api/v1/files/report%202026%20Q3.pdf?download=1",
    "/api/v1//users/12345/orders/",
};
constexpr std::array<const char*, 4> target_labels{"plain", "query", "percent_encoded",
                                                   "repeated_slash"};

void BM_NormalizeTarget(benchmark::State& state) {
    const auto target = targets[static_cast<std::size_t>(state.range(0))];
    const PathPolicy policy;  // the defaults: merge slashes, reject dot segments
    if (!rampart::net::normalize_target(target, "api.example.com", policy)) {
        state.SkipWithError("the benchmark target was rejected");
        return;
    }
    for (auto _ : state) {
        auto normalized = rampart::net::normalize_target(target, "api.example.com", policy);
        benchmark::DoNotOptimize(normalized);
    }
    state.SetLabel(target_labels[static_cast<std::size_t>(state.range(0))]);
}
BENCHMARK(BM_NormalizeTarget)->DenseRange(0, static_cast<int>(targets.size()) - 1);

// 50 routes shaped like a real API: 10 resources, each with a collection, an
// item, a sub-collection, a sub-item and an action, behind one version prefix.
constexpr std::size_t route_count = 50;

struct RoutingTable {
    std::array<rampart::pipeline::CompiledRoute, route_count> routes{};
    rampart::pipeline::Router router;
};

RoutingTable& routing_table() {
    static RoutingTable table = [] {
        RoutingTable built;
        constexpr std::array<std::string_view, 10> resources{
            "users", "orders",  "products",  "invoices", "payments",
            "carts", "reviews", "shipments", "coupons",  "webhooks"};
        std::size_t index = 0;
        for (auto resource : resources) {
            const std::string base = "/api/v1/" + std::string(resource);
            const std::vector<std::pair<std::string, std::vector<std::string>>> shapes{
                {base, {"GET", "POST"}},
                {base + "/{id}", {"GET", "PUT", "PATCH", "DELETE"}},
                {base + "/{id}/events", {"GET"}},
                {base + "/{id}/events/{event_id}", {"GET", "DELETE"}},
                {base + "/{id}/archive", {"POST"}},
            };
            for (const auto& [path, methods] : shapes) {
                built.routes[index].name = path;
                built.router.add({&built.routes[index], path, std::nullopt, methods,
                                  "micro-bench:" + std::to_string(index)});
                ++index;
            }
        }
        return built;
    }();
    return table;
}

using Kind = rampart::pipeline::Router::Result::Kind;

struct Lookup {
    std::string_view path;
    std::string_view method;
    Kind expected;
    const char* label;
};
constexpr std::array<Lookup, 4> lookups{{
    {"/api/v1/users", "GET", Kind::found, "collection"},
    {"/api/v1/webhooks/42/events/7", "GET", Kind::found, "deep_parameters"},
    {"/api/v1/shipments/8f14e45f/archive", "POST", Kind::found, "action"},
    {"/api/v1/nothing/here", "GET", Kind::not_found, "not_found"},
}};

void BM_RouterFind(benchmark::State& state) {
    const auto& table = routing_table();
    const auto& lookup = lookups[static_cast<std::size_t>(state.range(0))];
    rampart::pipeline::PathParameters parameters;
    if (table.router.find("api.example.com", lookup.path, lookup.method, parameters).kind !=
        lookup.expected) {
        state.SkipWithError("the router did not answer this lookup as expected");
        return;
    }
    for (auto _ : state) {
        parameters.clear();
        auto result = table.router.find("api.example.com", lookup.path, lookup.method, parameters);
        benchmark::DoNotOptimize(result);
        benchmark::DoNotOptimize(parameters.data());
    }
    state.SetLabel(lookup.label);
}
BENCHMARK(BM_RouterFind)->DenseRange(0, static_cast<int>(lookups.size()) - 1);

}  // namespace

