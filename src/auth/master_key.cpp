#include "auth/master_key.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace rampart::auth {

namespace {

constexpr std::size_t key_bytes = 32;
constexpr std::size_t encoded_key_characters = 43;  // unpadded base64url of 32 bytes
constexpr std::size_t largest_key_file = 256;       // anything longer is not a key
constexpr std::uint8_t format_version = 1;
constexpr std::size_t nonce_bytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t tag_bytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
constexpr std::size_t header_bytes = 1 + nonce_bytes;
constexpr std::uint64_t sealing_subkey_id = 1;
constexpr char kdf_context[crypto_kdf_CONTEXTBYTES + 1] = "rampartm";
constexpr std::string_view fingerprint_label = "rampart master key fingerprint v1";
constexpr const char* generate_hint =
    " (generate one with: head -c 32 /dev/urandom | basenc --base64url | tr -d =)";

static_assert(key_bytes == crypto_aead_xchacha20poly1305_ietf_KEYBYTES);
static_assert(key_bytes == crypto_kdf_KEYBYTES);

void require_sodium() {
    if (sodium_init() < 0) {
        throw MasterKeyError("libsodium could not be initialised");
    }
}

std::string system_error_text() {
    return std::strerror(errno);
}

class FileDescriptor {
  public:
    explicit FileDescriptor(int descriptor) : descriptor_(descriptor) {}
    ~FileDescriptor() {
        if (descriptor_ >= 0) {
            ::close(descriptor_);
        }
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return descriptor_; }

  private:
    int descriptor_;
};

// A key-sized buffer in locked, guarded memory, wiped when it goes.
class LockedKeyBuffer {
  public:
    LockedKeyBuffer() : bytes_(static_cast<unsigned char*>(sodium_malloc(key_bytes))) {
        if (bytes_ == nullptr) {
            throw MasterKeyError("cannot allocate locked memory for the master key");
        }
    }
    ~LockedKeyBuffer() { sodium_free(bytes_); }
    LockedKeyBuffer(const LockedKeyBuffer&) = delete;
    LockedKeyBuffer& operator=(const LockedKeyBuffer&) = delete;
    unsigned char* get() const { return bytes_; }

  private:
    unsigned char* bytes_;
};

// Text read from a key file, wiped when it goes.
struct KeyFileText {
    std::array<char, largest_key_file + 1> characters{};
    std::size_t size = 0;
    ~KeyFileText() { sodium_memzero(characters.data(), characters.size()); }
    std::string_view view() const { return {characters.data(), size}; }
};

void read_key_file(int descriptor, const std::string& path, KeyFileText& text) {
    struct stat status {};
    if (::fstat(descriptor, &status) != 0) {
        throw MasterKeyError("cannot inspect the master key file " + path + ": " +
                             system_error_text());
    }
    if (!S_ISREG(status.st_mode)) {
        throw MasterKeyError("the master key file " + path + " is not a regular file");
    }
    if ((status.st_mode & 077) != 0) {
        throw MasterKeyError("the master key file " + path +
                             " is accessible to group or others; allow its owner only "
                             "(chmod 600 " +
                             path + ")");
    }
    while (text.size < text.characters.size()) {
        ssize_t count = ::read(descriptor, text.characters.data() + text.size,
                               text.characters.size() - text.size);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            throw MasterKeyError("cannot read the master key file " + path + ": " +
                                 system_error_text());
        }
        if (count == 0) {
            break;
        }
        text.size += static_cast<std::size_t>(count);
    }
}

void write_all(int descriptor, std::string_view text) {
    while (!text.empty()) {
        ssize_t count = ::write(descriptor, text.data(), text.size());
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            throw MasterKeyError(system_error_text());
        }
        text.remove_prefix(static_cast<std::size_t>(count));
    }
}

void sync_directory(const std::filesystem::path& directory) {
    FileDescriptor descriptor(::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (descriptor.get() >= 0) {
        ::fsync(descriptor.get());
    }
}

// Writes a new random key to `path` (which must not exist yet), then returns
// it. False when another process created the file first.
bool create_key_file(const std::string& path, LockedKeyBuffer& key) {
    FileDescriptor descriptor(
        ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (descriptor.get() < 0) {
        if (errno == EEXIST) {
            return false;
        }
        throw MasterKeyError("cannot create the master key file " + path + ": " +
                             system_error_text());
    }
    randombytes_buf(key.get(), key_bytes);
    KeyFileText text;
    constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    sodium_bin2base64(text.characters.data(), text.characters.size(), key.get(), key_bytes,
                      variant);
    text.size = encoded_key_characters;
    text.characters[text.size++] = '\n';
    try {
        // The umask can only narrow 0600; fchmod makes it exactly 0600.
        if (::fchmod(descriptor.get(), 0600) != 0) {
            throw MasterKeyError(system_error_text());
        }
        write_all(descriptor.get(), text.view());
        if (::fsync(descriptor.get()) != 0) {
            throw MasterKeyError(system_error_text());
        }
    } catch (const MasterKeyError& error) {
        ::unlink(path.c_str());  // a half-written key must not be found at the next start
        throw MasterKeyError("cannot write the master key file " + path + ": " + error.what());
    }
    return true;
}

std::string_view without_trailing_newline(std::string_view text) {
    if (text.ends_with("\r\n")) {
        text.remove_suffix(2);
    } else if (text.ends_with('\n')) {
        text.remove_suffix(1);
    }
    return text;
}

bool decode_key(std::string_view encoded, unsigned char* key) {
    encoded = without_trailing_newline(encoded);
    if (encoded.size() != encoded_key_characters) {
        return false;
    }
    std::size_t decoded_size = 0;
    const char* end = nullptr;
    int status = sodium_base642bin(key, key_bytes, encoded.data(), encoded.size(), nullptr,
                                   &decoded_size, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    return status == 0 && decoded_size == key_bytes && end == encoded.data() + encoded.size();
}

std::string associated_data_with_version(std::uint8_t version, std::string_view associated_data) {
    std::string combined;
    combined.reserve(1 + associated_data.size());
    combined.push_back(static_cast<char>(version));
    combined.append(associated_data);
    return combined;
}

}  // namespace

SecretBytes& SecretBytes::operator=(SecretBytes&& other) noexcept {
    if (this != &other) {
        wipe();
        bytes_ = std::move(other.bytes_);
    }
    return *this;
}

SecretBytes::~SecretBytes() {
    wipe();
}

void SecretBytes::wipe() {
    if (!bytes_.empty()) {
        sodium_memzero(bytes_.data(), bytes_.size());
    }
}

void SecretBytes::resize_down(std::size_t size) {
    if (size < bytes_.size()) {
        sodium_memzero(bytes_.data() + size, bytes_.size() - size);
        bytes_.resize(size);
    }
}

std::string_view describe(UnsealError error) {
    switch (error) {
        case UnsealError::malformed:
            return "the sealed data is too short";
        case UnsealError::unknown_version:
            return "the sealed data has an unknown format version";
        case UnsealError::authentication_failed:
            return "the sealed data does not open with this master key (wrong key or altered data)";
    }
    return "the sealed data cannot be opened";
}

void MasterKey::SecureFree::operator()(unsigned char* bytes) const {
    sodium_free(bytes);
}

MasterKey::MasterKey(const unsigned char* master_key_bytes)
    : sealing_key_(static_cast<unsigned char*>(sodium_malloc(key_bytes))) {
    if (!sealing_key_) {
        throw MasterKeyError("cannot allocate locked memory for the master key");
    }
    crypto_kdf_derive_from_key(sealing_key_.get(), key_bytes, sealing_subkey_id, kdf_context,
                               master_key_bytes);
    sodium_mprotect_readonly(sealing_key_.get());
    std::array<unsigned char, 32> digest;
    crypto_generichash(digest.data(), digest.size(),
                       reinterpret_cast<const unsigned char*>(fingerprint_label.data()),
                       fingerprint_label.size(), master_key_bytes, key_bytes);
    fingerprint_.resize(digest.size() * 2 + 1);
    sodium_bin2hex(fingerprint_.data(), fingerprint_.size(), digest.data(), digest.size());
    fingerprint_.pop_back();
}

MasterKey MasterKey::from_encoded(std::string_view encoded, const std::string& origin) {
    require_sodium();
    LockedKeyBuffer key;
    if (!decode_key(encoded, key.get())) {
        throw MasterKeyError(origin + " must hold 32 bytes as unpadded base64url (43 characters)" +
                             generate_hint);
    }
    return MasterKey(key.get());
}

MasterKey MasterKey::load_from_environment(std::string_view variable) {
    std::string name(variable);
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') {
        throw MasterKeyError("the environment variable " + name +
                             " that should hold the master key is not set" + generate_hint);
    }
    return from_encoded(value, "the environment variable " + name);
}

MasterKey MasterKey::load_from_file(const std::filesystem::path& path) {
    std::string name = path.string();
    FileDescriptor descriptor(::open(name.c_str(), O_RDONLY | O_CLOEXEC));
    if (descriptor.get() < 0) {
        throw MasterKeyError("cannot open the master key file " + name + ": " +
                             system_error_text());
    }
    KeyFileText text;
    read_key_file(descriptor.get(), name, text);
    return from_encoded(text.view(), "the master key file " + name);
}

MasterKey MasterKey::load_or_create(const std::filesystem::path& data_directory) {
    require_sodium();
    std::string path = (data_directory / master_key_file_name).string();
    // Twice at most: when another process creates the file between our open
    // and our create, the second round reads what it wrote.
    for (int round = 0; round < 2; ++round) {
        FileDescriptor descriptor(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
        if (descriptor.get() >= 0) {
            KeyFileText text;
            read_key_file(descriptor.get(), path, text);
            return from_encoded(text.view(), "the master key file " + path);
        }
        if (errno == ELOOP) {
            throw MasterKeyError("the master key file " + path + " is a symbolic link");
        }
        if (errno != ENOENT) {
            throw MasterKeyError("cannot open the master key file " + path + ": " +
                                 system_error_text());
        }
        std::error_code error;
        if (!std::filesystem::is_directory(data_directory, error)) {
            throw MasterKeyError("the data directory " + data_directory.string() +
                                 " does not exist");
        }
        LockedKeyBuffer key;
        if (create_key_file(path, key)) {
            sync_directory(data_directory);
            return MasterKey(key.get());
        }
    }
    throw MasterKeyError("the master key file " + path + " keeps appearing and disappearing");
}

std::vector<std::uint8_t> MasterKey::seal(std::span<const std::uint8_t> plaintext,
                                          std::string_view associated_data) const {
    std::vector<std::uint8_t> sealed(header_bytes + plaintext.size() + tag_bytes);
    sealed[0] = format_version;
    randombytes_buf(sealed.data() + 1, nonce_bytes);
    std::string authenticated = associated_data_with_version(format_version, associated_data);
    static const unsigned char nothing = 0;
    unsigned long long sealed_size = 0;
    crypto_aead_xchacha20poly1305_ietf_encrypt(
        sealed.data() + header_bytes, &sealed_size, plaintext.empty() ? &nothing : plaintext.data(),
        plaintext.size(), reinterpret_cast<const unsigned char*>(authenticated.data()),
        authenticated.size(), nullptr, sealed.data() + 1, sealing_key_.get());
    return sealed;
}

std::vector<std::uint8_t> MasterKey::seal(std::string_view plaintext,
                                          std::string_view associated_data) const {
    return seal(std::span<const std::uint8_t>(
                    reinterpret_cast<const std::uint8_t*>(plaintext.data()), plaintext.size()),
                associated_data);
}

boost::system::result<SecretBytes, UnsealError> MasterKey::open(
    std::span<const std::uint8_t> sealed, std::string_view associated_data) const {
    if (sealed.size() < header_bytes + tag_bytes) {
        return UnsealError::malformed;
    }
    std::uint8_t version = sealed[0];
    if (version != format_version) {
        return UnsealError::unknown_version;
    }
    std::size_t plaintext_size = sealed.size() - header_bytes - tag_bytes;
    SecretBytes plaintext(plaintext_size == 0 ? 1 : plaintext_size);
    std::string authenticated = associated_data_with_version(version, associated_data);
    unsigned long long opened_size = 0;
    if (crypto_aead_xchacha20poly1305_ietf_decrypt(
            plaintext.data(), &opened_size, nullptr, sealed.data() + header_bytes,
            sealed.size() - header_bytes,
            reinterpret_cast<const unsigned char*>(authenticated.data()), authenticated.size(),
            sealed.data() + 1, sealing_key_.get()) != 0) {
        return UnsealError::authentication_failed;
    }
    plaintext.resize_down(static_cast<std::size_t>(opened_size));
    return plaintext;
}

}  // namespace rampart::auth
