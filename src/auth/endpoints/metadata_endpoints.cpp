// GET /.well-known/jwks.json (KEY-01, KEY-02) and the RFC 8414 authorization
// server metadata (META-01, META-02): public, cacheable, and advertising only
// what is enforced.
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include "auth/endpoints/endpoint_support.hpp"
#include "auth/endpoints/endpoints.hpp"
#include "pipeline/problem.hpp"

namespace rampart::auth::endpoints {

namespace {

namespace http = pipeline::http;

void set_public_json(pipeline::Exchange& exchange, const boost::json::object& body,
                     std::chrono::seconds max_age) {
    exchange.response = pipeline::Response{http::status::ok, 11};
    exchange.response_is_public_document = true;
    exchange.response.set(http::field::content_type, "application/json");
    exchange.response.set(http::field::cache_control,
                          "public, max-age=" + std::to_string(max_age.count()));
    exchange.response.body() = boost::json::serialize(body);
}

class JwksHandler final : public pipeline::Handler {
  public:
    JwksHandler(const config::Settings& settings, AuthRuntime& runtime)
        : settings_(settings), runtime_(runtime) {}
    std::string_view name() const override { return "jwks"; }

    boost::asio::awaitable<void> handle(pipeline::Exchange& exchange) const override {
        auto directory = runtime_.directory();
        if (!directory->keys) {
            pipeline::set_problem(exchange, http::status::service_unavailable,
                                  "No signing keys are loaded.");
            co_return;
        }
        set_public_json(exchange, directory->keys->jwks(),
                        std::chrono::duration_cast<std::chrono::seconds>(
                            settings_.auth.token_service.signing.jwks_max_age));
    }

  private:
    const config::Settings& settings_;
    AuthRuntime& runtime_;
};

class MetadataHandler final : public pipeline::Handler {
  public:
    explicit MetadataHandler(const config::Settings& settings) : document_(build(settings)) {}
    std::string_view name() const override { return "metadata"; }

    boost::asio::awaitable<void> handle(pipeline::Exchange& exchange) const override {
        set_public_json(exchange, document_, std::chrono::seconds(3600));
        co_return;
    }

  private:
    static boost::json::object build(const config::Settings& settings) {
        const auto& service = settings.auth.token_service;
        auto base = service.issuer;
        while (!base.empty() && base.back() == '/') {
            base.pop_back();
        }
        boost::json::array grants{"refresh_token", "client_credentials"};
        if (service.password_grant) {
            grants.emplace_back("password");  // only when served (META-02)
        }
        boost::json::object document{
            {"issuer", service.issuer},
            {"token_endpoint", base + "/oauth2/token"},
            {"jwks_uri", base + "/.well-known/jwks.json"},
            {"revocation_endpoint", base + "/oauth2/revoke"},
            {"introspection_endpoint", base + "/oauth2/introspect"},
            {"grant_types_supported", std::move(grants)},
            {"token_endpoint_auth_methods_supported",
             boost::json::array{"client_secret_basic", "client_secret_post"}},
            {"revocation_endpoint_auth_methods_supported",
             boost::json::array{"client_secret_basic", "client_secret_post"}},
            {"introspection_endpoint_auth_methods_supported",
             boost::json::array{"client_secret_basic", "client_secret_post"}},
            {"response_types_supported", boost::json::array{}},
            {"scopes_supported", boost::json::array{}},
            {"token_endpoint_auth_signing_alg_values_supported", boost::json::array{}},
            {"access_token_signing_alg_values_supported",
             boost::json::array{service.signing.algorithm}},
        };
        return document;
    }

    boost::json::object document_;
};

}  // namespace

std::shared_ptr<const pipeline::Handler> make_jwks_handler(const config::Settings& settings,
                                                           AuthRuntime* runtime) {
    return std::make_shared<JwksHandler>(settings, *runtime);
}

std::shared_ptr<const pipeline::Handler> make_metadata_handler(const config::Settings& settings,
                                                               AuthRuntime*) {
    return std::make_shared<MetadataHandler>(settings);
}

}  // namespace rampart::auth::endpoints
