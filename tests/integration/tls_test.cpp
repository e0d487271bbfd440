// TLS and transport (spec section 1, TLS-01..TLS-08) against the real rampart binary: protocol
// versions, TLS 1.2 cipher suites, key exchange groups, configured certificates, client
// certificates (mTLS), upstream TLS verification, the plain-HTTP redirect listener and the
// certificate checks of `rampart check`.
#include <gtest/gtest.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/gateway.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/raw_connection.hpp"
#include "support/recording_upstream.hpp"
#include "support/temp_dir.hpp"
#include "support/test_pki.hpp"

using namespace rampart::test;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

// The security-event log is written asynchronously: poll for the event.

// A complete configuration with the given listener list, upstream map and route list (each
// YAML indented as under its key, two spaces).
std::string custom_config(std::uint16_t admin_port, const std::string& listeners,
                          const std::string& upstreams, const std::string& routes) {
    std::ostringstream config;
    config << "data_directory: {{dir}}/data\n"
           << "workers: 2\n"
           << "listeners:\n"
           << listeners << "admin:\n"
           << "  address: 127.0.0.1\n"
           << "  port: " << admin_port << "\n"
           << "  token: " << test_admin_token << "\n"
           << "logging:\n"
           << "  access_log: {path: '{{dir}}/access.log'}\n"
           << "  security_log: {path: '{{dir}}/security.log'}\n"
           << "drain_timeout: 5s\n"
           << "upstreams:\n"
           << upstreams << "routes:\n"
           << routes;
    return config.str();
}

std::string https_listener(std::uint16_t port, const std::string& tls) {
    return "  - name: public\n    address: 127.0.0.1\n    port: " + std::to_string(port) +
           "\n    tls: " + tls + "\n";
}

std::string plain_upstream(std::uint16_t upstream_port) {
    return "  app:\n    targets: [http://127.0.0.1:" + std::to_string(upstream_port) +
           "]\n    connect_timeout: 1s\n    response_timeout: 5s\n";
}

// An upstream "app" at https://127.0.0.1:port with the given `tls:` map ("" for none).
std::string https_upstream(std::uint16_t upstream_port, const std::string& tls) {
    std::string text = "  app:\n    targets: [https://127.0.0.1:" + std::to_string(upstream_port) +
                       "]\n    connect_timeout: 1s\n    response_timeout: 5s\n";
    if (!tls.empty()) {
        text += "    tls: " + tls + "\n";
    }
    return text;
}

TlsOptions versions(TlsVersion minimum, TlsVersion maximum) {
    TlsOptions tls;
    tls.min_version = minimum;
    tls.max_version = maximum;
    return tls;
}

TlsOptions only(TlsVersion version) {
    return versions(version, version);
}

TlsOptions server_tls(const TestPki& pki) {
    TlsOptions tls;
    tls.certificate_file = pki.server_cert;
    tls.private_key_file = pki.server_key;
    return tls;
}

// A handshake and then one GET on the same connection: the outcome of a client with `tls`.
struct HandshakeResult {
    bool connected = false;
    std::string error;
    std::string protocol;
    std::string cipher;
    std::string group;
    std::string peer_subject;
    std::optional<ParsedResponse> response;
};

HandshakeResult handshake_and_get(std::uint16_t port, const TlsOptions& tls,
                                  const std::string& target = "/api/orders") {
    HandshakeResult result;
    RawConnection connection(port, tls);
    result.connected = connection.connect(5s);
    result.error = connection.error();
    if (!result.connected) {
        return result;
    }
    result.protocol = connection.negotiated_protocol();
    result.cipher = connection.negotiated_cipher();
    result.group = connection.negotiated_group();
    result.peer_subject = connection.peer_certificate_subject();
    if (connection.send(format_request("GET", target, {}, {}, true), 5s)) {
        result.response = connection.read_response(5s);
    }
    if (!result.response) {
        result.error = connection.error();
    }
    return result;
}

// A gateway in front of `upstream` with the self-signed default listener, or with a listener
// whose `tls:` map is `listener_tls`.
std::unique_ptr<Gateway> start_default_gateway(const RecordingUpstream& upstream,
                                               const std::string& listener_tls = "") {
    auto port = free_port();
    auto admin_port = free_port();
    std::string config;
    if (listener_tls.empty()) {
        config = gateway_config(port, admin_port, upstream.port(), simple_route("/api/orders"));
    } else {
        config = custom_config(admin_port, https_listener(port, listener_tls),
                               plain_upstream(upstream.port()), simple_route("/api/orders"));
    }
    return std::make_unique<Gateway>(port, admin_port, config);
}

// ---- a hand-made TLS 1.2 ClientHello, for suites the local OpenSSL cannot even offer ----

void append_u16(std::string& bytes, unsigned value) {
    bytes += static_cast<char>((value >> 8) & 0xff);
    bytes += static_cast<char>(value & 0xff);
}

void append_u24(std::string& bytes, std::size_t value) {
    bytes += static_cast<char>((value >> 16) & 0xff);
    bytes += static_cast<char>((value >> 8) & 0xff);
    bytes += static_cast<char>(value & 0xff);
}

std::string extension(unsigned type, const std::string& data) {
    std::string bytes;
    append_u16(bytes, type);
    append_u16(bytes, static_cast<unsigned>(data.size()));
    return bytes + data;
}

// A TLS 1.2 ClientHello offering exactly `suites`, groups X25519 and P-256, and ECDSA/RSA
// SHA-256 signatures.
std::string client_hello(const std::vector<unsigned>& suites) {
    std::string body;
    append_u16(body, 0x0303);
    for (int index = 0; index < 32; ++index) {
        body += static_cast<char>(index * 7 + 1);
    }
    body += '\0';  // no session id
    append_u16(body, static_cast<unsigned>(suites.size() * 2));
    for (auto suite : suites) {
        append_u16(body, suite);
    }
    body += std::string("\x01\x00", 2);  // compression: null only
    std::string groups;
    append_u16(groups, 4);
    append_u16(groups, 0x001d);  // x25519
    append_u16(groups, 0x0017);  // secp256r1
    std::string signatures;
    append_u16(signatures, 6);
    append_u16(signatures, 0x0403);  // ecdsa_secp256r1_sha256
    append_u16(signatures, 0x0804);  // rsa_pss_rsae_sha256
    append_u16(signatures, 0x0401);  // rsa_pkcs1_sha256
    std::string extensions = extension(0x000a, groups) +
                             extension(0x000b, std::string("\x01\x00", 2)) +  // uncompressed
                             extension(0x000d, signatures) +
                             extension(0xff01, std::string("\x00", 1)) +  // renegotiation_info
                             extension(0x0017, "");                       // extended master secret
    append_u16(body, static_cast<unsigned>(extensions.size()));
    body += extensions;

    std::string handshake = "\x01";
    append_u24(handshake, body.size());
    handshake += body;
    std::string record = std::string("\x16\x03\x01", 3);
    append_u16(record, static_cast<unsigned>(handshake.size()));
    return record + handshake;
}

// What the server sends back to a ClientHello offering `suites`: its first bytes.
std::string server_reply_to_hello(std::uint16_t port, const std::vector<unsigned>& suites) {
    RawConnection connection(port);
    if (!connection.connect(5s) || !connection.send(client_hello(suites), 5s)) {
        return "connect/send failed: " + connection.error();
    }
    // A refusal is an alert and a close; an acceptance is a ServerHello and then silence.
    return connection.read_all_until_close(700ms);
}

bool is_server_hello(const std::string& reply) {
    return reply.size() >= 6 && reply[0] == '\x16' && reply[5] == '\x02';
}

bool is_fatal_alert(const std::string& reply) {
    return reply.size() >= 7 && reply[0] == '\x15' && reply[5] == '\x02';
}

std::string hex_prefix(const std::string& bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string text;
    for (std::size_t index = 0; index < bytes.size() && index < 16; ++index) {
        auto byte = static_cast<unsigned char>(bytes[index]);
        text += digits[byte >> 4];
        text += digits[byte & 0x0f];
        text += ' ';
    }
    return text;
}

// ---- a weak certificate for `rampart check` ----

struct PemPair {
    std::string certificate;
    std::string key;
};

template <typename Write>
std::string to_pem(Write&& write) {
    std::unique_ptr<BIO, decltype(&BIO_free)> memory(BIO_new(BIO_s_mem()), BIO_free);
    if (!memory || write(memory.get()) != 1) {
        throw std::runtime_error("PEM encoding failed");
    }
    char* data = nullptr;
    long length = BIO_get_mem_data(memory.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

// A self-signed CN=localhost certificate for a fresh RSA key of `bits` bits, SHA-256 signed.
PemPair make_rsa_certificate(unsigned bits) {
    std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_RSA_gen(bits), EVP_PKEY_free);
    std::unique_ptr<X509, decltype(&X509_free)> certificate(X509_new(), X509_free);
    if (!key || !certificate) {
        throw std::runtime_error("RSA key or certificate allocation failed");
    }
    X509* raw = certificate.get();
    X509_set_version(raw, X509_VERSION_3);
    ASN1_INTEGER_set(X509_get_serialNumber(raw), 4242);
    X509_gmtime_adj(X509_getm_notBefore(raw), -3600);
    X509_gmtime_adj(X509_getm_notAfter(raw), 30L * 24 * 3600);
    X509_NAME* name = X509_get_subject_name(raw);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>("localhost"), -1, -1, 0);
    X509_set_issuer_name(raw, name);
    X509_set_pubkey(raw, key.get());
    if (X509_sign(raw, key.get(), EVP_sha256()) <= 0) {
        throw std::runtime_error("X509_sign failed");
    }
    return PemPair{
        to_pem([&](BIO* bio) { return PEM_write_bio_X509(bio, raw); }), to_pem([&](BIO* bio) {
            return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
        })};
}

struct CheckResult {
    std::optional<int> exit_status;
    std::string output;
};

CheckResult run_check(const TempDir& directory, const std::string& config_path) {
    Process check(rampart_binary(), {"check", "--config", config_path}, directory.path());
    CheckResult result;
    result.exit_status = check.wait_for_exit(10s);
    result.output = check.errors() + check.output();
    return result;
}

}  // namespace

// ---------------------------------------------------------------- TLS-01: protocol versions

TEST(TlsVersions, IntermediateProfileRefusesTls10And11) {
    RecordingUpstream upstream;
    auto gateway = start_default_gateway(upstream);
    for (auto version : {TlsVersion::tls1_0, TlsVersion::tls1_1}) {
        SCOPED_TRACE(tls_version_name(version));
        auto result = handshake_and_get(gateway->port(), only(version));
        EXPECT_FALSE(result.connected) << "negotiated " << result.protocol;
        EXPECT_FALSE(result.response.has_value());
        EXPECT_TRUE(contains(result.error, "protocol version") ||
                    contains(result.error, "unsupported protocol"))
            << result.error;
    }
    EXPECT_EQ(upstream.request_count(), 0u);
    // The control: the same gateway answers a default client.
    auto control = handshake_and_get(gateway->port(), {});
    ASSERT_TRUE(control.connected) << control.error;
    EXPECT_EQ(upstream.request_count(), 1u);
}

TEST(TlsVersions, IntermediateProfileAcceptsTls12And13) {
    RecordingUpstream upstream;
    auto gateway = start_default_gateway(upstream);
    for (auto version : {TlsVersion::tls1_2, TlsVersion::tls1_3}) {
        SCOPED_TRACE(tls_version_name(version));
        auto result = handshake_and_get(gateway->port(), only(version));
        ASSERT_TRUE(result.connected) << result.error;
        EXPECT_EQ(result.protocol, tls_version_name(version));
        ASSERT_TRUE(result.response.has_value()) << result.error;
        EXPECT_EQ(result.response->status, 200u);
    }
    // A client that offers everything from TLS 1.0 up still ends at TLS 1.3.
    auto widest =
        handshake_and_get(gateway->port(), versions(TlsVersion::tls1_0, TlsVersion::tls1_3));
    ASSERT_TRUE(widest.connected) << widest.error;
    EXPECT_EQ(widest.protocol, "TLSv1.3");
}

TEST(TlsVersions, ModernProfileRefusesTls12AndAcceptsTls13) {
    RecordingUpstream upstream;
    TempDir pki_directory;
    auto pki = make_test_pki(pki_directory);
    auto gateway =
        start_default_gateway(upstream, "{certificate: '" + pki.server_cert + "', private_key: '" +
                                            pki.server_key + "', profile: modern}");
    auto tls12 = handshake_and_get(gateway->port(), only(TlsVersion::tls1_2));
    EXPECT_FALSE(tls12.connected) << "negotiated " << tls12.protocol;
    auto tls11 = handshake_and_get(gateway->port(), only(TlsVersion::tls1_1));
    EXPECT_FALSE(tls11.connected) << "negotiated " << tls11.protocol;
    EXPECT_EQ(upstream.request_count(), 0u);

    auto tls13 = handshake_and_get(gateway->port(), only(TlsVersion::tls1_3));
    ASSERT_TRUE(tls13.connected) << tls13.error;
    EXPECT_EQ(tls13.protocol, "TLSv1.3");
    ASSERT_TRUE(tls13.response.has_value()) << tls13.error;
    EXPECT_EQ(tls13.response->status, 200u);
}

// ---------------------------------------------------------------- TLS-02: cipher suites

TEST(TlsCipherSuites, Tls12RefusesStaticRsaCbcAnd3des) {
    RecordingUpstream upstream;
    auto gateway = start_default_gateway(upstream);
    // The self-signed certificate is ECDSA P-256, so the CBC suites that could match its key
    // type are listed too: a server that allowed CBC would accept those.
    for (const char* suite :
         {"AES128-SHA", "AES128-GCM-SHA256", "ECDHE-RSA-AES128-SHA", "ECDHE-ECDSA-AES128-SHA",
          "ECDHE-ECDSA-AES256-SHA", "ECDHE-ECDSA-AES128-SHA256"}) {
        SCOPED_TRACE(suite);
        TlsOptions tls = only(TlsVersion::tls1_2);
        tls.cipher_list = std::string(suite) + ":@SECLEVEL=0";
        auto result = handshake_and_get(gateway->port(), tls);
        EXPECT_FALSE(result.connected) << "negotiated " << result.cipher;
    }
    EXPECT_EQ(upstream.request_count(), 0u);
    TlsOptions control = only(TlsVersion::tls1_2);
    control.cipher_list = "ECDHE-ECDSA-AES128-GCM-SHA256:@SECLEVEL=0";
    EXPECT_TRUE(handshake_and_get(gateway->port(), control).connected);
}

// This OpenSSL cannot offer DES-CBC3-SHA at all, so a hand-made ClientHello offers it; the
// same hello with an allowed suite must get a ServerHello, which shows the hello is sound.
TEST(TlsCipherSuites, Tls12RefusesSuitesOfferedInARawClientHello) {
    RecordingUpstream upstream;
    auto gateway = start_default_gateway(upstream);
    auto control = server_reply_to_hello(gateway->port(), {0xc02b});  // ECDHE-ECDSA-AES128-GCM
    ASSERT_TRUE(is_server_hello(control)) << hex_prefix(control);

    const std::vector<std::pair<const char*, unsigned>> refused{
        {"DES-CBC3-SHA", 0x000a},
        {"AES128-SHA", 0x002f},
        {"AES128-GCM-SHA256", 0x009c},
        {"ECDHE-RSA-AES128-SHA", 0xc013},
        {"ECDHE-ECDSA-AES128-SHA", 0xc009},
        {"ECDHE-ECDSA-DES-CBC3-SHA", 0xc008},
        {"RC4-SHA", 0x0005}};
    for (const auto& [name, code] : refused) {
        SCOPED_TRACE(name);
        auto reply = server_reply_to_hello(gateway->port(), {code});
        EXPECT_FALSE(is_server_hello(reply)) << hex_prefix(reply);
        EXPECT_TRUE(is_fatal_alert(reply)) << hex_prefix(reply);
    }
}

TEST(TlsCipherSuites, Tls12AcceptsEveryEcdheAeadSuiteForTheEcdsaCertificate) {
    RecordingUpstream upstream;
    auto gateway = start_default_gateway(upstream);
    for (const char* suite : {"ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-ECDSA-AES256-GCM-SHA384",
                              "ECDHE-ECDSA-CHACHA20-POLY1305"}) {
        SCOPED_TRACE(suite);
        TlsOptions tls = only(TlsVersion::tls1_2);
        tls.cipher_list = suite;
        auto result = handshake_and_get(gateway->port(), tls);
        ASSERT_TRUE(result.connected) << result.error;
        EXPECT_EQ(result.cipher, suite);
        ASSERT_TRUE(result.response.has_value()) << result.error;
        EXPECT_EQ(result.response->status, 200u);
    }
}

TEST(TlsCipherSuites, Tls13AcceptsTheThreeAeadSuitesOnly) {
    RecordingUpstream upstream;
    auto gateway = start_default_gateway(upstream);
    for (const char* suite :
         {"TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256"}) {
        SCOPED_TRACE(suite);
        TlsOptions tls = only(TlsVersion::tls1_3);
        tls.ciphersuites = suite;
        auto result = handshake_and_get(gateway->port(), tls);
        ASSERT_TRUE(result.connected) << result.error;
        EXPECT_EQ(result.cipher, suite);
    }
    TlsOptions ccm = only(TlsVersion::tls1_3);
    ccm.ciphersuites = "TLS_AES_128_CCM_SHA256";
    auto refused = handshake_and_get(gateway->port(), ccm);
    EXPECT_FALSE(refused.connected) << "negotiated " << refused.cipher;
}

// ---------------------------------------------------------------- TLS-03: groups

TEST(TlsGroups, RefusesSecp521r1Only) {
    RecordingUpstream upstream;
    auto gateway = start_default_gateway(upstream);
    for (auto version : {TlsVersion::tls1_3, TlsVersion::tls1_2}) {
        SCOPED_TRACE(tls_version_name(version));
        TlsOptions tls = only(version);
        tls.groups = "secp521r1";
        auto result = handshake_and_get(gateway->port(), tls);
        EXPECT_FALSE(result.connected) << "negotiated group " << result.group;
    }
    EXPECT_EQ(upstream.request_count(), 0u);
    TlsOptions control = only(TlsVersion::tls1_3);
    control.groups = "secp521r1:X25519";
    auto accepted = handshake_and_get(gateway->port(), control);
    ASSERT_TRUE(accepted.connected) << accepted.error;
    EXPECT_TRUE(accepted.group == "X25519" || accepted.group == "x25519") << accepted.group;
}

TEST(TlsGroups, AcceptsX25519P256AndP384) {
    RecordingUpstream upstream;
    auto gateway = start_default_gateway(upstream);
    const std::vector<std::string> x25519{"X25519", "x25519"};
    const std::vector<std::string> p256{"secp256r1", "prime256v1", "P-256"};
    const std::vector<std::string> p384{"secp384r1", "P-384"};
    struct Case {
        TlsVersion version;
        const char* offered;
        const std::vector<std::string>& expected;
    };
    // In TLS 1.2 the client's groups also bound the curve of an ECDSA certificate (RFC 8422
    // section 5.1.1), so those clients list P-256 after the group under test; the server
    // follows the client's order.
    const std::vector<Case> cases{
        {TlsVersion::tls1_3, "X25519", x25519}, {TlsVersion::tls1_3, "P-256", p256},
        {TlsVersion::tls1_3, "P-384", p384},    {TlsVersion::tls1_2, "X25519:P-256", x25519},
        {TlsVersion::tls1_2, "P-256", p256},    {TlsVersion::tls1_2, "P-384:P-256", p384}};
    for (const auto& [version, offered, expected] : cases) {
        SCOPED_TRACE(std::string(tls_version_name(version)) + " " + offered);
        TlsOptions tls = only(version);
        tls.groups = offered;
        auto result = handshake_and_get(gateway->port(), tls);
        ASSERT_TRUE(result.connected) << result.error;
        EXPECT_NE(std::find(expected.begin(), expected.end(), result.group), expected.end())
            << "negotiated group " << result.group;
        ASSERT_TRUE(result.response.has_value()) << result.error;
        EXPECT_EQ(result.response->status, 200u);
    }
}

// ---------------------------------------------------------------- configured certificate, mTLS

TEST(TlsCertificate, ListenerPresentsTheConfiguredCertificate) {
    RecordingUpstream upstream;
    TempDir pki_directory;
    auto pki = make_test_pki(pki_directory);
    auto gateway = start_default_gateway(upstream, "{certificate: '" + pki.server_cert +
                                                       "', private_key: '" + pki.server_key + "'}");

    TlsOptions verifying;
    verifying.ca_file = pki.ca_cert;
    verifying.server_name = "localhost";
    auto result = handshake_and_get(gateway->port(), verifying);
    ASSERT_TRUE(result.connected) << result.error;
    EXPECT_TRUE(contains(result.peer_subject, "CN=localhost")) << result.peer_subject;
    EXPECT_TRUE(contains(result.peer_subject, "O=Rampart tests")) << result.peer_subject;
    ASSERT_TRUE(result.response.has_value()) << result.error;
    EXPECT_EQ(result.response->status, 200u);

    // Verification is real: the same certificate does not verify against another CA.
    TlsOptions wrong_ca = verifying;
    wrong_ca.ca_file = pki.other_ca_cert;
    auto refused = handshake_and_get(gateway->port(), wrong_ca);
    EXPECT_FALSE(refused.connected);
}

TEST(TlsClientCertificates, RequiredByClientCaListener) {
    RecordingUpstream upstream;
    TempDir pki_directory;
    auto pki = make_test_pki(pki_directory);
    auto gateway = start_default_gateway(upstream, "{certificate: '" + pki.server_cert +
                                                       "', private_key: '" + pki.server_key +
                                                       "', client_ca: '" + pki.ca_cert + "'}");

    // TLS 1.2: the server refuses during the handshake.
    auto tls12 = handshake_and_get(gateway->port(), only(TlsVersion::tls1_2));
    EXPECT_FALSE(tls12.connected);
    EXPECT_FALSE(tls12.response.has_value());
    // TLS 1.3: the client's handshake may complete before the server has checked the
    // (missing) certificate, but the server then aborts and never answers.
    auto tls13 = handshake_and_get(gateway->port(), only(TlsVersion::tls1_3));
    EXPECT_FALSE(tls13.response.has_value()) << "status " << tls13.response->status;
    // A certificate from the CA without the clientAuth purpose (the server certificate).
    TlsOptions wrong_purpose;
    wrong_purpose.certificate_file = pki.server_cert;
    wrong_purpose.private_key_file = pki.server_key;
    auto misused = handshake_and_get(gateway->port(), wrong_purpose);
    EXPECT_FALSE(misused.response.has_value()) << "status " << misused.response->status;
    EXPECT_EQ(upstream.request_count(), 0u);

    for (auto version : {TlsVersion::tls1_2, TlsVersion::tls1_3}) {
        SCOPED_TRACE(tls_version_name(version));
        TlsOptions client = only(version);
        client.certificate_file = pki.client_cert;
        client.private_key_file = pki.client_key;
        client.ca_file = pki.ca_cert;
        client.server_name = "localhost";
        auto accepted = handshake_and_get(gateway->port(), client);
        ASSERT_TRUE(accepted.connected) << accepted.error;
        ASSERT_TRUE(accepted.response.has_value()) << accepted.error;
        EXPECT_EQ(accepted.response->status, 200u);
    }
    EXPECT_EQ(upstream.request_count(), 2u);
}

// ---------------------------------------------------------------- TLS-08: upstream TLS

class UpstreamTls : public ::testing::Test {
  protected:
    void SetUp() override { pki_ = make_test_pki(pki_directory_); }

    std::unique_ptr<Gateway> start(const RecordingUpstream& upstream, const std::string& tls) {
        auto port = free_port();
        auto admin_port = free_port();
        auto config =
            custom_config(admin_port, https_listener(port, "{self_signed: true}"),
                          https_upstream(upstream.port(), tls), simple_route("/api/orders"));
        return std::make_unique<Gateway>(port, admin_port, config);
    }

    static void expect_bad_gateway_problem(const ParsedResponse& response,
                                           std::uint16_t upstream_port) {
        EXPECT_EQ(response.status, 502u) << response.body;
        EXPECT_EQ(response.get("Content-Type"), "application/problem+json");
        auto body = response.json().as_object();
        EXPECT_EQ(body.at("status").as_int64(), 502);
        EXPECT_EQ(body.at("request_id").as_string(), response.get("X-Request-Id"));
        EXPECT_FALSE(contains(response.body, std::to_string(upstream_port))) << response.body;
        EXPECT_FALSE(contains(response.body, "certificate")) << response.body;
    }

    TempDir pki_directory_;
    TestPki pki_;
};

TEST_F(UpstreamTls, UntrustedCertificateIsA502AndASecurityEvent) {
    RecordingUpstream upstream(server_tls(pki_));
    auto gateway = start(upstream, "");  // the system trust store does not hold the test CA
    auto response = https_request(gateway->port(), "GET", "/api/orders");
    expect_bad_gateway_problem(response, upstream.port());
    EXPECT_TRUE(gateway->wait_for_security_log("upstream_tls_failure")) << gateway->security_log();
    EXPECT_EQ(upstream.request_count(), 0u);
}

TEST_F(UpstreamTls, TrustedCertificateViaCaFileIsProxied) {
    RecordingUpstream upstream(server_tls(pki_));
    auto gateway = start(upstream, "{ca_file: '" + pki_.ca_cert + "'}");
    auto response = https_request(gateway->port(), "GET", "/api/orders?page=2");
    EXPECT_EQ(response.status, 200u) << response.body;
    ASSERT_EQ(upstream.request_count(), 1u);
    EXPECT_EQ(upstream.requests()[0].target, "/api/orders?page=2");
}

TEST_F(UpstreamTls, HostnameMismatchIsA502AndASecurityEvent) {
    RecordingUpstream upstream(server_tls(pki_));
    auto gateway = start(upstream, "{ca_file: '" + pki_.ca_cert + "', server_name: wrong.example}");
    auto response = https_request(gateway->port(), "GET", "/api/orders");
    expect_bad_gateway_problem(response, upstream.port());
    EXPECT_TRUE(gateway->wait_for_security_log("upstream_tls_failure")) << gateway->security_log();
    EXPECT_EQ(upstream.request_count(), 0u);
}

TEST_F(UpstreamTls, CertificateFromAnotherCaIsA502) {
    RecordingUpstream upstream(server_tls(pki_));
    auto gateway = start(upstream, "{ca_file: '" + pki_.other_ca_cert + "'}");
    auto response = https_request(gateway->port(), "GET", "/api/orders");
    expect_bad_gateway_problem(response, upstream.port());
    EXPECT_EQ(upstream.request_count(), 0u);
}

TEST_F(UpstreamTls, ClientCertificateForAnUpstreamRequiringMtls) {
    TlsOptions requiring = server_tls(pki_);
    requiring.ca_file = pki_.ca_cert;  // the upstream requires a client certificate by the CA
    RecordingUpstream upstream(requiring);
    auto gateway =
        start(upstream, "{ca_file: '" + pki_.ca_cert + "', certificate: '" + pki_.client_cert +
                            "', private_key: '" + pki_.client_key + "'}");
    auto response = https_request(gateway->port(), "GET", "/api/orders");
    EXPECT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(upstream.request_count(), 1u);
}

TEST_F(UpstreamTls, NoClientCertificateForAnUpstreamRequiringMtlsIsA502) {
    TlsOptions requiring = server_tls(pki_);
    requiring.ca_file = pki_.ca_cert;
    RecordingUpstream upstream(requiring);
    auto gateway = start(upstream, "{ca_file: '" + pki_.ca_cert + "'}");
    auto response = https_request(gateway->port(), "GET", "/api/orders");
    expect_bad_gateway_problem(response, upstream.port());
    EXPECT_EQ(upstream.request_count(), 0u);
    // TLS 1.3: the refusal arrives after the client's side of the handshake, on the first read.
    EXPECT_TRUE(gateway->wait_for_security_log("upstream_tls_failure")) << gateway->security_log();
}

// ---------------------------------------------------------------- TLS-06/07: plain HTTP

class RedirectListener : public ::testing::Test {
  protected:
    void SetUp() override {
        https_port_ = free_port();
        http_port_ = free_port();
        auto admin_port = free_port();
        std::string listeners =
            https_listener(https_port_, "{self_signed: true}") +
            "  - name: plain\n    address: 127.0.0.1\n    port: " + std::to_string(http_port_) +
            "\n    redirect_to_https_port: " + std::to_string(https_port_) + "\n";
        auto config = custom_config(admin_port, listeners, plain_upstream(upstream_.port()),
                                    simple_route("/api/orders"));
        gateway_ = std::make_unique<Gateway>(https_port_, admin_port, config);
        ASSERT_TRUE(gateway_->process().wait_for_port(http_port_, 5s));
    }

    RecordingUpstream upstream_;
    std::uint16_t https_port_ = 0;
    std::uint16_t http_port_ = 0;
    std::unique_ptr<Gateway> gateway_;
};

TEST_F(RedirectListener, GetIsRedirectedToHttpsWithPathAndQueryAndNoHsts) {
    auto response = http_request(http_port_, "GET", "/api/orders?page=2&sort=id",
                                 {{"Host", "localhost:" + std::to_string(http_port_)}});
    EXPECT_EQ(response.status, 308u) << response.body;
    EXPECT_EQ(response.get("Location"),
              "https://localhost:" + std::to_string(https_port_) + "/api/orders?page=2&sort=id");
    EXPECT_FALSE(response.has("Strict-Transport-Security"));
    EXPECT_FALSE(response.get("X-Request-Id").empty());
    // The HTTPS side does send HSTS: the header's absence above is the listener's choice.
    auto secure = https_request(https_port_, "GET", "/api/orders");
    EXPECT_EQ(secure.status, 200u);
    EXPECT_TRUE(contains(secure.get("Strict-Transport-Security"), "max-age="));
    EXPECT_EQ(upstream_.request_count(), 1u);  // only the HTTPS request
}

TEST_F(RedirectListener, CredentialsOverPlainHttpAreRefusedAndLogged) {
    auto response = http_request(http_port_, "GET", "/api/orders",
                                 {{"Host", "localhost:" + std::to_string(http_port_)},
                                  {"Authorization", "Bearer cleartext-canary-token"}});
    auto with_cookie = http_request(http_port_, "GET", "/api/orders",
                                    {{"Host", "localhost:" + std::to_string(http_port_)},
                                     {"Cookie", "session=cleartext-canary-token"}});
    EXPECT_EQ(with_cookie.status, 403u) << with_cookie.body;
    EXPECT_FALSE(with_cookie.has("Location"));
    EXPECT_EQ(response.status, 403u) << response.body;
    EXPECT_EQ(response.get("Content-Type"), "application/problem+json");
    EXPECT_FALSE(response.has("Location"));
    EXPECT_FALSE(response.has("Strict-Transport-Security"));
    auto body = response.json().as_object();
    EXPECT_EQ(body.at("status").as_int64(), 403);
    EXPECT_EQ(body.at("request_id").as_string(), response.get("X-Request-Id"));
    EXPECT_FALSE(contains(response.body, "cleartext-canary-token"));
    EXPECT_TRUE(gateway_->wait_for_security_log("cleartext_request")) << gateway_->security_log();
    EXPECT_FALSE(contains(gateway_->security_log(), "cleartext-canary-token"));
    EXPECT_EQ(upstream_.request_count(), 0u);
}

// ---------------------------------------------------------------- TLS-04: rampart check

TEST(TlsConfigurationCheck, RejectsA1024BitRsaCertificateNamingTheFile) {
    TempDir directory;
    auto weak = make_rsa_certificate(1024);
    auto certificate_path = directory.write("certs/weak-rsa.crt", weak.certificate);
    auto key_path = directory.write("certs/weak-rsa.key", weak.key);
    auto strong = make_rsa_certificate(2048);
    auto strong_certificate_path = directory.write("certs/strong-rsa.crt", strong.certificate);
    auto strong_key_path = directory.write("certs/strong-rsa.key", strong.key);

    auto config_for = [&](const std::string& certificate, const std::string& key) {
        auto text = custom_config(free_port(),
                                  https_listener(free_port(), "{certificate: '" + certificate +
                                                                  "', private_key: '" + key + "'}"),
                                  plain_upstream(free_port()), simple_route("/api/orders"));
        auto position = text.find("{{dir}}");
        while (position != std::string::npos) {
            text.replace(position, 7, directory.path());
            position = text.find("{{dir}}");
        }
        return text;
    };
    // The control: the same configuration with a 2048-bit key passes.
    auto strong_config =
        directory.write("strong.yaml", config_for(strong_certificate_path, strong_key_path));
    auto accepted = run_check(directory, strong_config);
    ASSERT_TRUE(accepted.exit_status.has_value());
    EXPECT_EQ(*accepted.exit_status, 0) << accepted.output;

    auto weak_config = directory.write("weak.yaml", config_for(certificate_path, key_path));
    auto refused = run_check(directory, weak_config);
    ASSERT_TRUE(refused.exit_status.has_value());
    EXPECT_NE(*refused.exit_status, 0) << refused.output;
    EXPECT_TRUE(contains(refused.output, certificate_path)) << refused.output;
    EXPECT_TRUE(contains(refused.output, "1024")) << refused.output;
    // Like every configuration error: the configuration file, line and field (TLS-04).
    EXPECT_TRUE(std::regex_search(
        refused.output,
        std::regex("weak\\.yaml:[0-9]+:[0-9]+: listeners\\[0\\]\\.tls\\.certificate")))
        << refused.output;
}
