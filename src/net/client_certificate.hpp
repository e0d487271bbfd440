// The verified client certificate of a TLS connection (mTLS), reduced to the
// names a caller can be recognised by. Read once per connection, after the
// handshake; independent of the pipeline so that any listener can use it.
#pragma once

#include <optional>
#include <string>
#include <vector>

typedef struct ssl_st SSL;

namespace rampart::net {

struct ClientCertificate {
    // The subject as OpenSSL prints it with XN_FLAG_RFC2253 (what
    // `openssl x509 -noout -subject -nameopt RFC2253` shows): "CN=billing,O=Example".
    std::string subject;
    // subjectAltName entries. Entries with a space, a control character or a
    // byte outside ASCII are left out: no legitimate name has them, and they
    // are how names that only look equal are made.
    std::vector<std::string> dns_names;
    std::vector<std::string> uri_names;
    std::vector<std::string> email_addresses;
    std::string sha256_fingerprint;  // of the DER certificate, lower-case hex
};

// The peer certificate of `ssl`, only when the connection verifies client
// certificates, one was presented and it verified (X509_V_OK). Otherwise, and
// when OpenSSL cannot render it, nothing.
std::optional<ClientCertificate> verified_client_certificate(SSL* ssl);

}  // namespace rampart::net
