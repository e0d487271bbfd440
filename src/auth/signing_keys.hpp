// The token service's signing keys over their life (KEY-03, KEY-05, KEY-06):
//   published  the public key is in the JWKS, nothing is signed with it yet;
//   active     it signs new tokens (from activate_at on);
//   retired    a newer key signs; it stays in the JWKS until every token it
//              signed has expired (remove_at), then it is deleted.
// Private keys are stored sealed with the master key, bound to their kid.
// The kid is the RFC 7638 thumbprint, so a kid never names other material.
#pragma once

#include <boost/json/object.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "auth/jose/jwk.hpp"
#include "auth/jose/jwks.hpp"
#include "auth/master_key.hpp"
#include "config/auth_settings.hpp"
#include "store/store.hpp"

namespace rampart::auth {

// Load-time and CLI failures (a wrong master key, a broken store) are exceptions.
class SigningKeyError : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The keys as the request path needs them at one moment: immutable.
class KeyRing {
  public:
    // Unseals every stored key; a key that does not open is a SigningKeyError
    // (a wrong master key fails closed, keys are never regenerated silently).
    static std::shared_ptr<const KeyRing> build(const std::vector<store::SigningKey>& keys,
                                                const MasterKey& master_key, store::Time now);

    // The key that signs now; null when none is active.
    const jose::Key* signing_key() const { return signing_key_; }
    // Every published key: what verifies Rampart's tokens and what the JWKS shows.
    const jose::KeySet& published() const { return published_; }
    const boost::json::object& jwks() const { return jwks_; }

  private:
    jose::KeySet published_;
    const jose::Key* signing_key_ = nullptr;
    boost::json::object jwks_;
};

// The schedule a rotation gives: the new key is published now and signs after
// publish_lead; the previous key retires then and leaves the JWKS once the
// longest-lived token it could have signed has expired.
struct RotationTimes {
    store::Time publish_at;
    store::Time activate_at;
    store::Time previous_remove_at;
};
RotationTimes rotation_times(const config::TokenServiceSettings& settings,
                             std::chrono::seconds leeway, store::Time now);

// Checks the master key against the fingerprint in the store (recording it
// the first time), so a wrong key stops the process with a clear message.
void check_master_key(store::Store& store, const MasterKey& master_key);

// Creates the first key when the store has none (active at once: nothing was
// ever published, so no verifier can be caught out).
void ensure_signing_key(store::Store& store, const MasterKey& master_key,
                        const config::TokenServiceSettings& settings, store::Time now);

// Publishes a new key now; returns its kid.
std::string rotate_signing_key(store::Store& store, const MasterKey& master_key,
                               const config::TokenServiceSettings& settings,
                               std::chrono::seconds leeway, store::Time now);

// Deletes keys whose remove_at has passed; returns how many.
std::size_t remove_expired_signing_keys(store::Store& store, store::Time now);

}  // namespace rampart::auth
