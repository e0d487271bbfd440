// A set of verification keys (RFC 7517 §5), looked up by exact kid. One
// unusable key (weak, unsupported, duplicated kid) is skipped and recorded,
// so that a provider adding a key Rampart cannot use does not take every
// other key down; a set with no usable key at all is an error.
#pragma once

#include <boost/json/object.hpp>
#include <boost/system/result.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "auth/jose/jwk.hpp"

namespace rampart::auth::jose {

enum class KeySetError {
    not_json,      // strict JSON parsing failed (duplicate keys, limits, syntax)
    keys_missing,  // not an object with a "keys" array
    no_usable_key,
    duplicate_kid,  // add() with a kid already present
};

std::string_view describe(KeySetError error);

// Why one JWK of a set was left out.
struct SkippedKey {
    std::size_t index;        // position in "keys"
    std::string_view reason;  // a fixed text from describe()
};

class KeySet {
  public:
    KeySet() = default;

    // A published JWKS: public asymmetric keys only (oct and private members
    // are refused per key). Every kept key has a kid: a JWK without one cannot
    // be matched by exact kid and is skipped.
    static boost::system::result<KeySet, KeySetError> parse(std::string_view jwks_json);

    // Adds one of Rampart's own keys; refuses a kid already present.
    boost::system::result<void, KeySetError> add(Key key);

    // Exact, byte-equal match; null when absent.
    const Key* find(std::string_view kid) const;

    // {"keys":[...]} with the public JWK of every asymmetric key.
    boost::json::object public_jwks() const;

    std::size_t size() const { return keys_.size(); }
    bool empty() const { return keys_.empty(); }
    const std::vector<Key>& keys() const { return keys_; }
    const std::vector<SkippedKey>& skipped() const { return skipped_; }

  private:
    std::vector<Key> keys_;
    std::vector<SkippedKey> skipped_;
};

}  // namespace rampart::auth::jose
