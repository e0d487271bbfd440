// Arbitrary text as an authorization rule. Compiling must either succeed or
// throw a RuleError with a position inside the text's lines; a rule that
// compiles must evaluate, against a fixed request, without crashing, within
// its value stack, and the same way twice.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

#include "policy/rule.hpp"

namespace {

namespace policy = rampart::policy;

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

class FixedContext : public policy::EvaluationContext {
  public:
    policy::ClaimValue subject_claim(std::string_view name) const noexcept override {
        if (name == "sub") {
            return policy::ClaimValue::of_string("alice");
        }
        if (name == "level") {
            return policy::ClaimValue::of_integer(3);
        }
        if (name == "email_verified") {
            return policy::ClaimValue::of_boolean(true);
        }
        if (name == "roles") {
            return policy::ClaimValue::of_list(policy::StringListView(roles_));
        }
        if (name == "address") {
            return policy::ClaimValue::of_unsupported();
        }
        return policy::ClaimValue::absent();
    }
    std::string_view request_method() const noexcept override { return "GET"; }
    std::string_view request_path() const noexcept override { return "/users/alice"; }
    std::string_view client_ip() const noexcept override { return "192.0.2.1"; }
    std::optional<std::string_view> header(std::string_view name) const noexcept override {
        if (name.size() == 8 && (name[0] == 'x' || name[0] == 'X')) {
            return "t1";
        }
        return std::nullopt;
    }
    std::optional<std::string_view> path_parameter(std::string_view name) const noexcept override {
        return name == "user_id" ? std::optional<std::string_view>("alice") : std::nullopt;
    }
    std::optional<std::string_view> query_parameter(std::string_view name) const noexcept override {
        return name == "q" ? std::optional<std::string_view>("") : std::nullopt;
    }
    std::chrono::sys_seconds now() const noexcept override {
        return std::chrono::sys_seconds(std::chrono::seconds(1'780'000'000));
    }

  private:
    static constexpr std::string_view roles_storage_[] = {"customer", "admin"};
    std::span<const std::string_view> roles_{roles_storage_};
};

std::uint32_t line_count(std::string_view text) {
    std::uint32_t lines = 1;
    for (char c : text) {
        lines += c == '\n' ? 1 : 0;
    }
    return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    static const FixedContext context;
    try {
        policy::CompiledRule rule = policy::compile_rule(text, {10, 5, 2});
        check(rule.syntax().value_stack_depth <= policy::value_stack_capacity);
        policy::Decision first = rule.decide(context);
        check(first == rule.decide(context));
        check(rule.allows(context) == (first == policy::Decision::allow));
    } catch (const policy::RuleError& error) {
        check(!error.detail().empty());
        check(error.position().line >= 10 && error.position().line < 10 + line_count(text));
        check(error.position().column >= 1);
    }
    return 0;
}
