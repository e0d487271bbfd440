// The identity headers of an upstream request (AUTHZ-04): every client-sent
// copy of an identity header goes, then the gateway sets those it can vouch
// for from the verified identity (none for an unauthenticated request), and,
// when configured, a signed identity for this upstream.
#pragma once

#include <string_view>

#include "config/identity_header_settings.hpp"
#include "pipeline/exchange.hpp"

namespace rampart::auth {
class KeyRing;
}

namespace rampart::net {

// Removes every header of `exchange.request` that settings.refused_names covers.
void strip_identity_headers(pipeline::Exchange& exchange,
                            const config::IdentityHeaderSettings& settings);

// Sets the configured headers from exchange.identity (an empty value is left out). With a signed
// identity configured, `keys` signs it for `upstream_name`; without a key to sign with, the
// header is left out and false is returned (the caller fails closed).
bool set_identity_headers(pipeline::Exchange& exchange,
                          const config::IdentityHeaderSettings& settings, const auth::KeyRing* keys,
                          std::string_view issuer, std::string_view upstream_name);

}  // namespace rampart::net
