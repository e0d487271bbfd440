// What the request path checks credentials against: the published signing
// keys, the revocation lists and the API keys, as one immutable value rebuilt
// from the store whenever it changes. Workers read it through an atomic
// shared_ptr and never touch the store.
#pragma once

#include <memory>
#include <string>
#include <unordered_map>

#include "auth/revocation_list.hpp"
#include "auth/signing_keys.hpp"
#include "store/records.hpp"

namespace rampart::auth {

struct CredentialDirectory {
    std::shared_ptr<const KeyRing> keys;  // null when the token service is off
    RevocationList revocations;
    std::unordered_map<std::string, store::ApiKey> api_keys;  // by key id
    store::Time built_at;
};

}  // namespace rampart::auth
