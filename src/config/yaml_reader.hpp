// Typed, checked reading of a YAML configuration. Every error names the file,
// the line, the column and the key path ("routes[2].methods[0]"), and every map
// refuses keys nobody read (Section::finish), so a typo is an error, not a
// silently ignored setting. Exceptions are fine here: this runs at load time.
#pragma once

#include <yaml-cpp/yaml.h>

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace rampart::config {

class ConfigError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

using Duration = std::chrono::milliseconds;

// "file:line:column: key.path: message", lines and columns 1-based.
std::string format_location(const std::string& file, const YAML::Mark& mark,
                            const std::string& path);

// Expands ${NAME} and ${NAME:-fallback} from the environment; an undefined
// variable without a fallback is an error. "$${" stays a literal "${".
std::optional<std::string> expand_environment(std::string_view text, std::string* undefined_name);

class Section {
  public:
    Section(std::shared_ptr<const std::string> file, YAML::Node node, std::string path);

    const std::string& file() const { return *file_; }
    const std::string& path() const { return path_; }
    const YAML::Node& node() const { return node_; }
    std::string location() const;
    std::string child_path(std::string_view key) const;

    bool has(std::string_view key) const;
    // Marks a key as read without reading it (its reader lives elsewhere).
    void claim(std::string_view key) const;

    Section section(std::string_view key) const;
    std::optional<Section> optional_section(std::string_view key) const;
    std::vector<Section> sections(std::string_view key) const;  // a list of maps; absent = empty

    std::string string(std::string_view key) const;
    std::string string(std::string_view key, std::string_view fallback) const;
    std::optional<std::string> optional_string(std::string_view key) const;
    std::vector<std::string> strings(std::string_view key) const;  // absent = empty
    // A secret: a literal, ${ENV}, or "file:/path" (the file's content, one
    // trailing newline dropped). Secrets never appear in error messages.
    std::string secret(std::string_view key) const;
    std::optional<std::string> optional_secret(std::string_view key) const;

    std::int64_t integer(std::string_view key, std::int64_t fallback, std::int64_t minimum,
                         std::int64_t maximum) const;
    std::int64_t integer(std::string_view key, std::int64_t minimum, std::int64_t maximum) const;
    bool boolean(std::string_view key, bool fallback) const;
    // "250ms", "10s", "5m", "2h", "365d"; a bare number is seconds.
    Duration duration(std::string_view key, Duration fallback, Duration minimum,
                      Duration maximum) const;
    // "512", "64KiB", "1MiB", "2GiB" (also KB/MB/GB as 1000-based).
    std::uint64_t size(std::string_view key, std::uint64_t fallback, std::uint64_t minimum,
                       std::uint64_t maximum) const;

    template <typename Enum>
    Enum choice(std::string_view key,
                std::initializer_list<std::pair<std::string_view, Enum>> options,
                Enum fallback) const {
        if (!has(key)) {
            claim(key);
            return fallback;
        }
        auto text = string(key);
        for (const auto& [name, value] : options) {
            if (text == name) {
                return value;
            }
        }
        std::string expected;
        for (const auto& option : options) {
            expected += expected.empty() ? "" : ", ";
            expected += option.first;
        }
        fail(key, "must be one of: " + expected + " (got \"" + text + "\")");
    }

    [[noreturn]] void fail(std::string_view key, const std::string& message) const;
    [[noreturn]] void fail(const std::string& message) const;
    // Refuses any key of this map that no reader claimed.
    void finish() const;

    // For scalars inside lists: their text with ${ENV} expanded.
    std::string scalar_text(const YAML::Node& node, const std::string& path) const;
    [[noreturn]] void fail_at(const YAML::Node& node, const std::string& path,
                              const std::string& message) const;

  private:
    YAML::Node value(std::string_view key) const;
    void refuse_duplicate_keys() const;

    std::shared_ptr<const std::string> file_;
    YAML::Node node_;
    std::string path_;
    std::shared_ptr<std::set<std::string, std::less<>>> claimed_;
};

// Parses a file into its root Section; a syntax error names file and line.
Section load_yaml_file(const std::string& file);
Section load_yaml_text(const std::string& text, const std::string& file_name);

Duration parse_duration(std::string_view text, bool* ok);
std::optional<std::uint64_t> parse_size(std::string_view text);

}  // namespace rampart::config
