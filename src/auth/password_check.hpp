// One user's password check, shared by the login endpoint and Basic
// authentication. Uniform (PWD-03): an unknown user is verified against a
// dummy hash, so it costs the same Argon2id time as a wrong password. A hash
// made with older parameters is replaced after a successful check (PWD-01).
// Blocking (the store and Argon2id): run it on the blocking pool.
#pragma once

#include <string_view>

#include "auth/auth_runtime.hpp"
#include "store/records.hpp"

namespace rampart::auth {

struct PasswordCheck {
    // A reason code for the security log ("unknown_user", "wrong_password",
    // "account_disabled", "account_locked", "store_error"); empty on success.
    std::string_view failure;
    store::User user;  // on success
};

PasswordCheck check_user_password(AuthRuntime& runtime, std::string_view username,
                                  std::string_view password);

}  // namespace rampart::auth
