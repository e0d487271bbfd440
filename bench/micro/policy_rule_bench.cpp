// Evaluation of compiled authorization rules, as the authorization stage will
// run them once per request: an ownership rule, a role rule and a rule on a
// header and the time. Compilation happens at load time and is not timed.
#include <benchmark/benchmark.h>

#include <array>
#include <chrono>
#include <optional>
#include <span>
#include <string_view>

#include "policy/rule.hpp"
#include "util/ascii.hpp"

namespace {

namespace policy = rampart::policy;

// A request by alice, a customer, for her own orders; lookups are linear
// scans as they would be over a parsed request head and a small claim set.
class BenchContext : public policy::EvaluationContext {
  public:
    policy::ClaimValue subject_claim(std::string_view name) const noexcept override {
        if (name == "sub") {
            return policy::ClaimValue::of_string("8f14e45f-ceea-467f-a0e6-2b5c1a2c3d4e");
        }
        if (name == "tenant") {
            return policy::ClaimValue::of_string("acme");
        }
        if (name == "roles") {
            return policy::ClaimValue::of_list(policy::StringListView(std::span(roles_)));
        }
        return policy::ClaimValue::absent();
    }
    std::string_view request_method() const noexcept override { return "GET"; }
    std::string_view request_path() const noexcept override {
        return "/api/v1/users/8f14e45f-ceea-467f-a0e6-2b5c1a2c3d4e/orders";
    }
    std::string_view client_ip() const noexcept override { return "203.0.113.9"; }
    std::optional<std::string_view> header(std::string_view name) const noexcept override {
        for (const auto& [field, value] : headers_) {
            if (rampart::util::equals_ignoring_case(field, name)) {
                return value;
            }
        }
        return std::nullopt;
    }
    std::optional<std::string_view> path_parameter(std::string_view name) const noexcept override {
        if (name == "user_id") {
            return "8f14e45f-ceea-467f-a0e6-2b5c1a2c3d4e";
        }
        return std::nullopt;
    }
    std::optional<std::string_view> query_parameter(std::string_view) const noexcept override {
        return std::nullopt;
    }
    std::chrono::sys_seconds now() const noexcept override {
        return std::chrono::sys_seconds(std::chrono::seconds(1'780'000'000));
    }

  private:
    static constexpr std::array<std::string_view, 4> roles_{"customer", "reader", "support",
                                                            "admin"};
    static constexpr std::array<std::pair<std::string_view, std::string_view>, 6> headers_{{
        {"Host", "api.example.com"},
        {"User-Agent", "client-sdk/2.1"},
        {"Accept", "application/json"},
        {"Authorization", "Bearer eyJ..."},
        {"X-Request-Id", "6b1f0c1e-8a5d-4b7e-9f3a-2d4c6e8a0b1c"},
        {"X-Tenant", "acme"},
    }};
};

struct BenchRule {
    std::string_view text;
    const char* label;
};

// Each allows the request above, so every operand is evaluated as in the
// common case (no early denial).
constexpr std::array<BenchRule, 3> rules{{
    {"path.user_id == subject.sub || 'admin' in subject.roles", "ownership"},
    {"'admin' in subject.roles && request.method in ['GET', 'HEAD', 'DELETE']", "role"},
    {"request.headers['x-tenant'] == subject.tenant && "
     "context.time < timestamp('2027-01-01T00:00:00Z')",
     "header_and_time"},
}};

void BM_EvaluatePolicyRule(benchmark::State& state) {
    const auto& chosen = rules[static_cast<std::size_t>(state.range(0))];
    const policy::CompiledRule rule = policy::compile_rule(chosen.text);
    const BenchContext context;
    if (!rule.allows(context)) {
        state.SkipWithError("the benchmark rule does not allow the benchmark request");
        return;
    }
    for (auto _ : state) {
        bool allowed = rule.allows(context);
        benchmark::DoNotOptimize(allowed);
    }
    state.SetLabel(chosen.label);
}
BENCHMARK(BM_EvaluatePolicyRule)->DenseRange(0, static_cast<int>(rules.size()) - 1);

}  // namespace
