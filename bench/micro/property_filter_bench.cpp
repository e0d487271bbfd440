// The work of the properties stage per request (AUTHZ-03): the strict parse of
// a JSON body and the check of its fields against a role's writable set, and
// the parse, filtering and re-serialisation of an upstream answer (one user,
// and a page of 50). The field sets are compiled at load and not timed.
#include <benchmark/benchmark.h>

#include <boost/json/serialize.hpp>

#include <string>

#include "pipeline/field_set.hpp"
#include "util/json_pointer.hpp"
#include "util/strict_json.hpp"

namespace {

using rampart::pipeline::FieldSet;

FieldSet fields(std::initializer_list<const char*> pointers) {
    FieldSet set;
    for (const auto* pointer : pointers) {
        set.add(rampart::util::parse_json_pointer(pointer).value());
    }
    return set;
}

const std::string user =
    R"({"id":"8f14e45f-ceea-467f-a0e6-2b5c1a2c3d4e","username":"alice","name":"Alice Example",)"
    R"("email":"alice@example.com","role":"customer","balance":1250.75,)"
    R"("password_hash":"$argon2id$v=19$m=65536,t=3,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",)"
    R"("internal_notes":"prefers email","created_at":"2026-01-05T10:00:00Z",)"
    R"("address":{"street":"Main St 1","city":"Oslo","zip":"0150","country":"NO"}})";

std::string page_of(int count) {
    std::string page = R"({"items":[)";
    for (int index = 0; index < count; ++index) {
        page += (index == 0 ? "" : ",") + user;
    }
    return page + R"(],"next":"/users?page=2"})";
}

void BM_WritableFieldsCheck(benchmark::State& state) {
    static const auto customer = fields({"/name", "/email", "/address/city", "/address/street"});
    const FieldSet::Node* writable[] = {&customer.root()};
    const std::string body =
        R"({"name":"Alice B","email":"alice@example.org","address":{"city":"Bergen","street":"Bryggen 2"}})";
    for (auto _ : state) {
        auto document = rampart::util::parse_strict_json(body);
        auto refused = rampart::pipeline::unwritable_fields(*document, writable, 16);
        benchmark::DoNotOptimize(refused);
    }
}
BENCHMARK(BM_WritableFieldsCheck);

void filter_answer(benchmark::State& state, const std::string& answer, bool select_items) {
    static const auto denied = fields({"/password_hash", "/internal_notes"});
    static const auto readable =
        fields({"/id", "/username", "/name", "/email", "/address", "/created_at"});
    const FieldSet::Node* readable_nodes[] = {&readable.root()};
    rampart::util::StrictJsonLimits limits;
    limits.max_members = 1'000'000;
    limits.max_bytes = answer.size();
    for (auto _ : state) {
        auto document = rampart::util::parse_strict_json(answer, limits);
        auto& records = select_items ? document->as_object()["items"] : *document;
        rampart::pipeline::keep_readable_fields(records, readable_nodes);
        rampart::pipeline::remove_fields(records, denied.root());
        auto body = boost::json::serialize(*document);
        benchmark::DoNotOptimize(body);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * answer.size()));
}

void BM_ResponseFilterOneUser(benchmark::State& state) {
    filter_answer(state, user, false);
}
BENCHMARK(BM_ResponseFilterOneUser);

void BM_ResponseFilterPageOf50(benchmark::State& state) {
    static const auto page = page_of(50);
    filter_answer(state, page, true);
}
BENCHMARK(BM_ResponseFilterPageOf50);

}  // namespace
