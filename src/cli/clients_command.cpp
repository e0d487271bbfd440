#include "cli/clients_command.hpp"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <iostream>

#include "auth/auth_runtime.hpp"
#include "auth/secret_token.hpp"
#include "util/ascii.hpp"

namespace rampart::cli {

namespace {

constexpr std::size_t maximum_client_id_characters = 128;
// The grants the token endpoint serves to confidential clients.
constexpr std::string_view supported_grants[] = {"client_credentials", "refresh_token"};

struct ClientOptions {
    std::string client_id;
    std::string name;
    std::string grants = "client_credentials";
    std::string scopes;
    std::string roles;
    bool may_introspect = false;
};

bool is_client_id_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

// Rampart's own login client is made and kept by the server; the CLI leaves it alone.
void refuse_first_party_client(const std::string& client_id) {
    if (util::equals_ignoring_case(client_id, auth::first_party_client_id)) {
        throw CommandError("\"" + std::string(auth::first_party_client_id) +
                           "\" is Rampart's own login client; it is managed by the server");
    }
}

void check_client_id(const std::string& client_id) {
    if (client_id.empty() || client_id.size() > maximum_client_id_characters ||
        !std::all_of(client_id.begin(), client_id.end(), is_client_id_character)) {
        throw CommandError("the client id \"" + printable(client_id) +
                           "\" is not valid: use 1 to 128 letters, digits and . _ -");
    }
    refuse_first_party_client(client_id);
}

std::vector<std::string> parse_grants(const std::string& text) {
    auto grants = parse_name_list(text, "grant");
    if (grants.empty()) {
        throw CommandError("--grants needs at least one of client_credentials, refresh_token");
    }
    for (const auto& grant : grants) {
        if (std::find(std::begin(supported_grants), std::end(supported_grants), grant) ==
            std::end(supported_grants)) {
            throw CommandError("the grant \"" + grant +
                               "\" is not supported: use client_credentials, refresh_token");
        }
    }
    return grants;
}

store::OAuthClient find_client(store::Store& store, const std::string& client_id) {
    auto client = store.find_client(client_id);
    if (!client && client.error().code == store::StoreErrorCode::not_found) {
        throw CommandError("no client has the id \"" + printable(client_id) + "\"");
    }
    return value_or_fail(std::move(client), "finding the client");
}

void print_secret_once(const std::string& secret) {
    std::cerr << "rampart: the client secret is shown only this once (Rampart keeps only its "
                 "hash); store it now:\n";
    std::cout << secret << std::endl;
}

int add_client(const config::Settings& settings, const ClientOptions& options) {
    check_client_id(options.client_id);
    store::OAuthClient client;
    client.client_id = options.client_id;
    client.name = options.name.empty() ? options.client_id : options.name;
    if (client.name.size() > maximum_client_id_characters ||
        std::any_of(client.name.begin(), client.name.end(),
                    [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
        throw CommandError("--name must be at most 128 characters, without control characters");
    }
    client.allowed_grant_types = parse_grants(options.grants);
    client.allowed_scopes = parse_name_list(options.scopes, "scope");
    client.roles = parse_name_list(options.roles, "role");
    client.may_introspect = options.may_introspect;
    auto store = open_store(settings);
    if (store->find_client(client.client_id)) {
        throw CommandError("a client with the id \"" + client.client_id + "\" already exists");
    }
    auto secret = auth::make_client_secret();
    client.secret_hash = secret.secret_hash;
    client.created_at = now();
    auto created = store->create_client(client);
    if (!created && created.error().code == store::StoreErrorCode::conflict) {
        throw CommandError("a client with the id \"" + client.client_id + "\" already exists");
    }
    value_or_fail(std::move(created), "creating the client");
    std::cerr << "rampart: added client " << client.client_id << " (grants "
              << join_names(client.allowed_grant_types) << ")\n";
    print_secret_once(secret.secret);
    return 0;
}

int list_clients(const config::Settings& settings) {
    auto store = open_store(settings);
    Table table({"CLIENT_ID", "NAME", "TYPE", "GRANTS", "SCOPES", "ROLES", "INTROSPECT", "DISABLED",
                 "CREATED"});
    for (const auto& client : value_or_fail(store->list_clients(), "listing the clients")) {
        table.add_row({client.client_id, client.name,
                       client.secret_hash ? "confidential" : "public",
                       join_names(client.allowed_grant_types), join_names(client.allowed_scopes),
                       join_names(client.roles), client.may_introspect ? "yes" : "no",
                       client.disabled ? "yes" : "no", format_time(client.created_at)});
    }
    table.print(std::cout);
    return 0;
}

int remove_client(const config::Settings& settings, const ClientOptions& options) {
    refuse_first_party_client(options.client_id);
    auto store = open_store(settings);
    auto client = find_client(*store, options.client_id);
    // The client's refresh-token families stay on the revocation list until every access token
    // issued from them has expired.
    auto removed_at = now();
    value_or_fail(store->delete_client(client.client_id, removed_at,
                                       removed_at + access_token_horizon(settings)),
                  "removing the client");
    std::cout << "removed client " << printable(client.client_id) << " with its refresh tokens\n";
    return 0;
}

int rotate_client_secret(const config::Settings& settings, const ClientOptions& options) {
    refuse_first_party_client(options.client_id);
    auto store = open_store(settings);
    auto client = find_client(*store, options.client_id);
    auto secret = auth::make_client_secret();
    client.secret_hash = secret.secret_hash;
    value_or_fail(store->update_client(client), "storing the new secret");
    std::cerr << "rampart: client " << printable(client.client_id)
              << " has a new secret; the old one no longer works\n";
    print_secret_once(secret.secret);
    return 0;
}

}  // namespace

void add_clients_command(CLI::App& app, CommandLine& command_line) {
    auto* clients =
        app.add_subcommand("clients", "Manage OAuth clients (in the store; no server needed)");
    clients->require_subcommand(1);
    add_config_option(*clients, command_line);
    auto options = std::make_shared<ClientOptions>();

    auto* add = clients->add_subcommand(
        "add",
        "Add a confidential client and print its secret once (the notice goes to "
        "standard error)");
    add->add_option("client_id", options->client_id, "The client id: letters, digits, . _ -")
        ->required();
    add->add_option("--name", options->name, "A name for people (default: the client id)");
    add->add_option("--grants", options->grants,
                    "Grants, separated by commas: client_credentials, refresh_token "
                    "(default: client_credentials)");
    add->add_option("--scopes", options->scopes, "Scopes it may ask for, separated by commas");
    add->add_option("--roles", options->roles, "Roles of its tokens, separated by commas");
    add->add_flag("--introspect", options->may_introspect, "May call the introspection endpoint");
    set_action(*add, command_line,
               [options](const auto& settings) { return add_client(settings, *options); });

    auto* list = clients->add_subcommand("list", "List the clients (never a secret or its hash)");
    set_action(*list, command_line, [](const auto& settings) { return list_clients(settings); });

    auto* remove = clients->add_subcommand(
        "remove", "Remove a client; its refresh tokens, and the access tokens from them, die");
    remove->add_option("client_id", options->client_id, "The client id")->required();
    set_action(*remove, command_line,
               [options](const auto& settings) { return remove_client(settings, *options); });

    auto* rotate = clients->add_subcommand(
        "rotate-secret", "Give a client a new secret (printed once); the old one stops working");
    rotate->add_option("client_id", options->client_id, "The client id")->required();
    set_action(*rotate, command_line, [options](const auto& settings) {
        return rotate_client_secret(settings, *options);
    });
}

}  // namespace rampart::cli
