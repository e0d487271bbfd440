#include "admin/operations/api_key_operations.hpp"

#include <algorithm>

#include "admin/operations/names.hpp"
#include "auth/secret_token.hpp"

namespace rampart::admin {

namespace {

using namespace std::chrono_literals;

constexpr auto minimum_lifetime = std::chrono::seconds(1min);
constexpr auto maximum_lifetime = std::chrono::seconds(3650 * 24h);

// A new key modelled on `model` (consumer, scopes, roles), stored; the full key is returned.
OperationResult<IssuedApiKey> store_new_key(const OperationContext& context,
                                            const store::ApiKey& model,
                                            std::optional<std::chrono::seconds> lifetime) {
    auto made = auth::make_api_key();
    IssuedApiKey issued;
    issued.stored = model;
    issued.stored.id = made.id;
    issued.stored.prefix = made.display_prefix;
    issued.stored.secret_hash = made.secret_hash;
    issued.stored.created_at = context.now;
    issued.stored.expires_at = std::nullopt;
    if (lifetime) {
        issued.stored.expires_at = context.now + *lifetime;
    }
    issued.stored.revoked_at = std::nullopt;
    if (auto stored = context.store.create_api_key(issued.stored); !stored) {
        return store_failure("storing the API key", stored.error());
    }
    issued.full_key = std::move(made.full_key);
    return issued;
}

}  // namespace

OperationResult<std::chrono::seconds> check_api_key_lifetime(std::chrono::seconds lifetime) {
    if (lifetime < minimum_lifetime || lifetime > maximum_lifetime) {
        return invalid("an API key's lifetime must be from 1 minute to 3650 days");
    }
    return lifetime;
}

OperationResult<std::string> api_key_id_from(std::string_view text) {
    std::string_view id = text;
    if (id.starts_with(auth::api_key_prefix)) {
        id.remove_prefix(auth::api_key_prefix.size());
    }
    bool valid =
        id.size() == auth::api_key_id_length && std::all_of(id.begin(), id.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
        });
    if (!valid) {
        return invalid(
            "expected an API key id: 12 lower-case letters and digits, as the key "
            "listing shows it");
    }
    return std::string(id);
}

OperationResult<store::ApiKey> find_api_key(const OperationContext& context, std::string_view id) {
    auto key = context.store.find_api_key(id);
    if (!key && key.error().code == store::StoreErrorCode::not_found) {
        return not_found("no API key has the id " + std::string(id));
    }
    if (!key) {
        return store_failure("finding the API key", key.error());
    }
    return std::move(*key);
}

OperationResult<IssuedApiKey> create_api_key(const OperationContext& context, NewApiKey key) {
    if (auto checked = check_consumer(key.consumer); !checked) {
        return checked.error();
    }
    store::ApiKey model;
    model.consumer = std::move(key.consumer);
    auto scopes = check_names(std::move(key.scopes), "scope");
    if (!scopes) {
        return scopes.error();
    }
    auto roles = check_names(std::move(key.roles), "role");
    if (!roles) {
        return roles.error();
    }
    if (key.lifetime) {
        if (auto checked = check_api_key_lifetime(*key.lifetime); !checked) {
            return checked.error();
        }
    }
    model.scopes = std::move(*scopes);
    model.roles = std::move(*roles);
    return store_new_key(context, model, key.lifetime);
}

OperationResult<RevokedApiKey> revoke_api_key(const OperationContext& context,
                                              std::string_view id) {
    auto key = find_api_key(context, id);
    if (!key) {
        return key.error();
    }
    if (key->revoked_at) {
        return RevokedApiKey{std::move(*key), false};
    }
    if (auto stored = context.store.revoke_api_key(key->id, context.now); !stored) {
        return store_failure("revoking the API key", stored.error());
    }
    key->revoked_at = context.now;
    return RevokedApiKey{std::move(*key), true};
}

OperationResult<RotatedApiKey> rotate_api_key(const OperationContext& context, std::string_view id,
                                              std::optional<std::chrono::seconds> lifetime) {
    if (lifetime) {
        if (auto checked = check_api_key_lifetime(*lifetime); !checked) {
            return checked.error();
        }
    }
    auto old_key = find_api_key(context, id);
    if (!old_key) {
        return old_key.error();
    }
    if (old_key->revoked_at) {
        return conflict("API key " + old_key->id + " is revoked; create a new key instead");
    }
    if (old_key->expires_at && *old_key->expires_at <= context.now) {
        return conflict("API key " + old_key->id + " has expired; create a new key instead");
    }
    if (!lifetime && old_key->expires_at) {
        lifetime = std::chrono::duration_cast<std::chrono::seconds>(*old_key->expires_at -
                                                                    old_key->created_at);
    }
    auto old_expiry = context.now + std::chrono::duration_cast<std::chrono::seconds>(
                                        context.settings.auth.api_keys.rotation_overlap);
    if (old_key->expires_at && *old_key->expires_at < old_expiry) {
        old_expiry = *old_key->expires_at;
    }
    auto replacement = store_new_key(context, *old_key, lifetime);
    if (!replacement) {
        return replacement.error();
    }
    if (auto shortened = context.store.set_api_key_expiry(old_key->id, old_expiry); !shortened) {
        // The new key was never shown: take it out again rather than leave an unknown key.
        (void)context.store.revoke_api_key(replacement->stored.id, context.now);
        return store_failure("setting the old key's expiry", shortened.error());
    }
    return RotatedApiKey{std::move(*replacement), old_key->id, old_expiry};
}

}  // namespace rampart::admin
