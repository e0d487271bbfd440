// API keys: create (the key is returned once), revoke, rotate with an
// overlap during which the old key still works.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "admin/operations/operation.hpp"

namespace rampart::admin {

struct NewApiKey {
    std::string consumer;
    std::vector<std::string> scopes;
    std::vector<std::string> roles;
    std::optional<std::chrono::seconds> lifetime;  // none: no expiry
};

struct IssuedApiKey {
    store::ApiKey stored;
    std::string full_key;  // shown once, never stored or logged
};

// From one minute to ten years.
OperationResult<std::chrono::seconds> check_api_key_lifetime(std::chrono::seconds lifetime);

// The key id as listings show it; "rk_<id>" is accepted too. A full key is refused: it does not
// belong on a command line or in a URL.
OperationResult<std::string> api_key_id_from(std::string_view text);

OperationResult<store::ApiKey> find_api_key(const OperationContext& context, std::string_view id);

OperationResult<IssuedApiKey> create_api_key(const OperationContext& context, NewApiKey key);

struct RevokedApiKey {
    store::ApiKey key;     // as it is now
    bool changed = false;  // false: it was already revoked
};

OperationResult<RevokedApiKey> revoke_api_key(const OperationContext& context, std::string_view id);

struct RotatedApiKey {
    IssuedApiKey replacement;
    std::string old_id;
    store::Time old_key_expires_at;
};

// The new key keeps the consumer, scopes and roles, and by default the old key's lifetime; the
// old key keeps working for auth.api_keys.rotation_overlap so that clients can switch over.
OperationResult<RotatedApiKey> rotate_api_key(const OperationContext& context, std::string_view id,
                                              std::optional<std::chrono::seconds> lifetime);

}  // namespace rampart::admin
