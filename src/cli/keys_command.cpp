#include "cli/keys_command.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "auth/signing_keys.hpp"

namespace rampart::cli {

namespace {

bool has_passed(std::optional<store::Time> moment, store::Time now) {
    return moment && *moment <= now;
}

// Where a key is in its life at `now` (auth/signing_keys.hpp).
std::string state_of(const store::SigningKey& key, store::Time now) {
    if (has_passed(key.remove_at, now)) {
        return "expired";  // out of the JWKS; the server deletes it
    }
    if (has_passed(key.retire_at, now)) {
        return "retired";
    }
    if (key.activate_at <= now) {
        return "active";
    }
    if (key.publish_at <= now) {
        return "published";
    }
    return "scheduled";
}

bool signs_now(const store::SigningKey& key, store::Time now) {
    return state_of(key, now) == "active";
}

int list_keys(const config::Settings& settings) {
    auto store = open_store(settings);
    auto listed_at = now();
    Table table(
        {"KID", "ALGORITHM", "STATE", "PUBLISH_AT", "ACTIVATE_AT", "RETIRE_AT", "REMOVE_AT"});
    for (const auto& key : value_or_fail(store->list_signing_keys(), "listing the signing keys")) {
        table.add_row({key.kid, key.algorithm, state_of(key, listed_at),
                       format_time(key.publish_at), format_time(key.activate_at),
                       format_time(key.retire_at), format_time(key.remove_at)});
    }
    table.print(std::cout);
    return 0;
}

int rotate_keys(const config::Settings& settings) {
    const auto& service = settings.auth.token_service;
    if (!service.enabled) {
        throw CommandError("the token service is not enabled in " + settings.source_file +
                           " (token_service.enabled): it is the only user of signing keys");
    }
    auto store = open_store(settings);
    auto master_key = open_master_key(settings, *store);
    auto rotated_at = now();
    auto keys = value_or_fail(store->list_signing_keys(), "listing the signing keys");
    auto pending = std::find_if(keys.begin(), keys.end(), [&](const store::SigningKey& key) {
        return key.activate_at > rotated_at && !has_passed(key.remove_at, rotated_at);
    });
    if (pending != keys.end()) {
        throw CommandError("a rotation is under way: key " + pending->kid + " starts signing at " +
                           format_time(pending->activate_at) + "; rotate again after that");
    }
    auto leeway = std::chrono::duration_cast<std::chrono::seconds>(settings.auth.jwt.leeway);
    bool any_signing = std::any_of(keys.begin(), keys.end(), [&](const store::SigningKey& key) {
        return signs_now(key, rotated_at);
    });
    if (!any_signing) {
        // Nothing signs, so no verifier can be caught out: the first key signs at once.
        auth::ensure_signing_key(*store, *master_key, service, rotated_at);
        for (const auto& key :
             value_or_fail(store->list_signing_keys(), "listing the signing keys")) {
            if (signs_now(key, rotated_at)) {
                std::cout << "new signing key " << key.kid << " (" << key.algorithm
                          << ") signs now: no key was signing\n";
            }
        }
        return 0;
    }
    auto kid = auth::rotate_signing_key(*store, *master_key, service, leeway, rotated_at);
    auto times = auth::rotation_times(service, leeway, rotated_at);
    std::cout << "new signing key " << kid << " (" << service.signing.algorithm
              << ") is published now and starts signing at " << format_time(times.activate_at)
              << "; the previous key retires then and leaves the JWKS at "
              << format_time(times.previous_remove_at) << "\n";
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
