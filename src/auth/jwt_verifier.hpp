// Verifies bearer JWTs for one route: the signature against the keys of the
// issuers the route accepts (the algorithm comes from the key, never from the
// token), the claims against that issuer's rules, and, for Rampart's own
// tokens, the revocation lists. A verified token is cached per worker, keyed
// by a hash of the token, until the earlier of its exp and the cache TTL; a
// cache hit still checks revocation and that its key is still published, so
// both take effect at once.
#pragma once

#include <boost/system/result.hpp>

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "auth/credential_directory.hpp"
#include "auth/jose/claims.hpp"
#include "auth/jose/jwks.hpp"
#include "config/auth_settings.hpp"
#include "pipeline/identity.hpp"

namespace rampart::auth {

class JwksSource;
class JwksSources;

struct AcceptedIssuer {
    std::string name;
    jose::ClaimRules rules;  // without `now`
    // Fixed keys (jwks_file, hs256_secret).
    std::shared_ptr<const jose::KeySet> keys;
    // Fetched keys (jwks_uri), read afresh for every token.
    std::shared_ptr<JwksSource> source;
    // Neither: Rampart's own issuer, whose keys come from the credential directory.
    bool built_in() const { return keys == nullptr && source == nullptr; }
};

// Builds the issuers a route accepts from the configuration (jwks_file and
// hs256_secret keys are read here, at load time; throws on bad material).
// jwks_uri issuers get their source from `sources` (a new one is fetched now,
// on the calling thread); with no registry (`rampart check`, which opens
// nothing) an unfetched, empty source.
std::vector<AcceptedIssuer> accepted_issuers(const config::AuthSettings& auth,
                                             const std::vector<std::string>& names,
                                             JwksSources* sources);

class JwtVerifier {
  public:
    JwtVerifier(std::vector<AcceptedIssuer> issuers, const config::JwtSettings& settings,
                unsigned workers);
    ~JwtVerifier();

    // The failure is a short fixed reason for the security log; the client
    // only ever hears "invalid_token".
    boost::system::result<pipeline::Identity, std::string_view> verify(
        std::string_view token, const CredentialDirectory& directory, unsigned worker,
        std::chrono::system_clock::time_point now) const;

  private:
    struct Cache;
    boost::system::result<pipeline::Identity, std::string_view> verify_uncached(
        std::string_view token, const CredentialDirectory& directory,
        std::chrono::system_clock::time_point now, std::string& kid,
        std::size_t& issuer_index) const;

    std::vector<AcceptedIssuer> issuers_;
    config::JwtSettings settings_;
    std::vector<std::unique_ptr<Cache>> caches_;  // one per worker: no locks
};

}  // namespace rampart::auth
