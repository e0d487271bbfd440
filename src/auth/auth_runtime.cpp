#include "auth/auth_runtime.hpp"

#include <cstdlib>
#include <filesystem>

#include "auth/jwks_source.hpp"
#include "store/open_store.hpp"

namespace rampart::auth {

namespace {

store::Time now_seconds() {
    return std::chrono::time_point_cast<std::chrono::seconds>(std::chrono::system_clock::now());
}

LoginThrottleSettings throttle_settings(const config::LoginThrottleSettings& configured) {
    LoginThrottleSettings settings;
    settings.free_attempts = configured.free_attempts;
    settings.base_delay = std::chrono::duration_cast<std::chrono::seconds>(configured.base_delay);
    settings.maximum_delay = std::chrono::duration_cast<std::chrono::seconds>(configured.max_delay);
    settings.spraying_distinct_accounts = configured.spray_threshold;
    settings.address_window =
        std::chrono::duration_cast<std::chrono::seconds>(configured.spray_window);
    settings.ban_duration = std::chrono::duration_cast<std::chrono::seconds>(configured.spray_ban);
    settings.distributed_distinct_addresses = configured.distributed_threshold;
    if (settings.base_delay.count() == 0) {
        settings.base_delay = std::chrono::seconds(1);
    }
    return settings;
}

bool same_schedule(const std::vector<store::SigningKey>& left,
                   const std::vector<store::SigningKey>& right) {
    if (left.size() != right.size()) {
        return false;
    }
    for (std::size_t i = 0; i < left.size(); ++i) {
        if (left[i].kid != right[i].kid || left[i].publish_at != right[i].publish_at ||
            left[i].activate_at != right[i].activate_at ||
            left[i].retire_at != right[i].retire_at || left[i].remove_at != right[i].remove_at) {
            return false;
        }
    }
    return true;
}

}  // namespace

std::unique_ptr<MasterKey> load_master_key(const config::Settings& settings) {
    const auto& auth = settings.auth;
    if (const char* value = std::getenv(auth.master_key_environment.c_str());
        value != nullptr && *value) {
        return std::make_unique<MasterKey>(
            MasterKey::load_from_environment(auth.master_key_environment));
    }
    if (auth.master_key_file) {
        return std::make_unique<MasterKey>(MasterKey::load_from_file(*auth.master_key_file));
    }
    std::filesystem::create_directories(settings.data_directory);
    return std::make_unique<MasterKey>(MasterKey::load_or_create(settings.data_directory));
}

AuthRuntime::AuthRuntime(const config::Settings& settings) {
    const auto& service = settings.auth.token_service;
    token_service_enabled_ = service.enabled;
    store_ = store::open_store(settings.data_directory);
    master_key_ = load_master_key(settings);
    check_master_key(*store_, *master_key_);
    if (service.enabled) {
        ensure_signing_key(*store_, *master_key_, service, now_seconds());
        ensure_first_party_client();
    }
    blocking_pool_ =
        std::make_unique<util::BlockingPool>(service.hashing_threads, service.max_pending_hashes);
    login_throttle_ = std::make_unique<LoginThrottle>(throttle_settings(service.login_throttle));
    password_hasher_ = std::make_unique<PasswordHasher>(
        Argon2Parameters{service.passwords.memory_kib, service.passwords.iterations, 1});
    password_policy_ = std::make_unique<PasswordPolicy>(
        PasswordPolicySettings{service.passwords.min_characters, service.passwords.max_characters,
                               service.passwords.common_password_file});
    auto keys = store_->list_signing_keys();
    if (!keys) {
        throw SigningKeyError("listing signing keys: " + keys.error().message);
    }
    auto directory = std::make_shared<CredentialDirectory>();
    directory->keys = KeyRing::build(*keys, *master_key_, now_seconds());
    loaded_keys_ = std::move(*keys);
    directory_.store(std::move(directory));
    refresh();
    jwks_sources_ = std::make_unique<JwksSources>();
    for (const auto& issuer : settings.auth.issuers) {
        if (issuer.jwks_uri) {
            (void)jwks_sources_->obtain(issuer);  // the snapshot built next reuses it
        }
    }
}

AuthRuntime::~AuthRuntime() {
    if (blocking_pool_) {
        blocking_pool_->stop();
    }
}

void AuthRuntime::ensure_first_party_client() {
    auto existing = store_->find_client(first_party_client_id);
    if (existing) {
        return;
    }
    store::OAuthClient client;
    client.client_id = std::string(first_party_client_id);
    client.name = "Rampart first-party login (/auth/login)";
    client.allowed_grant_types = {"refresh_token"};
    client.created_at = now_seconds();
    if (auto created = store_->create_client(client);
        !created && created.error().code != store::StoreErrorCode::conflict) {
        throw SigningKeyError("creating the first-party login client: " + created.error().message);
    }
}

void AuthRuntime::attach_ban_list(limit::BanList* bans) {
    bans_ = bans;
}

void AuthRuntime::refresh() {
    std::lock_guard lock(refresh_mutex_);
    auto now = now_seconds();
    auto revocations = store_->load_revocations(now);
    auto api_keys = store_->list_api_keys();
    auto keys = store_->list_signing_keys();
    if (!revocations || !api_keys || !keys) {
        return;  // keep the last good directory; the next refresh tries again
    }
    auto current = directory_.load();
    auto next = std::make_shared<CredentialDirectory>();
    next->built_at = now;
    next->revocations = RevocationList(*revocations);
    for (auto& key : *api_keys) {
        auto id = key.id;
        next->api_keys.emplace(std::move(id), std::move(key));
    }
    // Keys change rarely but their phases move with time: rebuild when either does.
    bool rebuild_keys = !same_schedule(*keys, loaded_keys_) || current->keys == nullptr;
    for (const auto& key : *keys) {
        for (auto moment : {key.publish_at, key.activate_at}) {
            if (moment > current->built_at && moment <= now) {
                rebuild_keys = true;
            }
        }
        for (auto moment : {key.retire_at, key.remove_at}) {
            if (moment && *moment > current->built_at && *moment <= now) {
                rebuild_keys = true;
            }
        }
    }
    if (rebuild_keys) {
        try {
            next->keys = KeyRing::build(*keys, *master_key_, now);
            loaded_keys_ = std::move(*keys);
        } catch (const std::exception&) {
            next->keys = current->keys;  // a key that stopped opening must not take the others down
        }
    } else {
        next->keys = current->keys;
    }
    directory_.store(std::move(next));
}

}  // namespace rampart::auth
