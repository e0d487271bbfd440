// Runs a type-checked rule against one request. The syntax tree is in
// post-order, so evaluation is one forward pass with a fixed-size value stack:
// no recursion, no allocation, no exception.
//
// Three-valued: an operation on an absent value or on a claim of the wrong
// runtime type is undefined. `undefined || true` is true, `undefined && false`
// is false, `!undefined` is undefined, and a rule whose result is not true
// denies, so a missing attribute can never turn into an allow.
#pragma once

#include <cstdint>

#include "policy/evaluation_context.hpp"
#include "policy/rule_syntax.hpp"

namespace rampart::policy {

enum class Decision : std::uint8_t {
    allow,
    deny,            // the rule evaluated to false
    deny_undefined,  // the rule could not be decided: an absent value or a type mismatch
};

Decision evaluate_rule(const RuleSyntax& syntax, const EvaluationContext& context) noexcept;

}  // namespace rampart::policy
