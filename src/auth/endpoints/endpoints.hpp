// The token service's built-in routes (config/loader.cpp adds them when
// token_service is enabled): login, logout and password change, the OAuth token, revocation
// and introspection endpoints, the JWKS and the RFC 8414 metadata.
#pragma once

#include <memory>
#include <string_view>

#include "auth/auth_runtime.hpp"
#include "config/settings.hpp"
#include "pipeline/handler.hpp"

namespace rampart::auth::endpoints {

// The handler named `name` ("login", "token", ...). `runtime` may be null
// when compiling for `rampart check`: the handler is then never run.
// `settings` must outlive the handler (both belong to one Snapshot).
std::shared_ptr<const pipeline::Handler> make_handler(std::string_view name,
                                                      const config::Settings& settings,
                                                      AuthRuntime* runtime);

std::shared_ptr<const pipeline::Handler> make_login_handler(const config::Settings&, AuthRuntime*);
std::shared_ptr<const pipeline::Handler> make_logout_handler(const config::Settings&, AuthRuntime*);
std::shared_ptr<const pipeline::Handler> make_password_change_handler(const config::Settings&,
                                                                      AuthRuntime*);
std::shared_ptr<const pipeline::Handler> make_token_handler(const config::Settings&, AuthRuntime*);
std::shared_ptr<const pipeline::Handler> make_revocation_handler(const config::Settings&,
                                                                 AuthRuntime*);
std::shared_ptr<const pipeline::Handler> make_introspection_handler(const config::Settings&,
                                                                    AuthRuntime*);
std::shared_ptr<const pipeline::Handler> make_jwks_handler(const config::Settings&, AuthRuntime*);
std::shared_ptr<const pipeline::Handler> make_metadata_handler(const config::Settings&,
                                                               AuthRuntime*);

}  // namespace rampart::auth::endpoints
