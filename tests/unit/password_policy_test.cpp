#include <gtest/gtest.h>

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "auth/password_policy.hpp"

namespace {

namespace fs = std::filesystem;
using rampart::auth::PasswordPolicy;
using rampart::auth::PasswordPolicySettings;

// The installed list (Debian's john-data), as in production.
const PasswordPolicy& policy() {
    static const PasswordPolicy installed;
    return installed;
}

std::string refusal(const PasswordPolicy& checker, std::string_view password,
                    std::string_view username = "alice",
                    std::string_view email = "alice@example.org") {
    auto checked = checker.check(password, username, email);
    return checked ? std::string() : checked.error().message;
}

std::string repeat(std::string_view text, std::size_t times) {
    std::string repeated;
    for (std::size_t i = 0; i < times; ++i) {
        repeated += text;
    }
    return repeated;
}

class TemporaryDirectory {
  public:
    TemporaryDirectory() {
        std::string pattern = (fs::temp_directory_path() / "rampart-policy-test-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TemporaryDirectory() { fs::remove_all(path_); }
    std::string write(const std::string& name, const std::string& content) const {
        std::string file = (path_ / name).string();
        std::ofstream(file) << content;
        return file;
    }

  private:
    fs::path path_;
};

TEST(PasswordPolicy, LoadsTheInstalledList) {
    // john-data's list holds about 3,500 entries (PWD-05 wants the top 3,000).
    EXPECT_GT(policy().common_password_count(), 3000u);
}

TEST(PasswordPolicy, AcceptsALongPassphraseWithSpaces) {
    std::string passphrase = "the quick brown fox jumps over the lazy dog near the riverbank..";
    ASSERT_EQ(passphrase.size(), 64u);
    EXPECT_EQ(refusal(policy(), passphrase), "");
}

TEST(PasswordPolicy, AcceptsAnyUnicodeWithoutCompositionRules) {
    EXPECT_EQ(refusal(policy(), "всё будет хорошо"), "");
    EXPECT_EQ(refusal(policy(), "🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀"),
              "");  // 12 code points, 48 bytes
    EXPECT_EQ(refusal(policy(), "alllowercaseletters"), "");
}

TEST(PasswordPolicy, RefusesShortPasswords) {
    EXPECT_EQ(refusal(policy(), "Password1"), "password must have at least 12 characters");
    EXPECT_EQ(refusal(policy(), "123456789"), "password must have at least 12 characters");
    // 11 code points but 22 bytes: the count is of characters, not bytes.
    EXPECT_EQ(refusal(policy(), "ééééééééééé"), "password must have at least 12 characters");
}

TEST(PasswordPolicy, RefusesCommonPasswordsWhateverTheirCase) {
    // "winniethepooh" is in john-data's password.lst and long enough to pass the length check.
    EXPECT_EQ(refusal(policy(), "winniethepooh"), "password is on a list of common passwords");
    EXPECT_EQ(refusal(policy(), "WinnieThePooh"), "password is on a list of common passwords");
    // With the ASVS minimum of 8, the short classics are caught by the list instead.
    PasswordPolicy eight(PasswordPolicySettings{.minimum_characters = 8});
    EXPECT_EQ(refusal(eight, "Password1"), "password is on a list of common passwords");
    EXPECT_EQ(refusal(eight, "123456789"), "password is on a list of common passwords");
    EXPECT_EQ(refusal(eight, "Password1 but longer"), "");
}

TEST(PasswordPolicy, RefusesTheUsernameAndEmail) {
    EXPECT_EQ(refusal(policy(), "Alice.Liddell", "alice.liddell", "a@example.org"),
              "password must not be the username or email address");
    EXPECT_EQ(refusal(policy(), "ALICE@EXAMPLE.ORG", "alice", "alice@example.org"),
              "password must not be the username or email address");
    EXPECT_EQ(refusal(policy(), "my name is AliceLiddell!", "aliceliddell", ""),
              "password must not contain the username");
    // A username under 4 characters is refused only as the whole password.
    EXPECT_EQ(refusal(policy(), "bob likes long passwords", "bob", ""), "");
    EXPECT_EQ(refusal(policy(), "no account name given", "", ""), "");
}

TEST(PasswordPolicy, RefusesInvalidUtf8) {
    EXPECT_EQ(refusal(policy(), "valid prefix \xff then junk"),
              "password must be valid UTF-8 text");
    EXPECT_EQ(refusal(policy(), "overlong slash \xc0\xaf here"),
              "password must be valid UTF-8 text");
    EXPECT_EQ(refusal(policy(), "surrogate \xed\xa0\x80 inside"),
              "password must be valid UTF-8 text");
    EXPECT_EQ(refusal(policy(), "truncated at the end \xe2\x82"),
              "password must be valid UTF-8 text");
}

TEST(PasswordPolicy, CountsCodePointsForTheMaximum) {
    std::string euro_128 = repeat("€", 128);  // 3 bytes each: 384 bytes
    EXPECT_EQ(refusal(policy(), euro_128), "");
    EXPECT_EQ(refusal(policy(), euro_128 + "€"), "password must have at most 128 characters");
    EXPECT_EQ(refusal(policy(), repeat("x", 129)), "password must have at most 128 characters");
    EXPECT_EQ(refusal(policy(), std::string(1024 * 1024, 'x')),
              "password must have at most 128 characters");
}

TEST(PasswordPolicy, SkipsCommentLinesOfTheList) {
    TemporaryDirectory directory;
    std::string list = directory.write(
        "list.txt", "#!comment: a comment that is long enough\nsixteen characters\r\n\n");
    PasswordPolicy custom(PasswordPolicySettings{.common_passwords_file = list});
    EXPECT_EQ(custom.common_password_count(), 1u);
    EXPECT_EQ(refusal(custom, "#!comment: a comment that is long enough"), "");
    EXPECT_EQ(refusal(custom, "Sixteen Characters"), "password is on a list of common passwords");
}

TEST(PasswordPolicy, MissingListIsALoadErrorNamingThePath) {
    try {
        PasswordPolicy missing(
            PasswordPolicySettings{.common_passwords_file = "/nonexistent/list.txt"});
        FAIL() << "a missing list must not load";
    } catch (const std::runtime_error& error) {
        EXPECT_NE(std::string(error.what()).find("/nonexistent/list.txt"), std::string::npos)
            << error.what();
    }
}

TEST(PasswordPolicy, RefusesSettingsOutOfRange) {
    EXPECT_THROW(PasswordPolicy(PasswordPolicySettings{.minimum_characters = 6}),
                 std::invalid_argument);
    EXPECT_THROW(PasswordPolicy(PasswordPolicySettings{.maximum_characters = 32}),
                 std::invalid_argument);
    EXPECT_THROW(PasswordPolicy(PasswordPolicySettings{.maximum_characters = 1000}),
                 std::invalid_argument);
    EXPECT_THROW(
        PasswordPolicy(PasswordPolicySettings{.minimum_characters = 100, .maximum_characters = 64}),
        std::invalid_argument);
}

}  // namespace
