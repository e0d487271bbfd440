// The token service's signing keys: their state at a moment, and rotation
// (auth/signing_keys.hpp has the life of a key).
#pragma once

#include <string>
#include <vector>

#include "admin/operations/operation.hpp"
#include "auth/master_key.hpp"

namespace rampart::admin {

// "scheduled", "published", "active", "retired" or "expired" (out of the JWKS; the server
// deletes it).
std::string signing_key_state(const store::SigningKey& key, store::Time now);

OperationResult<std::vector<store::SigningKey>> list_signing_keys(const OperationContext& context);

struct KeyRotation {
    std::string kid;
    std::string algorithm;
    // When nothing was signing, the new key signs at once and no key retires.
    bool signs_now = false;
    store::Time activate_at;
    store::Time previous_remove_at;
};

// Publishes a new key now; it signs after signing.publish_lead. Refused while the token
// service is off, or while a rotation is under way (a published key does not sign yet).
OperationResult<KeyRotation> rotate_signing_keys(const OperationContext& context,
                                                 const auth::MasterKey& master_key);

}  // namespace rampart::admin
