#include "policy/rule_evaluator.hpp"

#include <cstddef>
#include <memory>
#include <new>
#include <string_view>
#include <type_traits>

namespace rampart::policy {

namespace {

enum class ValueKind : std::uint8_t {
    undefined,    // absent, or the result of an operation on the wrong runtime type
    unsupported,  // a claim that exists but has no type of the language
    boolean,
    integer,
    string,
    timestamp,
    claim_list,
    string_literals,
    integer_literals,
};

struct Value {
    ValueKind kind = ValueKind::undefined;
    bool boolean = false;
    std::int64_t integer = 0;
    std::string_view text;
    StringListView claim_list;
    ListRange literals;
};

Value undefined() {
    return {};
}

Value boolean(bool value) {
    Value result;
    result.kind = ValueKind::boolean;
    result.boolean = value;
    return result;
}

Value integer(ValueKind kind, std::int64_t number) {
    Value result;
    result.kind = kind;
    result.integer = number;
    return result;
}

Value text(std::string_view characters) {
    Value result;
    result.kind = ValueKind::string;
    result.text = characters;
    return result;
}

Value optional_text(std::optional<std::string_view> characters) {
    return characters ? text(*characters) : undefined();
}

bool is_true(const Value& value) {
    return value.kind == ValueKind::boolean && value.boolean;
}
bool is_false(const Value& value) {
    return value.kind == ValueKind::boolean && !value.boolean;
}

Value from_claim(const ClaimValue& claim) {
    switch (claim.kind) {
        case ClaimKind::absent:
            return undefined();
        case ClaimKind::string:
            return text(claim.text);
        case ClaimKind::integer:
            return integer(ValueKind::integer, claim.integer);
        case ClaimKind::boolean:
            return boolean(claim.boolean);
        case ClaimKind::string_list: {
            Value result;
            result.kind = ValueKind::claim_list;
            result.claim_list = claim.list;
            return result;
        }
        case ClaimKind::unsupported:
            break;
    }
    Value result;
    result.kind = ValueKind::unsupported;
    return result;
}

Value read_attribute(const RuleSyntax& syntax, const Node& node, const EvaluationContext& context) {
    std::string_view name = syntax.text(node.text);
    switch (node.source) {
        case AttributeSource::subject_claim:
            return from_claim(context.subject_claim(name));
        case AttributeSource::request_method:
            return text(context.request_method());
        case AttributeSource::request_path:
            return text(context.request_path());
        case AttributeSource::request_ip:
            return text(context.client_ip());
        case AttributeSource::request_header:
            return optional_text(context.header(name));
        case AttributeSource::path_parameter:
            return optional_text(context.path_parameter(name));
        case AttributeSource::query_parameter:
            return optional_text(context.query_parameter(name));
        case AttributeSource::context_time:
            return integer(ValueKind::timestamp, context.now().time_since_epoch().count());
    }
    return undefined();
}

Value literal(const RuleSyntax& syntax, const Node& node) {
    switch (node.kind) {
        case NodeKind::string_literal:
            return text(syntax.text(node.text));
        case NodeKind::integer_literal:
            return integer(ValueKind::integer, node.integer);
        case NodeKind::boolean_literal:
            return boolean(node.integer != 0);
        case NodeKind::timestamp_literal:
            return integer(ValueKind::timestamp, node.integer);
        default:
            break;
    }
    Value result;
    result.kind = node.type == ValueType::integer_list ? ValueKind::integer_literals
                                                       : ValueKind::string_literals;
    result.literals = node.list;
    return result;
}

Value logical_and(const Value& left, const Value& right) {
    if (is_false(left) || is_false(right)) {
        return boolean(false);
    }
    return is_true(left) && is_true(right) ? boolean(true) : undefined();
}

Value logical_or(const Value& left, const Value& right) {
    if (is_true(left) || is_true(right)) {
        return boolean(true);
    }
    return is_false(left) && is_false(right) ? boolean(false) : undefined();
}

Value logical_not(const Value& operand) {
    return operand.kind == ValueKind::boolean ? boolean(!operand.boolean) : undefined();
}

template <typename Ordered>
bool compare_ordered(Comparison comparison, const Ordered& left, const Ordered& right) {
    switch (comparison) {
        case Comparison::equal:
            return left == right;
        case Comparison::not_equal:
            return left != right;
        case Comparison::less:
            return left < right;
        case Comparison::less_equal:
            return left <= right;
        case Comparison::greater:
            return left > right;
        case Comparison::greater_equal:
            return left >= right;
    }
    return false;
}

// Values of different runtime kinds are not equal and not unequal: they are
// undefined, so `subject.level != 'x'` cannot allow when level is a number.
Value compare(Comparison comparison, const Value& left, const Value& right) {
    if (left.kind != right.kind) {
        return undefined();
    }
    switch (left.kind) {
        case ValueKind::string:
            return boolean(compare_ordered(comparison, left.text, right.text));
        case ValueKind::integer:
        case ValueKind::timestamp:
            return boolean(compare_ordered(comparison, left.integer, right.integer));
        case ValueKind::boolean:
            if (comparison == Comparison::equal || comparison == Comparison::not_equal) {
                return boolean(compare_ordered(comparison, left.boolean, right.boolean));
            }
            return undefined();
        default:
            return undefined();
    }
}

Value membership(const RuleSyntax& syntax, const Value& element, const Value& list) {
    if (list.kind == ValueKind::claim_list && element.kind == ValueKind::string) {
        for (std::size_t i = 0; i < list.claim_list.size(); ++i) {
            if (list.claim_list[i] == element.text) {
                return boolean(true);
            }
        }
        return boolean(false);
    }
    bool strings = list.kind == ValueKind::string_literals && element.kind == ValueKind::string;
    bool integers = list.kind == ValueKind::integer_literals && element.kind == ValueKind::integer;
    if (!strings && !integers) {
        return undefined();
    }
    for (std::uint32_t i = 0; i < list.literals.count; ++i) {
        const ListElement& candidate = syntax.list_elements[list.literals.first + i];
        if (strings ? syntax.text(candidate.text) == element.text
                    : candidate.integer == element.integer) {
            return boolean(true);
        }
    }
    return boolean(false);
}

// Strings count code points, as in CEL: size('é') is 1.
std::int64_t code_points(std::string_view text) {
    std::int64_t count = 0;
    for (char c : text) {
        count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
    }
    return count;
}

Value size_of(const Value& operand) {
    switch (operand.kind) {
        case ValueKind::string:
            return integer(ValueKind::integer, code_points(operand.text));
        case ValueKind::claim_list:
            return integer(ValueKind::integer,
                           static_cast<std::int64_t>(operand.claim_list.size()));
        case ValueKind::string_literals:
        case ValueKind::integer_literals:
            return integer(ValueKind::integer, operand.literals.count);
        default:
            return undefined();
    }
}

Value string_test(Function function, const Value& receiver, const Value& argument) {
    if (receiver.kind != ValueKind::string || argument.kind != ValueKind::string) {
        return undefined();
    }
    switch (function) {
        case Function::starts_with:
            return boolean(receiver.text.starts_with(argument.text));
        case Function::ends_with:
            return boolean(receiver.text.ends_with(argument.text));
        default:
            return boolean(receiver.text.find(argument.text) != std::string_view::npos);
    }
}

// Raw storage, not std::array<Value>: constructing 64 values on every
// evaluation would cost more than most rules take to evaluate.
class ValueStack {
  public:
    void push(const Value& value) { std::construct_at(slot(size_++), value); }
    Value pop() { return *slot(--size_); }
    const Value& top() { return *slot(size_ - 1); }

  private:
    Value* slot(std::size_t index) {
        return std::launder(reinterpret_cast<Value*>(storage_)) + index;
    }

    static_assert(std::is_trivially_copyable_v<Value> && std::is_trivially_destructible_v<Value>);
    alignas(Value) std::byte storage_[sizeof(Value) * value_stack_capacity];
    std::size_t size_ = 0;
};

void apply_call(const Node& node, ValueStack& stack) {
    if (node.function == Function::has) {
        stack.push(boolean(stack.pop().kind != ValueKind::undefined));
    } else if (node.function == Function::size) {
        stack.push(size_of(stack.pop()));
    } else {
        Value argument = stack.pop();
        Value receiver = stack.pop();
        stack.push(string_test(node.function, receiver, argument));
    }
}

void apply_binary(const RuleSyntax& syntax, const Node& node, ValueStack& stack) {
    Value right = stack.pop();
    Value left = stack.pop();
    switch (node.kind) {
        case NodeKind::logical_and:
            stack.push(logical_and(left, right));
            return;
        case NodeKind::logical_or:
            stack.push(logical_or(left, right));
            return;
        case NodeKind::comparison:
            stack.push(compare(node.comparison, left, right));
            return;
        default:
            stack.push(membership(syntax, left, right));
            return;
    }
}

void apply(const RuleSyntax& syntax, const Node& node, const EvaluationContext& context,
           ValueStack& stack) {
    switch (node.kind) {
        case NodeKind::string_literal:
        case NodeKind::integer_literal:
        case NodeKind::boolean_literal:
        case NodeKind::timestamp_literal:
        case NodeKind::list_literal:
            stack.push(literal(syntax, node));
            return;
        case NodeKind::attribute:
            stack.push(read_attribute(syntax, node, context));
            return;
        case NodeKind::logical_not:
            stack.push(logical_not(stack.pop()));
            return;
        case NodeKind::call:
            apply_call(node, stack);
            return;
        case NodeKind::and_short_circuit:
        case NodeKind::or_short_circuit:
            return;  // the jump is the caller's
        case NodeKind::logical_and:
        case NodeKind::logical_or:
        case NodeKind::comparison:
        case NodeKind::membership:
            apply_binary(syntax, node, stack);
            return;
    }
}

// True when the left operand already decides the && or || the marker belongs to.
bool decided_early(const Node& marker, const Value& left) {
    return marker.kind == NodeKind::and_short_circuit ? is_false(left) : is_true(left);
}

}  // namespace

Decision evaluate_rule(const RuleSyntax& syntax, const EvaluationContext& context) noexcept {
    // Guards a syntax tree that skipped the type checker: fail closed.
    if (syntax.nodes.empty() || syntax.value_stack_depth == 0 ||
        syntax.value_stack_depth > value_stack_capacity) {
        return Decision::deny_undefined;
    }
    ValueStack stack;
    for (std::uint32_t index = 0; index < syntax.nodes.size(); ++index) {
        const Node& node = syntax.nodes[index];
        bool is_marker =
            node.kind == NodeKind::and_short_circuit || node.kind == NodeKind::or_short_circuit;
        if (is_marker && decided_early(node, stack.top())) {
            index = node.jump_to;  // leaves the deciding value as the operator's result
            continue;
        }
        apply(syntax, node, context, stack);
    }
    const Value& result = stack.top();
    if (result.kind != ValueKind::boolean) {
        return Decision::deny_undefined;
    }
    return result.boolean ? Decision::allow : Decision::deny;
}

}  // namespace rampart::policy
