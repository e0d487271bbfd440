#include "pipeline/stages/authentication.hpp"

#include <sodium.h>

#include <chrono>
#include <string>
#include <vector>

#include "auth/auth_runtime.hpp"
#include "auth/credential_stuffing.hpp"
#include "auth/jwt_verifier.hpp"
#include "auth/password_check.hpp"
#include "auth/secret_token.hpp"
#include "net/client_certificate.hpp"
#include "observe/security_events.hpp"
#include "pipeline/problem.hpp"
#include "pipeline/stages/ban.hpp"
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

// RFC 7617 credentials, decoded. The password is wiped when this goes away.
struct BasicCredentials {
    std::string decoded;  // "user-id:password"
    std::string_view username;
    std::string_view password;

    BasicCredentials() = default;
    BasicCredentials(const BasicCredentials&) = delete;
    BasicCredentials& operator=(const BasicCredentials&) = delete;
    ~BasicCredentials() { sodium_memzero(decoded.data(), decoded.size()); }
};

// Longer base64 is refused before decoding: it cannot hold a username and a
// password within maximum_password_bytes.
constexpr std::size_t maximum_basic_credentials_bytes = 4 * 1024;

bool has_control_character(std::string_view text) {
    for (unsigned char c : text) {
        if (c < 0x20 || c == 0x7f) {
            return true;
        }
    }
    return false;
}

// Why `encoded` is not acceptable Basic credentials, or empty when `parsed`
// holds them: canonical padded base64 (RFC 4648 §4), a colon, no control
// characters (RFC 7617 §2), a username, a password within the hashing cap.
std::string_view parse_basic(std::string_view encoded, BasicCredentials& parsed) {
    if (encoded.size() > maximum_basic_credentials_bytes) {
        return "basic_too_long";
    }
    parsed.decoded.assign(encoded.size(), '\0');
    std::size_t length = 0;
    if (sodium_base642bin(reinterpret_cast<unsigned char*>(parsed.decoded.data()),
                          parsed.decoded.size(), encoded.data(), encoded.size(), nullptr, &length,
                          nullptr, sodium_base64_VARIANT_ORIGINAL) != 0) {
        return "basic_malformed_base64";
    }
    std::string_view decoded(parsed.decoded.data(), length);
    auto colon = decoded.find(':');
    if (colon == std::string_view::npos) {
        return "basic_no_colon";
    }
    if (has_control_character(decoded)) {
        return "basic_control_character";
    }
    parsed.username = decoded.substr(0, colon);
    parsed.password = decoded.substr(colon + 1);
    if (parsed.username.empty()) {
        return "basic_no_username";
    }
    if (parsed.password.size() > auth::maximum_password_bytes) {
        return "basic_password_too_long";
    }
    return {};
}

// The login throttle's account key: usernames match ignoring ASCII case, as
// in the store and at /auth/login, so both count against the same account.
std::string throttle_account(std::string_view username) {
    std::string account(username);
    for (auto& c : account) {
        c = util::ascii_lower(c);
    }
    return account;
}

// The consumer a verified client certificate maps to: by its subject or by any
// of its alternative names. A certificate whose names map to two different
// consumers maps to none, rather than to whichever is looked up first.
struct CertificateMatch {
    const config::CertificateConsumer* consumer = nullptr;
    bool ambiguous = false;
};

void match_name(const config::MtlsSettings& mtls,
                const std::unordered_map<std::string, std::size_t>& index, const std::string& name,
                CertificateMatch& match) {
    auto found = index.find(name);
    if (found == index.end()) {
        return;
    }
    const auto* consumer = &mtls.consumers[found->second];
    if (match.consumer != nullptr && match.consumer != consumer) {
        match.ambiguous = true;
    }
    match.consumer = consumer;
}

void match_names(const config::MtlsSettings& mtls,
                 const std::unordered_map<std::string, std::size_t>& index,
                 const std::vector<std::string>& names, CertificateMatch& match) {
    for (const auto& name : names) {
        match_name(mtls, index, name, match);
    }
}

CertificateMatch match_certificate(const config::MtlsSettings& mtls,
                                   const net::ClientCertificate& certificate) {
    CertificateMatch match;
    match_name(mtls, mtls.by_subject, certificate.subject, match);
    match_names(mtls, mtls.by_dns_name, certificate.dns_names, match);
    match_names(mtls, mtls.by_uri, certificate.uri_names, match);
    match_names(mtls, mtls.by_email, certificate.email_addresses, match);
    return match;
}

class AuthenticationStage final : public Stage {
  public:
    AuthenticationStage(config::RouteAuth route_auth, std::unique_ptr<auth::JwtVerifier> jwt,
                        std::string api_key_header, config::MtlsSettings mtls,
                        auth::AuthRuntime* runtime, IdentityGuard guard)
        : route_auth_(std::move(route_auth)),
          jwt_(std::move(jwt)),
          api_key_header_(std::move(api_key_header)),
          mtls_(std::move(mtls)),
          runtime_(runtime),
          guard_(guard) {
        // One challenge per accepted scheme, each its own header field, in the
        // route's order. ApiKey is no registered scheme: it is offered only
        // when there is no standard one for it to hide behind.
        for (auto method : route_auth_.methods) {
            switch (method) {
                case config::AuthMethod::jwt:
                    challenges_.push_back({"Bearer realm=\"rampart\"", true});
                    break;
                case config::AuthMethod::api_key:
                    if (!route_auth_.accepts(config::AuthMethod::jwt)) {
                        challenges_.push_back({"ApiKey realm=\"rampart\"", true});
                    }
                    break;
                case config::AuthMethod::basic:
                    // RFC 7617 §2.1: the only charset it allows, and no error parameter.
                    challenges_.push_back({"Basic realm=\"rampart\", charset=\"UTF-8\"", false});
                    break;
                case config::AuthMethod::mtls:
                    // No HTTP scheme carries a TLS client certificate, yet a 401
                    // needs a challenge (RFC 9110 §11.6.1). Like ApiKey, an
                    // unregistered one, only when no standard scheme is offered:
                    // claiming Bearer would send clients looking for a token.
                    if (!route_auth_.accepts(config::AuthMethod::jwt) &&
                        !route_auth_.accepts(config::AuthMethod::basic)) {
                        challenges_.push_back({"ClientCertificate realm=\"rampart\"", false});
                    }
                    break;
            }
        }
    }

    std::string_view name() const override { return "authentication"; }

    // Basic costs an Argon2id verification on the blocking pool: the chain
    // awaits this stage on routes that accept it.
    bool is_asynchronous() const override { return route_auth_.accepts(config::AuthMethod::basic); }

    boost::asio::awaitable<Verdict> on_request_head_async(Exchange& exchange) const override {
        auto& request = exchange.request;
        // Everything but a single, well-placed Basic credential takes the
        // synchronous path, which also refuses the ambiguous cases.
        if (request.count(http::field::authorization) != 1 ||
            query_carries_credentials(exchange.query)) {
            co_return on_request_head(exchange);
        }
        auto basic = credentials_for(request[http::field::authorization], "Basic");
        if (basic.empty()) {
            co_return on_request_head(exchange);
        }
        auto verdict = co_await authenticate_basic(exchange, basic);
        co_return verdict == Verdict::proceed ? guard_.check(exchange) : verdict;
    }

    // A verified identity then meets the ban list and the token-misuse
    // detector (stages/ban.hpp) before any later stage sees it.
    Verdict on_request_head(Exchange& exchange) const override {
        auto verdict = authenticate(exchange);
        return verdict == Verdict::proceed ? guard_.check(exchange) : verdict;
    }

  private:
    Verdict authenticate(Exchange& exchange) const {
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
            if (!bearer.empty() || !api_key_value.empty() ||
                !credentials_for(authorization, "Basic").empty()) {
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
        // The certificate speaks when the request carries no credentials of its
        // own: a header credential is never overruled by the connection's.
        if (authorization.empty() && api_key_value.empty() &&
            route_auth_.accepts(config::AuthMethod::mtls)) {
            return authenticate_certificate(exchange);
        }
        // Basic on a route that accepts it never gets here (on_request_head_async
        // takes it); anywhere else it is one more unsupported scheme.
        if (!authorization.empty() || !api_key_value.empty()) {
            return refuse(exchange, "unsupported_scheme", true);
        }
        return refuse(exchange, "no_credentials", false);
    }

    // RFC 7617 against the users in the store, sharing /auth/login's throttle
    // (APIK-06, PWD-06): every failure gets the same 401 (PWD-03), malformed
    // credentials without hashing, an unknown user after a dummy hash.
    boost::asio::awaitable<Verdict> authenticate_basic(Exchange& exchange,
                                                       std::string_view encoded) const {
        if (!exchange.over_tls) {
            co_return refuse(exchange, "basic_without_tls", true);
        }
        BasicCredentials credentials;
        if (auto problem = parse_basic(encoded, credentials); !problem.empty()) {
            co_return refuse(exchange, problem, true);
        }
        auto account = throttle_account(credentials.username);
        auto& throttle = runtime_->login_throttle();
        auto throttle_now = auth::LoginThrottle::Clock::now();
        auto decision = throttle.check(account, exchange.client_address, throttle_now);
        if (!decision.allowed) {
            exchange.security_events->emit(
                "authentication_failed", &exchange,
                {{"reason", "basic_throttled"}, {"username", credentials.username}});
            set_problem(exchange, http::status::too_many_requests,
                        "Too many attempts; try again later.");
            exchange.response.set(http::field::retry_after,
                                  std::to_string(decision.retry_after.count()));
            co_return Verdict::respond;
        }
        auth::PasswordCheck outcome;
        bool ran = co_await runtime_->blocking_pool().run([&] {
            outcome =
                auth::check_user_password(*runtime_, credentials.username, credentials.password);
        });
        if (!ran) {
            set_problem(exchange, http::status::service_unavailable,
                        "The service is busy; try again shortly.");
            exchange.response.set(http::field::retry_after, "1");
            co_return Verdict::respond;
        }
        if (outcome.failure == "store_error") {
            // Says nothing about the account, and is no guess: not counted.
            exchange.security_events->emit(
                "authentication_failed", &exchange,
                {{"reason", outcome.failure}, {"username", credentials.username}});
            set_problem(exchange, http::status::service_unavailable,
                        "The service is busy; try again shortly.");
            exchange.response.set(http::field::retry_after, "1");
            co_return Verdict::respond;
        }
        if (!outcome.failure.empty()) {
            auth::act_on_login_failure(
                exchange, *runtime_,
                throttle.record_failure(account, exchange.client_address, throttle_now),
                credentials.username);
            co_return refuse(exchange, outcome.failure, true, {"username", credentials.username});
        }
        throttle.record_success(account, exchange.client_address, throttle_now);
        Identity identity;
        identity.credential = CredentialKind::basic;
        identity.kind = SubjectKind::user;
        identity.subject = std::move(outcome.user.id);
        identity.username = std::move(outcome.user.username);
        identity.roles = std::move(outcome.user.roles);
        exchange.identity = std::move(identity);
        // The password is for Rampart alone, never for the upstream.
        exchange.request.erase(http::field::authorization);
        co_return Verdict::proceed;
    }

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

    // The connection's verified certificate against mtls.consumers. Only the
    // subject is logged: the alternative names may be personal (e-mail addresses).
    Verdict authenticate_certificate(Exchange& exchange) const {
        const auto* certificate = exchange.client_certificate;
        if (certificate == nullptr) {
            return refuse(exchange, "no_client_certificate", false);
        }
        auto match = match_certificate(mtls_, *certificate);
        // No token was presented: a Bearer challenge gets no error="invalid_token".
        if (match.consumer == nullptr || match.ambiguous) {
            return refuse(
                exchange,
                match.ambiguous ? "client_certificate_ambiguous" : "client_certificate_unmapped",
                false, {"subject", certificate->subject});
        }
        const auto& consumer = *match.consumer;
        Identity identity;
        identity.credential = CredentialKind::mtls;
        identity.kind = SubjectKind::certificate_consumer;
        identity.subject = consumer.name;
        identity.consumer = consumer.name;
        identity.roles = consumer.roles;
        identity.scopes = consumer.scopes;
        exchange.identity = std::move(identity);
        // The response is for this client alone, though no header said so.
        exchange.carries_credentials = true;
        return Verdict::proceed;
    }

    // 401 with the challenges (RFC 6750 error for token schemes); the reason
    // goes only to the security log, with `detail` when it has a name.
    Verdict refuse(Exchange& exchange, std::string_view reason, bool credentials_presented,
                   observe::SecurityEvents::Field detail = {}) const {
        if (detail.first.empty()) {
            exchange.security_events->emit("authentication_failed", &exchange,
                                           {{"reason", reason}});
        } else {
            exchange.security_events->emit("authentication_failed", &exchange,
                                           {{"reason", reason}, detail});
        }
        set_problem(exchange, http::status::unauthorized, "Authentication is required.");
        for (const auto& challenge : challenges_) {
            if (credentials_presented && challenge.takes_error) {
                exchange.response.insert(http::field::www_authenticate,
                                         challenge.value + ", error=\"invalid_token\"");
            } else {
                exchange.response.insert(http::field::www_authenticate, challenge.value);
            }
        }
        return Verdict::respond;
    }

    struct Challenge {
        std::string value;
        bool takes_error;  // RFC 6750's error="invalid_token" when credentials failed
    };

    config::RouteAuth route_auth_;
    std::unique_ptr<auth::JwtVerifier> jwt_;
    std::string api_key_header_;
    config::MtlsSettings mtls_;  // empty unless the route accepts mtls
    auth::AuthRuntime* runtime_;
    IdentityGuard guard_;
    std::vector<Challenge> challenges_;
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
                        auth::accepted_issuers(auth, route_auth.issuers,
                                               context.services.auth != nullptr
                                                   ? &context.services.auth->jwks_sources()
                                                   : nullptr),
                        auth.jwt, context.services.workers);
                }
                auto mtls = route_auth.accepts(config::AuthMethod::mtls) ? auth.mtls
                                                                         : config::MtlsSettings{};
                IdentityGuard guard(context.services.bans, context.services.token_uses,
                                    context.settings.abuse.token_misuse, context.services.auth);
                return std::make_shared<AuthenticationStage>(route_auth, std::move(jwt),
                                                             auth.api_keys.header, std::move(mtls),
                                                             context.services.auth, guard);
            }};
}

}  // namespace rampart::pipeline
