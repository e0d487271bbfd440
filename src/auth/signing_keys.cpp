#include "auth/signing_keys.hpp"

#include <algorithm>
#include <type_traits>

#include <boost/json/serialize.hpp>

#include "auth/jose/algorithm.hpp"

namespace rampart::auth {

namespace {

constexpr std::string_view fingerprint_meta = "master_key_fingerprint";

std::string associated_data(const std::string& kid) {
    return "rampart signing key " + kid;
}

jose::Key unseal(const store::SigningKey& stored, const MasterKey& master_key) {
    auto opened = master_key.open(stored.sealed_private_key, associated_data(stored.kid));
    if (!opened) {
        throw SigningKeyError(
            "signing key " + stored.kid + " does not open with this master key (" +
            std::string(describe(opened.error())) +
            "): is RAMPART_MASTER_KEY (or master.key) the one the keys were sealed with?");
    }
    auto key = jose::Key::from_pkcs8_der(opened->bytes(), stored.kid);
    if (!key) {
        throw SigningKeyError("signing key " + stored.kid +
                              " is unreadable: " + std::string(jose::describe(key.error())));
    }
    return std::move(*key);
}

bool is_published(const store::SigningKey& key, store::Time now) {
    return key.publish_at <= now && (!key.remove_at || *key.remove_at > now);
}

bool is_signing(const store::SigningKey& key, store::Time now) {
    return key.activate_at <= now && (!key.retire_at || *key.retire_at > now) &&
           is_published(key, now);
}

template <typename T>
T value_or_throw(store::StoreResult<T> result, const char* what) {
    if (!result) {
        throw SigningKeyError(std::string(what) + ": " + result.error().message);
    }
    if constexpr (!std::is_void_v<T>) {
        return std::move(*result);
    }
}

store::SigningKey new_stored_key(const MasterKey& master_key, const std::string& algorithm_name,
                                 store::Time now) {
    auto algorithm = jose::algorithm_from_name(algorithm_name);
    if (!algorithm || *algorithm == jose::Algorithm::hs256) {
        throw SigningKeyError("signing algorithm " + algorithm_name +
                              " cannot sign tokens others verify");
    }
    auto key = jose::Key::generate(*algorithm);
    if (!key) {
        throw SigningKeyError("generating a signing key failed: " +
                              std::string(jose::describe(key.error())));
    }
    auto der = key->export_pkcs8_der();
    auto jwk = key->public_jwk();
    if (!der || !jwk) {
        throw SigningKeyError("exporting a new signing key failed");
    }
    store::SigningKey stored;
    stored.kid = key->kid();
    stored.algorithm = std::string(jose::algorithm_name(*algorithm));
    stored.public_jwk = boost::json::serialize(*jwk);
    stored.sealed_private_key = master_key.seal(
        std::span<const std::uint8_t>(der->data(), der->size()), associated_data(stored.kid));
    std::fill(der->begin(), der->end(), 0);
    stored.created_at = now;
    stored.publish_at = now;
    stored.activate_at = now;
    return stored;
}

store::Time whole_seconds(store::Time time) {
    return std::chrono::time_point_cast<std::chrono::seconds>(time);
}

}  // namespace

std::shared_ptr<const KeyRing> KeyRing::build(const std::vector<store::SigningKey>& keys,
                                              const MasterKey& master_key, store::Time now) {
    auto ring = std::make_shared<KeyRing>();
    std::string signing_kid;
    store::Time latest_activation{};
    for (const auto& stored : keys) {
        if (!is_published(stored, now)) {
            continue;
        }
        auto key = unseal(stored, master_key);
        if (is_signing(stored, now) &&
            (signing_kid.empty() || stored.activate_at >= latest_activation)) {
            signing_kid = stored.kid;
            latest_activation = stored.activate_at;
        }
        if (!ring->published_.add(std::move(key))) {
            throw SigningKeyError("two signing keys share the kid " + stored.kid);
        }
    }
    ring->signing_key_ = signing_kid.empty() ? nullptr : ring->published_.find(signing_kid);
    ring->jwks_ = ring->published_.public_jwks();
    return ring;
}

RotationTimes rotation_times(const config::TokenServiceSettings& settings,
                             std::chrono::seconds leeway, store::Time now) {
    RotationTimes times;
    times.publish_at = whole_seconds(now);
    times.activate_at = times.publish_at + std::chrono::duration_cast<std::chrono::seconds>(
                                               settings.signing.publish_lead);
    times.previous_remove_at =
        times.activate_at +
        std::chrono::duration_cast<std::chrono::seconds>(settings.access_token_lifetime) + leeway;
    return times;
}

void check_master_key(store::Store& store, const MasterKey& master_key) {
    auto recorded =
        value_or_throw(store.get_meta(fingerprint_meta), "reading the master key fingerprint");
    if (!recorded) {
        value_or_throw(store.set_meta(fingerprint_meta, master_key.fingerprint()),
                       "recording the master key fingerprint");
        return;
    }
    if (*recorded != master_key.fingerprint()) {
        throw SigningKeyError(
            "the master key is not the one this store's signing keys were sealed with; start with "
            "the "
            "original RAMPART_MASTER_KEY (or master.key). Keys are never regenerated silently.");
    }
}

void ensure_signing_key(store::Store& store, const MasterKey& master_key,
                        const config::TokenServiceSettings& settings, store::Time now) {
    auto keys = value_or_throw(store.list_signing_keys(), "listing signing keys");
    bool usable = std::any_of(keys.begin(), keys.end(), [&](const store::SigningKey& key) {
        return is_signing(key, now) || key.activate_at > now;
    });
    if (usable) {
        return;
    }
    value_or_throw(store.insert_signing_key(
                       new_stored_key(master_key, settings.signing.algorithm, whole_seconds(now))),
                   "storing the first signing key");
}

std::string rotate_signing_key(store::Store& store, const MasterKey& master_key,
                               const config::TokenServiceSettings& settings,
                               std::chrono::seconds leeway, store::Time now) {
    auto times = rotation_times(settings, leeway, now);
    auto keys = value_or_throw(store.list_signing_keys(), "listing signing keys");
    auto stored = new_stored_key(master_key, settings.signing.algorithm, times.publish_at);
    stored.activate_at = times.activate_at;
    value_or_throw(store.insert_signing_key(stored), "storing the new signing key");
    for (const auto& key : keys) {
        if (key.retire_at && *key.retire_at <= times.activate_at) {
            continue;  // already on its way out
        }
        value_or_throw(
            store.set_signing_key_schedule(key.kid, times.activate_at, times.previous_remove_at),
            "scheduling the previous key's retirement");
    }
    return stored.kid;
}

std::size_t remove_expired_signing_keys(store::Store& store, store::Time now) {
    std::size_t removed = 0;
    for (const auto& key : value_or_throw(store.list_signing_keys(), "listing signing keys")) {
        if (key.remove_at && *key.remove_at <= now) {
            value_or_throw(store.delete_signing_key(key.kid), "removing an expired signing key");
            ++removed;
        }
    }
    return removed;
}

}  // namespace rampart::auth
