// Users: create, change roles, disable and enable, set a password. Disabling
// and a new password end every session of the user in the same transaction.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "admin/operations/operation.hpp"
#include "auth/password_hasher.hpp"
#include "auth/password_policy.hpp"

namespace rampart::admin {

struct PasswordTools {
    const auth::PasswordPolicy& policy;
    const auth::PasswordHasher& hasher;
};

struct NewUser {
    std::string username;
    std::optional<std::string> email;
    std::vector<std::string> roles;
};

OperationResult<store::User> find_user(const OperationContext& context, std::string_view username);

// Checks the name, email and roles (before anything slow), then the password against the
// policy, then hashes it. The password is wiped before returning.
OperationResult<store::User> create_user(const OperationContext& context, NewUser user,
                                         std::string password, const PasswordTools& tools);

OperationResult<store::User> set_user_roles(const OperationContext& context,
                                            std::string_view username,
                                            std::vector<std::string> roles);

struct DisabledChange {
    store::User user;  // as it is now
    bool changed = false;
};

// Disabling ends every session of the user: refresh tokens are revoked and the access tokens
// already issued are refused until they would have expired anyway.
OperationResult<DisabledChange> set_user_disabled(const OperationContext& context,
                                                  std::string_view username, bool disabled);

// A new password ends every session of the user. The password is wiped before returning.
OperationResult<store::User> set_user_password(const OperationContext& context,
                                               std::string_view username, std::string password,
                                               const PasswordTools& tools);

// Checks a new password for `user` against the policy and hashes it; the password is wiped.
OperationResult<std::string> hash_new_password(std::string password, std::string_view username,
                                               std::string_view email, const PasswordTools& tools);

}  // namespace rampart::admin
