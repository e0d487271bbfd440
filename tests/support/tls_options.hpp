// TLS settings of the test clients and of the recording upstream. Every field is optional so
// that a test states only what it is about.
#pragma once

#include <optional>
#include <string>

namespace rampart::test {

enum class TlsVersion { tls1_0, tls1_1, tls1_2, tls1_3 };

// The name OpenSSL reports for a version: "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3".
const char* tls_version_name(TlsVersion version);

struct TlsOptions {
    // Empty: OpenSSL's defaults. Allowing TLS 1.0/1.1 also lowers the client to @SECLEVEL=0
    // (unless the cipher list already names a level), since OpenSSL 3 refuses them otherwise:
    // tests need a client that offers what a server must refuse.
    std::optional<TlsVersion> min_version;
    std::optional<TlsVersion> max_version;
    std::string cipher_list;       // TLS 1.2 and below, OpenSSL cipher string
    std::string ciphersuites;      // TLS 1.3, e.g. "TLS_AES_128_GCM_SHA256"
    std::string groups;            // key exchange groups, e.g. "X25519:P-256"
    std::string server_name;       // SNI; also the name verified when ca_file is set
    std::string ca_file;           // verify the peer against this CA; empty: no verification
    std::string certificate_file;  // client certificate (mTLS)
    std::string private_key_file;
    // Not TLS, but the client's: the local address to connect from (127.0.0.2,
    // 127.0.0.3... for tests of per-address defences); empty: the kernel's choice.
    std::string source_address;
};

}  // namespace rampart::test

typedef struct ssl_ctx_st SSL_CTX;

namespace rampart::test {

// Applies versions, ciphers, groups, certificate and CA of `options` to an OpenSSL context;
// throws std::runtime_error with OpenSSL's reason if one is refused. On a server context a
// ca_file means: require a client certificate signed by it.
void apply_tls_options(SSL_CTX* context, const TlsOptions& options, bool is_server);

// OpenSSL's queued errors as text (and clears the queue): what a failed handshake explains.
std::string take_openssl_errors();

}  // namespace rampart::test
