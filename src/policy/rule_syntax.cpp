#include "policy/rule_syntax.hpp"

namespace rampart::policy {

std::uint32_t RuleSyntax::add(const Node& node) {
    nodes.push_back(node);
    return root();
}

TextRange RuleSyntax::add_text(std::string_view text) {
    TextRange range{static_cast<std::uint32_t>(strings.size()),
                    static_cast<std::uint32_t>(text.size())};
    strings.append(text);
    return range;
}

std::string_view type_name(ValueType type) {
    switch (type) {
        case ValueType::none:
            return "nothing";
        case ValueType::boolean:
            return "bool";
        case ValueType::integer:
            return "int";
        case ValueType::string:
            return "string";
        case ValueType::timestamp:
            return "timestamp";
        case ValueType::string_list:
            return "list<string>";
        case ValueType::integer_list:
            return "list<int>";
        case ValueType::claim:
            return "claim";
    }
    return "unknown";
}

std::string_view comparison_operator(Comparison comparison) {
    switch (comparison) {
        case Comparison::equal:
            return "==";
        case Comparison::not_equal:
            return "!=";
        case Comparison::less:
            return "<";
        case Comparison::less_equal:
            return "<=";
        case Comparison::greater:
            return ">";
        case Comparison::greater_equal:
            return ">=";
    }
    return "?";
}

std::string_view function_name(Function function) {
    switch (function) {
        case Function::has:
            return "has";
        case Function::size:
            return "size";
        case Function::starts_with:
            return "startsWith";
        case Function::ends_with:
            return "endsWith";
        case Function::contains:
            return "contains";
    }
    return "?";
}

}  // namespace rampart::policy
