#include "auth/secret_token.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace rampart::auth {

namespace {

constexpr std::size_t minimum_token_bytes = 16;

void require_sodium() {
    static const bool initialized = sodium_init() >= 0;
    if (!initialized) {
        throw std::runtime_error("libsodium could not be initialised");
    }
}

bool is_base64url_character(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_';
}

bool is_key_id_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

bool is_base64url(std::string_view text) {
    return std::all_of(text.begin(), text.end(), is_base64url_character);
}

std::string random_key_id() {
    static constexpr std::string_view alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string id(api_key_id_length, '\0');
    for (char& c : id) {
        // randombytes_uniform has no modulo bias.
        c = alphabet[randombytes_uniform(static_cast<std::uint32_t>(alphabet.size()))];
    }
    return id;
}

}  // namespace

std::string random_token(std::size_t bytes) {
    if (bytes < minimum_token_bytes) {
        throw std::invalid_argument("a random token needs at least 16 bytes");
    }
    require_sodium();
    std::vector<unsigned char> random(bytes);
    randombytes_buf(random.data(), random.size());
    constexpr int variant = sodium_base64_VARIANT_URLSAFE_NO_PADDING;
    std::string encoded(sodium_base64_ENCODED_LEN(bytes, variant), '\0');
    sodium_bin2base64(encoded.data(), encoded.size(), random.data(), random.size(), variant);
    encoded.resize(encoded.size() - 1);  // the terminating NUL
    sodium_memzero(random.data(), random.size());
    return encoded;
}

std::string sha256_hex(std::string_view secret) {
    std::array<unsigned char, crypto_hash_sha256_BYTES> digest;
    crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(secret.data()),
                       secret.size());
    std::string hex(digest.size() * 2 + 1, '\0');
    sodium_bin2hex(hex.data(), hex.size(), digest.data(), digest.size());
    hex.pop_back();
    return hex;
}

void wipe_secret(std::string& secret) {
    sodium_memzero(secret.data(), secret.size());
    secret.clear();
}

bool constant_time_equals(std::string_view left, std::string_view right) {
    if (left.size() != right.size()) {
        return false;
    }
    return sodium_memcmp(left.data(), right.data(), left.size()) == 0;
}

bool secret_matches_hash(std::string_view secret, std::string_view stored_hash) {
    return constant_time_equals(sha256_hex(secret), stored_hash);
}

ApiKey make_api_key() {
    require_sodium();
    ApiKey key;
    key.id = random_key_id();
    key.display_prefix = std::string(api_key_prefix) + key.id;
    std::string secret = random_token(32);
    key.secret_hash = sha256_hex(secret);
    key.full_key = key.display_prefix + "_" + secret;
    sodium_memzero(secret.data(), secret.size());
    return key;
}

boost::system::result<ParsedApiKey, CredentialFormatError> parse_api_key(std::string_view text) {
    if (text.size() != api_key_length || !text.starts_with(api_key_prefix)) {
        return CredentialFormatError::malformed;
    }
    std::string_view id = text.substr(api_key_prefix.size(), api_key_id_length);
    std::size_t separator = api_key_prefix.size() + api_key_id_length;
    std::string_view secret = text.substr(separator + 1);
    if (!std::all_of(id.begin(), id.end(), is_key_id_character) || text[separator] != '_' ||
        !is_base64url(secret)) {
        return CredentialFormatError::malformed;
    }
    return ParsedApiKey{id, secret};
}

ClientSecret make_client_secret() {
    ClientSecret client_secret;
    client_secret.secret = std::string(client_secret_prefix) + random_token(32);
    client_secret.secret_hash = sha256_hex(client_secret.secret);
    return client_secret;
}

bool is_well_formed_client_secret(std::string_view text) {
    return text.size() == client_secret_length && text.starts_with(client_secret_prefix) &&
           is_base64url(text.substr(client_secret_prefix.size()));
}

}  // namespace rampart::auth
