#include "config/loader.hpp"

#include "config/anomaly_settings.hpp"

#include <boost/url/parse.hpp>

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <set>
#include <thread>

#include "config/auth_loader.hpp"
#include "config/authorization_loader.hpp"
#include "config/identity_header_loader.hpp"
#include "limit/limit_definition.hpp"
#include "pipeline/stage_keys.hpp"
#include "validate/openapi_group.hpp"

namespace rampart::config {

namespace {

constexpr std::int64_t max_port = 65535;
const std::set<std::string, std::less<>> known_methods{"GET",   "HEAD",   "POST",   "PUT",
                                                       "PATCH", "DELETE", "OPTIONS"};

void claim_stage_keys(const Section& section) {
    for (auto key : pipeline::stage_keys) {
        section.claim(key);
    }
}

// A list of IP addresses or CIDR networks; absent is empty.
std::vector<net::Cidr> read_networks(const Section& section, std::string_view key) {
    std::vector<net::Cidr> networks;
    auto texts = section.strings(key);
    for (std::size_t i = 0; i < texts.size(); ++i) {
        auto network = net::Cidr::parse(texts[i]);
        if (!network) {
            section.fail_at(section.node()[std::string(key)][i],
                            section.child_path(key) + "[" + std::to_string(i) + "]",
                            "must be an IP address or CIDR network (got \"" + texts[i] + "\")");
        }
        networks.push_back(*network);
    }
    return networks;
}

bool is_lower_hex(std::string_view text) {
    return std::all_of(text.begin(), text.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::vector<AdminPrincipal> read_admin_principals(const Section& admin, bool verifies_clients) {
    std::vector<AdminPrincipal> principals;
    std::set<std::string, std::less<>> names{"operator"};
    std::set<std::string, std::less<>> hashes;
    std::set<std::string, std::less<>> subjects;
    for (const auto& entry : admin.sections("principals")) {
        AdminPrincipal principal;
        principal.name = entry.string("name");
        if (principal.name.empty() || principal.name.size() > 64 ||
            !std::all_of(principal.name.begin(), principal.name.end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' ||
                       c == '.';
            })) {
            entry.fail("name", "must be 1 to 64 letters, digits and - _ .");
        }
        if (!names.insert(principal.name).second) {
            entry.fail("name",
                       "\"" + principal.name + "\" is taken (\"operator\" is the admin token's)");
        }
        principal.role = entry.choice<AdminRole>(
            "role", {{"viewer", AdminRole::viewer}, {"admin", AdminRole::admin}},
            AdminRole::viewer);
        if (entry.has("token_sha256") == entry.has("certificate_subject")) {
            entry.fail("give exactly one of token_sha256 and certificate_subject");
        }
        if (entry.has("certificate_subject")) {
            principal.certificate_subject = entry.string("certificate_subject");
            if (!verifies_clients) {
                entry.fail("certificate_subject",
                           "needs admin.tls with client_ca: the admin listener must verify "
                           "client certificates");
            }
            if (principal.certificate_subject.empty() ||
                !subjects.insert(principal.certificate_subject).second) {
                entry.fail("certificate_subject", "must be a subject no other principal has");
            }
        } else {
            principal.token_sha256 = entry.string("token_sha256");
            if (principal.token_sha256.size() != 64 || !is_lower_hex(principal.token_sha256)) {
                entry.fail("token_sha256",
                           "must be the SHA-256 of the token as 64 lower-case hex digits "
                           "(printf %s \"$TOKEN\" | sha256sum)");
            }
            if (!hashes.insert(principal.token_sha256).second) {
                entry.fail("token_sha256", "another principal has the same token");
            }
        }
        entry.finish();
        principals.push_back(std::move(principal));
    }
    return principals;
}

ServerTls read_server_tls(const Section& tls) {
    ServerTls settings;
    settings.self_signed = tls.boolean("self_signed", false);
    if (settings.self_signed) {
        if (tls.has("certificate") || tls.has("private_key")) {
            tls.fail("self_signed", "cannot be combined with certificate and private_key");
        }
    } else {
        settings.certificate_file = tls.string("certificate");
        settings.private_key_file = tls.string("private_key");
    }
    settings.profile = tls.choice<TlsProfile>(
        "profile", {{"intermediate", TlsProfile::intermediate}, {"modern", TlsProfile::modern}},
        TlsProfile::intermediate);
    settings.client_ca_file = tls.optional_string("client_ca");
    settings.require_client_certificate = tls.boolean("require_client_certificate", true);
    settings.handshake_timeout = tls.duration("handshake_timeout", 10s, 100ms, 5min);
    tls.finish();
    return settings;
}

Listener read_listener(const Section& section, std::size_t index) {
    Listener listener;
    listener.name = section.string("name", "listener-" + std::to_string(index));
    listener.address = section.string("address", "127.0.0.1");
    listener.port = static_cast<std::uint16_t>(section.integer("port", 1, max_port));
    if (auto tls = section.optional_section("tls")) {
        listener.tls = read_server_tls(*tls);
        if (section.has("redirect_to_https_port")) {
            section.fail("redirect_to_https_port", "only a plain-HTTP listener (no tls) redirects");
        }
    } else {
        if (!section.has("redirect_to_https_port")) {
            section.fail(
                "a listener without tls only redirects to HTTPS: set redirect_to_https_port "
                "(Rampart never serves an API over plain HTTP)");
        }
        listener.redirect_port =
            static_cast<std::uint16_t>(section.integer("redirect_to_https_port", 1, max_port));
    }
    boost::system::error_code error;
    boost::asio::ip::make_address(listener.address, error);
    if (error) {
        section.fail("address", "must be an IP address (got \"" + listener.address + "\")");
    }
    section.finish();
    return listener;
}

HttpLimits read_limits(const Section& section) {
    HttpLimits limits;
    constexpr std::uint64_t gib = 1ULL << 30;
    limits.max_request_target_bytes =
        section.size("max_request_target_bytes", limits.max_request_target_bytes, 256, 1 << 20);
    limits.max_header_bytes =
        section.size("max_header_bytes", limits.max_header_bytes, 1024, 1 << 20);
    limits.max_header_fields = section.integer(
        "max_header_fields", static_cast<std::int64_t>(limits.max_header_fields), 8, 10'000);
    limits.max_body_bytes = section.size("max_body_bytes", limits.max_body_bytes, 0, 4 * gib);
    limits.max_response_bytes =
        section.size("max_response_bytes", limits.max_response_bytes, 1024, 4 * gib);
    limits.header_timeout = section.duration("header_timeout", limits.header_timeout, 100ms, 5min);
    limits.body_idle_timeout =
        section.duration("body_idle_timeout", limits.body_idle_timeout, 100ms, 5min);
    limits.min_body_rate = section.size("min_body_rate", limits.min_body_rate, 0, 1ULL << 30);
    limits.body_rate_grace =
        section.duration("body_rate_grace", limits.body_rate_grace, 100ms, 5min);
    limits.keep_alive_timeout =
        section.duration("keep_alive_timeout", limits.keep_alive_timeout, 100ms, 1h);
    limits.send_timeout = section.duration("send_timeout", limits.send_timeout, 100ms, 1h);
    limits.max_requests_per_connection = section.integer(
        "max_requests_per_connection",
        static_cast<std::int64_t>(limits.max_requests_per_connection), 1, 10'000'000);
    limits.max_connections = section.integer(
        "max_connections", static_cast<std::int64_t>(limits.max_connections), 1, 10'000'000);
    limits.max_connections_per_ip =
        section.integer("max_connections_per_ip",
                        static_cast<std::int64_t>(limits.max_connections_per_ip), 1, 10'000'000);
    section.finish();
    return limits;
}

PathPolicy read_paths(const Section& section) {
    PathPolicy paths;
    paths.repeated_slashes = section.choice<SlashPolicy>("repeated_slashes",
                                                         {{"merge", SlashPolicy::merge},
                                                          {"reject", SlashPolicy::reject},
                                                          {"keep", SlashPolicy::keep}},
                                                         paths.repeated_slashes);
    paths.dot_segments = section.choice<DotSegmentPolicy>(
        "dot_segments",
        {{"reject", DotSegmentPolicy::reject}, {"resolve", DotSegmentPolicy::resolve}},
        paths.dot_segments);
    paths.allow_semicolons = section.boolean("allow_semicolons", false);
    paths.allow_backslashes = section.boolean("allow_backslashes", false);
    section.finish();
    return paths;
}

LogSink read_log_sink(const Section& section, LogSink fallback) {
    fallback.enabled = section.boolean("enabled", fallback.enabled);
    fallback.path = section.string("path", fallback.path);
    section.finish();
    return fallback;
}

Observability read_logging(const Section& section) {
    Observability logging;
    if (auto access = section.optional_section("access_log")) {
        logging.access_log = read_log_sink(*access, logging.access_log);
    }
    if (auto security = section.optional_section("security_log")) {
        security->claim("webhook");  // config/anomaly_settings.hpp reads it
        logging.security_log = read_log_sink(*security, logging.security_log);
    }
    section.finish();
    return logging;
}

UpstreamTarget read_target(const Section& section, const std::string& text, std::size_t index) {
    auto path = section.child_path("targets") + "[" + std::to_string(index) + "]";
    auto fail = [&](const std::string& message) {
        section.fail_at(section.node()["targets"][index], path, message);
    };
    auto parsed = boost::urls::parse_absolute_uri(text);
    if (!parsed) {
        fail("must be a URL such as http://127.0.0.1:9000 (got \"" + text + "\")");
    }
    UpstreamTarget target;
    target.url = text;
    auto scheme = parsed->scheme();
    if (scheme != "http" && scheme != "https") {
        fail("scheme must be http or https");
    }
    target.https = scheme == "https";
    if (parsed->has_userinfo() || parsed->has_query() || parsed->has_fragment() ||
        !(parsed->encoded_path().empty() || parsed->encoded_path() == "/")) {
        fail("must be scheme://host[:port] only, without user, path or query");
    }
    target.host = std::string(parsed->host_address());
    if (target.host.empty()) {
        fail("needs a host");
    }
    target.port = target.https ? 443 : 80;
    if (parsed->has_port()) {
        if (parsed->port_number() == 0) {
            fail("port must be between 1 and 65535");
        }
        target.port = parsed->port_number();
    }
    return target;
}

Upstream read_upstream(const Section& section, std::string name) {
    Upstream upstream;
    upstream.name = std::move(name);
    auto targets = section.strings("targets");
    if (targets.empty()) {
        section.fail("targets", "needs at least one target URL");
    }
    for (std::size_t i = 0; i < targets.size(); ++i) {
        upstream.targets.push_back(read_target(section, targets[i], i));
    }
    upstream.balance =
        section.choice<BalancePolicy>("balance",
                                      {{"round_robin", BalancePolicy::round_robin},
                                       {"least_connections", BalancePolicy::least_connections}},
                                      BalancePolicy::round_robin);
    upstream.connect_timeout =
        section.duration("connect_timeout", upstream.connect_timeout, 10ms, 5min);
    upstream.response_timeout =
        section.duration("response_timeout", upstream.response_timeout, 10ms, 1h);
    upstream.idle_timeout = section.duration("idle_timeout", upstream.idle_timeout, 100ms, 1h);
    upstream.max_connections_per_target = static_cast<std::uint32_t>(section.integer(
        "max_connections_per_target", upstream.max_connections_per_target, 1, 1'000'000));
    upstream.max_idle_per_target = static_cast<std::uint32_t>(
        section.integer("max_idle_per_target", upstream.max_idle_per_target, 0, 1'000'000));
    upstream.retries =
        static_cast<std::uint32_t>(section.integer("retries", upstream.retries, 0, 10));
    upstream.preserve_host = section.boolean("preserve_host", upstream.preserve_host);
    if (auto tls = section.optional_section("tls")) {
        upstream.tls.verify = tls->boolean("verify", true);
        upstream.tls.ca_file = tls->optional_string("ca_file");
        upstream.tls.server_name = tls->optional_string("server_name");
        upstream.tls.certificate_file = tls->optional_string("certificate");
        upstream.tls.private_key_file = tls->optional_string("private_key");
        if (upstream.tls.certificate_file.has_value() !=
            upstream.tls.private_key_file.has_value()) {
            tls->fail("certificate and private_key go together (upstream mTLS)");
        }
        tls->finish();
    }
    if (auto health = section.optional_section("health")) {
        if (auto passive = health->optional_section("passive")) {
            upstream.passive_health.consecutive_failures =
                static_cast<std::uint32_t>(passive->integer("consecutive_failures", 5, 1, 1000));
            upstream.passive_health.ejection_time = passive->duration(
                "ejection_time", upstream.passive_health.ejection_time, 100ms, 1h);
            passive->finish();
        }
        if (auto active = health->optional_section("active")) {
            auto& settings = upstream.active_health;
            settings.enabled = true;
            settings.path = active->string("path", settings.path);
            if (!settings.path.starts_with('/')) {
                active->fail("path", "must start with /");
            }
            settings.interval = active->duration("interval", settings.interval, 100ms, 1h);
            settings.timeout = active->duration("timeout", settings.timeout, 10ms, 5min);
            settings.healthy_threshold =
                static_cast<std::uint32_t>(active->integer("healthy_threshold", 2, 1, 100));
            settings.unhealthy_threshold =
                static_cast<std::uint32_t>(active->integer("unhealthy_threshold", 3, 1, 100));
            active->finish();
        }
        health->finish();
    }
    section.finish();
    return upstream;
}

// A YAML alias (*name) names a route or group again, a group with all its routes
// and inner groups: a few lines of groups aliasing groups would be read as
// millions of routes, holding the loader for minutes. Each use after the first
// is counted; what is written out costs its own bytes and is not bounded here.
constexpr std::size_t max_aliased_route_entries = 1000;

struct AliasedRouteEntries {
    std::set<std::pair<int, int>> read;  // where each entry read is written: line, column
    std::size_t again = 0;
};

// What a group passes down to its routes.
struct Inherited {
    std::string prefix;
    std::optional<std::string> host;
    std::optional<std::string> upstream;
    std::optional<RouteAuth> auth;
    std::optional<Section> auth_section;  // the innermost route or group that set auth
    std::optional<RouteAuthorization> authorization;
    std::optional<Section> authorization_section;  // the innermost that set require/authorize
    std::optional<std::uint64_t> max_body_bytes;
    std::vector<Section> stage_sections;  // innermost first
    const AuthSettings* auth_settings = nullptr;
    const AuthorizationSettings* authorization_settings = nullptr;  // the roles map
    const std::vector<Listener>* listeners = nullptr;  // for mtls: does one verify clients?
    std::vector<std::string>* load_notes = nullptr;    // what an OpenAPI import left out
    AliasedRouteEntries* aliased_entries = nullptr;    // one for the whole file
};

Inherited read_inherited(const Section& section, Inherited inherited) {
    if (auto host = section.optional_string("host")) {
        inherited.host = host;
    }
    if (auto upstream = section.optional_string("upstream")) {
        inherited.upstream = upstream;
    }
    if (section.has("auth")) {
        inherited.auth = read_route_auth(section);
        // emplace, not =: assigning a Section assigns its YAML::Node, which
        // overwrites the outer group's node with this section's content.
        inherited.auth_section.emplace(section);
        if (inherited.auth->is_none()) {
            // A public route inside a protected group: what the group
            // requires of an identity no longer applies.
            inherited.authorization.reset();
            inherited.authorization_section.reset();
        }
    }
    if (auto authorization = read_route_authorization(section, *inherited.authorization_settings)) {
        inherited.authorization = std::move(authorization);
        inherited.authorization_section.emplace(section);
    }
    if (section.has("max_body_bytes")) {
        inherited.max_body_bytes = section.size("max_body_bytes", 0, 0, 4ULL << 30);
    }
    claim_stage_keys(section);
    inherited.stage_sections.insert(inherited.stage_sections.begin(), section);
    return inherited;
}

std::string location_of(const Section& section) {
    const auto mark = section.node().Mark();
    if (mark.is_null()) {
        return section.file() + " " + section.path();  // imported: the operation in the document
    }
    return section.file() + ":" + std::to_string(mark.line + 1);
}

Route read_route(const Section& section, const Inherited& outer) {
    auto inherited = read_inherited(section, outer);
    Route route;
    auto path = section.string("path");
    if (!path.starts_with('/')) {
        section.fail("path", "must start with /");
    }
    route.path = outer.prefix.empty() ? path : outer.prefix + (path == "/" ? "" : path);
    route.name = section.string("name", route.path);
    route.methods = section.strings("methods");
    if (route.methods.empty()) {
        section.fail("methods", "is required: list the methods the route allows, e.g. [GET]");
    }
    for (std::size_t i = 0; i < route.methods.size(); ++i) {
        if (!known_methods.contains(route.methods[i])) {
            section.fail_at(section.node()["methods"][i],
                            section.child_path("methods") + "[" + std::to_string(i) + "]",
                            "unknown or refused method \"" + route.methods[i] +
                                "\" (allowed: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS)");
        }
    }
    route.host = inherited.host;
    if (!inherited.upstream) {
        section.fail("upstream", "is required (on the route or its group)");
    }
    route.upstream = *inherited.upstream;
    if (!inherited.auth) {
        section.fail("auth",
                     "is required: a route states its authentication, or `auth: none` explicitly");
    }
    route.auth = *inherited.auth;
    check_route_auth(route.auth, *inherited.auth_settings, *inherited.listeners,
                     *inherited.auth_section);
    check_route_authorization(route.auth, inherited.authorization, section,
                              inherited.authorization_section);
    if (inherited.authorization) {
        route.authorization = *inherited.authorization;
        if (const auto& rule = route.authorization.requirement.rule) {
            const auto& written = *inherited.authorization_section;
            check_rule_path_parameters(*rule, route.path, written.file(),
                                       written.child_path("require") + ".rule");
        }
    }
    route.max_body_bytes = inherited.max_body_bytes;
    route.stage_sections = inherited.stage_sections;
    route.location = location_of(section);
    section.finish();
    return route;
}

// Counts `entry` when it was read before; its use through an alias is refused
// past the bound. An imported operation (no mark) is not a YAML alias.
void count_aliased_entry(const Section& list_owner, std::string_view key, const Section& entry,
                         AliasedRouteEntries& aliased) {
    const auto mark = entry.node().Mark();
    if (mark.is_null() || aliased.read.emplace(mark.line, mark.column).second) {
        return;
    }
    if (++aliased.again > max_aliased_route_entries) {
        list_owner.fail(key, "uses routes and groups through YAML aliases more than " +
                                 std::to_string(max_aliased_route_entries) +
                                 " times in all (an aliased group counts once more for each "
                                 "route and group it holds)");
    }
}

// A group's `openapi`: its routes from the document, read like written ones.
void read_openapi_routes(const Section& group, const Inherited& inherited,
                         std::vector<Route>& routes) {
    auto imported = validate::read_openapi_group(group, inherited.authorization_section);
    for (const auto& section : imported.routes) {
        try {
            routes.push_back(read_route(section, inherited));
        } catch (const ConfigError& error) {
            throw ConfigError(validate::openapi_key_location(group) + ": " + error.what());
        }
    }
    if (inherited.load_notes != nullptr) {
        for (auto& note : imported.notes) {
            inherited.load_notes->push_back(std::move(note));
        }
    }
}

void read_route_list(const Section& parent, std::string_view key, const Inherited& inherited,
                     std::vector<Route>& routes, int depth) {
    for (const auto& entry : parent.sections(key)) {
        count_aliased_entry(parent, key, entry, *inherited.aliased_entries);
        if (!entry.has("routes") && !entry.has("openapi")) {
            routes.push_back(read_route(entry, inherited));
            continue;
        }
        if (depth >= 4) {
            entry.fail("routes", "groups nest at most four deep");
        }
        auto group = read_inherited(entry, inherited);
        auto prefix = entry.string("prefix", "");
        if (!prefix.empty() && (!prefix.starts_with('/') || prefix.ends_with('/'))) {
            entry.fail("prefix", "must start with / and not end with /");
        }
        group.prefix = inherited.prefix + prefix;
        entry.claim("name");
        if (entry.has("path") || entry.has("methods")) {
            entry.fail(
                "a group has `prefix` and `routes`; `path` and `methods` belong to its routes");
        }
        if (entry.has("openapi")) {
            read_openapi_routes(entry, group, routes);
        }
        read_route_list(entry, "routes", group, routes, depth + 1);
        entry.finish();
    }
}

// Method-level rules put several routes on one path (GET for users, DELETE
// for admins). Their default names, the path, would clash: unnamed routes
// sharing a path are named by their methods too ("DELETE /orders/{id}").
void name_routes_sharing_a_path(std::vector<Route>& routes) {
    std::map<std::pair<std::string, std::string>, int> unnamed_on_path;
    auto key_of = [](const Route& route) { return std::pair{route.host.value_or(""), route.path}; };
    for (const auto& route : routes) {
        if (route.name == route.path) {
            ++unnamed_on_path[key_of(route)];
        }
    }
    for (auto& route : routes) {
        if (route.name != route.path || unnamed_on_path[key_of(route)] < 2) {
            continue;
        }
        std::string methods;
        for (const auto& method : route.methods) {
            methods += (methods.empty() ? "" : ",") + method;
        }
        route.name = methods + " " + route.path;
    }
}

void check_references(const Settings& settings, const Section& root) {
    std::set<std::string, std::less<>> upstream_names;
    for (const auto& upstream : settings.upstreams) {
        upstream_names.insert(upstream.name);
    }
    std::map<std::string, std::string, std::less<>> route_names;
    for (const auto& route : settings.routes) {
        if (route.handler.empty() && !upstream_names.contains(route.upstream)) {
            throw ConfigError(route.location + ": routes: upstream \"" + route.upstream +
                              "\" is not defined under upstreams");
        }
        auto [existing, inserted] = route_names.emplace(route.name, route.location);
        if (!inserted) {
            throw ConfigError(route.location + ": routes: name \"" + route.name +
                              "\" is already used by the route at " + existing->second +
                              " (give each route its own `name`)");
        }
    }
    std::set<std::pair<std::string, int>> bound;
    for (const auto& listener : settings.listeners) {
        if (!bound.emplace(listener.address, listener.port).second) {
            root.fail("listeners",
                      "two listeners on " + listener.address + ":" + std::to_string(listener.port));
        }
    }
    if (settings.admin.enabled && bound.contains({settings.admin.address, settings.admin.port})) {
        root.fail("admin", "the admin listener shares an address with a public listener");
    }
}

// The token service's endpoints, under the issuer's path (RFC 8414 §3.1 puts
// the metadata of an issuer with a path at /.well-known/...{path}). A
// configured route on the same path and method is a conflict the router reports.
// `token_service.rate_limit` is the rate_limit section of the token
// service's own endpoints (the documents excepted), in place of the
// top-level one: logins and token requests can have their own, stricter
// limits (RL-04), checked before any password hash.
void add_token_service_routes(Settings& settings, const Section& root) {
    const auto& service = settings.auth.token_service;
    if (!service.enabled) {
        return;
    }
    auto service_section = root.optional_section("token_service");
    auto url = boost::urls::parse_absolute_uri(service.issuer);
    std::string base(url ? url->path() : "");
    while (!base.empty() && base.back() == '/') {
        base.pop_back();
    }
    const std::pair<const char*, std::string> endpoints[] = {
        {"login", base + "/auth/login"},
        {"logout", base + "/auth/logout"},
        {"password", base + "/auth/password"},
        {"token", base + "/oauth2/token"},
        {"revoke", base + "/oauth2/revoke"},
        {"introspect", base + "/oauth2/introspect"},
        {"jwks", base + "/.well-known/jwks.json"},
        {"metadata", "/.well-known/oauth-authorization-server" + base},
    };
    for (const auto& [handler, path] : endpoints) {
        bool internal =
            std::string_view(handler) == "revoke" || std::string_view(handler) == "introspect";
        if (internal && !service.introspection_public) {
            continue;  // INT-04: absent from the public listeners
        }
        Route route;
        route.name = std::string("token_service.") + handler;
        route.path = path;
        route.handler = handler;
        bool is_document =
            std::string_view(handler) == "jwks" || std::string_view(handler) == "metadata";
        route.methods = is_document ? std::vector<std::string>{"GET", "HEAD"}
                                    : std::vector<std::string>{"POST"};
        route.max_body_bytes = 16 * 1024;
        route.location = service.location;
        if (std::string_view(handler) == "password") {
            // A password change needs the user's own access token of this issuer
            // (PWD-10); the route's authentication stage verifies it.
            route.auth.methods = {AuthMethod::jwt};
            route.auth.issuers = {built_in_issuer_name};
            // Any user's own token; the handler refuses clients' tokens itself.
            route.authorization.mode = AuthorizationMode::authenticated;
            route.authorization.rule = service.location + " token_service (/auth/password)";
        }
        if (service_section && service_section->has("rate_limit") && !is_document) {
            route.stage_sections.push_back(*service_section);
        }
        settings.routes.push_back(std::move(route));
    }
}

// The built-in token service's issuer when the configuration names none: the
// first HTTPS listener.
std::string default_issuer(const std::vector<Listener>& listeners) {
    for (const auto& listener : listeners) {
        if (listener.tls) {
            auto host = listener.address.find(':') != std::string::npos
                            ? "[" + listener.address + "]"
                            : listener.address;
            return "https://" + host +
                   (listener.port == 443 ? "" : ":" + std::to_string(listener.port));
        }
    }
    return "https://localhost";
}

Settings read_settings(const Section& root) {
    Settings settings;
    settings.source_file = root.file();
    settings.data_directory = root.string("data_directory", settings.data_directory);
    settings.workers = static_cast<unsigned>(root.integer("workers", 0, 0, 256));
    if (settings.workers == 0) {
        settings.workers = std::max(1u, std::thread::hardware_concurrency());
    }
    auto listeners = root.sections("listeners");
    if (listeners.empty()) {
        root.fail("listeners", "at least one listener is required");
    }
    for (std::size_t i = 0; i < listeners.size(); ++i) {
        settings.listeners.push_back(read_listener(listeners[i], i));
    }
    bool has_https = std::any_of(settings.listeners.begin(), settings.listeners.end(),
                                 [](const Listener& listener) { return listener.tls.has_value(); });
    if (!has_https) {
        root.fail("listeners", "at least one listener needs tls");
    }
    if (auto admin = root.optional_section("admin")) {
        settings.admin.enabled = admin->boolean("enabled", true);
        settings.admin.address = admin->string("address", settings.admin.address);
        settings.admin.port =
            static_cast<std::uint16_t>(admin->integer("port", settings.admin.port, 1, max_port));
        settings.admin.token = admin->optional_secret("token").value_or("");
        if (!settings.admin.token.empty() && settings.admin.token.size() < 32) {
            admin->fail("token", "must be at least 32 characters");
        }
        if (auto tls = admin->optional_section("tls")) {
            settings.admin.tls = read_server_tls(*tls);
        }
        bool verifies_clients = settings.admin.tls && settings.admin.tls->client_ca_file;
        settings.admin.principals = read_admin_principals(*admin, verifies_clients);
        if (admin->has("allowed_sources")) {
            settings.admin.allowed_sources = read_networks(*admin, "allowed_sources");
            if (settings.admin.allowed_sources.empty()) {
                admin->fail("allowed_sources",
                            "must name at least one network (disable the admin listener "
                            "with enabled: false instead)");
            }
        }
        admin->finish();
    }
    if (auto limits = root.optional_section("limits")) {
        settings.limits = read_limits(*limits);
    }
    if (auto paths = root.optional_section("paths")) {
        settings.paths = read_paths(*paths);
    }
    settings.trusted_proxies = read_networks(root, "trusted_proxies");
    if (auto logging = root.optional_section("logging")) {
        settings.observability = read_logging(*logging);
    }
    // Checked here; the server applies them (config/anomaly_settings.hpp).
    read_anomaly_settings(root);
    read_security_webhook(root);
    settings.drain_timeout = root.duration("drain_timeout", settings.drain_timeout, 0ms, 10min);
    if (auto upstreams = root.optional_section("upstreams")) {
        for (auto it = upstreams->node().begin(); it != upstreams->node().end(); ++it) {
            auto name = it->first.Scalar();
            settings.upstreams.push_back(read_upstream(upstreams->section(name), name));
        }
    }
    settings.auth = read_auth_settings(root, default_issuer(settings.listeners));
    if (auto identity_headers = root.optional_section("identity_headers")) {
        settings.identity_headers =
            read_identity_headers(*identity_headers, settings.auth.token_service.enabled);
    } else {
        compile_identity_header_names(settings.identity_headers);
    }
    settings.authorization = read_authorization_settings(root);
    settings.abuse = read_abuse_settings(root);
    Inherited top;
    top.auth_settings = &settings.auth;
    top.authorization_settings = &settings.authorization;
    top.listeners = &settings.listeners;
    top.load_notes = &settings.load_notes;
    AliasedRouteEntries aliased_entries;
    top.aliased_entries = &aliased_entries;
    read_route_list(root, "routes", top, settings.routes, 0);
    add_token_service_routes(settings, root);
    name_routes_sharing_a_path(settings.routes);
    if (settings.routes.empty()) {
        root.fail("routes", "at least one route is required");
    }
    claim_stage_keys(root);
    limit::read_process_rate_limits(root);  // checked here; the server applies them
    settings.global_stage_section = root;
    check_references(settings, root);
    root.finish();
    return settings;
}

}  // namespace

Settings load_settings_file(const std::string& file) {
    return read_settings(load_yaml_file(file));
}

Settings load_settings_text(const std::string& text, const std::string& file_name) {
    return read_settings(load_yaml_text(text, file_name));
}

const std::string& embedded_default_configuration() {
    static const std::string text = R"(# The embedded default of `rampart serve` without --config.
data_directory: ${RAMPART_DATA_DIRECTORY:-./rampart-data}
listeners:
  - name: public
    address: 127.0.0.1
    port: 8443
    tls:
      self_signed: true
admin:
  address: 127.0.0.1
  port: 9901
# The built-in token service: /auth/login, /oauth2/token, the JWKS and the
# metadata; users and keys come from `rampart users add` and friends.
token_service:
  issuer: https://localhost:8443
upstreams:
  demo:
    targets: [http://127.0.0.1:9000]
    health:
      active:
        path: /healthz
        interval: 5s
routes:
  - prefix: /api/v1
    upstream: demo
    auth: none
    deprecated:
      since: 2026-01-01
      sunset: 2027-12-31
      link: https://github.com/rampart-gateway/rampart/blob/main/docs/configuration.md
      successor: https://localhost:8443/api/v2
    routes:
      - path: /users
        methods: [GET]
      - path: /users/{user_id}
        methods: [GET, PATCH, DELETE]
      - path: /orders
        methods: [GET, POST]
      - path: /orders/{order_id}
        methods: [GET, PUT, DELETE]
      - path: /whoami
        methods: [GET]
      - path: /debug/crash
        methods: [GET]
  - prefix: /api/v2
    upstream: demo
    auth: [jwt, api_key]
    authorize: authenticated    # any valid token or key (deny by default: a route says)
    routes:
      - path: /users
        methods: [GET]
      - path: /users/{user_id}
        methods: [GET, PATCH]
      - path: /users/{user_id}  # the same path: deleting a user is for admins only
        methods: [DELETE]
        require: {roles: [admin]}
      - path: /orders
        methods: [GET, POST]
      - path: /orders/{order_id}
        methods: [GET, PUT, DELETE]
      - path: /whoami
        methods: [GET]
)";
    return text;
}

}  // namespace rampart::config
