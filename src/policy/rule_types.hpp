// The type checker: every node gets its type, and a rule that could not be
// evaluated meaningfully is refused when the configuration loads.
//
// JWT claims (subject.<claim>) have the type `claim`: a string, an integer, a
// bool or a list of strings, known only per request. A claim is accepted
// wherever one of those would be, and when the value that arrives does not fit
// (or is absent), the operation is *undefined*: never true, and a rule whose
// result is undefined denies. See docs/policy-language.md.
#pragma once

#include "policy/rule_syntax.hpp"

namespace rampart::policy {

// Fills in Node::type and RuleSyntax::value_stack_depth; throws RuleError.
void check_rule_types(RuleSyntax& syntax);

}  // namespace rampart::policy
