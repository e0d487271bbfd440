// Certificates for TLS tests, made fresh per test with the OpenSSL 3 API: nothing secret is
// checked in and nothing expires in the repository.
#pragma once

#include "support/temp_dir.hpp"

#include <string>

namespace rampart::test {

// Paths of PEM files inside the TempDir (mode 0600). All keys are P-256, signatures
// ECDSA-SHA256, validity 30 days.
struct TestPki {
    std::string ca_cert;      // the test CA
    std::string server_cert;  // CN=localhost, SAN DNS:localhost and IP:127.0.0.1, by the CA
    std::string server_key;
    std::string client_cert;  // CN=test-client, clientAuth, by the CA
    std::string client_key;
    std::string other_ca_cert;  // an unrelated CA: trusting it must not verify the above
    // CN=billing-client, clientAuth, by the CA, with subjectAltName DNS:billing.internal,
    // URI:spiffe://example.test/billing and email:billing@example.test.
    std::string client_san_cert;
    std::string client_san_key;
};

TestPki make_test_pki(const TempDir& directory);

}  // namespace rampart::test
