#include "support/store_records.hpp"

#include <chrono>
#include <stdexcept>

#include "auth/password_hasher.hpp"

namespace rampart::test {

store::User make_user(const std::string& id, const std::string& username,
                      const std::string& password, std::vector<std::string> roles) {
    static const auth::PasswordHasher hasher(auth::Argon2Parameters{});
    auto hash = hasher.hash(password);
    if (!hash) {
        throw std::runtime_error("hashing a test password failed");
    }
    store::User user;
    user.id = id;
    user.username = username;
    user.password_hash = std::move(*hash);
    user.roles = std::move(roles);
    user.created_at = user.password_changed_at =
        std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
    return user;
}

}  // namespace rampart::test
