#include "config/auth_loader.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <set>

#include "config/settings.hpp"

namespace rampart::config {

namespace {

std::string location_of(const Section& section) {
    return section.file() + ":" + std::to_string(section.node().Mark().line + 1);
}

// An issuer identifier is an https URL without query or fragment (RFC 8414 §2).
void check_issuer_url(const Section& section, std::string_view key, const std::string& issuer) {
    auto url = boost::urls::parse_absolute_uri(issuer);
    if (!url || url->scheme() != "https" || url->has_query() || url->has_fragment() ||
        url->host().empty()) {
        section.fail(key,
                     "must be an https URL without query or fragment (got \"" + issuer + "\")");
    }
}

RefreshTokenSettings read_refresh(const Section& section) {
    RefreshTokenSettings refresh;
    refresh.idle_lifetime = section.duration("idle_lifetime", refresh.idle_lifetime, 1s, 365 * 24h);
    refresh.absolute_lifetime =
        section.duration("absolute_lifetime", refresh.absolute_lifetime, 1s, 365 * 24h);
    refresh.grace_period = section.duration("grace_period", refresh.grace_period, 0s, 60s);
    refresh.max_grace_reuses = static_cast<std::uint32_t>(
        section.integer("max_grace_reuses", refresh.max_grace_reuses, 1, 10));
    if (refresh.idle_lifetime > refresh.absolute_lifetime) {
        section.fail("idle_lifetime", "must not be longer than absolute_lifetime");
    }
    section.finish();
    return refresh;
}

PasswordSettings read_passwords(const Section& section) {
    PasswordSettings passwords;
    passwords.memory_kib = static_cast<std::uint32_t>(
        section.integer("memory_kib", passwords.memory_kib, 19456, 4 * 1024 * 1024));
    passwords.iterations =
        static_cast<std::uint32_t>(section.integer("iterations", passwords.iterations, 2, 100));
    passwords.min_characters = static_cast<std::uint32_t>(
        section.integer("min_characters", passwords.min_characters, 12, 128));
    passwords.max_characters = static_cast<std::uint32_t>(
        section.integer("max_characters", passwords.max_characters, 64, 256));
    passwords.common_password_file =
        section.string("common_password_file", passwords.common_password_file);
    section.finish();
    return passwords;
}

LoginThrottleSettings read_login_throttle(const Section& section) {
    LoginThrottleSettings throttle;
    throttle.free_attempts = static_cast<std::uint32_t>(
        section.integer("free_attempts", throttle.free_attempts, 1, 100));
    throttle.base_delay = section.duration("base_delay", throttle.base_delay, 100ms, 1h);
    throttle.max_delay = section.duration("max_delay", throttle.max_delay, 1s, 24h);
    throttle.spray_threshold = static_cast<std::uint32_t>(
        section.integer("spray_threshold", throttle.spray_threshold, 2, 10'000));
    throttle.spray_window = section.duration("spray_window", throttle.spray_window, 1s, 24h);
    throttle.spray_ban = section.duration("spray_ban", throttle.spray_ban, 1s, 24h);
    throttle.distributed_threshold = static_cast<std::uint32_t>(
        section.integer("distributed_threshold", throttle.distributed_threshold, 2, 10'000));
    section.finish();
    return throttle;
}

SigningSettings read_signing(const Section& section) {
    SigningSettings signing;
    signing.algorithm = section.choice<std::string>(
        "algorithm", {{"ES256", "ES256"}, {"EdDSA", "EdDSA"}, {"RS256", "RS256"}},
        signing.algorithm);
    signing.publish_lead = section.duration("publish_lead", signing.publish_lead, 0s, 30 * 24h);
    signing.jwks_max_age = section.duration("jwks_max_age", signing.jwks_max_age, 1s, 24h);
    if (signing.publish_lead < signing.jwks_max_age) {
        section.fail("publish_lead",
                     "must be at least jwks_max_age, or verifiers could miss a new key");
    }
    section.finish();
    return signing;
}

TokenServiceSettings read_token_service(const Section& section, const std::string& default_issuer) {
    TokenServiceSettings service;
    service.enabled = section.boolean("enabled", true);
    service.location = location_of(section);
    section.claim("rate_limit");  // the rate_limit stage reads it (loader.cpp)
    service.issuer = section.string("issuer", default_issuer);
    check_issuer_url(section, "issuer", service.issuer);
    service.audience = section.string("audience", service.audience);
    if (service.audience.empty()) {
        section.fail("audience", "must not be empty");
    }
    service.allow_long_access_tokens = section.boolean("allow_long_access_tokens", false);
    service.access_token_lifetime =
        section.duration("access_token_lifetime", service.access_token_lifetime, 10s, 24h);
    if (service.access_token_lifetime > 1h && !service.allow_long_access_tokens) {
        section.fail("access_token_lifetime",
                     "is longer than an hour; set allow_long_access_tokens: true to force it");
    }
    if (auto refresh = section.optional_section("refresh_tokens")) {
        service.refresh = read_refresh(*refresh);
    }
    if (auto passwords = section.optional_section("passwords")) {
        service.passwords = read_passwords(*passwords);
    }
    if (auto throttle = section.optional_section("login_throttle")) {
        service.login_throttle = read_login_throttle(*throttle);
    }
    if (auto signing = section.optional_section("signing")) {
        service.signing = read_signing(*signing);
    }
    // Off unless said (PWD-12); a client must also be allowed the grant.
    service.password_grant = section.boolean("password_grant", false);
    service.introspection_public = section.boolean("introspection_public", true);
    service.hashing_threads = static_cast<std::uint32_t>(
        section.integer("hashing_threads", service.hashing_threads, 1, 64));
    service.max_pending_hashes = static_cast<std::uint32_t>(
        section.integer("max_pending_hashes", service.max_pending_hashes, 1, 10'000));
    section.finish();
    return service;
}

ExternalIssuerSettings read_issuer(const Section& section) {
    ExternalIssuerSettings issuer;
    issuer.location = location_of(section);
    issuer.name = section.string("name");
    if (issuer.name == built_in_issuer_name) {
        section.fail("name", "\"rampart\" is the built-in token service; choose another name");
    }
    issuer.issuer = section.string("issuer");
    if (issuer.issuer.empty()) {
        section.fail("issuer", "must not be empty");
    }
    issuer.audiences = section.strings("audiences");
    if (issuer.audiences.empty()) {
        section.fail("audiences", "is required: the audiences a token must carry one of");
    }
    issuer.jwks_uri = section.optional_string("jwks_uri");
    issuer.jwks_file = section.optional_string("jwks_file");
    issuer.hs256_secret = section.optional_secret("hs256_secret");
    int sources = int(issuer.jwks_uri.has_value()) + int(issuer.jwks_file.has_value()) +
                  int(issuer.hs256_secret.has_value());
    if (sources != 1) {
        section.fail("exactly one of jwks_uri, jwks_file and hs256_secret is required");
    }
    if (issuer.jwks_uri) {
        auto url = boost::urls::parse_absolute_uri(*issuer.jwks_uri);
        if (!url || url->scheme() != "https") {
            section.fail("jwks_uri", "must be an https URL");
        }
    }
    if (issuer.hs256_secret && issuer.hs256_secret->size() < 32) {
        section.fail("hs256_secret", "must be at least 32 bytes (256 bits) of random data");
    }
    issuer.ca_file = section.optional_string("ca_file");
    issuer.allow_private_addresses = section.boolean("allow_private_addresses", false);
    issuer.refresh_interval =
        section.duration("refresh_interval", issuer.refresh_interval, 10s, 24h);
    issuer.refetch_cooldown = section.duration("refetch_cooldown", issuer.refetch_cooldown, 1s, 1h);
    issuer.fetch_timeout = section.duration("fetch_timeout", issuer.fetch_timeout, 100ms, 1min);
    issuer.max_jwks_bytes = section.size("max_jwks_bytes", issuer.max_jwks_bytes, 1024, 16 << 20);
    issuer.max_token_lifetime =
        section.duration("max_token_lifetime", issuer.max_token_lifetime, 1min, 30 * 24h);
    issuer.required_type = section.optional_string("required_type");
    section.finish();
    return issuer;
}

JwtSettings read_jwt(const Section& section) {
    JwtSettings jwt;
    jwt.leeway = section.duration("leeway", jwt.leeway, 0s, 60s);
    jwt.max_token_bytes = section.size("max_token_bytes", jwt.max_token_bytes, 512, 64 * 1024);
    jwt.cache_entries = section.size("cache_entries", jwt.cache_entries, 0, 10'000'000);
    jwt.cache_ttl = section.duration("cache_ttl", jwt.cache_ttl, 1s, 24h);
    section.finish();
    return jwt;
}

bool is_header_name(std::string_view name) {
    return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-';
    });
}

ApiKeySettings read_api_keys(const Section& section) {
    ApiKeySettings keys;
    keys.header = section.string("header", "");
    if (!keys.header.empty() && !is_header_name(keys.header)) {
        section.fail("header", "must be an HTTP header name");
    }
    keys.rotation_overlap =
        section.duration("rotation_overlap", keys.rotation_overlap, 0s, 90 * 24h);
    section.finish();
    return keys;
}

// The naming rules of `rampart apikeys create`: a certificate consumer and an
// API key consumer are named alike, and so are their roles and scopes.
constexpr std::size_t maximum_name_characters = 128;

bool is_consumer_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '@' || c == ':' || c == '-';
}

bool is_role_or_scope_character(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == ':' || c == '/' || c == '-';
}

std::vector<std::string> read_role_or_scope_names(const Section& section, std::string_view key) {
    auto names = section.strings(key);
    for (const auto& name : names) {
        if (name.empty() || name.size() > maximum_name_characters ||
            !std::all_of(name.begin(), name.end(), is_role_or_scope_character)) {
            section.fail(
                key, "\"" + name + "\" is not valid: use 1 to 128 letters, digits and . _ : / -");
        }
        if (std::count(names.begin(), names.end(), name) > 1) {
            section.fail(key, "\"" + name + "\" is listed twice");
        }
    }
    return names;
}

// Visible ASCII only: what OpenSSL's RFC 2253 subject and the alternative
// names Rampart keeps (net/client_certificate.hpp) can ever be.
bool is_certificate_name(std::string_view value) {
    return !value.empty() &&
           std::all_of(value.begin(), value.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

// Reads whichever of subject, dns_name, uri and email are present; returns
// how many were.
int read_certificate_matchers(const Section& section, CertificateConsumer& consumer) {
    static constexpr std::pair<std::string_view, CertificateField> matchers[] = {
        {"subject", CertificateField::subject},
        {"dns_name", CertificateField::dns_name},
        {"uri", CertificateField::uri},
        {"email", CertificateField::email}};
    int found = 0;
    for (const auto& [key, field] : matchers) {
        if (!section.has(key)) {
            continue;
        }
        ++found;
        consumer.field = field;
        consumer.value = section.string(key);
        if (!is_certificate_name(consumer.value)) {
            section.fail(key, "must be a non-empty name of printable ASCII characters");
        }
    }
    return found;
}

CertificateConsumer read_certificate_consumer(const Section& section) {
    CertificateConsumer consumer;
    consumer.location = location_of(section);
    consumer.name = section.string("name");
    if (consumer.name.empty() || consumer.name.size() > maximum_name_characters ||
        !std::all_of(consumer.name.begin(), consumer.name.end(), is_consumer_character)) {
        section.fail("name", "\"" + consumer.name +
                                 "\" is not valid: use 1 to 128 letters, digits and . _ @ : -");
    }
    int matchers = read_certificate_matchers(section, consumer);
    consumer.roles = read_role_or_scope_names(section, "roles");
    consumer.scopes = read_role_or_scope_names(section, "scopes");
    section.finish();  // first, so that a misspelt matcher is named as such
    if (matchers != 1) {
        section.fail("exactly one of subject, dns_name, uri and email is required");
    }
    return consumer;
}

std::unordered_map<std::string, std::size_t>& index_for(MtlsSettings& mtls,
                                                        CertificateField field) {
    switch (field) {
        case CertificateField::subject:
            return mtls.by_subject;
        case CertificateField::dns_name:
            return mtls.by_dns_name;
        case CertificateField::uri:
            return mtls.by_uri;
        case CertificateField::email:
            break;
    }
    return mtls.by_email;
}

const char* key_of(CertificateField field) {
    switch (field) {
        case CertificateField::subject:
            return "subject";
        case CertificateField::dns_name:
            return "dns_name";
        case CertificateField::uri:
            return "uri";
        case CertificateField::email:
            break;
    }
    return "email";
}

MtlsSettings read_mtls(const Section& section) {
    MtlsSettings mtls;
    std::set<std::string> names;
    for (const auto& entry : section.sections("consumers")) {
        auto consumer = read_certificate_consumer(entry);
        if (!names.insert(consumer.name).second) {
            entry.fail("name", "two mtls consumers are named \"" + consumer.name + "\"");
        }
        auto [existing, inserted] =
            index_for(mtls, consumer.field).emplace(consumer.value, mtls.consumers.size());
        if (!inserted) {
            entry.fail(key_of(consumer.field), "is already mapped to the consumer \"" +
                                                   mtls.consumers[existing->second].name +
                                                   "\" at " +
                                                   mtls.consumers[existing->second].location);
        }
        mtls.consumers.push_back(std::move(consumer));
    }
    section.finish();
    return mtls;
}

AuthMethod parse_method(const Section& section, std::string_view key, const std::string& name) {
    if (name == "jwt") {
        return AuthMethod::jwt;
    }
    if (name == "api_key") {
        return AuthMethod::api_key;
    }
    if (name == "basic") {
        return AuthMethod::basic;
    }
    if (name == "mtls") {
        return AuthMethod::mtls;
    }
    section.fail(
        key, "unknown authentication method \"" + name + "\" (none, jwt, api_key, basic, mtls)");
}

std::vector<AuthMethod> parse_methods(const Section& section, std::string_view key,
                                      const std::vector<std::string>& names) {
    if (names.empty()) {
        section.fail(key, "must name at least one method, or be `none`");
    }
    if (names.size() == 1 && names.front() == "none") {
        return {};
    }
    std::vector<AuthMethod> methods;
    for (const auto& name : names) {
        if (name == "none") {
            section.fail(key, "\"none\" cannot be combined with other methods");
        }
        auto method = parse_method(section, key, name);
        if (std::find(methods.begin(), methods.end(), method) != methods.end()) {
            section.fail(key, "\"" + name + "\" is listed twice");
        }
        methods.push_back(method);
    }
    return methods;
}

// A certificate can only map to a consumer if some listener verifies client
// certificates and some consumer is configured; otherwise every request fails.
void check_mtls_route(const AuthSettings& auth, const std::vector<Listener>& listeners,
                      const Section& section) {
    bool verified = std::any_of(listeners.begin(), listeners.end(), [](const Listener& listener) {
        return listener.tls && listener.tls->client_ca_file;
    });
    if (!verified) {
        section.fail("auth",
                     "accepts mtls, but no listener verifies client certificates (set "
                     "tls.client_ca on a listener)");
    }
    if (auth.mtls.consumers.empty()) {
        section.fail("auth", "accepts mtls, but no consumer is configured (mtls.consumers)");
    }
}

}  // namespace

AuthSettings read_auth_settings(const Section& root, const std::string& default_issuer) {
    AuthSettings auth;
    if (auto service = root.optional_section("token_service")) {
        auth.token_service = read_token_service(*service, default_issuer);
    }
    std::set<std::string> names{built_in_issuer_name};
    for (const auto& entry : root.sections("issuers")) {
        auto issuer = read_issuer(entry);
        if (!names.insert(issuer.name).second) {
            entry.fail("name", "two issuers are named \"" + issuer.name + "\"");
        }
        if (auth.token_service.enabled && issuer.issuer == auth.token_service.issuer) {
            entry.fail("issuer", "is the built-in token service's issuer");
        }
        auth.issuers.push_back(std::move(issuer));
    }
    if (auto jwt = root.optional_section("jwt")) {
        auth.jwt = read_jwt(*jwt);
    }
    if (auto keys = root.optional_section("api_keys")) {
        auth.api_keys = read_api_keys(*keys);
    }
    if (auto mtls = root.optional_section("mtls")) {
        auth.mtls = read_mtls(*mtls);
    }
    if (auto master = root.optional_section("master_key")) {
        auth.master_key_environment = master->string("environment", auth.master_key_environment);
        auth.master_key_file = master->optional_string("file");
        master->finish();
    }
    return auth;
}

RouteAuth read_route_auth(const Section& section) {
    RouteAuth route_auth;
    const auto& node = section.node()["auth"];
    if (node.IsMap()) {
        auto auth = section.section("auth");
        route_auth.methods = parse_methods(auth, "methods", auth.strings("methods"));
        route_auth.issuers = auth.strings("issuers");
        if (!route_auth.issuers.empty() && !route_auth.accepts(AuthMethod::jwt)) {
            auth.fail("issuers", "only applies to the jwt method");
        }
        auth.finish();
        return route_auth;
    }
    auto names = node.IsSequence() ? section.strings("auth") : std::vector{section.string("auth")};
    route_auth.methods = parse_methods(section, "auth", names);
    return route_auth;
}

void check_route_auth(const RouteAuth& route_auth, const AuthSettings& auth,
                      const std::vector<Listener>& listeners, const Section& section) {
    if (route_auth.accepts(AuthMethod::mtls)) {
        check_mtls_route(auth, listeners, section);
    }
    if (!route_auth.accepts(AuthMethod::jwt)) {
        return;
    }
    if (!auth.token_service.enabled && auth.issuers.empty()) {
        section.fail("auth", "accepts jwt, but no issuer is configured (token_service or issuers)");
    }
    for (const auto& name : route_auth.issuers) {
        bool known =
            (name == built_in_issuer_name && auth.token_service.enabled) ||
            std::any_of(auth.issuers.begin(), auth.issuers.end(),
                        [&](const ExternalIssuerSettings& issuer) { return issuer.name == name; });
        if (!known) {
            section.fail("auth", "names the issuer \"" + name + "\", which is not configured");
        }
    }
}

}  // namespace rampart::config
