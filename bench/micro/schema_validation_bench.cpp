// JSON Schema validation of a 1 KiB order body, as the validation stage runs
// it once per request: the strict parse with the JSON safety limits, then the
// compiled draft-7 schema (valijson). Compilation happens at load and is not
// timed. A refused body also collects its violations, so it is timed apart.
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>

#include <string>

#include "util/strict_json.hpp"
#include "validate/json_schema.hpp"

namespace {

namespace json = boost::json;

const char* const order_schema = R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["id", "customer", "items", "created"],
  "properties": {
    "id": {"type": "string", "format": "uuid"},
    "customer": {
      "type": "object",
      "additionalProperties": false,
      "required": ["email"],
      "properties": {
        "email": {"type": "string", "format": "email", "maxLength": 254},
        "name": {"type": "string", "maxLength": 100},
        "tier": {"enum": ["basic", "gold", "platinum"]}
      }
    },
    "items": {
      "type": "array", "minItems": 1, "maxItems": 50,
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["sku", "quantity", "price"],
        "properties": {
          "sku": {"type": "string", "pattern": "^[A-Z]{3}-[0-9]{4}$"},
          "quantity": {"type": "integer", "minimum": 1, "maximum": 1000},
          "price": {"type": "number", "minimum": 0}
        }
      }
    },
    "created": {"type": "string", "format": "date-time"},
    "note": {"type": "string", "maxLength": 500}
  }
})";

// About 1 KiB: eight items, a customer and a note.
std::string order_body(bool valid) {
    std::string body =
        R"({"id":"123e4567-e89b-12d3-a456-426614174000",)"
        R"("customer":{"email":"alice@example.com","name":"Alice Example","tier":"gold"},)"
        R"("items":[)";
    for (int i = 0; i < 8; ++i) {
        body += (i ? "," : "") + std::string(R"({"sku":"ABC-100)") + std::to_string(i) +
                R"(","quantity":)" + std::to_string(i + 1) + R"(,"price":19.99})";
    }
    body += R"(],"created":"2026-12-02T15:04:05Z","note":")" + std::string(480, 'n') + "\"";
    body += valid ? "}" : R"(,"isAdmin":true})";
    return body;
}

const rampart::validate::CompiledSchema& schema() {
    static const rampart::validate::CompiledSchema compiled(json::parse(order_schema), "bench");
    return compiled;
}

void BM_ValidateOrderBody(benchmark::State& state) {
    const auto body = order_body(true);
    for (auto _ : state) {
        auto document = rampart::util::parse_strict_json(body);
        auto violations = schema().validate(*document);
        benchmark::DoNotOptimize(violations);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * body.size()));
    state.counters["body_bytes"] = static_cast<double>(body.size());
}
BENCHMARK(BM_ValidateOrderBody);

void BM_ParseOrderBodyOnly(benchmark::State& state) {
    const auto body = order_body(true);
    for (auto _ : state) {
        auto document = rampart::util::parse_strict_json(body);
        benchmark::DoNotOptimize(document);
    }
}
BENCHMARK(BM_ParseOrderBodyOnly);

void BM_RefuseOrderBodyWithViolations(benchmark::State& state) {
    const auto body = order_body(false);
    for (auto _ : state) {
        auto document = rampart::util::parse_strict_json(body);
        auto violations = schema().validate(*document);
        benchmark::DoNotOptimize(violations);
    }
}
BENCHMARK(BM_RefuseOrderBodyWithViolations);

}  // namespace
