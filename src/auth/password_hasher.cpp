#include "auth/password_hasher.hpp"

#include <sodium.h>

#include <array>
#include <stdexcept>

namespace rampart::auth {

namespace {

using PhcBuffer = std::array<char, crypto_pwhash_STRBYTES>;

unsigned long long operations_limit(const Argon2Parameters& parameters) {
    return parameters.iterations;
}

std::size_t memory_limit_bytes(const Argon2Parameters& parameters) {
    return static_cast<std::size_t>(parameters.memory_kib) * 1024;
}

// libsodium wants a NUL-terminated string of less than crypto_pwhash_STRBYTES.
std::optional<PhcBuffer> to_phc_buffer(std::string_view stored) {
    if (stored.size() >= crypto_pwhash_STRBYTES || stored.find('\0') != std::string_view::npos) {
        return std::nullopt;
    }
    PhcBuffer buffer{};
    stored.copy(buffer.data(), stored.size());
    return buffer;
}

bool verify_against(const PhcBuffer& phc, std::string_view password) {
    return crypto_pwhash_str_verify(phc.data(), password.data(), password.size()) == 0;
}

}  // namespace

std::optional<std::string> find_parameter_problem(const Argon2Parameters& parameters) {
    if (parameters.memory_kib < argon2_minimum_memory_kib) {
        return "Argon2id memory must be at least " + std::to_string(argon2_minimum_memory_kib) +
               " KiB (the OWASP floor)";
    }
    if (parameters.memory_kib > argon2_maximum_memory_kib) {
        return "Argon2id memory must be at most " + std::to_string(argon2_maximum_memory_kib) +
               " KiB";
    }
    if (parameters.iterations < argon2_minimum_iterations) {
        return "Argon2id iterations must be at least " + std::to_string(argon2_minimum_iterations) +
               " (the OWASP floor)";
    }
    if (parameters.iterations > argon2_maximum_iterations) {
        return "Argon2id iterations must be at most " + std::to_string(argon2_maximum_iterations);
    }
    if (parameters.parallelism != 1) {
        return std::string("Argon2id parallelism must be 1 (libsodium computes one lane)");
    }
    return std::nullopt;
}

PasswordHasher::PasswordHasher(Argon2Parameters parameters) : parameters_(parameters) {
    if (auto problem = find_parameter_problem(parameters_)) {
        throw std::invalid_argument(*problem);
    }
    if (sodium_init() < 0) {
        throw std::runtime_error("libsodium could not be initialised");
    }
    std::array<unsigned char, 32> random_password;
    randombytes_buf(random_password.data(), random_password.size());
    PhcBuffer phc{};
    int status =
        crypto_pwhash_str_alg(phc.data(), reinterpret_cast<const char*>(random_password.data()),
                              random_password.size(), operations_limit(parameters_),
                              memory_limit_bytes(parameters_), crypto_pwhash_ALG_ARGON2ID13);
    sodium_memzero(random_password.data(), random_password.size());
    if (status != 0) {
        throw std::runtime_error("Argon2id could not allocate " +
                                 std::to_string(parameters_.memory_kib) + " KiB");
    }
    dummy_hash_ = phc.data();
}

boost::system::result<std::string, PasswordHashError> PasswordHasher::hash(
    std::string_view password) const {
    if (password.size() > maximum_password_bytes) {
        return PasswordHashError::too_long;
    }
    PhcBuffer phc{};
    if (crypto_pwhash_str_alg(phc.data(), password.data(), password.size(),
                              operations_limit(parameters_), memory_limit_bytes(parameters_),
                              crypto_pwhash_ALG_ARGON2ID13) != 0) {
        return PasswordHashError::out_of_memory;
    }
    return std::string(phc.data());
}

bool PasswordHasher::verify(std::string_view password, std::string_view stored) const {
    if (password.size() > maximum_password_bytes) {
        return false;
    }
    auto phc = to_phc_buffer(stored);
    return phc && verify_against(*phc, password);
}

bool PasswordHasher::verify_dummy(std::string_view password) const {
    if (password.size() > maximum_password_bytes) {
        return false;
    }
    auto phc = to_phc_buffer(dummy_hash_);
    verify_against(*phc, password);
    return false;
}

bool PasswordHasher::needs_rehash(std::string_view stored) const {
    auto phc = to_phc_buffer(stored);
    // -1 (not a PHC string libsodium knows) counts as "needs a new hash" too.
    return !phc || crypto_pwhash_str_needs_rehash(phc->data(), operations_limit(parameters_),
                                                  memory_limit_bytes(parameters_)) != 0;
}

}  // namespace rampart::auth
