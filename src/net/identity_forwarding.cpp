#include "net/identity_forwarding.hpp"

#include <chrono>

#include "auth/access_token_issuer.hpp"
#include "auth/identity_assertion.hpp"
#include "auth/signing_keys.hpp"

namespace rampart::net {

namespace {

std::string joined(const std::vector<std::string>& names, std::string_view separator) {
    std::string text;
    for (const auto& name : names) {
        if (!text.empty()) {
            text += separator;
        }
        text += name;
    }
    return text;
}

std::string value_of(const pipeline::Identity& identity, config::IdentityField field) {
    switch (field) {
        case config::IdentityField::subject:
            return identity.subject;
        case config::IdentityField::username:
            return identity.username;
        case config::IdentityField::client_id:
            return identity.client_id;
        case config::IdentityField::consumer:
            return identity.consumer;
        case config::IdentityField::roles:
            return joined(identity.roles, ",");
        case config::IdentityField::scopes:
            return joined(identity.scopes, " ");
        case config::IdentityField::issuer:
            return identity.issuer_name;
        case config::IdentityField::credential:
            return std::string(auth::credential_name(identity.credential));
    }
    return {};
}

}  // namespace

void strip_identity_headers(pipeline::Exchange& exchange,
                            const config::IdentityHeaderSettings& settings) {
    auto& request = exchange.request;
    for (auto field = request.begin(); field != request.end();) {
        field = config::is_identity_header(field->name_string(), settings) ? request.erase(field)
                                                                           : std::next(field);
    }
}

bool set_identity_headers(pipeline::Exchange& exchange,
                          const config::IdentityHeaderSettings& settings, const auth::KeyRing* keys,
                          std::string_view issuer, std::string_view upstream_name) {
    if (!exchange.identity) {
        return true;
    }
    const auto& identity = *exchange.identity;
    for (const auto& header : settings.set) {
        auto value = value_of(identity, header.field);
        if (!value.empty()) {
            exchange.request.set(header.name, value);
        }
    }
    const auto& signed_identity = settings.signed_identity;
    if (!signed_identity.enabled) {
        return true;
    }
    if (keys == nullptr) {
        return false;
    }
    auto assertion =
        auth::issue_identity_assertion(*keys, issuer, identity, upstream_name,
                                       signed_identity.lifetime, std::chrono::system_clock::now());
    if (!assertion) {
        return false;
    }
    exchange.request.set(signed_identity.header, *assertion);
    return true;
}

}  // namespace rampart::net
