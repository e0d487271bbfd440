// TLS contexts for the listeners (server side) and for HTTPS upstreams (client
// side), built once when the config loads. Everything that can be wrong with a
// certificate or key is refused here, as a ConfigError naming the file, so a
// weak or broken setup never starts serving. The profiles follow Mozilla's
// server-side TLS guidelines (docs/tls-and-observability.md).
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "config/settings.hpp"

namespace rampart::net {

// intermediate: TLS 1.2 (ECDHE + AEAD suites only) and TLS 1.3; modern: TLS 1.3
// only. Both: groups X25519, P-256, P-384; no renegotiation, no compression, no
// 0-RTT; session resumption through the server cache and tickets. With
// client_ca_file the context verifies client certificates (mTLS).
// Throws config::ConfigError.
std::shared_ptr<boost::asio::ssl::context> make_server_tls_context(const config::ServerTls& tls);

// A client context for HTTPS upstreams: TLS 1.2+, peer verification against
// ca_file or the system trust store unless verify is false, and an optional
// client certificate for upstream mTLS. Throws config::ConfigError.
std::shared_ptr<boost::asio::ssl::context> make_upstream_tls_context(
    const config::UpstreamTls& tls);

// Per connection, before the handshake: SNI (unless the name is an IP literal)
// and the name the upstream certificate must match (tls.server_name, or else
// host). Never throws; if the name cannot be set, the connection is made to
// fail verification instead of silently skipping the hostname check.
void prepare_upstream_tls_stream(SSL* ssl, const std::string& host, const config::UpstreamTls& tls);

struct CertificatePaths {
    std::string certificate_file;
    std::string private_key_file;
};

// The certificate of the embedded default config: <data>/tls/self-signed.crt
// and .key, P-256, CN=localhost, SAN localhost/127.0.0.1/::1, valid 90 days.
// Reused while it is valid for more than 7 more days, regenerated otherwise.
// The directory is 0700 and the key 0600; both files are replaced atomically.
// Throws config::ConfigError.
CertificatePaths ensure_self_signed_certificate(const std::filesystem::path& data_directory);

// One line for `rampart check`: subject, key type and size, signature digest
// and expiry. Throws config::ConfigError when the file cannot be read.
std::string certificate_summary(const std::string& certificate_file);

}  // namespace rampart::net
