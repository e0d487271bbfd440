// Reads the authentication keys of the configuration (config/auth_settings.hpp).
#pragma once

#include "config/auth_settings.hpp"
#include "config/yaml_reader.hpp"

namespace rampart::config {

struct Listener;

// The top-level keys token_service, issuers, jwt, api_keys, mtls and master_key.
// `default_issuer` is the issuer URL used when token_service names none.
AuthSettings read_auth_settings(const Section& root, const std::string& default_issuer);

// A route's or group's `auth`: none, a method, a list of methods, or
// {methods: [...], issuers: [...]}.
RouteAuth read_route_auth(const Section& section);

// A route's accepted methods and issuers exist in `auth` (and, for mtls, a
// listener verifies client certificates); `section` is the innermost route or
// group that set `auth`, for the message.
void check_route_auth(const RouteAuth& route_auth, const AuthSettings& auth,
                      const std::vector<Listener>& listeners, const Section& section);

}  // namespace rampart::config
