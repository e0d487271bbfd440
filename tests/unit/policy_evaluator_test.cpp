// Evaluating compiled rules against a request: every operator and built-in,
// ownership and role rules, the three-valued logic that makes missing claims
// and claims of the wrong type deny, short-circuiting, and no allocation.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <new>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "policy/rule.hpp"
#include "util/ascii.hpp"

namespace {

// Counts this thread's allocations, to show that evaluation makes none.
thread_local std::size_t allocations = 0;

}  // namespace

// Not inlined: GCC would otherwise see std::free meet a pointer from operator
// new at each inlined call site and warn about a mismatch that is not there.
[[gnu::noinline]] void* operator new(std::size_t size) {
    ++allocations;
    if (void* memory = std::malloc(size == 0 ? 1 : size)) {
        return memory;
    }
    throw std::bad_alloc();
}
[[gnu::noinline]] void operator delete(void* memory) noexcept {
    std::free(memory);
}
[[gnu::noinline]] void operator delete(void* memory, std::size_t) noexcept {
    std::free(memory);
}
// The nothrow forms too (std::stable_sort's buffer uses them): under AddressSanitizer a
// replacement of only the throwing form pairs the sanitizer's nothrow new with this free.
[[gnu::noinline]] void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    ++allocations;
    return std::malloc(size == 0 ? 1 : size);
}
[[gnu::noinline]] void operator delete(void* memory, const std::nothrow_t&) noexcept {
    std::free(memory);
}

namespace {

using namespace rampart::policy;

using Lookup = std::map<std::string, std::string, std::less<>>;

std::optional<std::string_view> find_in(const Lookup& lookup, std::string_view name) {
    auto found = lookup.find(name);
    if (found == lookup.end()) {
        return std::nullopt;
    }
    return std::string_view(found->second);
}

struct TestContext : EvaluationContext {
    Lookup string_claims{{"sub", "alice"}, {"email", "alice@example.com"}, {"tenant", "t1"}};
    std::map<std::string, std::int64_t, std::less<>> integer_claims{{"level", 3}};
    std::map<std::string, bool, std::less<>> boolean_claims{{"email_verified", true}};
    std::map<std::string, std::vector<std::string>, std::less<>> list_claims{
        {"roles", {"customer", "auditor"}}};
    std::set<std::string, std::less<>> unsupported_claims{"address"};
    std::string method = "GET";
    std::string path = "/users/alice/orders";
    std::string ip = "10.0.0.7";
    std::vector<std::pair<std::string, std::string>> headers{{"X-Tenant", "t1"}};
    Lookup path_parameters{{"user_id", "alice"}, {"tenant", "t1"}};
    Lookup query_parameters{{"limit", "20"}};
    std::chrono::sys_seconds time{std::chrono::seconds(1'780'000'000)};  // 2026-05-28
    mutable int claim_lookups = 0;

    ClaimValue subject_claim(std::string_view name) const noexcept override {
        ++claim_lookups;
        if (auto text = find_in(string_claims, name)) {
            return ClaimValue::of_string(*text);
        }
        if (auto found = integer_claims.find(name); found != integer_claims.end()) {
            return ClaimValue::of_integer(found->second);
        }
        if (auto found = boolean_claims.find(name); found != boolean_claims.end()) {
            return ClaimValue::of_boolean(found->second);
        }
        if (auto found = list_claims.find(name); found != list_claims.end()) {
            return ClaimValue::of_list(StringListView(std::span<const std::string>(found->second)));
        }
        if (unsupported_claims.contains(name)) {
            return ClaimValue::of_unsupported();
        }
        return ClaimValue::absent();
    }
    std::string_view request_method() const noexcept override { return method; }
    std::string_view request_path() const noexcept override { return path; }
    std::string_view client_ip() const noexcept override { return ip; }
    std::optional<std::string_view> header(std::string_view name) const noexcept override {
        for (const auto& [field, value] : headers) {
            if (rampart::util::equals_ignoring_case(field, name)) {
                return std::string_view(value);
            }
        }
        return std::nullopt;
    }
    std::optional<std::string_view> path_parameter(std::string_view name) const noexcept override {
        return find_in(path_parameters, name);
    }
    std::optional<std::string_view> query_parameter(std::string_view name) const noexcept override {
        return find_in(query_parameters, name);
    }
    std::chrono::sys_seconds now() const noexcept override { return time; }
};

Decision decide(std::string_view rule, const TestContext& context = TestContext()) {
    return compile_rule(rule).decide(context);
}

bool allows(std::string_view rule, const TestContext& context = TestContext()) {
    return compile_rule(rule).allows(context);
}

constexpr auto allow = Decision::allow;
constexpr auto deny = Decision::deny;
constexpr auto undecided = Decision::deny_undefined;

TEST(PolicyEvaluator, OwnershipRuleAllowsTheOwnerAndAdmins) {
    constexpr std::string_view ownership =
        "path.user_id == subject.sub || 'admin' in subject.roles";
    TestContext owner;
    EXPECT_EQ(decide(ownership, owner), allow);

    TestContext someone_else;
    someone_else.path_parameters["user_id"] = "bob";
    EXPECT_EQ(decide(ownership, someone_else), deny);

    TestContext admin = someone_else;
    admin.list_claims["roles"].push_back("admin");
    EXPECT_EQ(decide(ownership, admin), allow);

    TestContext no_claims = someone_else;
    no_claims.string_claims.clear();
    no_claims.list_claims.clear();
    EXPECT_EQ(decide(ownership, no_claims), undecided);

    TestContext roles_as_string = someone_else;  // a list claim that came as one string
    roles_as_string.list_claims.clear();
    roles_as_string.string_claims["roles"] = "admin";
    EXPECT_EQ(decide(ownership, roles_as_string), undecided);
}

TEST(PolicyEvaluator, TenantRuleComparesClaimsWithPathAndHeaders) {
    constexpr std::string_view rule =
        "subject.tenant == path.tenant && request.headers['x-tenant'] == subject.tenant";
    EXPECT_EQ(decide(rule), allow);
    TestContext other_tenant;
    other_tenant.path_parameters["tenant"] = "t2";
    EXPECT_EQ(decide(rule, other_tenant), deny);
    TestContext no_header;
    no_header.headers.clear();
    EXPECT_EQ(decide(rule, no_header), undecided);
}

TEST(PolicyEvaluator, ComparesStringsIntegersAndTimestamps) {
    EXPECT_EQ(decide("request.method == 'GET'"), allow);
    EXPECT_EQ(decide("request.method != 'GET'"), deny);
    EXPECT_EQ(decide("subject.sub < 'bob'"), allow);
    EXPECT_EQ(decide("subject.sub <= 'alice'"), allow);
    EXPECT_EQ(decide("subject.sub > 'alice'"), deny);
    EXPECT_EQ(decide("subject.sub >= 'alicf'"), deny);
    EXPECT_EQ(decide("subject.level == 3"), allow);
    EXPECT_EQ(decide("subject.level != 3"), deny);
    EXPECT_EQ(decide("subject.level < 4 && subject.level <= 3"), allow);
    EXPECT_EQ(decide("subject.level > 3"), deny);
    EXPECT_EQ(decide("subject.level >= -1"), allow);
    EXPECT_EQ(decide("subject.email_verified == true"), allow);
    EXPECT_EQ(decide("subject.email_verified != true"), deny);
    EXPECT_EQ(decide("request.ip == '10.0.0.7' && request.path == '/users/alice/orders'"), allow);
    EXPECT_EQ(decide("context.time > timestamp('2026-01-01T00:00:00Z')"), allow);
    EXPECT_EQ(decide("context.time < timestamp('2026-01-01T00:00:00Z')"), deny);
    EXPECT_EQ(decide("context.time == timestamp('2026-05-28T20:26:40Z')"), allow);
    EXPECT_EQ(decide("timestamp('2026-01-01T01:00:00+01:00') == timestamp('2026-01-01T00:00:00Z')"),
              allow);
}

TEST(PolicyEvaluator, LooksUpInLiteralListsAndListClaims) {
    EXPECT_EQ(decide("'customer' in subject.roles"), allow);
    EXPECT_EQ(decide("'admin' in subject.roles"), deny);
    EXPECT_EQ(decide("request.method in ['GET', 'HEAD']"), allow);
    EXPECT_EQ(decide("request.method in ['POST']"), deny);
    EXPECT_EQ(decide("request.method in []"), deny);
    EXPECT_EQ(decide("subject.level in [1, 2, 3]"), allow);
    EXPECT_EQ(decide("subject.level in [4]"), deny);
    EXPECT_EQ(decide("subject.tenant in ['t1', 't2']"), allow);
    EXPECT_EQ(decide("subject.level in ['3']"), undecided);  // an int claim, string list
    EXPECT_EQ(decide("subject.tenant in subject.roles"), deny);
    EXPECT_EQ(decide("subject.roles in ['a']"), undecided);  // a list is not an element
}

TEST(PolicyEvaluator, CombinesWithAndOrNot) {
    EXPECT_EQ(decide("true && true"), allow);
    EXPECT_EQ(decide("true && false"), deny);
    EXPECT_EQ(decide("false || true"), allow);
    EXPECT_EQ(decide("false || false"), deny);
    EXPECT_EQ(decide("!false"), allow);
    EXPECT_EQ(decide("!true"), deny);
    EXPECT_EQ(decide("true || false && false"), allow);  // && binds tighter
    EXPECT_EQ(decide("(true || false) && false"), deny);
    EXPECT_EQ(decide("!subject.email_verified"), deny);
    EXPECT_EQ(decide("subject.email_verified"), allow);
    EXPECT_EQ(decide("!(request.method == 'POST')"), allow);
}

TEST(PolicyEvaluator, RunsEveryBuiltIn) {
    EXPECT_EQ(decide("has(subject.email)"), allow);
    EXPECT_EQ(decide("has(subject.phone)"), deny);
    EXPECT_EQ(decide("has(subject.address)"), allow);  // present, of no usable type
    EXPECT_EQ(decide("has(path.user_id) && !has(path.order_id)"), allow);
    EXPECT_EQ(decide("has(query.limit) && !has(query.offset)"), allow);
    EXPECT_EQ(decide("has(request.headers['X-TENANT']) && !has(request.headers['X-Other'])"),
              allow);
    EXPECT_EQ(decide("size(subject.roles) == 2 && subject.roles.size() == 2"), allow);
    EXPECT_EQ(decide("size(subject.sub) == 5 && size('\xC3\xA9t\xC3\xA9') == 3"), allow);
    EXPECT_EQ(decide("size(['a', 'b', 'c']) == 3 && size([]) == 0 && size([7]) == 1"), allow);
    EXPECT_EQ(decide("size(subject.level) == 1"), undecided);
    EXPECT_EQ(decide("request.path.startsWith('/users/')"), allow);
    EXPECT_EQ(decide("request.path.startsWith('/admin/')"), deny);
    EXPECT_EQ(decide("subject.email.endsWith('@example.com')"), allow);
    EXPECT_EQ(decide("subject.email.endsWith('@example.org')"), deny);
    EXPECT_EQ(decide("request.path.contains('/alice/')"), allow);
    EXPECT_EQ(decide("request.path.contains('/bob/')"), deny);
    EXPECT_EQ(decide("request.path.startsWith(subject.sub)"), deny);
    EXPECT_EQ(decide("request.path.contains(subject.sub)"), allow);
    EXPECT_EQ(decide("subject.level.startsWith('3')"), undecided);
}

TEST(PolicyEvaluator, ClaimsOfTheWrongRuntimeTypeNeverAllow) {
    EXPECT_EQ(decide("subject.level == '3'"), undecided);
    EXPECT_EQ(decide("subject.level != '3'"), undecided);
    EXPECT_EQ(decide("subject.sub > 3"), undecided);
    EXPECT_EQ(decide("!(subject.sub > 3)"), undecided);
    EXPECT_EQ(decide("subject.email_verified < subject.level"), undecided);
    EXPECT_EQ(decide("subject.sub"), undecided);  // a string where a bool is needed
    EXPECT_EQ(decide("subject.address == 'x'"), undecided);
    EXPECT_EQ(decide("'x' in subject.address"), undecided);
}

TEST(PolicyEvaluator, MissingValuesNeverAllow) {
    EXPECT_EQ(decide("subject.phone == '123'"), undecided);
    EXPECT_EQ(decide("subject.phone != '123'"), undecided);
    EXPECT_EQ(decide("!(subject.phone == '123')"), undecided);
    EXPECT_EQ(decide("!!(subject.phone == '123')"), undecided);
    EXPECT_EQ(decide("path.order_id == 'o1'"), undecided);
    EXPECT_EQ(decide("query.offset != '0'"), undecided);
    EXPECT_EQ(decide("request.headers['X-Missing'] == ''"), undecided);
    EXPECT_EQ(decide("'admin' in subject.groups"), undecided);
    // An undefined operand is decided by the other one when it can be.
    EXPECT_EQ(decide("subject.phone == '1' || true"), allow);
    EXPECT_EQ(decide("true || subject.phone == '1'"), allow);
    EXPECT_EQ(decide("subject.phone == '1' && false"), deny);
    EXPECT_EQ(decide("subject.phone == '1' || false"), undecided);
    EXPECT_EQ(decide("subject.phone == '1' && true"), undecided);
}

TEST(PolicyEvaluator, ShortCircuitsWithoutLookingUpTheRightOperand) {
    TestContext context;
    EXPECT_FALSE(allows("false && subject.sub == 'alice'", context));
    EXPECT_EQ(context.claim_lookups, 0);
    EXPECT_TRUE(allows("true || subject.sub == 'alice'", context));
    EXPECT_EQ(context.claim_lookups, 0);
    EXPECT_TRUE(allows("request.method == 'GET' || subject.a == 1 || subject.b == 2", context));
    EXPECT_EQ(context.claim_lookups, 0);
    EXPECT_TRUE(allows("subject.sub == 'alice' && subject.tenant == 't1'", context));
    EXPECT_EQ(context.claim_lookups, 2);
}

TEST(PolicyEvaluator, EvaluatesLongChainsWithinTheStack) {
    std::string rule = "'r0' in subject.roles";
    for (int i = 1; i < 150; ++i) {
        rule += " || 'r" + std::to_string(i) + "' in subject.roles";
    }
    TestContext context;
    EXPECT_EQ(decide(rule, context), deny);
    context.list_claims["roles"].push_back("r149");
    EXPECT_EQ(decide(rule, context), allow);
    EXPECT_LE(compile_rule(rule).syntax().value_stack_depth, 3u);
}

TEST(PolicyEvaluator, AllocatesNothing) {
    TestContext context;
    CompiledRule ownership =
        compile_rule("path.user_id == subject.sub || 'admin' in subject.roles");
    CompiledRule headers = compile_rule(
        "request.headers['X-Tenant'] == subject.tenant && context.time < "
        "timestamp('2027-01-01T00:00:00Z') && request.path.startsWith('/users/') && "
        "size(subject.roles) > 0 && request.method in ['GET', 'HEAD'] && has(query.limit)");
    std::size_t before = allocations;
    bool first = ownership.allows(context);
    bool second = headers.allows(context);
    std::size_t after = allocations;
    EXPECT_TRUE(first);
    EXPECT_TRUE(second);
    EXPECT_EQ(after - before, 0u);
}

TEST(PolicyEvaluator, DeniesASyntaxTreeThatWasNeverChecked) {
    RuleSyntax unchecked;
    EXPECT_EQ(evaluate_rule(unchecked, TestContext()), undecided);
}

}  // namespace
