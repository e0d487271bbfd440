#include "admin/operations/user_operations.hpp"

#include "admin/operations/names.hpp"
#include "auth/secret_token.hpp"
#include "util/printable.hpp"

namespace rampart::admin {

OperationResult<store::User> find_user(const OperationContext& context, std::string_view username) {
    auto user = context.store.find_user_by_username(username);
    if (!user && user.error().code == store::StoreErrorCode::not_found) {
        return not_found("no user is named \"" + util::printable(username) + "\"");
    }
    if (!user) {
        return store_failure("finding the user", user.error());
    }
    return std::move(*user);
}

OperationResult<std::string> hash_new_password(std::string password, std::string_view username,
                                               std::string_view email, const PasswordTools& tools) {
    auto checked = tools.policy.check(password, username, email);
    if (!checked) {
        auth::wipe_secret(password);
        return invalid("the password was refused: " + checked.error().message);
    }
    auto hash = tools.hasher.hash(password);
    auth::wipe_secret(password);
    if (!hash) {
        return hash.error() == auth::PasswordHashError::too_long
                   ? invalid("the password is too long")
                   : OperationError{OperationErrorKind::failed,
                                    "not enough memory to hash the password"};
    }
    return std::move(*hash);
}

OperationResult<store::User> create_user(const OperationContext& context, NewUser user,
                                         std::string password, const PasswordTools& tools) {
    if (auto checked = check_username(user.username); !checked) {
        auth::wipe_secret(password);
        return checked.error();
    }
    if (user.email) {
        if (auto checked = check_email(*user.email); !checked) {
            auth::wipe_secret(password);
            return checked.error();
        }
    }
    auto roles = check_names(std::move(user.roles), "role");
    if (!roles) {
        auth::wipe_secret(password);
        return roles.error();
    }
    if (context.store.find_user_by_username(user.username)) {
        auth::wipe_secret(password);
        return conflict("a user named \"" + user.username + "\" already exists");
    }
    auto hash =
        hash_new_password(std::move(password), user.username, user.email.value_or(""), tools);
    if (!hash) {
        return hash.error();
    }
    store::User created;
    created.id = random_id("usr_");
    created.username = std::move(user.username);
    created.email = std::move(user.email);
    created.roles = std::move(*roles);
    created.password_hash = std::move(*hash);
    created.created_at = context.now;
    created.password_changed_at = context.now;
    auto stored = context.store.create_user(created);
    if (!stored && stored.error().code == store::StoreErrorCode::conflict) {
        return conflict("a user with this username or email address already exists");
    }
    if (!stored) {
        return store_failure("creating the user", stored.error());
    }
    return created;
}

OperationResult<store::User> set_user_roles(const OperationContext& context,
                                            std::string_view username,
                                            std::vector<std::string> roles) {
    auto checked = check_names(std::move(roles), "role");
    if (!checked) {
        return checked.error();
    }
    auto user = find_user(context, username);
    if (!user) {
        return user.error();
    }
    if (auto stored = context.store.set_user_roles(user->id, *checked); !stored) {
        return store_failure("setting the user's roles", stored.error());
    }
    user->roles = std::move(*checked);
    return user;
}

OperationResult<DisabledChange> set_user_disabled(const OperationContext& context,
                                                  std::string_view username, bool disabled) {
    auto user = find_user(context, username);
    if (!user) {
        return user.error();
    }
    if (user->disabled == disabled) {
        return DisabledChange{std::move(*user), false};
    }
    std::optional<store::SessionCutoff> cutoff;
    if (disabled) {
        cutoff = session_cutoff(context, "account_disabled");
    }
    if (auto stored = context.store.set_user_disabled(user->id, disabled, cutoff); !stored) {
        return store_failure(disabled ? "disabling the user" : "enabling the user", stored.error());
    }
    user->disabled = disabled;
    return DisabledChange{std::move(*user), true};
}

OperationResult<store::User> set_user_password(const OperationContext& context,
                                               std::string_view username, std::string password,
                                               const PasswordTools& tools) {
    auto user = find_user(context, username);
    if (!user) {
        auth::wipe_secret(password);
        return user.error();
    }
    auto hash =
        hash_new_password(std::move(password), user->username, user->email.value_or(""), tools);
    if (!hash) {
        return hash.error();
    }
    auto cutoff = session_cutoff(context, "password_changed");
    if (auto stored = context.store.set_user_password_hash(user->id, *hash, cutoff.at, cutoff);
        !stored) {
        return store_failure("setting the password", stored.error());
    }
    user->password_hash = std::move(*hash);
    user->password_changed_at = cutoff.at;
    return user;
}

}  // namespace rampart::admin
