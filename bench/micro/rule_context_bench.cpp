// A rule over the claims of an external issuer's token, read through the gateway's own
// RuleContext from the verified payload (Identity::claims) in place: what a route with
// `require: {rule: "subject.tenant == path.tenant && ..."}` costs per request, next to the
// same rule over the identity's own fields.
#include <benchmark/benchmark.h>

#include <boost/json/parse.hpp>

#include <memory>

#include "pipeline/exchange.hpp"
#include "pipeline/rule_context.hpp"
#include "policy/rule.hpp"

namespace {

using namespace rampart;

pipeline::Exchange tenant_request() {
    pipeline::Exchange exchange;
    exchange.request.method(boost::beast::http::verb::get);
    exchange.normalized_path = "/tenants/acme/reports";
    exchange.path_parameters.emplace_back("tenant", "acme");
    exchange.client_address = boost::asio::ip::make_address("203.0.113.9");
    pipeline::Identity identity;
    identity.subject = "8f14e45f-ceea-467f-a0e6-2b5c1a2c3d4e";
    identity.roles = {"customer", "reports"};
    identity.claims = std::make_shared<const boost::json::object>(
        boost::json::parse(
            R"({"iss":"https://idp.example.com","sub":"8f14e45f-ceea-467f-a0e6-2b5c1a2c3d4e",
            "aud":"api://reports","iat":1780000000,"exp":1780000600,"jti":"a1b2c3",
            "scope":"reports:read","roles":["customer","reports"],"name":"Alice Example",
            "email":"alice@example.com","email_verified":true,"tenant":"acme",
            "groups":["finance","emea"]})")
            .as_object());
    exchange.identity = std::move(identity);
    return exchange;
}

void evaluate(benchmark::State& state, const char* text) {
    auto rule = policy::compile_rule(text);
    auto exchange = tenant_request();
    for (auto _ : state) {
        pipeline::RuleContext context(exchange);
        benchmark::DoNotOptimize(rule.allows(context));
    }
}

void BM_RuleOnTokenClaims(benchmark::State& state) {
    evaluate(state,
             "subject.tenant == path.tenant && subject.email.endsWith('@example.com') && "
             "'finance' in subject.groups");
}
BENCHMARK(BM_RuleOnTokenClaims);

void BM_RuleOnIdentityFields(benchmark::State& state) {
    evaluate(state, "path.tenant == 'acme' && 'reports' in subject.roles && has(subject.sub)");
}
BENCHMARK(BM_RuleOnIdentityFields);

}  // namespace
