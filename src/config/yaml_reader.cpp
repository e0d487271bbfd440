#include "config/yaml_reader.hpp"

#include <charconv>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <limits>
#include <sstream>

namespace rampart::config {

namespace {

constexpr std::uintmax_t max_secret_file_bytes = 64 * 1024;

}  // namespace

std::string format_location(const std::string& file, const YAML::Mark& mark,
                            const std::string& path) {
    std::string text = file;
    if (!mark.is_null()) {
        text += ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
    }
    if (!path.empty()) {
        text += ": " + path;
    }
    return text;
}

std::optional<std::string> expand_environment(std::string_view text, std::string* undefined_name) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text.compare(i, 3, "$${") == 0) {
            out += "${";
            i += 2;
            continue;
        }
        if (text.compare(i, 2, "${") != 0) {
            out += text[i];
            continue;
        }
        auto close = text.find('}', i + 2);
        if (close == std::string_view::npos) {
            out.append(text.substr(i));
            break;
        }
        auto inner = text.substr(i + 2, close - i - 2);
        std::optional<std::string_view> fallback;
        if (auto separator = inner.find(":-"); separator != std::string_view::npos) {
            fallback = inner.substr(separator + 2);
            inner = inner.substr(0, separator);
        }
        std::string name(inner);
        if (const char* value = std::getenv(name.c_str()); value != nullptr) {
            out += value;
        } else if (fallback) {
            out += *fallback;
        } else {
            if (undefined_name != nullptr) {
                *undefined_name = name;
            }
            return std::nullopt;
        }
        i = close;
    }
    return out;
}

Duration parse_duration(std::string_view text, bool* ok) {
    *ok = false;
    std::int64_t number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc() || number < 0) {
        return Duration{0};
    }
    std::string_view unit(end, text.data() + text.size() - end);
    std::int64_t multiplier = 0;
    if (unit.empty() || unit == "s") {
        multiplier = 1000;
    } else if (unit == "ms") {
        multiplier = 1;
    } else if (unit == "m") {
        multiplier = 60'000;
    } else if (unit == "h") {
        multiplier = 3'600'000;
    } else if (unit == "d") {
        multiplier = 86'400'000;
    } else {
        return Duration{0};
    }
    if (number > std::numeric_limits<std::int64_t>::max() / multiplier) {
        return Duration{0};
    }
    *ok = true;
    return Duration{number * multiplier};
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
    std::uint64_t number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (error != std::errc()) {
        return std::nullopt;
    }
    std::string_view unit(end, text.data() + text.size() - end);
    std::uint64_t multiplier = 0;
    if (unit.empty() || unit == "B") {
        multiplier = 1;
    } else if (unit == "KiB") {
        multiplier = 1ULL << 10;
    } else if (unit == "MiB") {
        multiplier = 1ULL << 20;
    } else if (unit == "GiB") {
        multiplier = 1ULL << 30;
    } else if (unit == "KB") {
        multiplier = 1000;
    } else if (unit == "MB") {
        multiplier = 1000'000;
    } else if (unit == "GB") {
        multiplier = 1000'000'000;
    } else {
        return std::nullopt;
    }
    if (number > std::numeric_limits<std::uint64_t>::max() / multiplier) {
        return std::nullopt;
    }
    return number * multiplier;
}

Section::Section(std::shared_ptr<const std::string> file, YAML::Node node, std::string path)
    : file_(std::move(file)),
      node_(std::move(node)),
      path_(std::move(path)),
      claimed_(std::make_shared<std::set<std::string, std::less<>>>()) {
    if (node_ && !node_.IsNull() && !node_.IsMap()) {
        fail_at(node_, path_, "must be a map of keys to values");
    }
    refuse_duplicate_keys();
}

// yaml-cpp keeps both copies of a repeated key; which one a reader sees is
// an accident, so a repeated key is an error.
void Section::refuse_duplicate_keys() const {
    if (!node_ || !node_.IsMap()) {
        return;
    }
    std::set<std::string, std::less<>> seen;
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        if (it->first.IsScalar() && !seen.insert(it->first.Scalar()).second) {
            fail_at(it->first, child_path(it->first.Scalar()), "is given twice");
        }
    }
}

std::string Section::location() const {
    return format_location(*file_, node_.Mark(), path_);
}

std::string Section::child_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

YAML::Node Section::value(std::string_view key) const {
    claimed_->emplace(key);
    if (!node_ || !node_.IsMap()) {
        return YAML::Node(YAML::NodeType::Undefined);
    }
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        if (it->first.IsScalar() && it->first.Scalar() == key) {
            return it->second;
        }
    }
    return YAML::Node(YAML::NodeType::Undefined);
}

bool Section::has(std::string_view key) const {
    if (!node_ || !node_.IsMap()) {
        return false;
    }
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        if (it->first.IsScalar() && it->first.Scalar() == key) {
            return !it->second.IsNull();
        }
    }
    return false;
}

void Section::claim(std::string_view key) const {
    claimed_->emplace(key);
}

void Section::fail_at(const YAML::Node& node, const std::string& path,
                      const std::string& message) const {
    YAML::Mark mark = node ? node.Mark() : node_.Mark();
    throw ConfigError(format_location(*file_, mark, path) + ": " + message);
}

void Section::fail(std::string_view key, const std::string& message) const {
    auto node = value(key);
    fail_at(node.IsDefined() ? node : node_, child_path(key), message);
}

void Section::fail(const std::string& message) const {
    fail_at(node_, path_, message);
}

void Section::finish() const {
    if (!node_ || !node_.IsMap()) {
        return;
    }
    for (auto it = node_.begin(); it != node_.end(); ++it) {
        if (!it->first.IsScalar()) {
            fail_at(it->first, path_, "keys must be plain strings");
        }
        if (claimed_->find(it->first.Scalar()) == claimed_->end()) {
            fail_at(it->first, child_path(it->first.Scalar()), "unknown key");
        }
    }
}

std::string Section::scalar_text(const YAML::Node& node, const std::string& path) const {
    if (!node.IsScalar()) {
        fail_at(node, path, "must be a single value, not a list or map");
    }
    std::string undefined;
    auto expanded = expand_environment(node.Scalar(), &undefined);
    if (!expanded) {
        fail_at(node, path, "environment variable ${" + undefined + "} is not set");
    }
    return *expanded;
}

Section Section::section(std::string_view key) const {
    auto node = value(key);
    if (!node.IsDefined() || node.IsNull()) {
        fail_at(node_, child_path(key), "is required");
    }
    return Section(file_, node, child_path(key));
}

std::optional<Section> Section::optional_section(std::string_view key) const {
    auto node = value(key);
    if (!node.IsDefined() || node.IsNull()) {
        return std::nullopt;
    }
    return Section(file_, node, child_path(key));
}

std::vector<Section> Section::sections(std::string_view key) const {
    auto node = value(key);
    std::vector<Section> out;
    if (!node.IsDefined() || node.IsNull()) {
        return out;
    }
    if (!node.IsSequence()) {
        fail_at(node, child_path(key), "must be a list");
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
        auto path = child_path(key) + "[" + std::to_string(i) + "]";
        if (!node[i].IsMap()) {
            fail_at(node[i], path, "must be a map of keys to values");
        }
        out.emplace_back(file_, node[i], path);
    }
    return out;
}

std::optional<std::string> Section::optional_string(std::string_view key) const {
    auto node = value(key);
    if (!node.IsDefined() || node.IsNull()) {
        return std::nullopt;
    }
    return scalar_text(node, child_path(key));
}

std::string Section::string(std::string_view key) const {
    auto text = optional_string(key);
    if (!text) {
        fail_at(node_, child_path(key), "is required");
    }
    return *text;
}

std::string Section::string(std::string_view key, std::string_view fallback) const {
    auto text = optional_string(key);
    return text ? *text : std::string(fallback);
}

std::vector<std::string> Section::strings(std::string_view key) const {
    auto node = value(key);
    std::vector<std::string> out;
    if (!node.IsDefined() || node.IsNull()) {
        return out;
    }
    if (!node.IsSequence()) {
        fail_at(node, child_path(key), "must be a list");
    }
    for (std::size_t i = 0; i < node.size(); ++i) {
        out.push_back(scalar_text(node[i], child_path(key) + "[" + std::to_string(i) + "]"));
    }
    return out;
}

std::optional<std::string> Section::optional_secret(std::string_view key) const {
    auto node = value(key);
    if (!node.IsDefined() || node.IsNull()) {
        return std::nullopt;
    }
    auto text = scalar_text(node, child_path(key));
    if (!text.starts_with("file:")) {
        return text;
    }
    auto path = text.substr(5);
    // A secret is a short file: a device (/dev/zero, /dev/stdin) or a large
    // file named by mistake would hang or exhaust the loader.
    std::error_code status_error;
    if (!std::filesystem::is_regular_file(path, status_error)) {
        fail_at(node, child_path(key), "secret file " + path + " is not a readable regular file");
    }
    auto size = std::filesystem::file_size(path, status_error);
    std::ifstream in(path, std::ios::binary);
    if (status_error || !in) {
        fail_at(node, child_path(key), "cannot read secret file " + path);
    }
    if (size > max_secret_file_bytes) {
        fail_at(node, child_path(key), "secret file " + path + " is larger than 64 KiB");
    }
    std::string secret(static_cast<std::size_t>(size), '\0');
    in.read(secret.data(), static_cast<std::streamsize>(size));
    secret.resize(static_cast<std::size_t>(in.gcount()));
    if (secret.ends_with("\r\n")) {
        secret.resize(secret.size() - 2);
    } else if (secret.ends_with('\n')) {
        secret.pop_back();
    }
    if (secret.empty()) {
        fail_at(node, child_path(key), "secret file " + path + " is empty");
    }
    return secret;
}

std::string Section::secret(std::string_view key) const {
    auto text = optional_secret(key);
    if (!text) {
        fail_at(node_, child_path(key), "is required");
    }
    return *text;
}

std::int64_t Section::integer(std::string_view key, std::int64_t minimum,
                              std::int64_t maximum) const {
    if (!has(key)) {
        fail_at(node_, child_path(key), "is required");
    }
    return integer(key, minimum, minimum, maximum);
}

std::int64_t Section::integer(std::string_view key, std::int64_t fallback, std::int64_t minimum,
                              std::int64_t maximum) const {
    auto text = optional_string(key);
    if (!text) {
        return fallback;
    }
    std::int64_t number = 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), number);
    if (error != std::errc() || end != text->data() + text->size()) {
        fail(key, "must be an integer (got \"" + *text + "\")");
    }
    if (number < minimum || number > maximum) {
        fail(key, "must be between " + std::to_string(minimum) + " and " + std::to_string(maximum) +
                      " (got " + *text + ")");
    }
    return number;
}

bool Section::boolean(std::string_view key, bool fallback) const {
    auto text = optional_string(key);
    if (!text) {
        return fallback;
    }
    if (*text == "true") {
        return true;
    }
    if (*text == "false") {
        return false;
    }
    fail(key, "must be true or false (got \"" + *text + "\")");
}

Duration Section::duration(std::string_view key, Duration fallback, Duration minimum,
                           Duration maximum) const {
    auto text = optional_string(key);
    if (!text) {
        return fallback;
    }
    bool ok = false;
    auto parsed = parse_duration(*text, &ok);
    if (!ok) {
        fail(key, "must be a duration such as 250ms, 10s, 5m, 2h or 30d (got \"" + *text + "\")");
    }
    if (parsed < minimum || parsed > maximum) {
        fail(key, "must be between " + std::to_string(minimum.count()) + "ms and " +
                      std::to_string(maximum.count()) + "ms (got " + *text + ")");
    }
    return parsed;
}

std::uint64_t Section::size(std::string_view key, std::uint64_t fallback, std::uint64_t minimum,
                            std::uint64_t maximum) const {
    auto text = optional_string(key);
    if (!text) {
        return fallback;
    }
    auto parsed = parse_size(*text);
    if (!parsed) {
        fail(key, "must be a size such as 8192, 64KiB or 1MiB (got \"" + *text + "\")");
    }
    if (*parsed < minimum || *parsed > maximum) {
        fail(key, "must be between " + std::to_string(minimum) + " and " + std::to_string(maximum) +
                      " bytes (got " + *text + ")");
    }
    return *parsed;
}

static Section root_section(const std::shared_ptr<const std::string>& file,
                            const YAML::Node& root) {
    if (root.IsNull() || !root.IsDefined()) {
        return Section(file, YAML::Node(YAML::NodeType::Map), "");
    }
    return Section(file, root, "");
}

Section load_yaml_text(const std::string& text, const std::string& file_name) {
    auto file = std::make_shared<const std::string>(file_name);
    try {
        return root_section(file, YAML::Load(text));
    } catch (const YAML::Exception& error) {
        throw ConfigError(format_location(file_name, error.mark, "") + ": " + error.msg);
    }
}

Section load_yaml_file(const std::string& file_name) {
    std::ifstream in(file_name, std::ios::binary);
    if (!in) {
        throw ConfigError(file_name + ": cannot open the configuration file");
    }
    std::stringstream content;
    content << in.rdbuf();
    return load_yaml_text(content.str(), file_name);
}

}  // namespace rampart::config
