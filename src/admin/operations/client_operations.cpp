#include "admin/operations/client_operations.hpp"

#include <algorithm>

#include "admin/operations/names.hpp"
#include "auth/secret_token.hpp"
#include "util/printable.hpp"

namespace rampart::admin {

namespace {

constexpr std::string_view supported_grants[] = {"client_credentials", "refresh_token", "password"};

}  // namespace

OperationResult<std::vector<std::string>> check_grants(std::vector<std::string> grants) {
    auto checked = check_names(std::move(grants), "grant");
    if (!checked) {
        return checked.error();
    }
    if (checked->empty()) {
        return invalid(
            "a client needs at least one grant: client_credentials, refresh_token, "
            "password");
    }
    for (const auto& grant : *checked) {
        if (std::find(std::begin(supported_grants), std::end(supported_grants), grant) ==
            std::end(supported_grants)) {
            return invalid("the grant \"" + grant +
                           "\" is not supported: use client_credentials, refresh_token, password");
        }
    }
    return checked;
}

OperationResult<store::OAuthClient> find_client(const OperationContext& context,
                                                std::string_view client_id) {
    if (auto refused = refuse_first_party_client(client_id); !refused) {
        return refused.error();
    }
    auto client = context.store.find_client(client_id);
    if (!client && client.error().code == store::StoreErrorCode::not_found) {
        return not_found("no client has the id \"" + util::printable(client_id) + "\"");
    }
    if (!client) {
        return store_failure("finding the client", client.error());
    }
    return std::move(*client);
}

OperationResult<IssuedClient> create_client(const OperationContext& context, NewClient request) {
    if (auto checked = check_client_id(request.client_id); !checked) {
        return checked.error();
    }
    if (auto checked = check_display_name(request.name); !checked) {
        return checked.error();
    }
    auto grants = check_grants(std::move(request.grants));
    if (!grants) {
        return grants.error();
    }
    auto scopes = check_names(std::move(request.scopes), "scope");
    if (!scopes) {
        return scopes.error();
    }
    auto roles = check_names(std::move(request.roles), "role");
    if (!roles) {
        return roles.error();
    }
    IssuedClient issued;
    auto& client = issued.client;
    client.client_id = std::move(request.client_id);
    client.name = request.name.empty() ? client.client_id : std::move(request.name);
    client.allowed_grant_types = std::move(*grants);
    client.allowed_scopes = std::move(*scopes);
    client.roles = std::move(*roles);
    client.may_introspect = request.may_introspect;
    client.created_at = context.now;
    auto secret = auth::make_client_secret();
    client.secret_hash = secret.secret_hash;
    auto created = context.store.create_client(client);
    if (!created && created.error().code == store::StoreErrorCode::conflict) {
        return conflict("a client with the id \"" + client.client_id + "\" already exists");
    }
    if (!created) {
        return store_failure("creating the client", created.error());
    }
    issued.secret = std::move(secret.secret);
    return issued;
}

OperationResult<store::OAuthClient> remove_client(const OperationContext& context,
                                                  std::string_view client_id) {
    auto client = find_client(context, client_id);
    if (!client) {
        return client.error();
    }
    auto removed = context.store.delete_client(
        client->client_id, context.now, context.now + access_token_horizon(context.settings));
    if (!removed) {
        return store_failure("removing the client", removed.error());
    }
    return client;
}

OperationResult<IssuedClient> rotate_client_secret(const OperationContext& context,
                                                   std::string_view client_id) {
    auto client = find_client(context, client_id);
    if (!client) {
        return client.error();
    }
    auto secret = auth::make_client_secret();
    client->secret_hash = secret.secret_hash;
    if (auto stored = context.store.update_client(*client); !stored) {
        return store_failure("storing the new secret", stored.error());
    }
    return IssuedClient{std::move(*client), std::move(secret.secret)};
}

OperationResult<ClientDisabledChange> set_client_disabled(const OperationContext& context,
                                                          std::string_view client_id,
                                                          bool disabled) {
    auto client = find_client(context, client_id);
    if (!client) {
        return client.error();
    }
    if (client->disabled == disabled) {
        return ClientDisabledChange{std::move(*client), false};
    }
    client->disabled = disabled;
    if (auto stored = context.store.update_client(*client); !stored) {
        return store_failure(disabled ? "disabling the client" : "enabling the client",
                             stored.error());
    }
    return ClientDisabledChange{std::move(*client), true};
}

}  // namespace rampart::admin
