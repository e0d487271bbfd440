#include "auth/endpoints/endpoints.hpp"

#include "pipeline/problem.hpp"

namespace rampart::auth::endpoints {

namespace {

// What a handler compiled without runtime services (`rampart check`) answers,
// should it ever run: nothing is served without its store and keys.
class UnavailableHandler final : public pipeline::Handler {
  public:
    std::string_view name() const override { return "unavailable"; }
    boost::asio::awaitable<void> handle(pipeline::Exchange& exchange) const override {
        pipeline::set_problem(exchange, pipeline::http::status::service_unavailable);
        co_return;
    }
};

}  // namespace

std::shared_ptr<const pipeline::Handler> make_handler(std::string_view name,
                                                      const config::Settings& settings,
                                                      AuthRuntime* runtime) {
    using Factory =
        std::shared_ptr<const pipeline::Handler> (*)(const config::Settings&, AuthRuntime*);
    static const std::pair<std::string_view, Factory> factories[] = {
        {"login", make_login_handler},
        {"logout", make_logout_handler},
        {"password", make_password_change_handler},
        {"token", make_token_handler},
        {"revoke", make_revocation_handler},
        {"introspect", make_introspection_handler},
        {"jwks", make_jwks_handler},
        {"metadata", make_metadata_handler},
    };
    for (const auto& [handler_name, factory] : factories) {
        if (handler_name == name) {
            return runtime == nullptr ? std::make_shared<UnavailableHandler>()
                                      : factory(settings, runtime);
        }
    }
    throw config::ConfigError("unknown built-in handler " + std::string(name));
}

}  // namespace rampart::auth::endpoints
