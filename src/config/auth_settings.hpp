// The authentication part of the configuration: the built-in token service,
// external token issuers, API keys and what each route accepts. Read by
// config/auth_loader.cpp; docs/authentication.md documents every key.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/yaml_reader.hpp"

namespace rampart::config {

using namespace std::chrono_literals;

enum class AuthMethod { jwt, api_key, basic, mtls };

// What a route accepts. No methods: `auth: none`, said explicitly.
struct RouteAuth {
    std::vector<AuthMethod> methods;
    // For jwt: the names of the issuers whose tokens the route accepts
    // ("rampart" is the built-in token service). Empty: every configured issuer.
    std::vector<std::string> issuers;

    bool is_none() const { return methods.empty(); }
    bool accepts(AuthMethod method) const {
        for (auto accepted : methods) {
            if (accepted == method) {
                return true;
            }
        }
        return false;
    }
};

struct RefreshTokenSettings {
    Duration idle_lifetime = 24h;
    Duration absolute_lifetime = 30 * 24h;  // never extended by rotation
    Duration grace_period = 0s;             // concurrent refreshes; at most 60 s
    std::uint32_t max_grace_reuses = 3;
};

struct PasswordSettings {
    std::uint32_t memory_kib = 19456;  // OWASP's Argon2id floor
    std::uint32_t iterations = 2;
    std::uint32_t min_characters = 12;
    std::uint32_t max_characters = 128;
    std::string common_password_file = "/usr/share/john/password.lst";
};

struct LoginThrottleSettings {
    std::uint32_t free_attempts = 5;
    Duration base_delay = 1s;
    Duration max_delay = 15min;
    std::uint32_t spray_threshold = 20;  // distinct accounts one address may fail on...
    Duration spray_window = 10min;       // ...within this window,
    Duration spray_ban = 15min;          // before it is banned this long
    // Distinct addresses failing on one account within spray_window: reported
    // as distributed credential stuffing (the account is throttled, never locked).
    std::uint32_t distributed_threshold = 10;
};

struct SigningSettings {
    std::string algorithm = "ES256";  // ES256, EdDSA or RS256
    // A new key is in the JWKS this long before it signs; at least jwks_max_age,
    // so that every verifier that honours the cache lifetime has seen it.
    Duration publish_lead = 10min;
    Duration jwks_max_age = 5min;
};

struct TokenServiceSettings {
    bool enabled = false;
    std::string issuer;  // https URL, no query or fragment
    std::string audience = "api://rampart";
    Duration access_token_lifetime = 10min;
    bool allow_long_access_tokens = false;  // lifetimes over an hour
    RefreshTokenSettings refresh;
    PasswordSettings passwords;
    LoginThrottleSettings login_throttle;
    SigningSettings signing;
    bool password_grant = false;
    // false: introspection and revocation answer 404 on the public listeners.
    bool introspection_public = true;
    // Argon2id runs on this many threads, with at most max_pending_hashes
    // waiting; beyond that logins get 503 with Retry-After (memory stays bounded).
    std::uint32_t hashing_threads = 2;
    std::uint32_t max_pending_hashes = 32;
    std::string location;  // file:line, for messages
};

// A token issuer other than Rampart (an OIDC provider).
struct ExternalIssuerSettings {
    std::string name;
    std::string issuer;
    std::vector<std::string> audiences;
    std::optional<std::string> jwks_uri;      // https, fetched before serving
    std::optional<std::string> jwks_file;     // or a local JWKS
    std::optional<std::string> hs256_secret;  // or one shared HMAC key (at least 32 bytes)
    std::optional<std::string> ca_file;       // for the jwks_uri fetch; default: system store
    bool allow_private_addresses = false;     // jwks_uri on loopback or private networks
    Duration refresh_interval = 10min;
    Duration refetch_cooldown = 30s;  // an unknown kid refetches at most this often
    Duration fetch_timeout = 5s;
    std::uint64_t max_jwks_bytes = 256 * 1024;
    Duration max_token_lifetime = 24h;
    std::optional<std::string> required_type;  // e.g. "at+jwt"
    std::string location;
};

struct JwtSettings {
    Duration leeway = 60s;  // at most 60 s
    std::uint64_t max_token_bytes = 8 * 1024;
    std::uint64_t cache_entries = 10'000;  // verified tokens kept, per worker
    Duration cache_ttl = 5min;
};

struct ApiKeySettings {
    // Empty: `Authorization: ApiKey <key>`. Otherwise the name of the header.
    std::string header;
    Duration rotation_overlap = 24h;  // the old key stays valid this long after a rotation
};

// Which name of a verified client certificate an mtls consumer is recognised by.
enum class CertificateField { subject, dns_name, uri, email };

// A consumer recognised by its client certificate (`mtls.consumers`).
struct CertificateConsumer {
    std::string name;
    CertificateField field = CertificateField::subject;
    std::string value;  // matched exactly, byte for byte
    std::vector<std::string> roles;
    std::vector<std::string> scopes;
    std::string location;  // file:line, for messages
};

struct MtlsSettings {
    std::vector<CertificateConsumer> consumers;
    // Compiled when the configuration loads: the index in `consumers` of each
    // subject and alternative name, so a request costs hash lookups only.
    std::unordered_map<std::string, std::size_t> by_subject;
    std::unordered_map<std::string, std::size_t> by_dns_name;
    std::unordered_map<std::string, std::size_t> by_uri;
    std::unordered_map<std::string, std::size_t> by_email;
};

struct AuthSettings {
    TokenServiceSettings token_service;
    std::vector<ExternalIssuerSettings> issuers;
    JwtSettings jwt;
    ApiKeySettings api_keys;
    MtlsSettings mtls;
    // The master key that seals signing keys at rest: from this environment
    // variable, else this file, else (embedded default) <data>/master.key.
    std::string master_key_environment = "RAMPART_MASTER_KEY";
    std::optional<std::string> master_key_file;
};

inline constexpr const char* built_in_issuer_name = "rampart";

}  // namespace rampart::config
