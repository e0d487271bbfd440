// Response validation (log-only) of a 1 KiB order answer, as the validation
// stage runs it once per upstream answer on a route with `validation.response`:
// the strict parse, the draft-7 schema, and the walk for undeclared members.
// The schema is open (no additionalProperties: false), as OpenAPI documents
// usually are, so undeclared members are the walk's to find.
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>

#include <memory>
#include <string>

#include "validate/response_contract.hpp"

namespace {

namespace json = boost::json;
using rampart::validate::CompiledSchema;
using rampart::validate::ResponseContract;
using rampart::validate::UndeclaredMembers;

const char* const order_schema = R"({
  "type": "object",
  "required": ["id", "customer", "items"],
  "properties": {
    "id": {"type": "string", "format": "uuid"},
    "customer": {"$ref": "#/definitions/Customer"},
    "items": {"type": "array", "items": {"$ref": "#/definitions/Item"}},
    "created": {"type": "string", "format": "date-time"},
    "note": {"type": "string", "maxLength": 500}
  },
  "definitions": {
    "Customer": {"type": "object", "properties": {"email": {"type": "string", "format": "email"},
                 "name": {"type": "string"}, "tier": {"enum": ["basic", "gold", "platinum"]}}},
    "Item": {"type": "object", "properties": {"sku": {"type": "string"},
             "quantity": {"type": "integer", "minimum": 1}, "price": {"type": "number"}}}
  }
})";

// About 1 KiB: eight items, a customer and a note; `leaky` adds an undeclared member per item.
std::string order_answer(bool leaky) {
    std::string body =
        R"({"id":"123e4567-e89b-12d3-a456-426614174000",)"
        R"("customer":{"email":"alice@example.com","name":"Alice Example","tier":"gold"},)"
        R"("items":[)";
    for (int i = 0; i < 8; ++i) {
        body += (i ? "," : "") + std::string(R"({"sku":"ABC-100)") + std::to_string(i) +
                R"(","quantity":)" + std::to_string(i + 1) + R"(,"price":19.99)" +
                (leaky ? R"(,"cost":7.5})" : "}");
    }
    body += R"(],"created":"2026-12-02T15:04:05Z","note":")" + std::string(400, 'n') + "\"}";
    return body;
}

const ResponseContract& contract() {
    static const ResponseContract built = [] {
        ResponseContract made;
        auto schema = std::make_shared<const CompiledSchema>(json::parse(order_schema), "bench");
        auto undeclared = std::make_shared<const UndeclaredMembers>(schema->document());
        made.schemas.push_back({"200", schema, undeclared});
        return made;
    }();
    return built;
}

void check(benchmark::State& state, bool leaky) {
    const auto body = order_answer(leaky);
    const auto& schema = contract().schemas.front();
    for (auto _ : state) {
        auto result = contract().check(schema, {200, "application/json", "", body});
        benchmark::DoNotOptimize(result);
    }
    state.counters["body_bytes"] = static_cast<double>(body.size());
}

void BM_CheckValidOrderAnswer(benchmark::State& state) {
    check(state, false);
}
BENCHMARK(BM_CheckValidOrderAnswer);

void BM_CheckOrderAnswerWithUndeclaredMembers(benchmark::State& state) {
    check(state, true);
}
BENCHMARK(BM_CheckOrderAnswerWithUndeclaredMembers);

void BM_UndeclaredWalkOnly(benchmark::State& state) {
    const auto document = json::parse(order_answer(false));
    const auto& schema = contract().schemas.front();
    for (auto _ : state) {
        auto found = schema.undeclared->find(document, 16);
        benchmark::DoNotOptimize(found);
    }
}
BENCHMARK(BM_UndeclaredWalkOnly);

}  // namespace
