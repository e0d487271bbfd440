// Where a rule's text sits in its configuration file, and the load-time error
// that names that place. Rules are compiled when the configuration loads, so
// errors are exceptions here; evaluation never throws.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>

namespace rampart::policy {

// A line and a column, 1-based; columns count bytes.
struct SourcePosition {
    std::uint32_t line = 1;
    std::uint32_t column = 1;
};

// Where the rule's first character is in the file. YAML strips a block
// scalar's indentation from the text it returns, so the lines after the first
// start at column continuation_indent + 1 of the file.
struct RulePosition {
    std::uint32_t line = 1;
    std::uint32_t column = 1;
    std::uint32_t continuation_indent = 0;
};

class RuleError : public std::runtime_error {
  public:
    RuleError(SourcePosition position, std::string detail)
        : std::runtime_error(std::to_string(position.line) + ":" + std::to_string(position.column) +
                             ": " + detail),
          position_(position),
          detail_(std::move(detail)) {}

    SourcePosition position() const { return position_; }
    // The message without its position.
    const std::string& detail() const { return detail_; }

  private:
    SourcePosition position_;
    std::string detail_;
};

}  // namespace rampart::policy
