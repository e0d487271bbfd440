#include "cli/api_keys_command.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#include "admin/operations/api_key_operations.hpp"
#include "admin/operations/names.hpp"

namespace rampart::cli {

namespace {

using namespace std::chrono_literals;

struct ApiKeyOptions {
    std::string id;
    std::string consumer;
    std::string scopes;
    std::string roles;
    std::string expires_in;
};

std::optional<std::chrono::seconds> lifetime_option(const ApiKeyOptions& options) {
    if (options.expires_in.empty()) {
        return std::nullopt;
    }
    return parse_duration_argument(options.expires_in, "--expires-in", std::chrono::seconds(1min),
                                   std::chrono::seconds(3650 * 24h));
}

std::string expiry_text(std::optional<store::Time> expires_at) {
    return expires_at ? "expires " + format_time(expires_at) : "no expiry";
}

void print_key_once(const std::string& full_key) {
    std::cerr << "rampart: the key is shown only this once (Rampart keeps only its hash); store it "
                 "now:\n";
    std::cout << full_key << std::endl;
}

int create_api_key(const config::Settings& settings, const ApiKeyOptions& options) {
    value_or_fail(admin::check_consumer(options.consumer));
    admin::NewApiKey request{options.consumer, parse_name_list(options.scopes, "scope"),
                             parse_name_list(options.roles, "role"), lifetime_option(options)};
    auto store = open_store(settings);
    auto issued = value_or_fail(
        admin::create_api_key(operation_context(settings, *store), std::move(request)));
    std::cerr << "rampart: created API key " << issued.stored.id << " for "
              << issued.stored.consumer << " (" << expiry_text(issued.stored.expires_at) << ")\n";
    print_key_once(issued.full_key);
    return 0;
}

int list_api_keys(const config::Settings& settings) {
    auto store = open_store(settings);
    Table table({"ID", "PREFIX", "CONSUMER", "SCOPES", "ROLES", "CREATED", "EXPIRES", "REVOKED"});
    for (const auto& key : value_or_fail(store->list_api_keys(), "listing the API keys")) {
        table.add_row({key.id, key.prefix, key.consumer, join_names(key.scopes),
                       join_names(key.roles), format_time(key.created_at),
                       format_time(key.expires_at), format_time(key.revoked_at)});
    }
    table.print(std::cout);
    return 0;
}

int revoke_api_key(const config::Settings& settings, const ApiKeyOptions& options) {
    auto id = value_or_fail(admin::api_key_id_from(options.id));
    auto store = open_store(settings);
    auto revoked = value_or_fail(admin::revoke_api_key(operation_context(settings, *store), id));
    if (!revoked.changed) {
        std::cout << "API key " << id << " was already revoked at "
                  << format_time(revoked.key.revoked_at) << "\n";
        return 0;
    }
    std::cout << "revoked API key " << id << " of " << printable(revoked.key.consumer) << "\n";
    return 0;
}

int rotate_api_key(const config::Settings& settings, const ApiKeyOptions& options) {
    auto id = value_or_fail(admin::api_key_id_from(options.id));
    auto lifetime = lifetime_option(options);
    auto store = open_store(settings);
    auto rotated =
        value_or_fail(admin::rotate_api_key(operation_context(settings, *store), id, lifetime));
    const auto& replacement = rotated.replacement.stored;
    std::cerr << "rampart: API key " << id << " of " << printable(replacement.consumer)
              << " is replaced by " << replacement.id << " (" << expiry_text(replacement.expires_at)
              << "); the old key stops working at " << format_time(rotated.old_key_expires_at)
              << "\n";
    print_key_once(rotated.replacement.full_key);
    return 0;
}

}  // namespace

void add_api_keys_command(CLI::App& app, CommandLine& command_line) {
    auto* api_keys =
        app.add_subcommand("apikeys", "Manage API keys (in the store; no server needed)");
    api_keys->require_subcommand(1);
    add_config_option(*api_keys, command_line);
    auto options = std::make_shared<ApiKeyOptions>();

    auto* create = api_keys->add_subcommand(
        "create", "Create a key and print it once (the notice goes to standard error)");
    create->add_option("--consumer", options->consumer, "Who the key is for")->required();
    create->add_option("--scopes", options->scopes, "Scopes, separated by commas: a,b");
    create->add_option("--roles", options->roles, "Roles, separated by commas: a,b");
    create->add_option("--expires-in", options->expires_in, "Lifetime, e.g. 90d (default: none)");
    set_action(*create, command_line,
               [options](const auto& settings) { return create_api_key(settings, *options); });

    auto* list = api_keys->add_subcommand("list", "List the keys (never a key or its hash)");
    set_action(*list, command_line, [](const auto& settings) { return list_api_keys(settings); });

    auto* revoke = api_keys->add_subcommand("revoke", "Revoke a key at once");
    revoke->add_option("id", options->id, "The key id, as `apikeys list` shows it")->required();
    set_action(*revoke, command_line,
               [options](const auto& settings) { return revoke_api_key(settings, *options); });

    auto* rotate = api_keys->add_subcommand(
        "rotate",
        "Replace a key with a new one (printed once); the old key stays valid for "
        "api_keys.rotation_overlap");
    rotate->add_option("id", options->id, "The key id, as `apikeys list` shows it")->required();
    rotate->add_option("--expires-in", options->expires_in,
                       "Lifetime of the new key (default: the old key's lifetime, if any)");
    set_action(*rotate, command_line,
               [options](const auto& settings) { return rotate_api_key(settings, *options); });
}

}  // namespace rampart::cli
