#include "policy/rule.hpp"

#include "policy/rule_parser.hpp"
#include "policy/rule_types.hpp"

namespace rampart::policy {

CompiledRule compile_rule(std::string_view text, RulePosition where) {
    CompiledRule rule;
    rule.syntax_ = parse_rule(text, where);
    check_rule_types(rule.syntax_);
    rule.text_ = std::string(text);
    return rule;
}

std::string format_rule_error(const RuleError& error, std::string_view file,
                              std::string_view key_path) {
    std::string message(file);
    message +=
        ":" + std::to_string(error.position().line) + ":" + std::to_string(error.position().column);
    if (!key_path.empty()) {
        message += ": ";
        message += key_path;
    }
    message += ": " + error.detail();
    return message;
}

}  // namespace rampart::policy
