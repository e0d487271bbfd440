#include "pipeline/stages/authentication.hpp"

#include "auth/auth_runtime.hpp"
#include "auth/jwt_verifier.hpp"
#include "auth/secret_token.hpp"
#include "observe/security_events.hpp"
#include "pipeline/problem.hpp"
#include "util/ascii.hpp"

namespace rampart::pipeline {

namespace {

// Query parameters that carry credentials somewhere they get logged and cached.
bool query_carries_credentials(std::string_view query) {
    while (!query.empty()) {
        auto end = query.find('&');
        auto pair = query.substr(0, end);
        auto name = pair.substr(0, pair.find('='));
        for (std::string_view refused :
             {"access_token", "api_key", "apikey", "api-key", "key", "token"}) {
            if (util::equals_ignoring_case(name, refused)) {
                return true;
            }
        }
        query = end == std::string_view::npos ? std::string_view{} : query.substr(end + 1);
    }
    return false;
}

// The credentials of `scheme` in an Authorization value ("Bearer abc"), or empty.
std::string_view credentials_for(std::string_view authorization, std::string_view scheme) {
    if (authorization.size() <= scheme.size() + 1 ||
        !util::equals_ignoring_case(authorization.substr(0, scheme.size()), scheme) ||
        authorization[scheme.size()] != ' ') {
        return {};
    }
    auto credentials = authorization.substr(scheme.size() + 1);
    while (!credentials.empty() && credentials.front() == ' ') {
        credentials.remove_prefix(1);
    }
    return credentials;
}

class AuthenticationStage final : public Stage {
  public:
    AuthenticationStage(config::RouteAuth route_auth, std::unique_ptr<auth::JwtVerifier> jwt,
                        std::string api_key_header, auth::AuthRuntime* runtime)
        : route_auth_(std::move(route_auth)),
          jwt_(std::move(jwt)),
          api_key_header_(std::move(api_key_header)),
          runtime_(runtime) {
        challenge_ = route_auth_.accepts(config::AuthMethod::jwt) ? "Bearer realm=\"rampart\""
                                                                  : "ApiKey realm=\"rampart\"";
    }

    std::string_view name() const override { return "authentication"; }

    Verdict on_request_head(Exchange& exchange) const override {
        auto& request = exchange.request;
        if (request.count(http::field::authorization) > 1) {
            return refuse(exchange, "several_authorization_headers", true);
        }
        bool in_query = query_carries_credentials(exchange.query);
        std::string_view authorization = request[http::field::authorization];
        std::string_view api_key_value = api_key_header_.empty()
                                             ? credentials_for(authorization, "ApiKey")
                                             : std::string_view(request[api_key_header_]);
        std::string_view bearer = credentials_for(authorization, "Bearer");
        if (in_query) {
            if (!bearer.empty() || !api_key_value.empty()) {
                exchange.security_events->emit("authentication_failed", &exchange,
                                               {{"reason", "credentials_in_query_and_header"}});
                set_problem(exchange, http::status::bad_request,
                            "Credentials belong in a header, once.");
                return Verdict::respond;
            }
            return refuse(exchange, "credentials_in_query", true);
        }
        auto directory = runtime_->directory();
        if (!bearer.empty() && route_auth_.accepts(config::AuthMethod::jwt)) {
            auto identity = jwt_->verify(bearer, *directory, exchange.worker_index,
                                         std::chrono::system_clock::now());
            if (!identity) {
                return refuse(exchange, identity.error(), true);
            }
            exchange.identity = std::move(*identity);
            return Verdict::proceed;
        }
        if (!api_key_value.empty() && route_auth_.accepts(config::AuthMethod::api_key)) {
            return authenticate_api_key(exchange, api_key_value, *directory);
        }
        if (!authorization.empty() || !api_key_value.empty()) {
            return refuse(exchange, "unsupported_scheme", true);
        }
        return refuse(exchange, "no_credentials", false);
    }

  private:
    Verdict authenticate_api_key(Exchange& exchange, std::string_view presented,
                                 const auth::CredentialDirectory& directory) const {
        auto parsed = auth::parse_api_key(presented);
        if (!parsed) {
            return refuse(exchange, "api_key_malformed", true);
        }
        auto found = directory.api_keys.find(std::string(parsed->id));
        // Hash and compare even for an unknown id, so the answer takes as long.
        static constexpr std::string_view no_hash =
            "0000000000000000000000000000000000000000000000000000000000000000";
        bool matches = auth::secret_matches_hash(parsed->secret,
                                                 found != directory.api_keys.end()
                                                     ? std::string_view(found->second.secret_hash)
                                                     : no_hash);
        if (found == directory.api_keys.end() || !matches) {
            return refuse(
                exchange,
                found == directory.api_keys.end() ? "api_key_unknown" : "api_key_mismatch", true);
        }
        const auto& key = found->second;
        auto now = std::chrono::system_clock::now();
        if (key.revoked_at && *key.revoked_at <= now) {
            return refuse(exchange, "api_key_revoked", true);
        }
        if (key.expires_at && *key.expires_at <= now) {
            return refuse(exchange, "api_key_expired", true);
        }
        Identity identity;
        identity.credential = CredentialKind::api_key;
        identity.kind = SubjectKind::api_key_consumer;
        identity.subject = key.id;
        identity.consumer = key.consumer;
        identity.scopes = key.scopes;
        identity.roles = key.roles;
        if (key.expires_at) {
            identity.expires_at =
                std::chrono::duration_cast<std::chrono::seconds>(key.expires_at->time_since_epoch())
                    .count();
        }
        exchange.identity = std::move(identity);
        return Verdict::proceed;
    }

    // 401 with the RFC 6750 challenge; the reason goes only to the security log.
    Verdict refuse(Exchange& exchange, std::string_view reason, bool credentials_presented) const {
        exchange.security_events->emit("authentication_failed", &exchange, {{"reason", reason}});
        set_problem(exchange, http::status::unauthorized, "Authentication is required.");
        if (credentials_presented) {
            exchange.response.set(http::field::www_authenticate,
                                  challenge_ + ", error=\"invalid_token\"");
        } else {
            exchange.response.set(http::field::www_authenticate, challenge_);
        }
        return Verdict::respond;
    }

    config::RouteAuth route_auth_;
    std::unique_ptr<auth::JwtVerifier> jwt_;
    std::string api_key_header_;
    auth::AuthRuntime* runtime_;
    std::string challenge_;
};

}  // namespace

StageFactory authentication_stage_factory() {
    return {"", 35, [](const StageBuildContext& context) -> std::shared_ptr<const Stage> {
                if (context.route == nullptr || context.route->auth.is_none()) {
                    return nullptr;
                }
                const auto& route_auth = context.route->auth;
                const auto& auth = context.settings.auth;
                std::unique_ptr<auth::JwtVerifier> jwt;
                if (route_auth.accepts(config::AuthMethod::jwt)) {
                    jwt = std::make_unique<auth::JwtVerifier>(
                        auth::accepted_issuers(auth, route_auth.issuers), auth.jwt,
                        context.services.workers);
                }
                return std::make_shared<AuthenticationStage>(
                    route_auth, std::move(jwt), auth.api_keys.header, context.services.auth);
            }};
}

}  // namespace rampart::pipeline
