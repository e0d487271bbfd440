#include "validate/json_schema.hpp"

// Without this valijson reports a bad schema, or a value it cannot read, by
// printing to stderr and calling abort(): a request could end the gateway.
// valijson is included in this file only, so the setting holds for all of it.
#define VALIJSON_USE_EXCEPTIONS 1

#include <boost/regex.hpp>
#include <valijson/adapters/boost_json_adapter.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validator.hpp>

#include <array>
#include <cmath>
#include <cstdint>
#include <exception>
#include <regex>
#include <unordered_map>

#include "util/json_pointer.hpp"
#include "validate/string_formats.hpp"

namespace rampart::validate {
namespace {

// The `pattern` regular expressions of the schema being validated on this
// thread, compiled at load. Set for the duration of CompiledSchema::validate
// only; the visitor below reads it.
using PatternTable = std::unordered_map<std::string, boost::regex>;
thread_local const PatternTable* current_patterns = nullptr;

bool matches_pattern(const std::string& pattern, const std::string& text) {
    if (current_patterns == nullptr) {
        return false;
    }
    auto compiled = current_patterns->find(pattern);
    if (compiled == current_patterns->end()) {
        return false;  // compiled at load, so never: but fail closed
    }
    try {
        return boost::regex_search(text, compiled->second);
    } catch (const std::exception&) {
        // Boost.Regex gives up on matches too costly to finish (catastrophic
        // backtracking): a value that makes the pattern explode is refused.
        return false;
    }
}

}  // namespace
}  // namespace rampart::validate

// Checks of valijson's visitor replaced for the one adapter Rampart uses
// (an explicit specialization of a member of the class template, declared
// before anything instantiates it; valijson is used in this file only):
// - `pattern`: valijson runs std::regex, which recurses once per character
//   (a long string overflows the stack) and compiles on the validating
//   thread; Boost.Regex is iterative, bounds its own work, and the patterns
//   are compiled at load.
// - `format`: valijson 1.0 knows three formats, compiles a std::regex on
//   every check and reads non-strings as strings; string_formats.hpp instead.
namespace valijson {

template <>
bool ValidationVisitor<adapters::BoostJsonAdapter>::visit(
    const constraints::PatternConstraint& constraint) {
    if (!m_target.isString()) {
        return true;
    }
    std::string pattern(constraint.getPattern<std::string::allocator_type>());
    if (rampart::validate::matches_pattern(pattern, m_target.asString())) {
        return true;
    }
    if (m_results != nullptr) {
        m_results->pushError(m_context, "Failed to match regex specified by 'pattern' constraint.");
    }
    return false;
}

template <>
bool ValidationVisitor<adapters::BoostJsonAdapter>::visit(
    const constraints::FormatConstraint& constraint) {
    if (!m_target.isString()) {
        return true;
    }
    if (rampart::validate::matches_format(constraint.getFormat(), m_target.asString())) {
        return true;
    }
    if (m_results != nullptr) {
        m_results->pushError(m_context, "String should be a valid " + constraint.getFormat());
    }
    return false;
}

// - `multipleOf` with an integer divisor: valijson casts a double value to
//   int64 (undefined beyond 2^63, found by fuzz_json_limits) and truncates
//   it, so 10.5 passed as a multiple of 5.
template <>
bool ValidationVisitor<adapters::BoostJsonAdapter>::visit(
    const constraints::MultipleOfIntConstraint& constraint) {
    const std::int64_t divisor = constraint.getDivisor();  // > 0, checked at load
    bool multiple = true;
    std::int64_t integer = 0;
    double number = 0;
    if (m_target.getInteger(integer)) {
        multiple = integer % divisor == 0;
    } else if (m_target.getDouble(number)) {
        multiple = std::isfinite(number) && std::fmod(number, static_cast<double>(divisor)) == 0.0;
    } else {
        return true;  // not a number (an unsigned above int64 fails `type: integer`)
    }
    if (!multiple && m_results != nullptr) {
        m_results->pushError(m_context, "Value should be a multiple of the divisor");
    }
    return multiple;
}

}  // namespace valijson

namespace rampart::validate {

namespace json = boost::json;

struct CompiledSchema::Compiled {
    valijson::Schema schema;
    PatternTable patterns;
};

namespace {

constexpr std::size_t max_schema_depth = 256;

// Members whose values are data, not schemas: a "format" inside an example
// is not a format keyword.
bool holds_data(std::string_view key) {
    return key == "enum" || key == "const" || key == "default" || key == "examples";
}

class SchemaChecker {
  public:
    SchemaChecker(const std::string& base_location, PatternTable& patterns)
        : base_location_(base_location), patterns_(patterns) {}

    void check(const json::value& node, const std::string& pointer, std::size_t depth) {
        if (depth > max_schema_depth) {
            fail(pointer, "is nested too deeply");
        }
        if (const auto* array = node.if_array()) {
            for (std::size_t index = 0; index < array->size(); ++index) {
                check((*array)[index], pointer + "/" + std::to_string(index), depth + 1);
            }
            return;
        }
        const auto* object = node.if_object();
        if (object == nullptr) {
            return;
        }
        for (const auto& [key, value] : *object) {
            auto member_pointer = pointer + "/" + std::string(key);
            check_keyword(key, value, member_pointer);
            if (!holds_data(key)) {
                check(value, member_pointer, depth + 1);
            }
        }
    }

  private:
    void check_keyword(std::string_view key, const json::value& value, const std::string& pointer) {
        if (key == "format" && value.is_string()) {
            std::string_view format = value.get_string();
            if (!is_known_format(format)) {
                fail(pointer,
                     "unsupported format \"" + std::string(format) +
                         "\" (known: date-time, date, time, email, uuid, uri, uri-reference, "
                         "ipv4, ipv6, hostname)");
            }
        } else if (key == "multipleOf" && !(value.is_number() && value.to_number<double>() > 0)) {
            fail(pointer, "must be a number above 0");
        } else if (key == "pattern" && value.is_string()) {
            compile_pattern(std::string(value.get_string()), pointer);
        } else if (key == "patternProperties" && value.is_object()) {
            // valijson matches property names with std::regex: it must compile.
            for (const auto& [name, schema] : value.get_object()) {
                try {
                    std::regex compiled{std::string(name)};
                } catch (const std::regex_error&) {
                    fail(pointer,
                         "\"" + std::string(name) + "\" is not a valid regular expression");
                }
            }
        }
    }

    void compile_pattern(const std::string& pattern, const std::string& pointer) {
        try {
            patterns_.try_emplace(pattern, pattern, boost::regex::ECMAScript);
        } catch (const std::exception&) {
            fail(pointer, "\"" + pattern + "\" is not a valid regular expression");
        }
    }

    [[noreturn]] void fail(const std::string& pointer, const std::string& message) const {
        throw SchemaError(base_location_ + ": " + (pointer.empty() ? "" : "at " + pointer + ": ") +
                          message);
    }

    const std::string& base_location_;
    PatternTable& patterns_;
};

// valijson's context is {"<root>", "[name]", "[3]", ...}.
std::string pointer_of(const std::vector<std::string>& context) {
    std::string pointer;
    for (std::size_t i = 1; i < context.size(); ++i) {
        std::string_view part = context[i];
        if (part.size() >= 2 && part.front() == '[' && part.back() == ']') {
            part = part.substr(1, part.size() - 2);
        }
        util::append_json_pointer_segment(pointer, part);
    }
    return pointer;
}

struct KeywordPattern {
    std::string_view description_prefix;
    std::string_view keyword;
    bool names_property = false;  // the description ends with 'name'.: the pointer gets it
};

// valijson reports descriptions, not keywords: these map them back. Longer
// prefixes first where one is the start of another.
constexpr std::array<KeywordPattern, 27> keyword_patterns{{
    {"Value type not permitted by 'type'", "type"},
    {"Missing required property '", "required", true},
    {"Object contains a property that could not be validated using 'properties' or "
     "'additionalProperties' constraints: '",
     "additionalProperties", true},
    {"Failed to match against any enum values", "enum"},
    {"Target value and comparison value are not equal", "enum"},
    {"Failed to match expected value set by 'const'", "const"},
    {"Failed to match regex specified by 'pattern'", "pattern"},
    {"String should be a valid", "format"},
    {"String should be no more than", "maxLength"},
    {"String should be no fewer than", "minLength"},
    {"Expected number less than or equal to", "maximum"},
    {"Expected number less than", "exclusiveMaximum"},
    {"Expected number greater than or equal to", "minimum"},
    {"Expected number greater than", "exclusiveMinimum"},
    {"Array should contain no more than", "maxItems"},
    {"Array should contain no fewer than", "minItems"},
    {"Array contains more items than allowed", "additionalItems"},
    {"Elements at indexes #", "uniqueItems"},
    {"Object should have no more than", "maxProperties"},
    {"Object should have no fewer than", "minProperties"},
    {"Value should be a multiple of", "multipleOf"},
    {"Value could not be converted", "multipleOf"},
    {"Failed to validate against any schemas allowed by anyOf", "anyOf"},
    {"Target should not validate against schema specified in 'not'", "not"},
    {"Failed to validate against a conditional schema", "if"},
    {"Failed to any values against subschema in 'contains'", "contains"},
    {"Missing dependency '", "dependencies"},
}};

// Descriptions that only say a child failed: the child's own error says
// where and why, so these are dropped when it is there.
constexpr std::array<std::string_view, 6> summary_prefixes{
    "Failed to validate item #",
    "Cannot validate item #",
    "Failed to validate against schema associated with property name",
    "Failed to validate against schema associated with pattern",
    "Failed to validate against additional properties schema",
    "Failed to validate against child schema #",
};

bool is_summary(std::string_view description) {
    for (auto prefix : summary_prefixes) {
        if (description.starts_with(prefix)) {
            return true;
        }
    }
    return false;
}

SchemaViolation violation_of(const valijson::ValidationResults::Error& error) {
    std::string_view description = error.description;
    auto pointer = pointer_of(error.context);
    for (const auto& pattern : keyword_patterns) {
        if (!description.starts_with(pattern.description_prefix)) {
            continue;
        }
        if (pattern.names_property && description.ends_with("'.")) {
            auto name = description.substr(pattern.description_prefix.size());
            name.remove_suffix(2);
            util::append_json_pointer_segment(pointer, name);
        }
        return {std::move(pointer), pattern.keyword};
    }
    if (description.find("oneOf") != std::string_view::npos ||
        description.starts_with("Failed to validate against exactly one child schema")) {
        return {std::move(pointer), "oneOf"};
    }
    if (description.starts_with("Failed to validate against child schema #")) {
        return {std::move(pointer), "allOf"};
    }
    if (description.starts_with("Failed to validate against dependent schema")) {
        return {std::move(pointer), "dependencies"};
    }
    return {std::move(pointer), "schema"};
}

void add_unique(std::vector<SchemaViolation>& violations, SchemaViolation violation,
                std::size_t max_violations) {
    if (violations.size() >= max_violations) {
        return;
    }
    for (const auto& known : violations) {
        if (known == violation) {
            return;
        }
    }
    violations.push_back(std::move(violation));
}

std::vector<SchemaViolation> violations_of(const valijson::ValidationResults& results,
                                           std::size_t max_violations) {
    std::vector<SchemaViolation> violations;
    for (const auto& error : results) {
        if (!is_summary(error.description)) {
            add_unique(violations, violation_of(error), max_violations);
        }
    }
    if (violations.empty()) {
        for (const auto& error : results) {
            add_unique(violations, violation_of(error), max_violations);
        }
    }
    if (violations.empty() && max_violations > 0) {
        violations.push_back({"", "schema"});
    }
    return violations;
}

// Sets current_patterns for the validation on this thread.
class PatternScope {
  public:
    explicit PatternScope(const PatternTable& patterns) : previous_(current_patterns) {
        current_patterns = &patterns;
    }
    ~PatternScope() { current_patterns = previous_; }
    PatternScope(const PatternScope&) = delete;
    PatternScope& operator=(const PatternScope&) = delete;

  private:
    const PatternTable* previous_;
};

}  // namespace

CompiledSchema::CompiledSchema(const json::value& schema, std::string base_location)
    : document_(schema),
      base_location_(std::move(base_location)),
      compiled_(std::make_unique<Compiled>()) {
    if (!schema.is_object() && !schema.is_bool()) {
        throw SchemaError(base_location_ + ": a schema must be a map (or true or false)");
    }
    SchemaChecker(base_location_, compiled_->patterns).check(schema, "", 0);
    try {
        valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
        valijson::adapters::BoostJsonAdapter adapter(document_);
        parser.populateSchema(adapter, compiled_->schema);
    } catch (const std::exception& error) {
        // valijson's messages name keywords and references, never input.
        throw SchemaError(base_location_ + ": invalid JSON Schema: " + error.what());
    }
}

CompiledSchema::~CompiledSchema() = default;

std::vector<SchemaViolation> CompiledSchema::validate(const json::value& instance,
                                                      std::size_t max_violations) const {
    PatternScope scope(compiled_->patterns);
    valijson::adapters::BoostJsonAdapter target(instance);
    try {
        // First without collecting anything: it stops at the first failure
        // and allocates no messages, which is the common, valid case.
        valijson::Validator fast;
        if (fast.validate(compiled_->schema, target, nullptr)) {
            return {};
        }
        valijson::Validator thorough;
        valijson::ValidationResults results;
        thorough.validate(compiled_->schema, target, &results);
        return violations_of(results, max_violations);
    } catch (const std::exception&) {
        // valijson throws on values it cannot read as the schema expects:
        // refuse rather than pass them.
        return {{"", "schema"}};
    }
}

}  // namespace rampart::validate
