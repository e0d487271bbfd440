// One request and its response as they travel through a route's Chain. The
// session owns it; stages read and change it. Everything a later stage needs
// from an earlier one (the verified identity, for instance) lives here.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/container/small_vector.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pipeline/field_lines.hpp"
#include "pipeline/identity.hpp"

namespace rampart::config {
class Snapshot;
}
namespace rampart::net {
struct ClientCertificate;
}
namespace rampart::observe {
class SecurityEvents;
}

namespace rampart::pipeline {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

struct CompiledRoute;
class UpstreamFetcher;

// What the rate-limit stages decided, for the RateLimit-Policy, RateLimit
// and Retry-After fields of the response. Points into the compiled stages
// (which outlive the exchange); filled by up to two stages (before and after
// authentication), so it keeps every applied policy and, of all the limits,
// the refusing one or else the one with the lowest remaining quota.
struct RateLimitReport {
    static constexpr std::size_t max_policies = 16;
    std::array<const std::string*, max_policies> policy_items{};
    std::size_t policy_count = 0;
    const std::string* quoted_name = nullptr;  // null: no limit applied
    std::int64_t remaining = 0;
    std::int64_t reset_seconds = 0;
    bool refused = false;
};

// Named path parameters of the matched template ("/users/{user_id}"), decoded.
// Room for four in the exchange itself: templates rarely have more, and a
// vector would allocate for the first one on every request.
using PathParameters =
    boost::container::small_vector<std::pair<std::string_view, std::string>, 4>;

struct Exchange {
    Request request;
    Response response;
    // Written after the response's own fields (field_lines.hpp): the
    // security headers and the session's framing. Read the response as the
    // client sees it through net::append_head.
    FieldLines response_field_lines;

    const config::Snapshot* snapshot = nullptr;
    const CompiledRoute* route = nullptr;  // null until routed, and for unrouted requests
    PathParameters path_parameters;

    std::string normalized_path;  // decoded and normalised: what the router matched
    std::string query;            // raw query string without '?', as received
    std::string upstream_target;  // normalised path re-encoded, plus the query: what goes upstream

    boost::asio::ip::address peer_address;  // the TCP peer
    // peer_address as text, formatted once per connection by the session
    // (empty where an Exchange is made elsewhere: format peer_address then).
    std::string_view peer_address_text;
    boost::asio::ip::address
        client_address;  // the peer, or from X-Forwarded-For via trusted proxies
    bool peer_is_trusted_proxy = false;
    bool over_tls = true;
    // The connection's verified client certificate, read once after the
    // handshake; null without one (and on plain HTTP). Owned by the session.
    const net::ClientCertificate* client_certificate = nullptr;
    std::string request_id;

    // Set when the request carried credentials (Authorization, Cookie, an API
    // key header): the response then gets Cache-Control: no-store.
    bool carries_credentials = false;
    // True once the response came from an upstream (error masking applies
    // to those only); false for responses Rampart generated.
    bool response_from_upstream = false;
    // A public document Rampart serves (the JWKS, the metadata) keeps the
    // Cache-Control its handler set; every other response Rampart generates is no-store.
    bool response_is_public_document = false;
    // The connection must close after this response (smuggling, limits, drain).
    bool close_connection = false;

    std::uint64_t body_limit = 0;  // route limit, or the global one
    std::chrono::steady_clock::time_point started;
    std::chrono::system_clock::time_point wall_clock_start;
    // When the request arrived by the wall clock: read once per request, not by
    // every stage that needs the date. Now, for an exchange the session did not start.
    std::chrono::system_clock::time_point arrival_time() const {
        return wall_clock_start.time_since_epoch().count() != 0 ? wall_clock_start
                                                                : std::chrono::system_clock::now();
    }

    std::string_view upstream_name;
    std::string upstream_address;  // "host:port" of the target used, for the access log only
    std::chrono::microseconds upstream_duration{0};

    observe::SecurityEvents* security_events = nullptr;
    unsigned worker_index = 0;  // for per-worker caches: workers share nothing
    // The worker's way to the route's upstream for a stage's own fetch (the
    // ownership pre-fetch); null outside a worker (tests, the admin listener).
    UpstreamFetcher* upstream_fetcher = nullptr;

    // Set by the authentication stage; empty on `auth: none` routes.
    std::optional<Identity> identity;

    RateLimitReport rate_limit;
};

}  // namespace rampart::pipeline
