// OAuth clients: add (the secret is returned once), remove with their
// refresh tokens, give a new secret, disable and enable. Rampart's own login
// client is the server's and refused here.
#pragma once

#include <string>
#include <vector>

#include "admin/operations/operation.hpp"

namespace rampart::admin {

struct NewClient {
    std::string client_id;
    std::string name;  // empty: the client id
    std::vector<std::string> grants = {"client_credentials"};
    std::vector<std::string> scopes;
    std::vector<std::string> roles;
    bool may_introspect = false;
};

struct IssuedClient {
    store::OAuthClient client;
    std::string secret;  // shown once, never stored or logged
};

// The grants a confidential client may be given: client_credentials, refresh_token, password
// (the last is served only when token_service.password_grant is on).
OperationResult<std::vector<std::string>> check_grants(std::vector<std::string> grants);

OperationResult<store::OAuthClient> find_client(const OperationContext& context,
                                                std::string_view client_id);

OperationResult<IssuedClient> create_client(const OperationContext& context, NewClient client);

// Its refresh-token families stay on the revocation list until every access token issued from
// them has expired.
OperationResult<store::OAuthClient> remove_client(const OperationContext& context,
                                                  std::string_view client_id);

// The old secret stops working at once.
OperationResult<IssuedClient> rotate_client_secret(const OperationContext& context,
                                                   std::string_view client_id);

struct ClientDisabledChange {
    store::OAuthClient client;  // as it is now
    bool changed = false;
};

OperationResult<ClientDisabledChange> set_client_disabled(const OperationContext& context,
                                                          std::string_view client_id,
                                                          bool disabled);

}  // namespace rampart::admin
