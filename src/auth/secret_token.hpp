// Random bearer secrets (refresh tokens, API keys, client secrets), their
// storage hash, and constant-time comparison. Every secret comes from
// libsodium's CSPRNG and holds 256 bits; the store keeps only SHA-256 of it,
// which is enough for secrets this strong (ASVS 6.5.2: no slow hash needed).
//
// An API key reads "rk_<key id>_<secret>": the id (12 × [a-z0-9]) finds the
// row without touching the secret, the "rk_" prefix lets secret scanners spot
// a leaked key, and the secret is 43 base64url characters. Refresh tokens are
// random_token(32).
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace rampart::auth {

inline constexpr std::string_view api_key_prefix = "rk_";
inline constexpr std::string_view client_secret_prefix = "rcs_";
inline constexpr std::size_t api_key_id_length = 12;
inline constexpr std::size_t secret_length = 43;  // base64url of 32 bytes, unpadded
inline constexpr std::size_t api_key_length =
    api_key_prefix.size() + api_key_id_length + 1 + secret_length;
inline constexpr std::size_t client_secret_length = client_secret_prefix.size() + secret_length;

// `bytes` random bytes as unpadded base64url (43 characters for 32 bytes).
// `bytes` must be at least 16 (128 bits); less throws std::invalid_argument.
std::string random_token(std::size_t bytes = 32);

// Overwrites the characters of a secret (a password, a key) before its string is released, so
// that freed memory does not keep it.
void wipe_secret(std::string& secret);

// Lower-case hex of SHA-256(secret): what the store keeps of a token or key.
std::string sha256_hex(std::string_view secret);

// True when both hold the same bytes. The time taken depends on the length
// only (lengths are not secret: every stored hash has the same one).
bool constant_time_equals(std::string_view left, std::string_view right);

// True when SHA-256(secret) is `stored_hash` (as sha256_hex gives it),
// compared in constant time.
bool secret_matches_hash(std::string_view secret, std::string_view stored_hash);

struct ApiKey {
    std::string id;              // 12 × [a-z0-9], unique per key; the store's lookup key
    std::string display_prefix;  // "rk_<id>": safe to list and log
    std::string full_key;        // "rk_<id>_<secret>": shown once, never stored or logged
    std::string secret_hash;     // sha256_hex(secret): what the store keeps
};

ApiKey make_api_key();

// Views into the text given to parse_api_key.
struct ParsedApiKey {
    std::string_view id;
    std::string_view secret;
};

// One error for every malformed credential: the caller answers them all with
// the same generic 401, so the reason is deliberately not told apart.
enum class CredentialFormatError { malformed };

// Exactly "rk_" + 12 × [a-z0-9] + "_" + 43 × [A-Za-z0-9_-]; anything else
// (other lengths, whitespace, other characters) is refused before any lookup.
boost::system::result<ParsedApiKey, CredentialFormatError> parse_api_key(std::string_view text);

struct ClientSecret {
    std::string secret;       // "rcs_" + 43 base64url characters: shown once
    std::string secret_hash;  // sha256_hex(secret): what the store keeps
};

ClientSecret make_client_secret();

// "rcs_" + 43 × [A-Za-z0-9_-]; the caller then compares secret_matches_hash.
bool is_well_formed_client_secret(std::string_view text);

}  // namespace rampart::auth
