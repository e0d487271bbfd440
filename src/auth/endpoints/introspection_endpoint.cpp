// POST /oauth2/introspect (RFC 7662), for clients allowed to introspect. An
// active token gives active:true with its claims; anything else, whatever the
// reason, gives exactly {"active":false} (INT-02).
#include <boost/json/array.hpp>

#include "auth/access_token_issuer.hpp"
#include "auth/endpoints/endpoint_support.hpp"
#include "auth/endpoints/endpoints.hpp"
#include "auth/jose/jws.hpp"
#include "auth/jwt_verifier.hpp"
#include "auth/secret_token.hpp"

namespace rampart::auth::endpoints {

namespace {

namespace http = pipeline::http;

class IntrospectionHandler final : public pipeline::Handler {
  public:
    IntrospectionHandler(const config::Settings& settings, AuthRuntime& runtime)
        : settings_(settings),
          runtime_(runtime),
          verifier_(accepted_issuers(settings.auth, {config::built_in_issuer_name}, nullptr),
                    no_cache(settings), 1) {}
    std::string_view name() const override { return "introspect"; }

    boost::asio::awaitable<void> handle(pipeline::Exchange& exchange) const override {
        auto request = co_await read_client_request(exchange, runtime_, true);
        if (!request) {
            co_return;
        }
        if (!request->client.client->may_introspect) {
            // No oracle for scanners: introspection needs a client allowed to use it (INT-01).
            set_oauth_error(exchange, "invalid_client");
            co_return;
        }
        const auto& form = request->form;
        auto token = parameter(form, "token");
        if (!token) {
            set_oauth_error(exchange, "invalid_request");
            co_return;
        }
        auto directory = runtime_.directory();
        auto identity = verifier_.verify(*token, *directory, 0, std::chrono::system_clock::now());
        if (identity) {
            set_json(exchange, http::status::ok, access_token_claims(*identity));
            co_return;
        }
        boost::json::object answer{{"active", false}};
        std::string token_text(*token);
        bool ran = co_await runtime_.blocking_pool().run(
            [&] { answer = refresh_token_claims(token_text); });
        if (!ran) {
            set_busy(exchange);
            co_return;
        }
        set_json(exchange, http::status::ok, answer);
    }

  private:
    static config::JwtSettings no_cache(const config::Settings& settings) {
        auto jwt = settings.auth.jwt;
        jwt.cache_entries = 0;  // revocation must show at once, and this is no hot path
        return jwt;
    }

    boost::json::object access_token_claims(const pipeline::Identity& identity) const {
        boost::json::array roles;
        for (const auto& role : identity.roles) {
            roles.emplace_back(role);
        }
        return {{"active", true},
                {"token_type", "access_token"},
                {"iss", settings_.auth.token_service.issuer},
                {"aud", settings_.auth.token_service.audience},
                {"sub", identity.subject},
                {"client_id", identity.client_id},
                {"scope", join_scopes(identity.scopes)},
                {"roles", std::move(roles)},
                {"jti", identity.token_id},
                {"iat", identity.issued_at},
                {"exp", identity.expires_at},
                {jose::token_kind_claim,
                 identity.kind == pipeline::SubjectKind::client ? "client" : "user"}};
    }

    // On the blocking pool.
    boost::json::object refresh_token_claims(const std::string& token) const {
        auto found = runtime_.store().find_refresh_token(sha256_hex(token));
        auto now = std::chrono::system_clock::now();
        if (!found || found->revoked || found->used_at || found->idle_expires_at <= now ||
            found->family_expires_at <= now) {
            return {{"active", false}};
        }
        return {{"active", true},
                {"token_type", "refresh_token"},
                {"sub", found->subject},
                {"client_id", found->client_id},
                {"scope", join_scopes(found->scopes)},
                {"iat", unix_seconds(found->issued_at)},
                {"exp", unix_seconds(found->idle_expires_at)}};
    }

    const config::Settings& settings_;
    AuthRuntime& runtime_;
    JwtVerifier verifier_;
};

}  // namespace

std::shared_ptr<const pipeline::Handler> make_introspection_handler(
    const config::Settings& settings, AuthRuntime* runtime) {
    return std::make_shared<IntrospectionHandler>(settings, *runtime);
}

}  // namespace rampart::auth::endpoints
