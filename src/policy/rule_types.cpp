#include "policy/rule_types.hpp"

#include <algorithm>
#include <string>

namespace rampart::policy {

namespace {

bool is_boolean_like(ValueType type) {
    return type == ValueType::boolean || type == ValueType::claim;
}

bool is_string_like(ValueType type) {
    return type == ValueType::string || type == ValueType::claim;
}

std::string quoted_type(ValueType type) {
    return std::string(type_name(type));
}

bool can_test_equality(ValueType left, ValueType right) {
    auto claim_compatible = [](ValueType type) {
        return type == ValueType::claim || type == ValueType::string ||
               type == ValueType::integer || type == ValueType::boolean;
    };
    if (left == ValueType::claim || right == ValueType::claim) {
        return claim_compatible(left) && claim_compatible(right);
    }
    return left == right && (left == ValueType::string || left == ValueType::integer ||
                             left == ValueType::boolean || left == ValueType::timestamp);
}

bool can_order(ValueType left, ValueType right) {
    auto claim_compatible = [](ValueType type) {
        return type == ValueType::claim || type == ValueType::string || type == ValueType::integer;
    };
    if (left == ValueType::claim || right == ValueType::claim) {
        return claim_compatible(left) && claim_compatible(right);
    }
    return left == right && (left == ValueType::string || left == ValueType::integer ||
                             left == ValueType::timestamp);
}

// A claim list holds strings, so a claim on the right takes a string element.
bool can_look_up(ValueType element, ValueType list) {
    switch (list) {
        case ValueType::string_list:
        case ValueType::claim:
            return is_string_like(element);
        case ValueType::integer_list:
            return element == ValueType::integer || element == ValueType::claim;
        default:
            return false;
    }
}

class TypeChecker {
  public:
    explicit TypeChecker(RuleSyntax& syntax) : syntax_(syntax) {}

    void run() {
        for (auto& node : syntax_.nodes) {
            node.type = type_of(node);
            track_stack_depth(node);
        }
        ValueType result = syntax_.nodes[syntax_.root()].type;
        if (!is_boolean_like(result)) {
            throw RuleError(syntax_.start, "a rule must be a bool expression, this one is a " +
                                               quoted_type(result));
        }
    }

  private:
    const Node& node_at(std::uint32_t index) const { return syntax_.nodes[index]; }

    [[noreturn]] void fail(const Node& node, const std::string& message) const {
        throw RuleError(node.position, message);
    }

    ValueType type_of(const Node& node) const {
        switch (node.kind) {
            case NodeKind::string_literal:
                return ValueType::string;
            case NodeKind::integer_literal:
                return ValueType::integer;
            case NodeKind::boolean_literal:
                return ValueType::boolean;
            case NodeKind::timestamp_literal:
                return ValueType::timestamp;
            case NodeKind::list_literal:
                return node.type;  // the parser knows its elements
            case NodeKind::attribute:
                return attribute_type(node.source);
            case NodeKind::and_short_circuit:
            case NodeKind::or_short_circuit:
                return ValueType::none;
            case NodeKind::logical_not:
                require_boolean(node_at(node.left), "!");
                return ValueType::boolean;
            case NodeKind::logical_and:
            case NodeKind::logical_or:
                return logical_type(node);
            case NodeKind::comparison:
                return comparison_type(node);
            case NodeKind::membership:
                return membership_type(node);
            case NodeKind::call:
                return call_type(node);
        }
        fail(node, "unknown expression");
    }

    static ValueType attribute_type(AttributeSource source) {
        switch (source) {
            case AttributeSource::subject_claim:
                return ValueType::claim;
            case AttributeSource::context_time:
                return ValueType::timestamp;
            default:
                return ValueType::string;
        }
    }

    void require_boolean(const Node& operand, std::string_view operator_text) const {
        if (!is_boolean_like(operand.type)) {
            fail(operand, "'" + std::string(operator_text) + "' needs a bool, got " +
                              quoted_type(operand.type));
        }
    }

    ValueType logical_type(const Node& node) const {
        std::string_view operator_text = node.kind == NodeKind::logical_and ? "&&" : "||";
        require_boolean(node_at(node.left), operator_text);
        require_boolean(node_at(node.right), operator_text);
        return ValueType::boolean;
    }

    ValueType comparison_type(const Node& node) const {
        ValueType left = node_at(node.left).type;
        ValueType right = node_at(node.right).type;
        bool equality =
            node.comparison == Comparison::equal || node.comparison == Comparison::not_equal;
        if (equality ? !can_test_equality(left, right) : !can_order(left, right)) {
            fail(node, "cannot compare " + quoted_type(left) + " with " + quoted_type(right) +
                           " using '" + std::string(comparison_operator(node.comparison)) + "'");
        }
        return ValueType::boolean;
    }

    ValueType membership_type(const Node& node) const {
        ValueType element = node_at(node.left).type;
        ValueType list = node_at(node.right).type;
        if (list != ValueType::string_list && list != ValueType::integer_list &&
            list != ValueType::claim) {
            fail(node, "'in' needs a list on its right, got " + quoted_type(list));
        }
        if (!can_look_up(element, list)) {
            fail(node, "cannot look for " + quoted_type(element) + " in " + quoted_type(list));
        }
        return ValueType::boolean;
    }

    ValueType call_type(const Node& node) const {
        switch (node.function) {
            case Function::has:
                return has_type(node);
            case Function::size:
                return size_type(node);
            default:
                return string_test_type(node);
        }
    }

    ValueType has_type(const Node& node) const {
        const Node& argument = node_at(node.left);
        bool may_be_absent = argument.kind == NodeKind::attribute &&
                             (argument.source == AttributeSource::subject_claim ||
                              argument.source == AttributeSource::path_parameter ||
                              argument.source == AttributeSource::query_parameter ||
                              argument.source == AttributeSource::request_header);
        if (!may_be_absent) {
            fail(argument,
                 "has() takes subject.<claim>, path.<name>, query.<name> or "
                 "request.headers['<name>']");
        }
        return ValueType::boolean;
    }

    ValueType size_type(const Node& node) const {
        const Node& argument = node_at(node.left);
        ValueType type = argument.type;
        if (type != ValueType::string && type != ValueType::string_list &&
            type != ValueType::integer_list && type != ValueType::claim) {
            fail(argument, "size() takes a string or a list, got " + quoted_type(type));
        }
        return ValueType::integer;
    }

    // startsWith, endsWith and contains: a string receiver, a string argument.
    ValueType string_test_type(const Node& node) const {
        std::string name(function_name(node.function));
        const Node& receiver = node_at(node.left);
        const Node& argument = node_at(node.right);
        if (!is_string_like(receiver.type)) {
            fail(receiver,
                 name + "() is a method of strings, not of " + quoted_type(receiver.type));
        }
        if (!is_string_like(argument.type)) {
            fail(argument, name + "() takes a string, got " + quoted_type(argument.type));
        }
        return ValueType::boolean;
    }

    // Mirrors the evaluator: values push one, binary operators pop two and
    // push one, markers and unary operators leave the depth as it is.
    void track_stack_depth(const Node& node) {
        switch (node.kind) {
            case NodeKind::string_literal:
            case NodeKind::integer_literal:
            case NodeKind::boolean_literal:
            case NodeKind::timestamp_literal:
            case NodeKind::list_literal:
            case NodeKind::attribute:
                ++depth_;
                break;
            case NodeKind::logical_and:
            case NodeKind::logical_or:
            case NodeKind::comparison:
            case NodeKind::membership:
                --depth_;
                break;
            case NodeKind::call:
                depth_ -= node.right != no_node ? 1 : 0;
                break;
            default:
                break;
        }
        if (depth_ > value_stack_capacity) {
            fail(node, "the rule is too complex: it would hold more than " +
                           std::to_string(value_stack_capacity) + " values at once");
        }
        syntax_.value_stack_depth = std::max(syntax_.value_stack_depth, depth_);
    }

    RuleSyntax& syntax_;
    std::uint32_t depth_ = 0;
};

}  // namespace

void check_rule_types(RuleSyntax& syntax) {
    TypeChecker(syntax).run();
}

}  // namespace rampart::policy
