#include "cli/users_command.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#include "admin/operations/names.hpp"
#include "admin/operations/user_operations.hpp"

namespace rampart::cli {

namespace {

struct UserOptions {
    std::string username;
    std::string email;
    std::string roles;
};

// The configured password policy and hasher; the policy's list is loaded before the password
// is asked for, so a broken list fails before anyone types.
struct PasswordToolsOfSettings {
    explicit PasswordToolsOfSettings(const config::Settings& settings)
        : policy(auth::PasswordPolicySettings{
              settings.auth.token_service.passwords.min_characters,
              settings.auth.token_service.passwords.max_characters,
              settings.auth.token_service.passwords.common_password_file}),
          hasher(auth::Argon2Parameters{settings.auth.token_service.passwords.memory_kib,
                                        settings.auth.token_service.passwords.iterations, 1}) {}
    admin::PasswordTools tools() const { return {policy, hasher}; }

    auth::PasswordPolicy policy;
    auth::PasswordHasher hasher;
};

int add_user(const config::Settings& settings, const UserOptions& options) {
    value_or_fail(admin::check_username(options.username));
    admin::NewUser user{options.username, std::nullopt, parse_name_list(options.roles, "role")};
    if (!options.email.empty()) {
        value_or_fail(admin::check_email(options.email));
        user.email = options.email;
    }
    auto store = open_store(settings);
    auto context = operation_context(settings, *store);
    if (store->find_user_by_username(options.username)) {
        throw CommandError("a user named \"" + options.username + "\" already exists");
    }
    PasswordToolsOfSettings password_tools(settings);
    auto password = read_new_password(options.username);
    auto created = value_or_fail(
        admin::create_user(context, std::move(user), std::move(password), password_tools.tools()));
    std::cout << "created user " << created.username << " (" << created.id << ")\n";
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
    auto user =
        value_or_fail(admin::find_user(operation_context(settings, *store), options.username));
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
    auto change = value_or_fail(
        admin::set_user_disabled(operation_context(settings, *store), options.username, disabled));
    const char* state = disabled ? "disabled" : "enabled";
    if (!change.changed) {
        std::cout << "user " << printable(change.user.username) << " is already " << state << "\n";
        return 0;
    }
    std::cout << state << " user " << printable(change.user.username)
              << (disabled ? "; every session of the account has ended" : "") << "\n";
    return 0;
}

int set_roles(const config::Settings& settings, const UserOptions& options) {
    auto roles = parse_name_list(options.roles, "role");
    auto store = open_store(settings);
    auto user = value_or_fail(
        admin::set_user_roles(operation_context(settings, *store), options.username, roles));
    std::cout << "roles of " << printable(user.username) << ": " << join_names(user.roles) << "\n";
    return 0;
}

int set_password(const config::Settings& settings, const UserOptions& options) {
    auto store = open_store(settings);
    auto user =
        value_or_fail(admin::find_user(operation_context(settings, *store), options.username));
    PasswordToolsOfSettings password_tools(settings);
    auto password = read_new_password(user.username);
    // The context is taken after the prompt, so the cutoff is the moment of the change.
    value_or_fail(admin::set_user_password(operation_context(settings, *store), user.username,
                                           std::move(password), password_tools.tools()));
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
