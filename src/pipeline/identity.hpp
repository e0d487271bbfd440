// Who made a request, once an authentication stage has verified it. Later
// stages (authorization, rate limits per consumer, identity headers to the
// upstream) and the access log read it; nothing here came from the client
// unverified.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace boost::json {
class object;
}

namespace rampart::pipeline {

enum class CredentialKind { access_token, api_key, basic, mtls };
// certificate_consumer: an `mtls.consumers` entry, recognised by its client certificate.
enum class SubjectKind { user, client, api_key_consumer, certificate_consumer };

struct Identity {
    CredentialKind credential = CredentialKind::access_token;
    SubjectKind kind = SubjectKind::user;
    // sub of the token, user id for Basic, key id for an API key, consumer name for mtls
    std::string subject;
    std::string issuer_name;  // "rampart" or a configured issuer; empty for API keys and Basic
    std::string client_id;
    std::string consumer;  // the API key's or the client certificate's consumer name
    std::string username;  // for Basic
    std::vector<std::string> scopes;
    std::vector<std::string> roles;
    std::string token_id;         // jti, for revocation
    std::string session_family;   // sid
    std::int64_t issued_at = 0;   // unix seconds; 0 when unknown
    std::int64_t expires_at = 0;  // unix seconds; 0 when the credential has no expiry
    // Every claim of a verified JWT (an external issuer's `email`, `tenant`...), for rules and
    // the ownership check to read; null for other credentials. Shared, so that a token served
    // from the verifier's cache costs a reference count, not a copy.
    std::shared_ptr<const boost::json::object> claims;
};

}  // namespace rampart::pipeline
