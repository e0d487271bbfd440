#include "auth/password_policy.hpp"

#include "util/ascii.hpp"
#include "util/utf8.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <optional>
#include <stdexcept>

namespace rampart::auth {

namespace {

constexpr std::size_t smallest_allowed_minimum = 8;    // ASVS 6.2.1
constexpr std::size_t smallest_allowed_maximum = 64;   // ASVS 6.2.9
constexpr std::size_t largest_allowed_maximum = 256;   // × 4 bytes = the hasher's 1 KiB cap
constexpr std::size_t minimum_username_to_search = 4;  // "bob" is in too many passphrases
constexpr std::string_view comment_marker = "#!comment";

boost::system::result<void, PolicyViolation> refuse(std::string message) {
    return PolicyViolation{std::move(message)};
}

std::string ascii_lowered(std::string_view text) {
    std::string lowered(text);
    for (char& c : lowered) {
        c = util::ascii_lower(c);
    }
    return lowered;
}

void check_settings(const PasswordPolicySettings& settings) {
    if (settings.minimum_characters < smallest_allowed_minimum) {
        throw std::invalid_argument("password minimum length must be at least 8 characters");
    }
    if (settings.maximum_characters < smallest_allowed_maximum ||
        settings.maximum_characters > largest_allowed_maximum) {
        throw std::invalid_argument(
            "password maximum length must be between 64 and 256 characters");
    }
    if (settings.minimum_characters > settings.maximum_characters) {
        throw std::invalid_argument("password minimum length must not exceed the maximum length");
    }
}

std::unordered_set<std::string> load_common_passwords(const std::string& file) {
    std::ifstream stream(file, std::ios::binary);
    if (!stream) {
        throw std::runtime_error("cannot read the common-password list " + file + ": " +
                                 std::strerror(errno));
    }
    std::unordered_set<std::string> passwords;
    for (std::string line; std::getline(stream, line);) {
        if (!line.empty() && line.back() == '\r') {
            line.pop_back();
        }
        if (line.empty() || line.starts_with(comment_marker)) {
            continue;
        }
        passwords.insert(ascii_lowered(line));
    }
    if (stream.bad()) {
        throw std::runtime_error("cannot read the common-password list " + file);
    }
    if (passwords.empty()) {
        throw std::runtime_error("the common-password list " + file + " holds no password");
    }
    return passwords;
}

}  // namespace

PasswordPolicy::PasswordPolicy(PasswordPolicySettings settings) : settings_(std::move(settings)) {
    check_settings(settings_);
    common_passwords_ = load_common_passwords(settings_.common_passwords_file);
}

boost::system::result<void, PolicyViolation> PasswordPolicy::check(std::string_view password,
                                                                   std::string_view username,
                                                                   std::string_view email) const {
    // Four bytes per code point at most: a longer text cannot be within the
    // limit, and is refused before it is even scanned.
    if (password.size() > settings_.maximum_characters * 4) {
        return refuse("password must have at most " + std::to_string(settings_.maximum_characters) +
                      " characters");
    }
    auto characters = util::count_utf8_code_points(password);
    if (!characters) {
        return refuse("password must be valid UTF-8 text");
    }
    if (*characters < settings_.minimum_characters) {
        return refuse("password must have at least " +
                      std::to_string(settings_.minimum_characters) + " characters");
    }
    if (*characters > settings_.maximum_characters) {
        return refuse("password must have at most " + std::to_string(settings_.maximum_characters) +
                      " characters");
    }
    std::string lowered = ascii_lowered(password);
    if (common_passwords_.contains(lowered)) {
        return refuse("password is on a list of common passwords");
    }
    if ((!username.empty() && util::equals_ignoring_case(password, username)) ||
        (!email.empty() && util::equals_ignoring_case(password, email))) {
        return refuse("password must not be the username or email address");
    }
    auto username_characters = util::count_utf8_code_points(username);
    if (username_characters && *username_characters >= minimum_username_to_search &&
        lowered.find(ascii_lowered(username)) != std::string::npos) {
        return refuse("password must not contain the username");
    }
    return {};
}

}  // namespace rampart::auth
