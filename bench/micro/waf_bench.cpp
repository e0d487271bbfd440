// What the injection filter costs a request on a route that has it (a route without it has no
// `waf` stage and pays nothing): the Core Rule Set at paranoia 1 and 2 over a typical API GET
// with a query, and over a POST with a 1 KiB JSON body. Loading the rules happens once, at
// configuration load, and is not timed.
#include <benchmark/benchmark.h>

#include <boost/beast/http/fields.hpp>

#include <string>

#include "validate/waf_engine.hpp"

namespace {

using rampart::validate::WafEngine;
using rampart::validate::WafSettings;

boost::beast::http::fields typical_headers() {
    boost::beast::http::fields headers;
    headers.set("Host", "api.example.com");
    headers.set("User-Agent", "shop-app/3.2 (Android 14)");
    headers.set("Accept", "application/json");
    headers.set("Accept-Language", "en-GB,en;q=0.8");
    headers.set("Authorization",
                "Bearer eyJhbGciOiJFUzI1NiIsImtpZCI6ImsxIn0.eyJzdWIiOiJhbGljZSJ9.c2ln");
    headers.set("X-Request-Id", "5f0c6a0e8d2b4c1f9e7a3b2c1d0e9f8a");
    return headers;
}

// A 1 KiB order: nested objects, an array of items, free text.
std::string kilobyte_json() {
    std::string body = R"({"customer":{"name":"Séan O'Brien","email":"sean@example.com"},)"
                       R"("shipping":{"street":"12 Rue de l'Église","city":"Saint-Étienne"},)"
                       R"("items":[)";
    for (int item = 0; item < 14; ++item) {
        body += R"({"sku":"SKU-)" + std::to_string(1000 + item) + R"(","qty":)" +
                std::to_string(item % 3 + 1) + R"(,"price":19.95},)";
    }
    body.pop_back();
    body += R"(],"note":"Please leave the parcel with the neighbour if nobody is at home."})";
    return body;
}

void BM_WafGetWithQuery(benchmark::State& state) {
    WafSettings settings;
    settings.paranoia = static_cast<int>(state.range(0));
    auto engine = WafEngine::shared_for(settings);
    auto headers = typical_headers();
    for (auto _ : state) {
        auto verdict = engine->inspect({"GET",
                                        "/api/v1/orders?status=shipped&limit=20&sort=-created_at",
                                        "203.0.113.9",
                                        &headers,
                                        {}});
        benchmark::DoNotOptimize(verdict);
    }
}
BENCHMARK(BM_WafGetWithQuery)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

void BM_WafPostKilobyteJson(benchmark::State& state) {
    WafSettings settings;
    settings.paranoia = static_cast<int>(state.range(0));
    auto engine = WafEngine::shared_for(settings);
    auto headers = typical_headers();
    auto body = kilobyte_json();
    headers.set("Content-Type", "application/json");
    headers.set("Content-Length", std::to_string(body.size()));
    state.SetLabel(std::to_string(body.size()) + " bytes");
    for (auto _ : state) {
        auto verdict = engine->inspect({"POST", "/api/v1/orders", "203.0.113.9", &headers, body});
        benchmark::DoNotOptimize(verdict);
    }
}
BENCHMARK(BM_WafPostKilobyteJson)->Arg(1)->Arg(2)->Unit(benchmark::kMicrosecond);

}  // namespace
