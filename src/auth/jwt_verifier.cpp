#include "auth/jwt_verifier.hpp"

#include <sodium.h>

#include <deque>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include "auth/jose/jws.hpp"
#include "auth/jwks_source.hpp"

namespace rampart::auth {

namespace {

using Clock = std::chrono::system_clock;

std::int64_t unix_seconds(Clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::seconds>(time.time_since_epoch()).count();
}

std::string cache_key(std::string_view token) {
    std::string key(crypto_generichash_BYTES_MIN, '\0');
    crypto_generichash(reinterpret_cast<unsigned char*>(key.data()), key.size(),
                       reinterpret_cast<const unsigned char*>(token.data()), token.size(), nullptr,
                       0);
    return key;
}

std::shared_ptr<const jose::KeySet> load_issuer_keys(const config::ExternalIssuerSettings& issuer) {
    if (issuer.hs256_secret) {
        const auto& secret = *issuer.hs256_secret;
        auto key = jose::Key::from_hmac_secret(
            std::span(reinterpret_cast<const unsigned char*>(secret.data()), secret.size()),
            issuer.name);
        if (!key) {
            throw config::ConfigError(issuer.location + ": issuers." + issuer.name +
                                      ".hs256_secret: " + std::string(jose::describe(key.error())));
        }
        auto set = std::make_shared<jose::KeySet>();
        (void)set->add(std::move(*key));
        return set;
    }
    if (issuer.jwks_file) {
        std::ifstream file(*issuer.jwks_file);
        if (!file) {
            throw config::ConfigError(issuer.location + ": issuers." + issuer.name +
                                      ".jwks_file: cannot read " + *issuer.jwks_file);
        }
        std::stringstream text;
        text << file.rdbuf();
        auto set = jose::KeySet::parse(text.str());
        if (!set) {
            throw config::ConfigError(issuer.location + ": issuers." + issuer.name +
                                      ".jwks_file: " + std::string(jose::describe(set.error())));
        }
        return std::make_shared<jose::KeySet>(std::move(*set));
    }
    throw config::ConfigError(issuer.location + ": issuers." + issuer.name +
                              ": no key source (jwks_uri, jwks_file or hs256_secret)");
}

}  // namespace

struct JwtVerifier::Cache {
    struct Entry {
        pipeline::Identity identity;
        std::int64_t valid_until = 0;  // the earlier of exp and insertion + TTL
        std::int64_t issued_at = 0;
        std::string kid;
        std::size_t issuer_index = 0;
    };
    std::unordered_map<std::string, Entry> entries;
    std::deque<std::string> insertion_order;  // evicts the oldest when full
};

std::vector<AcceptedIssuer> accepted_issuers(const config::AuthSettings& auth,
                                             const std::vector<std::string>& names,
                                             JwksSources* sources) {
    auto wanted = [&](const std::string& name) {
        return names.empty() || std::find(names.begin(), names.end(), name) != names.end();
    };
    auto leeway = std::chrono::duration_cast<std::chrono::seconds>(auth.jwt.leeway);
    std::vector<AcceptedIssuer> issuers;
    if (auth.token_service.enabled && wanted(config::built_in_issuer_name)) {
        const auto& service = auth.token_service;
        AcceptedIssuer issuer;
        issuer.name = config::built_in_issuer_name;
        issuer.rules.issuer = service.issuer;
        issuer.rules.audiences = {service.audience};
        issuer.rules.leeway = leeway;
        issuer.rules.max_lifetime =
            std::chrono::duration_cast<std::chrono::seconds>(service.access_token_lifetime);
        issuer.rules.required_typ = "at+jwt";
        issuers.push_back(std::move(issuer));
    }
    for (const auto& external : auth.issuers) {
        if (!wanted(external.name)) {
            continue;
        }
        AcceptedIssuer issuer;
        issuer.name = external.name;
        issuer.rules.issuer = external.issuer;
        issuer.rules.audiences = external.audiences;
        issuer.rules.leeway = leeway;
        issuer.rules.max_lifetime =
            std::chrono::duration_cast<std::chrono::seconds>(external.max_token_lifetime);
        issuer.rules.required_typ = external.required_type.value_or("");
        if (external.jwks_uri) {
            issuer.source = sources != nullptr ? sources->obtain(external)
                                               : std::make_shared<JwksSource>(external);
        } else {
            issuer.keys = load_issuer_keys(external);
        }
        issuers.push_back(std::move(issuer));
    }
    return issuers;
}

JwtVerifier::JwtVerifier(std::vector<AcceptedIssuer> issuers, const config::JwtSettings& settings,
                         unsigned workers)
    : issuers_(std::move(issuers)), settings_(settings) {
    for (unsigned i = 0; i < std::max(1u, workers); ++i) {
        caches_.push_back(std::make_unique<Cache>());
    }
}

JwtVerifier::~JwtVerifier() = default;

boost::system::result<pipeline::Identity, std::string_view> JwtVerifier::verify(
    std::string_view token, const CredentialDirectory& directory, unsigned worker,
    Clock::time_point now) const {
    if (token.size() > settings_.max_token_bytes) {
        return std::string_view("token_too_large");
    }
    auto& cache = *caches_[worker % caches_.size()];
    auto now_seconds = unix_seconds(now);
    auto key = settings_.cache_entries > 0 ? cache_key(token) : std::string();
    if (auto hit = cache.entries.find(key); !key.empty() && hit != cache.entries.end()) {
        const auto& entry = hit->second;
        if (now_seconds >= entry.valid_until) {
            cache.entries.erase(hit);  // its slot in insertion_order is dropped on eviction
        } else {
            const auto& issuer = issuers_[entry.issuer_index];
            if (issuer.source != nullptr && issuer.source->keys()->find(entry.kid) == nullptr) {
                return std::string_view("key_retired");  // the issuer stopped publishing it
            }
            if (issuer.built_in()) {
                if (directory.keys == nullptr ||
                    directory.keys->published().find(entry.kid) == nullptr) {
                    return std::string_view("key_retired");
                }
                if (directory.revocations.is_revoked(
                        entry.identity.token_id, entry.identity.session_family,
                        entry.identity.subject,
                        Clock::time_point(std::chrono::seconds(entry.issued_at)))) {
                    return std::string_view("token_revoked");
                }
            }
            return entry.identity;
        }
    }
    std::string kid;
    std::size_t issuer_index = 0;
    auto identity = verify_uncached(token, directory, now, kid, issuer_index);
    if (!identity || key.empty()) {
        return identity;
    }
    if (cache.entries.size() >= settings_.cache_entries) {
        while (!cache.insertion_order.empty() && cache.entries.size() >= settings_.cache_entries) {
            cache.entries.erase(cache.insertion_order.front());
            cache.insertion_order.pop_front();
        }
    }
    auto ttl_end =
        now_seconds + std::chrono::duration_cast<std::chrono::seconds>(settings_.cache_ttl).count();
    Cache::Entry entry{*identity, std::min(identity->expires_at, ttl_end), identity->issued_at, kid,
                       issuer_index};
    cache.insertion_order.push_back(key);
    cache.entries.insert_or_assign(std::move(key), std::move(entry));
    return identity;
}

boost::system::result<pipeline::Identity, std::string_view> JwtVerifier::verify_uncached(
    std::string_view token, const CredentialDirectory& directory, Clock::time_point now,
    std::string& kid, std::size_t& issuer_index) const {
    jose::VerifyLimits limits;
    limits.max_token_bytes = settings_.max_token_bytes;
    std::string_view failure = "no_issuer";
    for (std::size_t index = 0; index < issuers_.size(); ++index) {
        const auto& issuer = issuers_[index];
        const jose::KeySet* keys = issuer.keys.get();
        std::shared_ptr<const jose::KeySet> fetched;  // held for this verification
        if (issuer.source != nullptr) {
            fetched = issuer.source->keys();
            keys = fetched.get();
        } else if (issuer.built_in()) {
            if (directory.keys == nullptr) {
                continue;
            }
            keys = &directory.keys->published();
        }
        auto verified = jose::verify_compact(token, *keys, limits);
        if (!verified) {
            failure = jose::describe(verified.error());
            if (verified.error() == jose::JoseError::kid_unknown) {
                if (issuer.source != nullptr) {
                    // Perhaps a new key: the control thread refetches (at most
                    // once per cooldown); this token is refused now.
                    issuer.source->request_refetch();
                }
                continue;  // perhaps another accepted issuer's key
            }
            return failure;
        }
        auto rules = issuer.rules;
        rules.now = std::chrono::time_point_cast<std::chrono::seconds>(now);
        auto claims = jose::validate_claims(verified->header, verified->payload, rules);
        if (!claims) {
            return jose::describe(claims.error());
        }
        if (issuer.built_in() &&
            directory.revocations.is_revoked(
                claims->jti, claims->session_family, claims->subject,
                Clock::time_point(std::chrono::seconds(claims->iat.value_or(0))))) {
            return std::string_view("token_revoked");
        }
        pipeline::Identity identity;
        identity.credential = pipeline::CredentialKind::access_token;
        identity.kind = claims->token_kind == jose::TokenKind::client
                            ? pipeline::SubjectKind::client
                            : pipeline::SubjectKind::user;
        identity.subject = std::move(claims->subject);
        identity.issuer_name = issuer.name;
        identity.client_id = std::move(claims->client_id);
        identity.scopes = std::move(claims->scopes);
        identity.roles = std::move(claims->roles);
        identity.token_id = std::move(claims->jti);
        identity.session_family = std::move(claims->session_family);
        identity.issued_at = claims->iat.value_or(0);
        identity.expires_at = claims->exp;
        identity.claims = std::make_shared<const boost::json::object>(std::move(claims->payload));
        kid = verified->kid;
        issuer_index = index;
        return identity;
    }
    return failure;
}

}  // namespace rampart::auth
