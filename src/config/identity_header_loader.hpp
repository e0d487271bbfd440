// Reads `identity_headers:` (docs/configuration.md) into IdentityHeaderSettings.
#pragma once

#include "config/identity_header_settings.hpp"
#include "config/yaml_reader.hpp"

namespace rampart::config {

// `token_service_enabled`: a signed identity needs the token service's signing key.
IdentityHeaderSettings read_identity_headers(const Section& section, bool token_service_enabled);

}  // namespace rampart::config
