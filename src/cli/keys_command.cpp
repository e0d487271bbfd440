#include "cli/keys_command.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#include "admin/operations/signing_key_operations.hpp"

namespace rampart::cli {

namespace {

int list_keys(const config::Settings& settings) {
    auto store = open_store(settings);
    auto context = operation_context(settings, *store);
    Table table(
        {"KID", "ALGORITHM", "STATE", "PUBLISH_AT", "ACTIVATE_AT", "RETIRE_AT", "REMOVE_AT"});
    for (const auto& key : value_or_fail(admin::list_signing_keys(context))) {
        table.add_row({key.kid, key.algorithm, admin::signing_key_state(key, context.now),
                       format_time(key.publish_at), format_time(key.activate_at),
                       format_time(key.retire_at), format_time(key.remove_at)});
    }
    table.print(std::cout);
    return 0;
}

int rotate_keys(const config::Settings& settings) {
    if (!settings.auth.token_service.enabled) {
        throw CommandError("the token service is not enabled in " + settings.source_file +
                           " (token_service.enabled): it is the only user of signing keys");
    }
    auto store = open_store(settings);
    auto master_key = open_master_key(settings, *store);
    auto rotation =
        value_or_fail(admin::rotate_signing_keys(operation_context(settings, *store), *master_key));
    if (rotation.signs_now) {
        std::cout << "new signing key " << rotation.kid << " (" << rotation.algorithm
                  << ") signs now: no key was signing\n";
        return 0;
    }
    std::cout << "new signing key " << rotation.kid << " (" << rotation.algorithm
              << ") is published now and starts signing at " << format_time(rotation.activate_at)
              << "; the previous key retires then and leaves the JWKS at "
              << format_time(rotation.previous_remove_at) << "\n";
    return 0;
}

}  // namespace

void add_keys_command(CLI::App& app, CommandLine& command_line) {
    auto* keys = app.add_subcommand(
        "keys", "Manage the token service's signing keys (in the store; no server needed)");
    keys->require_subcommand(1);
    add_config_option(*keys, command_line);

    auto* list = keys->add_subcommand("list", "List the signing keys (public facts only)");
    set_action(*list, command_line, [](const auto& settings) { return list_keys(settings); });

    auto* rotate = keys->add_subcommand(
        "rotate", "Publish a new signing key now; it signs after signing.publish_lead");
    set_action(*rotate, command_line, [](const auto& settings) { return rotate_keys(settings); });
}

}  // namespace rampart::cli
