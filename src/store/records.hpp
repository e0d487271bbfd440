// The records of the token service as plain values, independent of any database.
//
// Times are whole seconds (they are stored as integer unix seconds; sub-second parts are
// dropped). Ids are chosen by the caller (random, e.g. "usr_" + 16 base32 characters): the store
// stores what it is given and never sees a raw secret, only hashes (a PHC string for passwords,
// lower-case hex SHA-256 for high-entropy secrets such as API keys and refresh tokens).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace rampart::store {

using Time = std::chrono::system_clock::time_point;

struct User {
    std::string id;
    std::string username;              // unique, ignoring ASCII case
    std::optional<std::string> email;  // unique when present, ignoring ASCII case
    std::string password_hash;         // PHC string ("$argon2id$...")
    std::vector<std::string> roles;
    bool disabled = false;
    int failed_login_count = 0;
    std::optional<Time> locked_until;
    Time created_at;
    Time password_changed_at;
};

struct ApiKey {
    std::string id;           // the public key id, part of the presented key
    std::string prefix;       // shown in listings so an operator can recognise the key
    std::string secret_hash;  // hex SHA-256 of the secret part
    std::string consumer;
    std::vector<std::string> scopes;
    std::vector<std::string> roles;
    Time created_at;
    std::optional<Time> expires_at;
    std::optional<Time> revoked_at;
};

struct OAuthClient {
    std::string client_id;
    std::optional<std::string> secret_hash;  // hex SHA-256 or PHC string; none for a public client
    std::string name;
    std::vector<std::string> allowed_grant_types;
    std::vector<std::string> allowed_scopes;
    std::vector<std::string> roles;
    bool may_introspect = false;
    bool disabled = false;
    Time created_at;
};

enum class SubjectKind { user, client };

struct RefreshToken {
    std::string token_hash;  // hex SHA-256 of the token
    std::string family_id;
    std::optional<std::string> parent_hash;  // none for the first token of a family
    std::string client_id;
    std::string subject;
    SubjectKind subject_kind = SubjectKind::user;
    std::vector<std::string> scopes;
    Time issued_at;
    Time idle_expires_at;
    Time family_expires_at;  // absolute: set by the first token, never extended by rotation
    std::optional<Time> used_at;
    int grace_reuses = 0;  // children issued after the first one, within the grace period
    bool revoked = false;
};

// One login session: the chain of refresh tokens rotated from one grant.
struct RefreshFamily {
    std::string family_id;
    std::string client_id;
    std::string subject;
    SubjectKind subject_kind = SubjectKind::user;
    Time created_at;
    Time family_expires_at;
    std::optional<Time> revoked_at;
    std::string revoke_reason;  // empty unless revoked
};

// The revocation lists the gateway keeps in memory; each entry matters until its last time.
struct AccessTokenRevocation {
    std::string jti;
    Time expires_at;  // the token's exp: afterwards it is dead anyway
};

struct FamilyRevocation {
    std::string family_id;  // access tokens carrying this family id are dead
    Time revoked_at;
    Time keep_until;  // revoked_at + the longest access-token lifetime
};

struct SubjectRevocation {
    std::string subject;  // tokens of this subject issued before not_before are dead
    Time not_before;
    Time keep_until;  // not_before + the longest access-token lifetime
};

struct SigningKey {
    std::string kid;
    std::string algorithm;                         // "EdDSA", "ES256", "RS256"...
    std::string public_jwk;                        // JSON text
    std::vector<std::uint8_t> sealed_private_key;  // encrypted with the master key
    Time created_at;
    Time publish_at;                // enters the JWKS
    Time activate_at;               // starts signing
    std::optional<Time> retire_at;  // stops signing
    std::optional<Time> remove_at;  // leaves the JWKS
};

// A ban an administrator made (limit/ban_list.hpp): kept so that it survives a
// restart. Automatic bans are not stored: they are short, and made again if
// the behaviour goes on.
struct StoredBan {
    std::string id;
    std::string kind;    // "address", "consumer", "subject", "token"
    std::string target;  // canonical; a token by jti, API key id or digest, never itself
    std::string reason;
    std::string created_by;
    Time created_at;
    Time expires_at;
};

}  // namespace rampart::store
