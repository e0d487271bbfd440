// Parses a rule's text into its flat syntax tree and resolves its names
// (subject, request, path, query, context). Types are checked afterwards, by
// check_rule_types. Load time only: errors are RuleError exceptions naming the
// line and column in the configuration file.
//
// Precedence, loosest first: ||, &&, !, comparisons, in, member access and calls.
#pragma once

#include <string_view>

#include "policy/rule_error.hpp"
#include "policy/rule_syntax.hpp"

namespace rampart::policy {

RuleSyntax parse_rule(std::string_view text, RulePosition where);

}  // namespace rampart::policy
