// What a new password must be (ASVS 6.2; NIST SP 800-63B §3.1.1.2): long
// enough, not on a list of common passwords, not the user's own name or
// email. No composition rules: spaces and any Unicode are welcome, and a long
// passphrase is the best password there is. Lengths count Unicode code points
// of well-formed UTF-8; the password is never truncated or case-folded.
//
// Loading the common-password list happens once, at start: a missing or
// unreadable file throws (naming the path). check() does no I/O.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_set>

namespace rampart::auth {

// Debian's john-data: 3,500 passwords most seen in real breaches.
inline constexpr std::string_view default_common_passwords_file = "/usr/share/john/password.lst";

struct PasswordPolicySettings {
    std::size_t minimum_characters = 12;   // at least 8 (ASVS 6.2.1)
    std::size_t maximum_characters = 128;  // 64 to 256: 256 four-byte characters fill the 1 KiB cap
    std::string common_passwords_file = std::string(default_common_passwords_file);
};

// Why a password was refused, in words fit to show the user who chose it. It
// never quotes the password.
struct PolicyViolation {
    std::string message;
};

class PasswordPolicy {
  public:
    // Throws std::invalid_argument for settings out of range and
    // std::runtime_error, naming the file, when the list cannot be read. The
    // list has one password a line; lines starting "#!comment" are skipped.
    explicit PasswordPolicy(PasswordPolicySettings settings = {});

    // `username` and `email` may be empty when the account has none.
    boost::system::result<void, PolicyViolation> check(std::string_view password,
                                                       std::string_view username,
                                                       std::string_view email) const;

    std::size_t common_password_count() const { return common_passwords_.size(); }
    const PasswordPolicySettings& settings() const { return settings_; }

  private:
    PasswordPolicySettings settings_;
    std::unordered_set<std::string> common_passwords_;  // ASCII letters lower-cased
};

}  // namespace rampart::auth
