#include "auth/jose/jwks.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <map>

#include "util/strict_json.hpp"

namespace rampart::auth::jose {

namespace {

namespace json = boost::json;

constexpr std::string_view duplicate_kid_reason = "Another key in the set has the same kid.";
constexpr std::string_view kid_missing_reason = "The JWK has no kid.";

util::StrictJsonLimits jwks_limits() {
    util::StrictJsonLimits limits;
    limits.max_bytes = 512 * 1024;
    limits.max_depth = 8;
    limits.max_members = 256;
    limits.max_string_bytes = 16 * 1024;
    return limits;
}

}  // namespace

std::string_view describe(KeySetError error) {
    switch (error) {
        case KeySetError::not_json:
            return "The key set is not strict JSON.";
        case KeySetError::keys_missing:
            return "The key set has no \"keys\" array.";
        case KeySetError::no_usable_key:
            return "The key set has no usable key.";
        case KeySetError::duplicate_kid:
            return "The key set already has a key with this kid.";
    }
    return "The key set is unusable.";
}

boost::system::result<KeySet, KeySetError> KeySet::parse(std::string_view jwks_json) {
    auto document = util::parse_strict_json(jwks_json, jwks_limits());
    if (!document) {
        return KeySetError::not_json;
    }
    const json::object* root = document->if_object();
    const json::value* keys = root ? root->if_contains("keys") : nullptr;
    if (keys == nullptr || !keys->is_array()) {
        return KeySetError::keys_missing;
    }
    KeySet set;
    std::vector<std::size_t> kept_indexes;
    for (std::size_t index = 0; index < keys->get_array().size(); ++index) {
        const json::value& member = keys->get_array()[index];
        if (!member.is_object()) {
            set.skipped_.push_back({index, describe(KeyError::not_a_json_object)});
            continue;
        }
        const json::value* kid = member.get_object().if_contains("kid");
        if (kid == nullptr) {
            set.skipped_.push_back({index, kid_missing_reason});
            continue;
        }
        auto key = Key::from_jwk(member.get_object(), JwkSource::public_set);
        if (!key) {
            set.skipped_.push_back({index, describe(key.error())});
            continue;
        }
        set.keys_.push_back(std::move(*key));
        kept_indexes.push_back(index);
    }
    // A kid shared by two keys is ambiguous: neither is trusted, so a rogue
    // entry cannot shadow or be shadowed by the real one.
    std::map<std::string_view, std::size_t> kid_counts;
    for (const Key& key : set.keys_) {
        ++kid_counts[key.kid()];
    }
    std::vector<Key> unique_keys;
    for (std::size_t i = 0; i < set.keys_.size(); ++i) {
        if (kid_counts[set.keys_[i].kid()] > 1) {
            set.skipped_.push_back({kept_indexes[i], duplicate_kid_reason});
        } else {
            unique_keys.push_back(std::move(set.keys_[i]));
        }
    }
    set.keys_ = std::move(unique_keys);
    std::sort(set.skipped_.begin(), set.skipped_.end(),
              [](const SkippedKey& a, const SkippedKey& b) { return a.index < b.index; });
    if (set.keys_.empty()) {
        return KeySetError::no_usable_key;
    }
    return set;
}

boost::system::result<void, KeySetError> KeySet::add(Key key) {
    if (find(key.kid()) != nullptr) {
        return KeySetError::duplicate_kid;
    }
    keys_.push_back(std::move(key));
    return {};
}

const Key* KeySet::find(std::string_view kid) const {
    for (const Key& key : keys_) {
        if (key.kid() == kid) {
            return &key;
        }
    }
    return nullptr;
}

json::object KeySet::public_jwks() const {
    json::array published;
    for (const Key& key : keys_) {
        if (auto jwk = key.public_jwk()) {
            published.push_back(std::move(*jwk));
        }
    }
    json::object document;
    document["keys"] = std::move(published);
    return document;
}

}  // namespace rampart::auth::jose
