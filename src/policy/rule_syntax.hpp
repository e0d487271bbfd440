// The syntax tree of a rule, flat: nodes live in one vector and refer to each
// other by index, children always before their parent (post-order), and the
// last node is the rule itself. The type checker walks it forwards once, and
// the evaluator runs it forwards as a stack machine without allocating.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "policy/rule_error.hpp"

namespace rampart::policy {

inline constexpr std::uint32_t no_node = UINT32_MAX;
// Parentheses, '!', list literals and call arguments nest at most this deep,
// which bounds the parser's recursion whatever the configuration says.
inline constexpr std::size_t maximum_nesting = 32;
// The evaluator's value stack is a fixed array of this many values; a rule
// that would need more is refused when it loads.
inline constexpr std::size_t value_stack_capacity = 64;

enum class NodeKind : std::uint8_t {
    string_literal,
    integer_literal,
    boolean_literal,
    timestamp_literal,
    list_literal,
    attribute,
    logical_not,
    logical_and,
    logical_or,
    // Placed between the left and the right operand of && and ||: when the
    // left value decides the result, evaluation jumps past the operator.
    and_short_circuit,
    or_short_circuit,
    comparison,
    membership,  // `in`
    call,
};

enum class Comparison : std::uint8_t { equal, not_equal, less, less_equal, greater, greater_equal };

enum class Function : std::uint8_t { has, size, starts_with, ends_with, contains };

enum class AttributeSource : std::uint8_t {
    subject_claim,    // subject.<claim>
    request_method,   // request.method
    request_path,     // request.path
    request_ip,       // request.ip
    request_header,   // request.headers['<name>']
    path_parameter,   // path.<param>
    query_parameter,  // query.<param>
    context_time,     // context.time
};

// Filled in by the type checker. `claim` is a JWT claim's value, whose type
// is known only when the request arrives.
enum class ValueType : std::uint8_t {
    none,
    boolean,
    integer,
    string,
    timestamp,
    string_list,
    integer_list,
    claim,
};

struct TextRange {
    std::uint32_t offset = 0;
    std::uint32_t length = 0;
};

struct ListRange {
    std::uint32_t first = 0;
    std::uint32_t count = 0;
};

struct Node {
    NodeKind kind = NodeKind::boolean_literal;
    Comparison comparison = Comparison::equal;
    Function function = Function::has;
    AttributeSource source = AttributeSource::subject_claim;
    ValueType type = ValueType::none;
    std::uint32_t left = no_node;     // the operand, a call's receiver or first argument
    std::uint32_t right = no_node;    // the second operand or argument
    std::uint32_t jump_to = no_node;  // short-circuit markers: their operator's index
    std::int64_t integer = 0;         // integer and boolean literals; timestamps in unix seconds
    TextRange text;                   // string literals; the attribute's name
    ListRange list;                   // list literals: elements in RuleSyntax::list_elements
    SourcePosition position;
};

// List literals hold only literals, all strings or all integers.
struct ListElement {
    std::int64_t integer = 0;
    TextRange text;
};

struct RuleSyntax {
    std::vector<Node> nodes;
    std::vector<ListElement> list_elements;
    std::string strings;  // every string literal and name, back to back
    SourcePosition start;
    // The most values the evaluator's stack holds at once (the type checker).
    std::uint32_t value_stack_depth = 0;

    std::uint32_t add(const Node& node);
    TextRange add_text(std::string_view text);
    std::string_view text(TextRange range) const {
        return std::string_view(strings).substr(range.offset, range.length);
    }
    std::uint32_t root() const { return static_cast<std::uint32_t>(nodes.size()) - 1; }
};

std::string_view type_name(ValueType type);
std::string_view comparison_operator(Comparison comparison);
std::string_view function_name(Function function);

}  // namespace rampart::policy
