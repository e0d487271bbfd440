// The master key seals private signing keys at rest (KEY-06): 32 random
// bytes, given as unpadded base64url (43 characters) in an environment
// variable or a file, or created once in the data directory for the embedded
// default. A key that is missing, malformed or readable by others is a start
// failure naming where it looked; the key's bytes never appear in a message.
//
// seal() is XChaCha20-Poly1305 (libsodium, a random 192-bit nonce per
// message) with a subkey derived from the master key (crypto_kdf), so the
// master key itself touches no cipher. Sealed bytes read
//   version (1 byte) | nonce (24 bytes) | ciphertext and tag
// and the version byte is authenticated with the caller's associated data.
// Bind what a blob belongs to (e.g. the key id) as associated data, so a
// blob swapped between rows fails to open.
//
// fingerprint() identifies the key without revealing it. Store it beside the
// sealed keys and compare at start: a different master key must stop the
// process with a clear error, never lead to keys being silently regenerated.
// load_or_create() makes a new key when the file is missing, so a store that
// already holds a fingerprint needs that check.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::auth {

inline constexpr std::string_view default_master_key_variable = "RAMPART_MASTER_KEY";
inline constexpr std::string_view master_key_file_name = "master.key";

class MasterKeyError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Bytes that are wiped when destroyed: what open() returns is a private key.
class SecretBytes {
  public:
    SecretBytes() = default;
    explicit SecretBytes(std::size_t size) : bytes_(size) {}
    SecretBytes(SecretBytes&& other) noexcept = default;
    SecretBytes& operator=(SecretBytes&& other) noexcept;
    SecretBytes(const SecretBytes&) = delete;
    SecretBytes& operator=(const SecretBytes&) = delete;
    ~SecretBytes();

    unsigned char* data() { return bytes_.data(); }
    const unsigned char* data() const { return bytes_.data(); }
    std::size_t size() const { return bytes_.size(); }
    std::span<const unsigned char> bytes() const { return bytes_; }
    std::string_view view() const {
        return {reinterpret_cast<const char*>(bytes_.data()), bytes_.size()};
    }
    void resize_down(std::size_t size);  // never reallocates, so no copy is left behind

  private:
    void wipe();
    std::vector<unsigned char> bytes_;
};

enum class UnsealError {
    malformed,             // too short to hold a version, nonce and tag
    unknown_version,       // sealed by a newer format
    authentication_failed  // another master key, other associated data, or altered bytes
};

std::string_view describe(UnsealError error);

class MasterKey {
  public:
    // Base64url of 32 bytes in the environment variable `variable`.
    static MasterKey load_from_environment(std::string_view variable = default_master_key_variable);
    // A file holding base64url of 32 bytes (one trailing newline allowed). The
    // file must have no group or other permissions (chmod 600 / 400).
    static MasterKey load_from_file(const std::filesystem::path& path);
    // <data_directory>/master.key: read if present (same rules as
    // load_from_file, and no symbolic link), else created with mode 0600. The
    // directory must exist.
    static MasterKey load_or_create(const std::filesystem::path& data_directory);

    MasterKey(MasterKey&&) noexcept = default;
    MasterKey& operator=(MasterKey&&) noexcept = default;
    MasterKey(const MasterKey&) = delete;
    MasterKey& operator=(const MasterKey&) = delete;
    ~MasterKey() = default;

    std::vector<std::uint8_t> seal(std::span<const std::uint8_t> plaintext,
                                   std::string_view associated_data) const;
    std::vector<std::uint8_t> seal(std::string_view plaintext,
                                   std::string_view associated_data) const;
    boost::system::result<SecretBytes, UnsealError> open(std::span<const std::uint8_t> sealed,
                                                         std::string_view associated_data) const;

    // Hex of keyed BLAKE2b-256 over a fixed label: the same for the same key.
    const std::string& fingerprint() const { return fingerprint_; }

  private:
    struct SecureFree {
        void operator()(unsigned char* bytes) const;
    };
    using SecureBytes = std::unique_ptr<unsigned char, SecureFree>;

    // `encoded` is the base64url text; `origin` says where it came from for
    // error messages ("environment variable X", "file /p").
    static MasterKey from_encoded(std::string_view encoded, const std::string& origin);
    explicit MasterKey(const unsigned char* master_key_bytes);

    SecureBytes sealing_key_;  // sodium_malloc'd, locked, read-only, wiped on free
    std::string fingerprint_;
};

}  // namespace rampart::auth
