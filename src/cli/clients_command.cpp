#include "cli/clients_command.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

#include "admin/operations/client_operations.hpp"

namespace rampart::cli {

namespace {

struct ClientOptions {
    std::string client_id;
    std::string name;
    std::string grants = "client_credentials";
    std::string scopes;
    std::string roles;
    bool may_introspect = false;
};

void print_secret_once(const std::string& secret) {
    std::cerr << "rampart: the client secret is shown only this once (Rampart keeps only its "
                 "hash); store it now:\n";
    std::cout << secret << std::endl;
}

int add_client(const config::Settings& settings, const ClientOptions& options) {
    admin::NewClient request{options.client_id,
                             options.name,
                             parse_name_list(options.grants, "grant"),
                             parse_name_list(options.scopes, "scope"),
                             parse_name_list(options.roles, "role"),
                             options.may_introspect};
    auto store = open_store(settings);
    auto issued = value_or_fail(
        admin::create_client(operation_context(settings, *store), std::move(request)));
    std::cerr << "rampart: added client " << issued.client.client_id << " (grants "
              << join_names(issued.client.allowed_grant_types) << ")\n";
    print_secret_once(issued.secret);
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
    auto store = open_store(settings);
    auto client =
        value_or_fail(admin::remove_client(operation_context(settings, *store), options.client_id));
    std::cout << "removed client " << printable(client.client_id) << " with its refresh tokens\n";
    return 0;
}

int rotate_client_secret(const config::Settings& settings, const ClientOptions& options) {
    auto store = open_store(settings);
    auto issued = value_or_fail(
        admin::rotate_client_secret(operation_context(settings, *store), options.client_id));
    std::cerr << "rampart: client " << printable(issued.client.client_id)
              << " has a new secret; the old one no longer works\n";
    print_secret_once(issued.secret);
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
                    "Grants, separated by commas: client_credentials, refresh_token, password "
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
