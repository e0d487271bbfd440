// The rule language's public face: compile a rule when the configuration
// loads, ask it per request. The language, its types and its limits are
// described in docs/policy-language.md.
//
//   auto rule = policy::compile_rule("path.user_id == subject.sub || 'admin' in subject.roles",
//                                    {mark.line + 1, mark.column + 1});
//   if (!rule.allows(context)) { /* 403 */ }
#pragma once

#include <string>
#include <string_view>

#include "policy/evaluation_context.hpp"
#include "policy/rule_error.hpp"
#include "policy/rule_evaluator.hpp"
#include "policy/rule_syntax.hpp"

namespace rampart::policy {

class CompiledRule {
  public:
    // Allows only when the rule is true; false, undefined (an absent value, a
    // claim of the wrong type) or anything unexpected denies.
    bool allows(const EvaluationContext& context) const noexcept {
        return decide(context) == Decision::allow;
    }
    Decision decide(const EvaluationContext& context) const noexcept {
        return evaluate_rule(syntax_, context);
    }
    const std::string& text() const { return text_; }
    const RuleSyntax& syntax() const { return syntax_; }

  private:
    friend CompiledRule compile_rule(std::string_view text, RulePosition where);

    std::string text_;
    RuleSyntax syntax_;
};

// Parses and type-checks; throws RuleError, whose position is in the file
// (`where` is the position of the rule's first character there).
CompiledRule compile_rule(std::string_view text, RulePosition where = {});

// "file:line:column: key.path: message", the form of config::ConfigError, so
// that the loader can rethrow a RuleError as a ConfigError.
std::string format_rule_error(const RuleError& error, std::string_view file,
                              std::string_view key_path);

}  // namespace rampart::policy
