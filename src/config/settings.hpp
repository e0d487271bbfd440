// The typed configuration: what `rampart.yaml` says, checked and with every
// default filled in. It describes; it does not run anything. The Snapshot
// (config/snapshot.hpp) compiles it into routers, stage chains and TLS
// contexts. docs/configuration.md documents every key.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/auth_settings.hpp"
#include "config/authorization_settings.hpp"
#include "config/identity_header_settings.hpp"
#include "config/yaml_reader.hpp"
#include "net/cidr.hpp"

namespace rampart::config {

using namespace std::chrono_literals;

enum class TlsProfile { modern, intermediate };

struct ServerTls {
    // The embedded default: a certificate generated into the data directory.
    bool self_signed = false;
    std::string certificate_file;
    std::string private_key_file;
    TlsProfile profile = TlsProfile::intermediate;
    std::optional<std::string> client_ca_file;  // mTLS: verify client certificates
    bool require_client_certificate = true;     // only meaningful with client_ca_file
    Duration handshake_timeout = 10s;
};

struct Listener {
    std::string name;
    std::string address = "127.0.0.1";
    std::uint16_t port = 8443;
    // Set: an HTTPS listener. Unset: a plain-HTTP listener that only redirects
    // to https on redirect_port and never serves a route.
    std::optional<ServerTls> tls;
    std::uint16_t redirect_port = 443;
};

// What an admin principal may do: a viewer reads, an admin also changes (ADM-01).
enum class AdminRole { viewer, admin };

// Another holder of an admin credential besides the operator's token: known by
// the SHA-256 of its token, so the configuration never holds the token itself,
// or by the subject of its client certificate on an admin listener with mTLS.
struct AdminPrincipal {
    std::string name;  // in the security log as who made a change
    AdminRole role = AdminRole::viewer;
    std::string token_sha256;         // lower-case hex; or
    std::string certificate_subject;  // RFC 2253, as net::ClientCertificate has it
};

struct Admin {
    bool enabled = true;
    std::string address = "127.0.0.1";
    std::uint16_t port = 9901;
    std::string token;  // role admin; from the config, or generated into the data directory
    std::vector<AdminPrincipal> principals;
    // HTTPS for the admin listener; with client_ca, principals may be known by
    // their client certificate.
    std::optional<ServerTls> tls;
    // Who may reach /admin/* at all, whatever the address the listener binds
    // (the probes and /metrics stay open to every peer of the listener).
    std::vector<net::Cidr> allowed_sources = {*net::Cidr::parse("127.0.0.0/8"),
                                              *net::Cidr::parse("::1/128")};
};

struct HttpLimits {
    std::uint64_t max_request_target_bytes = 8 * 1024;
    std::uint64_t max_header_bytes = 16 * 1024;
    std::uint64_t max_header_fields = 100;
    std::uint64_t max_body_bytes = 1024 * 1024;
    std::uint64_t max_response_bytes = 16 * 1024 * 1024;
    Duration header_timeout = 10s;
    Duration body_idle_timeout = 10s;
    // Once body_rate_grace has passed, the body must average at least this
    // many bytes per second (0: no rate check): a body trickled just under
    // the idle timeout cannot hold a connection for ever.
    std::uint64_t min_body_rate = 1024;
    Duration body_rate_grace = 10s;
    Duration keep_alive_timeout = 60s;
    Duration send_timeout = 30s;
    std::uint64_t max_requests_per_connection = 10'000;
    std::uint64_t max_connections = 10'000;
    std::uint64_t max_connections_per_ip = 256;
};

enum class SlashPolicy { merge, reject, keep };
enum class DotSegmentPolicy { resolve, reject };

struct PathPolicy {
    SlashPolicy repeated_slashes = SlashPolicy::merge;
    DotSegmentPolicy dot_segments = DotSegmentPolicy::reject;
    bool allow_semicolons = false;   // "/admin;a=b/x" is a classic routing bypass
    bool allow_backslashes = false;  // some servers treat "\" as "/"
};

struct LogSink {
    bool enabled = true;
    std::string path = "stdout";  // "stdout", "stderr" or a file (created mode 0600)
};

struct Observability {
    LogSink access_log;
    LogSink security_log{true, "stderr"};
    std::vector<std::string> redacted_headers;  // never logged, beyond the built-in list
};

enum class BalancePolicy { round_robin, least_connections };

struct UpstreamTarget {
    std::string url;  // as written, for messages
    bool https = false;
    std::string host;
    std::uint16_t port = 80;
};

struct UpstreamTls {
    bool verify = true;
    std::optional<std::string> ca_file;           // default: the system trust store
    std::optional<std::string> server_name;       // default: the target host
    std::optional<std::string> certificate_file;  // upstream mTLS
    std::optional<std::string> private_key_file;
};

struct PassiveHealth {
    std::uint32_t consecutive_failures = 5;
    Duration ejection_time = 30s;
};

struct ActiveHealth {
    bool enabled = false;
    std::string path = "/healthz";
    Duration interval = 5s;
    Duration timeout = 2s;
    std::uint32_t healthy_threshold = 2;
    std::uint32_t unhealthy_threshold = 3;
};

struct Upstream {
    std::string name;
    std::vector<UpstreamTarget> targets;
    BalancePolicy balance = BalancePolicy::round_robin;
    Duration connect_timeout = 2s;
    Duration response_timeout = 30s;
    Duration idle_timeout = 60s;
    std::uint32_t max_connections_per_target = 1024;  // per worker
    std::uint32_t max_idle_per_target = 64;           // per worker
    std::uint32_t retries = 1;                        // idempotent methods only
    bool preserve_host = true;  // send the client's Host; false: the target's host
    UpstreamTls tls;
    PassiveHealth passive_health;
    ActiveHealth active_health;
};

struct Route {
    std::string name;
    std::string path;  // full template, group prefix included
    std::optional<std::string> host;
    std::vector<std::string> methods;  // upper case
    std::string upstream;              // name of an Upstream; empty when a handler answers
    std::string handler;               // a built-in handler (the token service's endpoints)
    std::optional<std::uint64_t> max_body_bytes;
    // Authentication methods; `none` must be said explicitly.
    RouteAuth auth;
    // What the authenticated identity needs (`require`, `authorize`); unset
    // exactly when `auth` is none.
    RouteAuthorization authorization;
    // The route's (and its group's) YAML, for the stages to read their own
    // keys from. Kept so each stage owns its schema (pipeline/stage_registry).
    std::vector<Section> stage_sections;  // innermost (route) first, then groups
    std::string location;                 // file:line of the route, for messages
};

struct Settings {
    std::string source_file;
    std::string data_directory = "./rampart-data";
    unsigned workers = 0;  // 0: one per core
    std::vector<Listener> listeners;
    Admin admin;
    HttpLimits limits;
    PathPolicy paths;
    std::vector<net::Cidr> trusted_proxies;
    Observability observability;
    std::vector<Upstream> upstreams;
    std::vector<Route> routes;
    AuthSettings auth;
    AuthorizationSettings authorization;  // the `roles` map
    IdentityHeaderSettings identity_headers;
    std::optional<Section> global_stage_section;  // the top-level map, for stages' global keys
    Duration drain_timeout = 15s;
    // Parts of OpenAPI documents (a group's `openapi`) that were not imported
    // or are enforced less strictly than written; `check` and `serve` print them.
    std::vector<std::string> load_notes;
};

}  // namespace rampart::config
