// The persistent state of the token service behind one interface: users, API keys, OAuth
// clients, refresh tokens, revocation lists, signing keys, administrators' bans. SQLite is the
// embedded default (store/sqlite); a PostgreSQL implementation is to follow behind the same
// interface.
//
// Every operation that must be atomic is one transaction inside the store; callers never hold
// a transaction open. Every fallible operation returns its error as a value; error messages name
// the operation and the database's reason, never a stored value, so they are safe to log.
#pragma once

#include <boost/assert/source_location.hpp>
#include <boost/system/result.hpp>

#include <chrono>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "store/records.hpp"

namespace rampart::store {

enum class StoreErrorCode {
    not_found,  // no such record
    conflict,   // a unique key is taken, or a referenced record is missing
    invalid,    // the record cannot be stored as given (e.g. a raw secret instead of a hash)
    busy,       // the database stayed locked longer than the store is willing to wait
    corrupt,    // the file is not a database or is damaged
    io,         // anything else the database reported (disk full, read-only, I/O error)
};

struct StoreError {
    StoreErrorCode code;
    std::string message;
};

constexpr std::string_view to_string(StoreErrorCode code) {
    switch (code) {
        case StoreErrorCode::not_found:
            return "not_found";
        case StoreErrorCode::conflict:
            return "conflict";
        case StoreErrorCode::invalid:
            return "invalid";
        case StoreErrorCode::busy:
            return "busy";
        case StoreErrorCode::corrupt:
            return "corrupt";
        case StoreErrorCode::io:
            return "io";
    }
    return "unknown";
}

// Lets result<T, StoreError>::value() throw (found by argument-dependent lookup).
[[noreturn]] inline void throw_exception_from_error(const StoreError& error,
                                                    const boost::source_location&) {
    throw std::runtime_error(error.message);
}

template <class T>
using StoreResult = boost::system::result<T, StoreError>;

// Ends every session of a subject in the same transaction as the change that calls for it
// (password change, disabling): its refresh-token families are revoked and its access tokens
// issued before `at` are listed as dead until `keep_until`.
struct SessionCutoff {
    Time at;
    Time keep_until;     // at + the longest access-token lifetime
    std::string reason;  // recorded on the revoked families, e.g. "password_changed"
};

struct RotationRequest {
    std::string presented_hash;  // hash of the refresh token the client presented
    std::string new_token_hash;  // hash of the token that replaces it
    Time now;
    // The new token's idle expiry is now + idle_lifetime, capped at the family's absolute expiry.
    // Family, client, subject and scopes are the presented token's (RFC 6749 §6).
    std::chrono::seconds idle_lifetime{0};
    // A token used less than `grace` ago may be presented again (a client that lost the
    // response) and gets another child, at most `max_grace_reuses` times; any other second use
    // is reuse: the whole family is revoked.
    std::chrono::seconds grace{0};
    int max_grace_reuses = 0;
    Time revocation_keep_until;  // for a family revoked on reuse: now + longest access lifetime
};

struct Rotated {
    RefreshToken presented;  // as it was before this rotation
    RefreshToken issued;     // the new token, as stored
    bool within_grace = false;
};

struct ReuseDetected {
    std::string family_id;  // revoked in the same transaction
    std::string client_id;
    std::string subject;
};

enum class InvalidReason { unknown, expired, revoked };

struct RotationRefused {
    InvalidReason reason;
};

using RotationOutcome = std::variant<Rotated, ReuseDetected, RotationRefused>;

struct RevocationLists {
    std::vector<AccessTokenRevocation> access_tokens;
    std::vector<FamilyRevocation> families;
    std::vector<SubjectRevocation> subjects;
};

struct PurgeCounts {
    std::size_t refresh_families = 0;  // with their tokens
    std::size_t access_token_revocations = 0;
    std::size_t family_revocations = 0;
    std::size_t subject_revocations = 0;
    std::size_t bans = 0;
};

class Store {
  public:
    virtual ~Store() = default;

    // Users. Usernames and emails are unique ignoring ASCII case.
    virtual StoreResult<void> create_user(const User& user) = 0;
    virtual StoreResult<User> find_user_by_id(std::string_view id) = 0;
    virtual StoreResult<User> find_user_by_username(std::string_view username) = 0;
    virtual StoreResult<std::vector<User>> list_users() = 0;
    virtual StoreResult<void> set_user_roles(std::string_view id,
                                             const std::vector<std::string>& roles) = 0;
    virtual StoreResult<void> set_user_disabled(std::string_view id, bool disabled,
                                                const std::optional<SessionCutoff>& cutoff) = 0;
    // Also sets password_changed_at.
    virtual StoreResult<void> set_user_password_hash(
        std::string_view id, std::string_view password_hash, Time changed_at,
        const std::optional<SessionCutoff>& cutoff) = 0;
    // Returns the new count.
    virtual StoreResult<int> record_failed_login(std::string_view id) = 0;
    // Count back to zero and unlocked.
    virtual StoreResult<void> reset_failed_logins(std::string_view id) = 0;
    virtual StoreResult<void> set_user_locked_until(std::string_view id,
                                                    std::optional<Time> locked_until) = 0;

    // API keys.
    virtual StoreResult<void> create_api_key(const ApiKey& key) = 0;
    virtual StoreResult<ApiKey> find_api_key(std::string_view id) = 0;
    virtual StoreResult<std::vector<ApiKey>> list_api_keys() = 0;
    // Revoking twice keeps the first time.
    virtual StoreResult<void> revoke_api_key(std::string_view id, Time revoked_at) = 0;
    virtual StoreResult<void> set_api_key_expiry(std::string_view id,
                                                 std::optional<Time> expires_at) = 0;

    // OAuth clients.
    virtual StoreResult<void> create_client(const OAuthClient& client) = 0;
    virtual StoreResult<OAuthClient> find_client(std::string_view client_id) = 0;
    virtual StoreResult<std::vector<OAuthClient>> list_clients() = 0;
    // Everything but client_id and created_at.
    virtual StoreResult<void> update_client(const OAuthClient& client) = 0;
    // Deletes the client with its refresh tokens; their families stay on the revocation list
    // until `revocation_keep_until` so the access tokens issued from them die too.
    virtual StoreResult<void> delete_client(std::string_view client_id, Time now,
                                            Time revocation_keep_until) = 0;

    // Refresh tokens. The first token of a family creates the family (conflict if it exists).
    virtual StoreResult<void> insert_refresh_token(const RefreshToken& first) = 0;
    // One transaction: of any number of concurrent rotations of one token, exactly one (plus
    // the allowed grace reuses) is `Rotated`.
    virtual StoreResult<RotationOutcome> rotate_refresh_token(const RotationRequest& request) = 0;
    virtual StoreResult<RefreshToken> find_refresh_token(std::string_view token_hash) = 0;
    // Revoking a revoked family changes nothing.
    virtual StoreResult<void> revoke_family(std::string_view family_id, std::string_view reason,
                                            Time now, Time keep_until) = 0;
    // Returns how many families were revoked by this call.
    virtual StoreResult<std::size_t> revoke_families_of_subject(std::string_view subject,
                                                                std::string_view reason, Time now,
                                                                Time keep_until) = 0;
    // revoke_families_of_subject plus a subject revocation, in one transaction.
    virtual StoreResult<void> revoke_subject(std::string_view subject,
                                             const SessionCutoff& cutoff) = 0;
    // All families, or those of one subject; oldest first.
    virtual StoreResult<std::vector<RefreshFamily>> list_families(
        std::optional<std::string_view> subject) = 0;

    // Revocation lists. Adding an entry that exists keeps the later time.
    virtual StoreResult<void> add_access_token_revocation(
        const AccessTokenRevocation& revocation) = 0;
    virtual StoreResult<void> add_subject_revocation(const SubjectRevocation& revocation) = 0;
    // Every entry still relevant at `now`, read from one consistent snapshot.
    virtual StoreResult<RevocationLists> load_revocations(Time now) = 0;

    // Signing keys, oldest first.
    virtual StoreResult<void> insert_signing_key(const SigningKey& key) = 0;
    virtual StoreResult<std::vector<SigningKey>> list_signing_keys() = 0;
    virtual StoreResult<void> set_signing_key_schedule(std::string_view kid,
                                                       std::optional<Time> retire_at,
                                                       std::optional<Time> remove_at) = 0;
    virtual StoreResult<void> delete_signing_key(std::string_view kid) = 0;

    // Bans made by an administrator. Saving an id that exists replaces it.
    virtual StoreResult<void> save_ban(const StoredBan& ban) = 0;
    // not_found when no such ban is stored.
    virtual StoreResult<void> delete_ban(std::string_view id) = 0;
    // Bans not expired at `now`.
    virtual StoreResult<std::vector<StoredBan>> list_bans(Time now) = 0;

    // Small named values, e.g. the fingerprint of the master key.
    virtual StoreResult<std::optional<std::string>> get_meta(std::string_view name) = 0;
    virtual StoreResult<void> set_meta(std::string_view name, std::string_view value) = 0;

    // Housekeeping: drops families past their absolute expiry (with their tokens) and
    // revocation entries no longer relevant at `now`.
    virtual StoreResult<PurgeCounts> purge_expired(Time now) = 0;
};

}  // namespace rampart::store
