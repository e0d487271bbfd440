#include "auth/password_check.hpp"

namespace rampart::auth {

PasswordCheck check_user_password(AuthRuntime& runtime, std::string_view username,
                                  std::string_view password) {
    PasswordCheck check;
    const auto& hasher = runtime.password_hasher();
    auto user = runtime.store().find_user_by_username(username);
    if (!user) {
        hasher.verify_dummy(password);
        check.failure =
            user.error().code == store::StoreErrorCode::not_found ? "unknown_user" : "store_error";
        return check;
    }
    bool verified = hasher.verify(password, user->password_hash);
    bool locked = user->locked_until && *user->locked_until > std::chrono::system_clock::now();
    if (!verified || user->disabled || locked) {
        check.failure = !verified        ? "wrong_password"
                        : user->disabled ? "account_disabled"
                                         : "account_locked";
        return check;
    }
    if (hasher.needs_rehash(user->password_hash)) {
        if (auto rehashed = hasher.hash(password)) {
            (void)runtime.store().set_user_password_hash(user->id, *rehashed,
                                                         user->password_changed_at, std::nullopt);
        }
    }
    check.user = std::move(*user);
    return check;
}

}  // namespace rampart::auth
