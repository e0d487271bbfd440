#include <gtest/gtest.h>

#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "auth/master_key.hpp"

namespace {

namespace fs = std::filesystem;
using rampart::auth::MasterKey;
using rampart::auth::MasterKeyError;
using rampart::auth::UnsealError;

class TemporaryDirectory {
  public:
    TemporaryDirectory() {
        std::string pattern = (fs::temp_directory_path() / "rampart-master-key-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TemporaryDirectory() { fs::remove_all(path_); }
    const fs::path& path() const { return path_; }
    fs::path key_file() const { return path_ / "master.key"; }
    void write_key_file(const std::string& content, fs::perms mode) const {
        std::ofstream(key_file()) << content;
        fs::permissions(key_file(), mode);
    }

  private:
    fs::path path_;
};

unsigned file_mode(const fs::path& path) {
    struct stat status {};
    ::stat(path.c_str(), &status);
    return status.st_mode & 07777;
}

// The message of the MasterKeyError that `load` throws, or "" if it does not.
template <typename Load>
std::string load_error(Load&& load) {
    try {
        load();
    } catch (const MasterKeyError& error) {
        return error.what();
    }
    return "";
}

constexpr std::string_view private_key = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI...\n";
constexpr std::string_view key_id = "kid:2026-11-25:ed25519";

TEST(MasterKey, CreatesKeyFileWithMode0600AndReloadsTheSameKey) {
    TemporaryDirectory directory;
    MasterKey created = MasterKey::load_or_create(directory.path());
    ASSERT_TRUE(fs::exists(directory.key_file()));
    EXPECT_EQ(file_mode(directory.key_file()), 0600u);
    EXPECT_EQ(fs::file_size(directory.key_file()), 44u);  // 43 base64url characters and "\n"
    EXPECT_EQ(created.fingerprint().size(), 64u);

    MasterKey reloaded = MasterKey::load_or_create(directory.path());
    EXPECT_EQ(reloaded.fingerprint(), created.fingerprint());
    auto sealed = created.seal(private_key, key_id);
    auto opened = reloaded.open(sealed, key_id);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->view(), private_key);
}

TEST(MasterKey, SealedBytesHideThePlaintextAndDifferEachTime) {
    TemporaryDirectory directory;
    MasterKey key = MasterKey::load_or_create(directory.path());
    auto first = key.seal(private_key, key_id);
    auto second = key.seal(private_key, key_id);
    EXPECT_NE(first, second);  // fresh random nonce
    EXPECT_EQ(first.size(), 1 + 24 + private_key.size() + 16);
    EXPECT_EQ(first[0], 1);  // format version
    std::string as_text(first.begin(), first.end());
    EXPECT_EQ(as_text.find("PRIVATE KEY"), std::string::npos);
}

TEST(MasterKey, RoundTripsEmptyAndBinaryPlaintext) {
    TemporaryDirectory directory;
    MasterKey key = MasterKey::load_or_create(directory.path());
    auto empty = key.open(key.seal(std::string_view(), ""), "");
    ASSERT_TRUE(empty);
    EXPECT_EQ(empty->size(), 0u);
    std::vector<std::uint8_t> binary{0, 1, 2, 0xff, 0, 0x80};
    auto opened = key.open(key.seal(binary, "ad"), "ad");
    ASSERT_TRUE(opened);
    EXPECT_EQ(std::vector<std::uint8_t>(opened->bytes().begin(), opened->bytes().end()), binary);
}

TEST(MasterKey, AnotherKeyCannotOpen) {
    TemporaryDirectory first_directory;
    TemporaryDirectory second_directory;
    MasterKey first = MasterKey::load_or_create(first_directory.path());
    MasterKey second = MasterKey::load_or_create(second_directory.path());
    EXPECT_NE(first.fingerprint(), second.fingerprint());
    auto opened = second.open(first.seal(private_key, key_id), key_id);
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error(), UnsealError::authentication_failed);
}

TEST(MasterKey, EveryTamperedByteIsDetected) {
    TemporaryDirectory directory;
    MasterKey key = MasterKey::load_or_create(directory.path());
    auto sealed = key.seal(private_key, key_id);
    for (std::size_t i = 0; i < sealed.size(); ++i) {
        auto tampered = sealed;
        tampered[i] ^= 0x01;
        auto opened = key.open(tampered, key_id);
        ASSERT_FALSE(opened) << "byte " << i;
        EXPECT_EQ(opened.error(),
                  i == 0 ? UnsealError::unknown_version : UnsealError::authentication_failed);
    }
    auto truncated = sealed;
    truncated.pop_back();
    EXPECT_FALSE(key.open(truncated, key_id));
    EXPECT_EQ(key.open(std::vector<std::uint8_t>(40, 1), key_id).error(), UnsealError::malformed);
}

TEST(MasterKey, WrongAssociatedDataFails) {
    TemporaryDirectory directory;
    MasterKey key = MasterKey::load_or_create(directory.path());
    auto sealed = key.seal(private_key, key_id);
    EXPECT_FALSE(key.open(sealed, "kid:another"));
    EXPECT_FALSE(key.open(sealed, ""));
    EXPECT_TRUE(key.open(sealed, key_id));
}

TEST(MasterKey, RefusesAKeyFileOthersCanRead) {
    TemporaryDirectory directory;
    MasterKey::load_or_create(directory.path());
    fs::permissions(directory.key_file(), fs::perms(0644));
    std::string error = load_error([&] { MasterKey::load_or_create(directory.path()); });
    EXPECT_NE(error.find(directory.key_file().string()), std::string::npos) << error;
    EXPECT_NE(error.find("group or others"), std::string::npos) << error;
    EXPECT_NE(load_error([&] { MasterKey::load_from_file(directory.key_file()); }), "");
    // The file is left alone: refusing never means regenerating.
    EXPECT_EQ(file_mode(directory.key_file()), 0644u);
}

TEST(MasterKey, RefusesAKeyOfTheWrongLength) {
    TemporaryDirectory directory;
    directory.write_key_file("c2hvcnQ\n", fs::perms(0600));
    std::string error = load_error([&] { MasterKey::load_or_create(directory.path()); });
    EXPECT_NE(error.find(directory.key_file().string()), std::string::npos) << error;
    EXPECT_NE(error.find("32 bytes"), std::string::npos) << error;
    EXPECT_EQ(fs::file_size(directory.key_file()), 8u);  // not overwritten

    directory.write_key_file(std::string(44, 'A'), fs::perms(0600));  // 33 bytes' worth
    EXPECT_NE(load_error([&] { MasterKey::load_or_create(directory.path()); }), "");
    directory.write_key_file(std::string(42, 'A') + "!", fs::perms(0600));  // not base64url
    EXPECT_NE(load_error([&] { MasterKey::load_or_create(directory.path()); }), "");
}

TEST(MasterKey, RefusesASymbolicLinkAsTheKeyFile) {
    TemporaryDirectory directory;
    TemporaryDirectory elsewhere;
    MasterKey::load_or_create(elsewhere.path());
    fs::create_symlink(elsewhere.key_file(), directory.key_file());
    EXPECT_NE(
        load_error([&] { MasterKey::load_or_create(directory.path()); }).find("symbolic link"),
        std::string::npos);
}

TEST(MasterKey, RefusesAMissingDataDirectory) {
    TemporaryDirectory directory;
    auto missing = directory.path() / "not-there";
    std::string error = load_error([&] { MasterKey::load_or_create(missing); });
    EXPECT_NE(error.find(missing.string()), std::string::npos) << error;
    EXPECT_FALSE(fs::exists(missing));
}

TEST(MasterKey, LoadsFromTheEnvironmentAndFromAFile) {
    TemporaryDirectory directory;
    MasterKey created = MasterKey::load_or_create(directory.path());
    std::string encoded;
    std::getline(std::ifstream(directory.key_file()), encoded);

    ::setenv("RAMPART_TEST_MASTER_KEY", encoded.c_str(), 1);
    MasterKey from_environment = MasterKey::load_from_environment("RAMPART_TEST_MASTER_KEY");
    EXPECT_EQ(from_environment.fingerprint(), created.fingerprint());
    MasterKey from_file = MasterKey::load_from_file(directory.key_file());
    EXPECT_EQ(from_file.fingerprint(), created.fingerprint());
    auto opened = from_environment.open(from_file.seal(private_key, key_id), key_id);
    ASSERT_TRUE(opened);
    EXPECT_EQ(opened->view(), private_key);

    ::setenv("RAMPART_TEST_MASTER_KEY", "too-short-to-be-a-key", 1);
    std::string error =
        load_error([] { MasterKey::load_from_environment("RAMPART_TEST_MASTER_KEY"); });
    EXPECT_NE(error.find("RAMPART_TEST_MASTER_KEY"), std::string::npos) << error;
    EXPECT_EQ(error.find("too-short-to-be-a-key"), std::string::npos)
        << "the value leaked: " << error;
    ::unsetenv("RAMPART_TEST_MASTER_KEY");
    EXPECT_NE(load_error([] { MasterKey::load_from_environment("RAMPART_TEST_MASTER_KEY"); }), "");
}

TEST(MasterKey, ErrorsNeverQuoteTheKey) {
    TemporaryDirectory directory;
    std::string almost_a_key(42, 'Q');  // one character short
    directory.write_key_file(almost_a_key, fs::perms(0600));
    std::string error = load_error([&] { MasterKey::load_from_file(directory.key_file()); });
    EXPECT_NE(error, "");
    EXPECT_EQ(error.find(almost_a_key), std::string::npos) << error;
}

}  // namespace
