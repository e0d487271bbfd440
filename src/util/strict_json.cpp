#include "util/strict_json.hpp"

#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>

#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "util/utf8.hpp"

namespace rampart::util {

namespace {

namespace json = boost::json;
using boost::system::error_code;

// Builds the value with a value_stack, as boost::json::parser does, but
// checks every limit as the events arrive and remembers, per open object, the
// keys seen so far.
class StrictHandler {
  public:
    static constexpr std::size_t max_object_size = json::object::max_size();
    static constexpr std::size_t max_array_size = json::array::max_size();
    static constexpr std::size_t max_key_size = json::string::max_size();
    static constexpr std::size_t max_string_size = json::string::max_size();

    explicit StrictHandler(const StrictJsonLimits& limits) : limits_(limits) { stack_.reset(); }

    std::optional<StrictJsonError> failure;
    json::value_stack& values() { return stack_; }

    bool on_document_begin(error_code&) { return true; }
    bool on_document_end(error_code&) { return true; }

    bool on_object_begin(error_code&) {
        if (!enter()) {
            return false;
        }
        if (keys_by_depth_.size() < depth_) {
            keys_by_depth_.resize(depth_);
        }
        keys_by_depth_[depth_ - 1].clear();
        return true;
    }
    bool on_object_end(std::size_t members, error_code&) {
        if (!within_member_limit(members)) {
            return false;
        }
        --depth_;
        stack_.push_object(members);
        return true;
    }
    bool on_array_begin(error_code&) { return enter(); }
    bool on_array_end(std::size_t elements, error_code&) {
        if (!within_member_limit(elements)) {
            return false;
        }
        --depth_;
        stack_.push_array(elements);
        return true;
    }

    bool on_key_part(json::string_view part, std::size_t total, error_code&) {
        if (!within_string_limit(total)) {
            return false;
        }
        pending_key_.append(part.data(), part.size());
        stack_.push_chars(part);
        return true;
    }
    bool on_key(json::string_view last, std::size_t total, error_code&) {
        if (!within_string_limit(total)) {
            return false;
        }
        pending_key_.append(last.data(), last.size());
        auto& keys = keys_by_depth_[depth_ - 1];
        if (keys.size() >= limits_.max_members) {
            return fail(StrictJsonError::too_many_members);
        }
        if (!keys.insert(std::move(pending_key_)).second) {
            return fail(StrictJsonError::duplicate_key);
        }
        pending_key_.clear();
        stack_.push_key(last);
        return true;
    }

    bool on_string_part(json::string_view part, std::size_t total, error_code&) {
        if (!within_string_limit(total)) {
            return false;
        }
        stack_.push_chars(part);
        return true;
    }
    bool on_string(json::string_view last, std::size_t total, error_code&) {
        if (!within_string_limit(total)) {
            return false;
        }
        stack_.push_string(last);
        return true;
    }

    bool on_number_part(json::string_view part, error_code&) {
        number_chars_ += part.size();
        return within_number_limit();
    }
    bool on_int64(std::int64_t number, json::string_view last, error_code&) {
        return finish_number(last) && (stack_.push_int64(number), true);
    }
    bool on_uint64(std::uint64_t number, json::string_view last, error_code&) {
        return finish_number(last) && (stack_.push_uint64(number), true);
    }
    bool on_double(double number, json::string_view last, error_code&) {
        if (!finish_number(last)) {
            return false;
        }
        // Boost 1.81 turns "1e400" into infinity and "0e402" into NaN, neither
        // of which is a JSON number (found by fuzz_jose).
        if (!std::isfinite(number)) {
            return fail(StrictJsonError::number_out_of_range);
        }
        stack_.push_double(number);
        return true;
    }
    bool on_bool(bool flag, error_code&) {
        stack_.push_bool(flag);
        return true;
    }
    bool on_null(error_code&) {
        stack_.push_null();
        return true;
    }
    // Comments are refused by the parse options; these are never called.
    bool on_comment_part(json::string_view, error_code&) { return false; }
    bool on_comment(json::string_view, error_code&) { return false; }

  private:
    bool fail(StrictJsonError error) {
        failure = error;
        return false;
    }
    bool enter() {
        if (++depth_ > limits_.max_depth) {
            return fail(StrictJsonError::too_deep);
        }
        return true;
    }
    bool within_member_limit(std::size_t members) {
        return members <= limits_.max_members || fail(StrictJsonError::too_many_members);
    }
    bool within_string_limit(std::size_t bytes) {
        return bytes <= limits_.max_string_bytes || fail(StrictJsonError::string_too_long);
    }
    bool within_number_limit() {
        return number_chars_ <= limits_.max_number_chars || fail(StrictJsonError::number_too_long);
    }
    bool finish_number(json::string_view last) {
        number_chars_ += last.size();
        bool within = within_number_limit();
        number_chars_ = 0;
        return within;
    }

    const StrictJsonLimits& limits_;
    json::value_stack stack_;
    std::size_t depth_ = 0;
    std::size_t number_chars_ = 0;
    std::string pending_key_;
    // One set per nesting level, reused: only the objects on the current
    // path are open at any time.
    std::vector<std::unordered_set<std::string>> keys_by_depth_;
};

StrictJsonError classify(const error_code& error) {
    if (error == json::error::too_deep) {
        return StrictJsonError::too_deep;
    }
    if (error == json::error::incomplete) {
        return StrictJsonError::incomplete;
    }
    if (error == json::error::extra_data) {
        return StrictJsonError::trailing_data;
    }
    // Boost refuses an exponent beyond what it can count before our handler
    // sees the number's length.
    if (error == json::error::exponent_overflow) {
        return StrictJsonError::number_out_of_range;
    }
    // "\uDEAD" alone, or a high surrogate without its pair: not a character.
    if (error == json::error::illegal_leading_surrogate ||
        error == json::error::illegal_trailing_surrogate) {
        return StrictJsonError::invalid_utf8;
    }
    return StrictJsonError::syntax;
}

}  // namespace

std::string_view describe(StrictJsonError error) {
    switch (error) {
        case StrictJsonError::too_large:
            return "The JSON document is too large.";
        case StrictJsonError::too_deep:
            return "The JSON document is nested too deeply.";
        case StrictJsonError::too_many_members:
            return "A JSON object or array has too many members.";
        case StrictJsonError::string_too_long:
            return "A JSON string is too long.";
        case StrictJsonError::number_too_long:
            return "A JSON number is too long.";
        case StrictJsonError::number_out_of_range:
            return "A JSON number is out of range.";
        case StrictJsonError::duplicate_key:
            return "A JSON object has a duplicate key.";
        case StrictJsonError::invalid_utf8:
            return "The JSON document is not valid UTF-8.";
        case StrictJsonError::trailing_data:
            return "The JSON document has data after its end.";
        case StrictJsonError::syntax:
            return "The JSON document is malformed.";
        case StrictJsonError::incomplete:
            return "The JSON document ends early.";
    }
    return "The JSON document is malformed.";
}

boost::system::result<boost::json::value, StrictJsonError> parse_strict_json(
    std::string_view text, const StrictJsonLimits& limits) {
    if (text.size() > limits.max_bytes) {
        return StrictJsonError::too_large;
    }
    if (!is_valid_utf8(text)) {
        return StrictJsonError::invalid_utf8;
    }
    json::parse_options options;
    options.allow_comments = false;
    options.allow_trailing_commas = false;
    options.allow_invalid_utf8 = false;
    // One more than ours, so that our handler reports depth by name.
    options.max_depth = limits.max_depth < SIZE_MAX ? limits.max_depth + 1 : limits.max_depth;
    json::basic_parser<StrictHandler> parser(options, limits);
    error_code error;
    std::size_t consumed = parser.write_some(false, text.data(), text.size(), error);
    if (auto failure = parser.handler().failure) {
        return *failure;
    }
    if (error) {
        return classify(error);
    }
    if (consumed != text.size()) {
        return StrictJsonError::trailing_data;
    }
    if (!parser.done()) {
        return StrictJsonError::incomplete;
    }
    return parser.handler().values().release();
}

}  // namespace rampart::util
