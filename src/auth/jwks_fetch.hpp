// One HTTPS GET of an external issuer's JWKS (KEY-07): https only, the
// certificate verified against ca_file or the system store, no redirect ever
// followed (a 3xx is a failure), a body cap that aborts the read, one deadline
// for the whole exchange (resolve, connect, handshake, write, read), and no
// loopback, private, link-local or otherwise non-public address after DNS
// resolution unless the issuer allows private addresses.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "config/auth_settings.hpp"

namespace rampart::auth {

struct JwksFetchSettings {
    std::string uri;  // https, already validated by the loader
    std::shared_ptr<boost::asio::ssl::context> tls;
    bool allow_private_addresses = false;
    std::chrono::milliseconds timeout{5000};
    std::uint64_t max_bytes = 256 * 1024;

    // Builds the TLS client context (ca_file or the system store): load time,
    // throws config::ConfigError naming the issuer.
    static JwksFetchSettings from(const config::ExternalIssuerSettings& issuer);
};

// The body of a 200 response, or why there is none (a short text without the
// URL or any response content, for logs).
struct JwksFetchOutcome {
    std::optional<std::string> body;
    std::string failure;
    bool ok() const { return body.has_value(); }
};

// For the control thread: never throws.
boost::asio::awaitable<JwksFetchOutcome> async_fetch_jwks(boost::asio::io_context& io,
                                                          const JwksFetchSettings& settings);

// Load time: blocks the calling thread (its own io_context) for at most the
// timeout. Never throws.
JwksFetchOutcome fetch_jwks(const JwksFetchSettings& settings);

// Loopback, private (RFC 1918, RFC 6598, unique-local), link-local,
// unspecified, "this network", multicast and reserved ranges, including IPv4
// carried inside IPv6 (mapped, compatible, NAT64).
bool is_non_public_address(const boost::asio::ip::address& address);

}  // namespace rampart::auth
