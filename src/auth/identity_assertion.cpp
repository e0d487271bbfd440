#include "auth/identity_assertion.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "auth/access_token_issuer.hpp"
#include "auth/jose/jws.hpp"

namespace rampart::auth {

std::string_view credential_name(pipeline::CredentialKind credential) {
    switch (credential) {
        case pipeline::CredentialKind::access_token:
            return "access_token";
        case pipeline::CredentialKind::api_key:
            return "api_key";
        case pipeline::CredentialKind::basic:
            return "basic";
        case pipeline::CredentialKind::mtls:
            return "mtls";
    }
    return "unknown";
}

boost::system::result<std::string, AssertionError> issue_identity_assertion(
    const KeyRing& keys, std::string_view issuer, const pipeline::Identity& identity,
    std::string_view audience, std::chrono::seconds lifetime,
    std::chrono::system_clock::time_point now) {
    const auto* key = keys.signing_key();
    if (key == nullptr) {
        return AssertionError::no_signing_key;
    }
    auto issued_at =
        std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
    boost::json::object claims{{"iss", issuer},
                               {"sub", identity.subject},
                               {"aud", audience},
                               {"iat", issued_at},
                               {"nbf", issued_at},
                               {"exp", issued_at + lifetime.count()},
                               {"credential", credential_name(identity.credential)}};
    if (!identity.roles.empty()) {
        claims["roles"] = boost::json::array(identity.roles.begin(), identity.roles.end());
    }
    if (!identity.scopes.empty()) {
        claims["scope"] = join_scopes(identity.scopes);
    }
    for (auto [name, value] :
         {std::pair<std::string_view, const std::string*>{"client_id", &identity.client_id},
          {"consumer", &identity.consumer},
          {"token_issuer", &identity.issuer_name}}) {
        if (!value->empty()) {
            claims[name] = *value;
        }
    }
    boost::json::object header{{"typ", identity_assertion_type}};
    auto token = jose::sign_compact(header, claims, *key);
    if (!token) {
        return AssertionError::signing_failed;
    }
    return std::move(*token);
}

}  // namespace rampart::auth
