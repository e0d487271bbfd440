#include "admin/operations/signing_key_operations.hpp"

#include <algorithm>

#include "auth/signing_keys.hpp"

namespace rampart::admin {

namespace {

bool has_passed(std::optional<store::Time> moment, store::Time now) {
    return moment && *moment <= now;
}

bool signs_at(const store::SigningKey& key, store::Time now) {
    return signing_key_state(key, now) == "active";
}

}  // namespace

std::string signing_key_state(const store::SigningKey& key, store::Time now) {
    if (has_passed(key.remove_at, now)) {
        return "expired";
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

OperationResult<std::vector<store::SigningKey>> list_signing_keys(const OperationContext& context) {
    auto keys = context.store.list_signing_keys();
    if (!keys) {
        return store_failure("listing the signing keys", keys.error());
    }
    return std::move(*keys);
}

OperationResult<KeyRotation> rotate_signing_keys(const OperationContext& context,
                                                 const auth::MasterKey& master_key) {
    const auto& service = context.settings.auth.token_service;
    if (!service.enabled) {
        return conflict("the token service is not enabled in " + context.settings.source_file +
                        " (token_service.enabled): it is the only user of signing keys");
    }
    auto keys = list_signing_keys(context);
    if (!keys) {
        return keys.error();
    }
    auto now = context.now;
    auto pending = std::find_if(keys->begin(), keys->end(), [&](const store::SigningKey& key) {
        return key.activate_at > now && !has_passed(key.remove_at, now);
    });
    if (pending != keys->end()) {
        return conflict("a rotation is under way: key " + pending->kid +
                        " has not started signing yet; rotate again after that");
    }
    bool any_signing = std::any_of(keys->begin(), keys->end(), [&](const store::SigningKey& key) {
        return signs_at(key, now);
    });
    try {
        if (!any_signing) {
            // Nothing signs, so no verifier can be caught out: the first key signs at once.
            auth::ensure_signing_key(context.store, master_key, service, now);
            auto after = list_signing_keys(context);
            if (!after) {
                return after.error();
            }
            for (const auto& key : *after) {
                if (signs_at(key, now)) {
                    return KeyRotation{key.kid, key.algorithm, true, now, now};
                }
            }
            return OperationError{OperationErrorKind::failed, "the new signing key is not active"};
        }
        auto leeway =
            std::chrono::duration_cast<std::chrono::seconds>(context.settings.auth.jwt.leeway);
        auto kid = auth::rotate_signing_key(context.store, master_key, service, leeway, now);
        auto times = auth::rotation_times(service, leeway, now);
        return KeyRotation{kid, service.signing.algorithm, false, times.activate_at,
                           times.previous_remove_at};
    } catch (const std::exception& error) {
        // The key helpers are shared with load time, where failures are exceptions.
        return OperationError{OperationErrorKind::failed,
                              std::string("rotating the signing key: ") + error.what()};
    }
}

}  // namespace rampart::admin
