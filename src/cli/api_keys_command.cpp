#include "cli/api_keys_command.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "auth/secret_token.hpp"

namespace rampart::cli {

namespace {

using namespace std::chrono_literals;

constexpr std::size_t maximum_consumer_characters = 128;
constexpr auto minimum_lifetime = std::chrono::seconds(1min);
constexpr auto maximum_lifetime = std::chrono::seconds(3650 * 24h);

struct ApiKeyOptions {
    std::string id;
    std::string consumer;
    std::string scopes;
    std::string roles;
    std::string expires_in;
};

bool is_consumer_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '@' || c == ':' || c == '-';
}

void check_consumer(const std::string& consumer) {
    if (consumer.empty() || consumer.size() > maximum_consumer_characters ||
        !std::all_of(consumer.begin(), consumer.end(), is_consumer_character)) {
        throw CommandError("the consumer \"" + printable(consumer) +
                           "\" is not valid: use 1 to 128 letters, digits and . _ @ : -");
    }
}

std::optional<std::chrono::seconds> lifetime_option(const ApiKeyOptions& options) {
    if (options.expires_in.empty()) {
        return std::nullopt;
    }
    return parse_duration_argument(options.expires_in, "--expires-in", minimum_lifetime,
                                   maximum_lifetime);
}

// The key id as `apikeys list` shows it; "rk_<id>" (the listed prefix) is accepted too. A full
// key is refused: it does not belong on a command line.
std::string key_id_argument(const std::string& text) {
    std::string_view id = text;
    if (id.starts_with(auth::api_key_prefix)) {
        id.remove_prefix(auth::api_key_prefix.size());
    }
    bool valid =
        id.size() == auth::api_key_id_length && std::all_of(id.begin(), id.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        });
    if (!valid) {
        throw CommandError(
            "expected an API key id: 12 lower-case letters and digits, as `rampart apikeys list` "
            "shows it");
    }
    return std::string(id);
}

store::ApiKey find_key(store::Store& store, const std::string& id) {
    auto key = store.find_api_key(id);
    if (!key && key.error().code == store::StoreErrorCode::not_found) {
        throw CommandError("no API key has the id " + id);
    }
    return value_or_fail(std::move(key), "finding the API key");
}

// A new key in the store; the full key is returned once and never stored.
std::string create_key(store::Store& store, const store::ApiKey& model, store::Time created_at,
                       std::optional<store::Time> expires_at, store::ApiKey& stored) {
    auto made = auth::make_api_key();
    stored = model;
    stored.id = made.id;
    stored.prefix = made.display_prefix;
    stored.secret_hash = made.secret_hash;
    stored.created_at = created_at;
    stored.expires_at = expires_at;
    stored.revoked_at = std::nullopt;
    value_or_fail(store.create_api_key(stored), "storing the API key");
    return made.full_key;
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
    check_consumer(options.consumer);
    store::ApiKey model;
    model.consumer = options.consumer;
    model.scopes = parse_name_list(options.scopes, "scope");
    model.roles = parse_name_list(options.roles, "role");
    auto lifetime = lifetime_option(options);
    auto store = open_store(settings);
    auto created_at = now();
    std::optional<store::Time> expires_at;
    if (lifetime) {
        expires_at = created_at + *lifetime;
    }
    store::ApiKey stored;
    auto full_key = create_key(*store, model, created_at, expires_at, stored);
    std::cerr << "rampart: created API key " << stored.id << " for " << stored.consumer << " ("
              << expiry_text(stored.expires_at) << ")\n";
    print_key_once(full_key);
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
    auto id = key_id_argument(options.id);
    auto store = open_store(settings);
    auto key = find_key(*store, id);
    if (key.revoked_at) {
        std::cout << "API key " << id << " was already revoked at " << format_time(key.revoked_at)
                  << "\n";
        return 0;
    }
    value_or_fail(store->revoke_api_key(id, now()), "revoking the API key");
    std::cout << "revoked API key " << id << " of " << printable(key.consumer) << "\n";
    return 0;
}

// The new key keeps the consumer, scopes and roles, and by default the old key's lifetime; the
// old key keeps working for auth.api_keys.rotation_overlap so that clients can switch over.
int rotate_api_key(const config::Settings& settings, const ApiKeyOptions& options) {
    auto id = key_id_argument(options.id);
    auto lifetime = lifetime_option(options);
    auto store = open_store(settings);
    auto old_key = find_key(*store, id);
    auto rotated_at = now();
    if (old_key.revoked_at) {
        throw CommandError("API key " + id + " is revoked; create a new key instead");
    }
    if (old_key.expires_at && *old_key.expires_at <= rotated_at) {
        throw CommandError("API key " + id + " has expired; create a new key instead");
    }
    if (!lifetime && old_key.expires_at) {
        lifetime = std::chrono::duration_cast<std::chrono::seconds>(*old_key.expires_at -
                                                                    old_key.created_at);
    }
    std::optional<store::Time> expires_at;
    if (lifetime) {
        expires_at = rotated_at + *lifetime;
    }
    auto old_expiry = rotated_at + std::chrono::duration_cast<std::chrono::seconds>(
                                       settings.auth.api_keys.rotation_overlap);
    if (old_key.expires_at && *old_key.expires_at < old_expiry) {
        old_expiry = *old_key.expires_at;
    }
    store::ApiKey stored;
    auto full_key = create_key(*store, old_key, rotated_at, expires_at, stored);
    if (auto shortened = store->set_api_key_expiry(id, old_expiry); !shortened) {
        // The new key was never shown: take it out again rather than leave an unknown key.
        (void)store->revoke_api_key(stored.id, rotated_at);
        throw CommandError("setting the old key's expiry: " + shortened.error().message);
    }
    std::cerr << "rampart: API key " << id << " of " << printable(stored.consumer)
              << " is replaced by " << stored.id << " (" << expiry_text(stored.expires_at)
              << "); the old key stops working at " << format_time(old_expiry) << "\n";
    print_key_once(full_key);
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
