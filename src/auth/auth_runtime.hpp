// The long-lived state behind authentication, owned by the server and shared
// by every configuration snapshot: the store, the master key, the credential
// directory the workers read, the password hasher, the login throttle and
// the blocking pool that hashing and store work run on, and the JWKS sources
// of the external issuers whose keys come from a jwks_uri.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>

#include "auth/credential_directory.hpp"
#include "auth/login_throttle.hpp"
#include "auth/master_key.hpp"
#include "auth/password_hasher.hpp"
#include "auth/password_policy.hpp"
#include "config/settings.hpp"
#include "store/store.hpp"
#include "util/blocking_pool.hpp"

namespace rampart::limit {
class BanList;
}

namespace rampart::auth {

// The public client that Rampart's own login (/auth/login) issues refresh
// tokens to. It has no secret: refreshing its tokens needs none.
inline constexpr std::string_view first_party_client_id = "rampart-login";

class JwksSources;

class AuthRuntime {
  public:
    // Opens the store and the master key, checks the one against the other,
    // creates the first signing key when the token service is on and has none,
    // fetches the keys of every jwks_uri issuer (on the calling thread; a
    // failure leaves that issuer without keys, failing closed, and is
    // reported on stderr) and builds the first directory. Load time: throws
    // with a clear message.
    explicit AuthRuntime(const config::Settings& settings);
    ~AuthRuntime();

    std::shared_ptr<const CredentialDirectory> directory() const { return directory_.load(); }
    // Rebuilds the directory from the store (after a change, and periodically
    // so that changes by another process, such as the CLI, arrive within a
    // second). Never throws: on a store error the previous directory stays.
    void refresh();

    store::Store& store() { return *store_; }
    const MasterKey& master_key() const { return *master_key_; }
    util::BlockingPool& blocking_pool() { return *blocking_pool_; }
    LoginThrottle& login_throttle() { return *login_throttle_; }
    const PasswordHasher& password_hasher() const { return *password_hasher_; }
    const PasswordPolicy& password_policy() const { return *password_policy_; }
    // The server's ban list: the login throttle's address bans go there
    // (credential stuffing), and persistent bans are loaded from the store
    // into it. Null until attached (the CLI runs without one).
    void attach_ban_list(limit::BanList* bans);
    limit::BanList* bans() { return bans_; }
    // Shared by every snapshot; refreshed on the control thread (net/server.cpp).
    JwksSources& jwks_sources() { return *jwks_sources_; }

  private:
    void ensure_first_party_client();

    std::unique_ptr<store::Store> store_;
    std::unique_ptr<MasterKey> master_key_;
    std::unique_ptr<util::BlockingPool> blocking_pool_;
    std::unique_ptr<LoginThrottle> login_throttle_;
    std::unique_ptr<PasswordHasher> password_hasher_;
    std::unique_ptr<PasswordPolicy> password_policy_;
    std::unique_ptr<JwksSources> jwks_sources_;
    std::atomic<std::shared_ptr<const CredentialDirectory>> directory_;
    std::mutex refresh_mutex_;
    std::vector<store::SigningKey> loaded_keys_;  // what directory_->keys was built from
    bool token_service_enabled_ = false;
    limit::BanList* bans_ = nullptr;
};

// The master key for a configuration: the environment variable, else the
// configured file, else <data>/master.key (created on first run).
std::unique_ptr<MasterKey> load_master_key(const config::Settings& settings);

}  // namespace rampart::auth
