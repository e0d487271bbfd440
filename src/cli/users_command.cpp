#include "cli/users_command.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <cctype>
#include <iostream>

#include "auth/password_hasher.hpp"
#include "auth/password_policy.hpp"

namespace rampart::cli {

namespace {

constexpr std::size_t maximum_username_characters = 64;
constexpr std::size_t maximum_email_characters = 254;

struct UserOptions {
    std::string username;
    std::string email;
    std::string roles;
};

bool is_username_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '@' || c == '+' || c == '-';
}

void check_username(const std::string& username) {
    bool valid = !username.empty() && username.size() <= maximum_username_characters &&
                 std::all_of(username.begin(), username.end(), is_username_character) &&
                 std::isalnum(static_cast<unsigned char>(username.front()));
    if (!valid) {
        throw CommandError("the username \"" + printable(username) +
                           "\" is not valid: use 1 to 64 letters, digits and . _ @ + -, starting "
                           "with a letter or digit");
    }
}

// A plausible address: one '@' between non-empty parts, a dot in the domain, printable ASCII
// without spaces. Whether it receives mail is not the CLI's to check.
void check_email(const std::string& email) {
    auto at = email.find('@');
    bool printable_ascii = std::all_of(email.begin(), email.end(), [](char c) {
        return c > ' ' && c < 0x7f && c != '"' && c != '\\' && c != '<' && c != '>';
    });
    bool valid = printable_ascii && email.size() <= maximum_email_characters &&
                 at != std::string::npos && at > 0 &&
                 email.find('@', at + 1) == std::string::npos &&
                 email.find('.', at + 2) != std::string::npos && email.back() != '.';
    if (!valid) {
        throw CommandError("the email address \"" + printable(email) + "\" is not valid");
    }
}

store::User find_user(store::Store& store, const std::string& username) {
    auto user = store.find_user_by_username(username);
    if (!user && user.error().code == store::StoreErrorCode::not_found) {
        throw CommandError("no user is named \"" + printable(username) + "\"");
    }
    return value_or_fail(std::move(user), "finding the user");
}

// A password for `username` that the configured policy accepts, hashed with the configured
// Argon2id parameters. The policy's list is loaded before the password is asked for.
std::string new_password_hash(const config::Settings& settings, const std::string& username,
                              const std::string& email) {
    const auto& passwords = settings.auth.token_service.passwords;
    auth::PasswordPolicy policy(auth::PasswordPolicySettings{
        passwords.min_characters, passwords.max_characters, passwords.common_password_file});
    auth::PasswordHasher hasher(
        auth::Argon2Parameters{passwords.memory_kib, passwords.iterations, 1});
    auto password = read_new_password(username);
    auto checked = policy.check(password, username, email);
    if (!checked) {
        wipe(password);
        throw CommandError("the password was refused: " + checked.error().message);
    }
    auto hash = hasher.hash(password);
    wipe(password);
    if (!hash) {
        throw CommandError(hash.error() == auth::PasswordHashError::too_long
                               ? "the password is too long"
                               : "not enough memory to hash the password");
    }
    return std::move(*hash);
}

int add_user(const config::Settings& settings, const UserOptions& options) {
    check_username(options.username);
    if (!options.email.empty()) {
        check_email(options.email);
    }
    auto roles = parse_name_list(options.roles, "role");
    auto store = open_store(settings);
    if (store->find_user_by_username(options.username)) {
        throw CommandError("a user named \"" + options.username + "\" already exists");
    }
    store::User user;
    user.id = random_id("usr_");
    user.username = options.username;
    if (!options.email.empty()) {
        user.email = options.email;
    }
    user.roles = std::move(roles);
    user.password_hash = new_password_hash(settings, options.username, options.email);
    user.created_at = now();
    user.password_changed_at = user.created_at;
    auto created = store->create_user(user);
    if (!created && created.error().code == store::StoreErrorCode::conflict) {
        throw CommandError("a user with this username or email address already exists");
    }
    value_or_fail(std::move(created), "creating the user");
    std::cout << "created user " << user.username << " (" << user.id << ")\n";
    return 0;
}

int list_users(const config::Settings& settings) {
    auto store = open_store(settings);
    Table table({"ID", "USERNAME", "EMAIL", "ROLES", "DISABLED"});
    for (const auto& user : value_or_fail(store->list_users(), "listing the users")) {
        table.add_row({user.id, user.username, user.email.value_or("-"), join_names(user.roles),
                       user.disabled ? "yes" : "no"});
    }
    table.print(std::cout);
    return 0;
}

int show_user(const config::Settings& settings, const UserOptions& options) {
    auto store = open_store(settings);
    auto user = find_user(*store, options.username);
    print_fields(std::cout, {{"id", user.id},
                             {"username", user.username},
                             {"email", user.email.value_or("-")},
                             {"roles", join_names(user.roles)},
                             {"disabled", user.disabled ? "yes" : "no"},
                             {"failed logins", std::to_string(user.failed_login_count)},
                             {"locked until", format_time(user.locked_until)},
                             {"created", format_time(user.created_at)},
                             {"password changed", format_time(user.password_changed_at)}});
    return 0;
}

int set_disabled(const config::Settings& settings, const UserOptions& options, bool disabled) {
    auto store = open_store(settings);
    auto user = find_user(*store, options.username);
    const char* state = disabled ? "disabled" : "enabled";
    if (user.disabled == disabled) {
        std::cout << "user " << printable(user.username) << " is already " << state << "\n";
        return 0;
    }
    // Disabling ends every session at once: refresh tokens are revoked and the access tokens
    // already issued are refused until they would have expired anyway.
    std::optional<store::SessionCutoff> cutoff;
    if (disabled) {
        cutoff = session_cutoff(settings, "account_disabled");
    }
    value_or_fail(store->set_user_disabled(user.id, disabled, cutoff),
                  disabled ? "disabling the user" : "enabling the user");
    std::cout << state << " user " << printable(user.username)
              << (disabled ? "; every session of the account has ended" : "") << "\n";
    return 0;
}

int set_roles(const config::Settings& settings, const UserOptions& options) {
    auto roles = parse_name_list(options.roles, "role");
    auto store = open_store(settings);
    auto user = find_user(*store, options.username);
    value_or_fail(store->set_user_roles(user.id, roles), "setting the user's roles");
    std::cout << "roles of " << printable(user.username) << ": " << join_names(roles) << "\n";
    return 0;
}

int set_password(const config::Settings& settings, const UserOptions& options) {
    auto store = open_store(settings);
    auto user = find_user(*store, options.username);
    auto hash = new_password_hash(settings, user.username, user.email.value_or(""));
    auto cutoff = session_cutoff(settings, "password_changed");
    value_or_fail(store->set_user_password_hash(user.id, hash, cutoff.at, cutoff),
                  "setting the password");
    std::cout << "changed the password of " << printable(user.username)
              << "; every session of the account has ended\n";
    return 0;
}

CLI::App* add_username(CLI::App& command, UserOptions& options) {
    command.add_option("username", options.username, "The user's name")->required();
    return &command;
}

}  // namespace

void add_users_command(CLI::App& app, CommandLine& command_line) {
    auto* users =
        app.add_subcommand("users", "Manage user accounts (in the store; no server needed)");
    users->require_subcommand(1);
    add_config_option(*users, command_line);
    auto options = std::make_shared<UserOptions>();

    auto* add =
        add_username(*users->add_subcommand("add",
                                            "Add a user; the password is asked for (or read as one "
                                            "line from standard input)"),
                     *options);
    add->add_option("--email", options->email, "Email address (unique)");
    add->add_option("--roles", options->roles, "Roles, separated by commas: a,b");
    set_action(*add, command_line,
               [options](const auto& settings) { return add_user(settings, *options); });

    auto* list = users->add_subcommand("list", "List the users (never their password hashes)");
    set_action(*list, command_line, [](const auto& settings) { return list_users(settings); });

    auto* show = add_username(*users->add_subcommand("show", "Show one user"), *options);
    set_action(*show, command_line,
               [options](const auto& settings) { return show_user(settings, *options); });

    auto* disable = add_username(
        *users->add_subcommand("disable", "Disable a user and end every session of it"), *options);
    set_action(*disable, command_line,
               [options](const auto& settings) { return set_disabled(settings, *options, true); });

    auto* enable =
        add_username(*users->add_subcommand("enable", "Enable a disabled user"), *options);
    set_action(*enable, command_line,
               [options](const auto& settings) { return set_disabled(settings, *options, false); });

    auto* roles = add_username(
        *users->add_subcommand("set-roles", "Replace a user's roles (\"\" for none)"), *options);
    roles->add_option("roles", options->roles, "Roles, separated by commas: a,b")->required();
    set_action(*roles, command_line,
               [options](const auto& settings) { return set_roles(settings, *options); });

    auto* password = add_username(
        *users->add_subcommand("set-password",
                               "Set a new password (asked for, or one line of standard input) "
                               "and end every session of the user"),
        *options);
    set_action(*password, command_line,
               [options](const auto& settings) { return set_password(settings, *options); });
}

}  // namespace rampart::cli
