// Password storage: Argon2id PHC strings from libsodium
// ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>"), a random salt per hash,
// never weaker than the OWASP floor (m = 19456 KiB, t = 2, p = 1; Password
// Storage Cheat Sheet). The password is hashed byte for byte: no truncation
// (unlike bcrypt's 72 bytes), no case folding, no normalisation.
//
// Hashing costs `memory_kib` of RAM and tens of milliseconds of CPU, so
// bounding how many run at once (PWD-02) is the caller's job. The byte cap is
// checked first, so an oversized password costs nothing.
#pragma once

#include <boost/system/result.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace rampart::auth {

// Longer passwords are refused before any hashing (answer 400, not 401).
inline constexpr std::size_t maximum_password_bytes = 1024;

inline constexpr std::uint32_t argon2_minimum_memory_kib = 19456;
inline constexpr std::uint32_t argon2_minimum_iterations = 2;
// Upper bounds keep a configuration typo from making every login take the
// host's memory or minutes of CPU.
inline constexpr std::uint32_t argon2_maximum_memory_kib = 4 * 1024 * 1024;  // 4 GiB
inline constexpr std::uint32_t argon2_maximum_iterations = 64;

struct Argon2Parameters {
    std::uint32_t memory_kib = argon2_minimum_memory_kib;
    std::uint32_t iterations = argon2_minimum_iterations;
    std::uint32_t parallelism = 1;  // libsodium's Argon2id always uses one lane
};

// Why `parameters` are not acceptable (below the floor, above the bounds, or
// parallelism other than 1), or nullopt when they are.
std::optional<std::string> find_parameter_problem(const Argon2Parameters& parameters);

enum class PasswordHashError {
    too_long,       // more than maximum_password_bytes; nothing was hashed
    out_of_memory,  // libsodium could not allocate memory_kib
};

class PasswordHasher {
  public:
    // Throws std::invalid_argument when find_parameter_problem finds one, and
    // std::runtime_error when libsodium fails to start. Computes the dummy hash
    // that verify_dummy checks against (one hash at `parameters`).
    explicit PasswordHasher(Argon2Parameters parameters);

    // A PHC string with a fresh random salt.
    boost::system::result<std::string, PasswordHashError> hash(std::string_view password) const;

    // True when `password` matches the PHC string `stored`. False for a
    // malformed `stored` and, without hashing, for a password over the cap.
    bool verify(std::string_view password, std::string_view stored) const;

    // For unknown users: one verification at the configured cost against a
    // hash of a random password, so "no such user" takes as long as "wrong
    // password" (PWD-03). Always false.
    bool verify_dummy(std::string_view password) const;

    // True when `stored` was made with other parameters or another algorithm
    // than the configured ones: after a successful verify, hash again and store.
    bool needs_rehash(std::string_view stored) const;

    const Argon2Parameters& parameters() const { return parameters_; }

  private:
    Argon2Parameters parameters_;
    std::string dummy_hash_;
};

}  // namespace rampart::auth
