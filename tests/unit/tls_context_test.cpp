#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/ssl/stream.hpp>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <sys/stat.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "config/yaml_reader.hpp"
#include "net/tls_context.hpp"

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace fs = std::filesystem;
using rampart::config::ConfigError;
using rampart::config::ServerTls;
using rampart::config::TlsProfile;
using rampart::config::UpstreamTls;
using rampart::net::CertificatePaths;

struct KeyDeleter {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct CertificateDeleter {
    void operator()(X509* certificate) const { X509_free(certificate); }
};
using Key = std::unique_ptr<EVP_PKEY, KeyDeleter>;
using Certificate = std::unique_ptr<X509, CertificateDeleter>;

class TemporaryDirectory {
  public:
    TemporaryDirectory() {
        std::string pattern = (fs::temp_directory_path() / "rampart-tls-test-XXXXXX").string();
        path_ = ::mkdtemp(pattern.data());
    }
    ~TemporaryDirectory() { fs::remove_all(path_); }
    const fs::path& path() const { return path_; }
    std::string file(const std::string& name) const { return (path_ / name).string(); }

  private:
    fs::path path_;
};

Key make_rsa_key(unsigned bits) {
    return Key(EVP_RSA_gen(bits));
}
Key make_ec_key(const char* curve) {
    return Key(EVP_EC_gen(curve));
}
Key make_ed25519_key() {
    return Key(EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"));
}

struct CertificateOptions {
    const EVP_MD* digest = EVP_sha256();  // null for Ed25519
    long valid_from_seconds = -60;
    long valid_until_seconds = 30L * 24 * 3600;
    const char* subject_alternative_names = "DNS:localhost,IP:127.0.0.1";
    bool certificate_authority = false;
};

Certificate make_certificate(EVP_PKEY* subject_key, EVP_PKEY* issuer_key, X509* issuer,
                             const CertificateOptions& options = {}) {
    Certificate certificate(X509_new());
    X509* raw = certificate.get();
    X509_set_version(raw, X509_VERSION_3);
    static long serial = 1000;
    ASN1_INTEGER_set(X509_get_serialNumber(raw), ++serial);
    X509_gmtime_adj(X509_getm_notBefore(raw), options.valid_from_seconds);
    X509_gmtime_adj(X509_getm_notAfter(raw), options.valid_until_seconds);
    X509_set_pubkey(raw, subject_key);
    X509_NAME* name = X509_get_subject_name(raw);
    const char* common_name = options.certificate_authority ? "Test CA" : "localhost";
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                               reinterpret_cast<const unsigned char*>(common_name), -1, -1, 0);
    X509_set_issuer_name(raw, issuer != nullptr ? X509_get_subject_name(issuer) : name);
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer != nullptr ? issuer : raw, raw, nullptr, nullptr, 0);
    auto add = [&](int nid, const char* value) {
        X509_EXTENSION* extension = X509V3_EXT_nconf_nid(nullptr, &context, nid, value);
        X509_add_ext(raw, extension, -1);
        X509_EXTENSION_free(extension);
    };
    if (options.certificate_authority) {
        add(NID_basic_constraints, "critical,CA:TRUE");
        add(NID_key_usage, "critical,keyCertSign,cRLSign");
    } else {
        add(NID_subject_alt_name, options.subject_alternative_names);
    }
    EXPECT_GT(X509_sign(raw, issuer_key, options.digest), 0);
    return certificate;
}

void write_certificate(const std::string& file, X509* certificate) {
    FILE* stream = std::fopen(file.c_str(), "w");
    PEM_write_X509(stream, certificate);
    std::fclose(stream);
}

void write_key(const std::string& file, EVP_PKEY* key) {
    FILE* stream = std::fopen(file.c_str(), "w");
    PEM_write_PrivateKey(stream, key, nullptr, nullptr, 0, nullptr, nullptr);
    std::fclose(stream);
    ::chmod(file.c_str(), 0600);
}

// A self-signed certificate and its key, written to <name>.crt and <name>.key.
ServerTls write_self_signed(const TemporaryDirectory& directory, const std::string& name,
                            EVP_PKEY* key, const CertificateOptions& options = {}) {
    auto certificate = make_certificate(key, key, nullptr, options);
    ServerTls tls;
    tls.certificate_file = directory.file(name + ".crt");
    tls.private_key_file = directory.file(name + ".key");
    write_certificate(tls.certificate_file, certificate.get());
    write_key(tls.private_key_file, key);
    return tls;
}

ServerTls server_tls(const CertificatePaths& paths) {
    ServerTls tls;
    tls.certificate_file = paths.certificate_file;
    tls.private_key_file = paths.private_key_file;
    return tls;
}

std::string config_error_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "(no ConfigError)";
}

std::string read_file(const std::string& file) {
    std::ifstream stream(file, std::ios::binary);
    std::stringstream content;
    content << stream.rdbuf();
    return content.str();
}

unsigned file_mode(const fs::path& path) {
    struct stat status {};
    ::stat(path.c_str(), &status);
    return status.st_mode & 07777;
}

// ---------------------------------------------------------------- loading

TEST(TlsContext, IntermediateProfileSettings) {
    TemporaryDirectory directory;
    auto key = make_ec_key("P-256");
    auto tls = write_self_signed(directory, "server", key.get());
    auto context = rampart::net::make_server_tls_context(tls);
    SSL_CTX* native = context->native_handle();

    EXPECT_EQ(SSL_CTX_get_min_proto_version(native), TLS1_2_VERSION);
    EXPECT_EQ(SSL_CTX_get_max_proto_version(native), TLS1_3_VERSION);
    std::uint64_t options = SSL_CTX_get_options(native);
    EXPECT_NE(options & SSL_OP_NO_RENEGOTIATION, 0u);
    EXPECT_NE(options & SSL_OP_NO_COMPRESSION, 0u);
    EXPECT_EQ(options & SSL_OP_CIPHER_SERVER_PREFERENCE, 0u);
    EXPECT_EQ(options & SSL_OP_NO_TICKET, 0u);
    EXPECT_EQ(SSL_CTX_get_max_early_data(native), 0u);
    EXPECT_NE(SSL_CTX_get_session_cache_mode(native) & SSL_SESS_CACHE_SERVER, 0);
    EXPECT_EQ(SSL_CTX_get_verify_mode(native), SSL_VERIFY_NONE);

    const std::set<std::string> allowed = {
        "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
        "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305",
        "TLS_AES_128_GCM_SHA256",        "TLS_AES_256_GCM_SHA384",
        "TLS_CHACHA20_POLY1305_SHA256"};
    STACK_OF(SSL_CIPHER)* ciphers = SSL_CTX_get_ciphers(native);
    ASSERT_EQ(sk_SSL_CIPHER_num(ciphers), static_cast<int>(allowed.size()));
    for (int index = 0; index < sk_SSL_CIPHER_num(ciphers); ++index) {
        std::string name = SSL_CIPHER_get_name(sk_SSL_CIPHER_value(ciphers, index));
        EXPECT_TRUE(allowed.count(name)) << name;
    }
}

TEST(TlsContext, ModernProfileIsTls13Only) {
    TemporaryDirectory directory;
    auto key = make_ec_key("P-384");
    auto tls = write_self_signed(directory, "server", key.get());
    tls.profile = TlsProfile::modern;
    auto context = rampart::net::make_server_tls_context(tls);
    EXPECT_EQ(SSL_CTX_get_min_proto_version(context->native_handle()), TLS1_3_VERSION);
}

TEST(TlsContext, AcceptsRsa2048AndEd25519) {
    TemporaryDirectory directory;
    auto rsa = make_rsa_key(2048);
    EXPECT_NO_THROW(
        rampart::net::make_server_tls_context(write_self_signed(directory, "rsa", rsa.get())));
    auto ed25519 = make_ed25519_key();
    CertificateOptions options;
    options.digest = nullptr;
    EXPECT_NO_THROW(rampart::net::make_server_tls_context(
        write_self_signed(directory, "ed25519", ed25519.get(), options)));
}

TEST(TlsContext, RefusesRsa1024NamingTheFile) {
    TemporaryDirectory directory;
    auto key = make_rsa_key(1024);
    auto tls = write_self_signed(directory, "weak", key.get());
    auto message = config_error_of([&] { rampart::net::make_server_tls_context(tls); });
    EXPECT_NE(message.find(tls.certificate_file), std::string::npos) << message;
    EXPECT_NE(message.find("1024"), std::string::npos) << message;
    EXPECT_NE(message.find("2048"), std::string::npos) << message;
}

TEST(TlsContext, RefusesEcKeyOnOtherCurves) {
    TemporaryDirectory directory;
    auto key = make_ec_key("P-521");
    auto tls = write_self_signed(directory, "p521", key.get());
    auto message = config_error_of([&] { rampart::net::make_server_tls_context(tls); });
    EXPECT_NE(message.find(tls.certificate_file), std::string::npos) << message;
    EXPECT_NE(message.find("secp521r1"), std::string::npos) << message;
}

TEST(TlsContext, RefusesSha1AndMd5Signatures) {
    TemporaryDirectory directory;
    auto key = make_rsa_key(2048);
    for (const EVP_MD* digest : {EVP_sha1(), EVP_md5()}) {
        CertificateOptions options;
        options.digest = digest;
        auto tls = write_self_signed(directory, "old", key.get(), options);
        auto message = config_error_of([&] { rampart::net::make_server_tls_context(tls); });
        EXPECT_NE(message.find(tls.certificate_file), std::string::npos) << message;
        EXPECT_NE(message.find(OBJ_nid2sn(EVP_MD_get_type(digest))), std::string::npos) << message;
    }
}

TEST(TlsContext, RefusesExpiredCertificate) {
    TemporaryDirectory directory;
    auto key = make_ec_key("P-256");
    CertificateOptions options;
    options.valid_from_seconds = -10L * 24 * 3600;
    options.valid_until_seconds = -24L * 3600;
    auto tls = write_self_signed(directory, "expired", key.get(), options);
    auto message = config_error_of([&] { rampart::net::make_server_tls_context(tls); });
    EXPECT_NE(message.find(tls.certificate_file), std::string::npos) << message;
    EXPECT_NE(message.find("expired"), std::string::npos) << message;
}

TEST(TlsContext, RefusesMismatchedKey) {
    TemporaryDirectory directory;
    auto key = make_ec_key("P-256");
    auto other_key = make_ec_key("P-256");
    auto tls = write_self_signed(directory, "server", key.get());
    write_key(tls.private_key_file, other_key.get());
    auto message = config_error_of([&] { rampart::net::make_server_tls_context(tls); });
    EXPECT_NE(message.find(tls.private_key_file), std::string::npos) << message;
    EXPECT_NE(message.find("does not match"), std::string::npos) << message;
}

TEST(TlsContext, RefusesMissingAndNonPemFiles) {
    TemporaryDirectory directory;
    ServerTls tls;
    tls.certificate_file = directory.file("missing.crt");
    tls.private_key_file = directory.file("missing.key");
    auto message = config_error_of([&] { rampart::net::make_server_tls_context(tls); });
    EXPECT_NE(message.find(tls.certificate_file), std::string::npos) << message;
    EXPECT_NE(message.find("No such file"), std::string::npos) << message;

    std::ofstream(directory.file("garbage.crt")) << "not a certificate\n";
    tls.certificate_file = directory.file("garbage.crt");
    message = config_error_of([&] { rampart::net::make_server_tls_context(tls); });
    EXPECT_NE(message.find("no PEM certificate"), std::string::npos) << message;
}

TEST(TlsContext, KeyMaterialNeverAppearsInErrors) {
    TemporaryDirectory directory;
    auto key = make_ec_key("P-256");
    auto tls = write_self_signed(directory, "server", key.get());
    // A key file that is also the certificate file's neighbour, damaged.
    std::string pem = read_file(tls.private_key_file);
    std::string damaged = pem.substr(0, pem.size() / 2);
    std::ofstream(tls.private_key_file, std::ios::trunc) << damaged;
    auto message = config_error_of([&] { rampart::net::make_server_tls_context(tls); });
    EXPECT_NE(message.find(tls.private_key_file), std::string::npos) << message;
    std::string key_body = damaged.substr(damaged.find('\n') + 1, 20);
    EXPECT_EQ(message.find(key_body), std::string::npos) << message;
}

TEST(TlsContext, ClientCertificateVerificationModes) {
    TemporaryDirectory directory;
    auto key = make_ec_key("P-256");
    auto tls = write_self_signed(directory, "server", key.get());
    tls.client_ca_file = tls.certificate_file;
    auto required = rampart::net::make_server_tls_context(tls);
    EXPECT_EQ(SSL_CTX_get_verify_mode(required->native_handle()),
              SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT);
    EXPECT_EQ(sk_X509_NAME_num(SSL_CTX_get_client_CA_list(required->native_handle())), 1);
    tls.require_client_certificate = false;
    auto optional = rampart::net::make_server_tls_context(tls);
    EXPECT_EQ(SSL_CTX_get_verify_mode(optional->native_handle()), SSL_VERIFY_PEER);
}

TEST(TlsContext, UpstreamContextSettings) {
    UpstreamTls tls;
    auto verifying = rampart::net::make_upstream_tls_context(tls);
    EXPECT_EQ(SSL_CTX_get_verify_mode(verifying->native_handle()), SSL_VERIFY_PEER);
    EXPECT_EQ(SSL_CTX_get_min_proto_version(verifying->native_handle()), TLS1_2_VERSION);
    tls.verify = false;
    auto trusting = rampart::net::make_upstream_tls_context(tls);
    EXPECT_EQ(SSL_CTX_get_verify_mode(trusting->native_handle()), SSL_VERIFY_NONE);
    tls.certificate_file = "/nonexistent/client.crt";
    EXPECT_THROW(rampart::net::make_upstream_tls_context(tls), ConfigError);
}

// ---------------------------------------------------------------- self-signed default

TEST(SelfSignedCertificate, CreatedPrivatelyAndUsable) {
    TemporaryDirectory directory;
    auto paths = rampart::net::ensure_self_signed_certificate(directory.path());
    EXPECT_EQ(paths.certificate_file, directory.file("tls/self-signed.crt"));
    EXPECT_EQ(paths.private_key_file, directory.file("tls/self-signed.key"));
    EXPECT_EQ(file_mode(directory.path() / "tls"), 0700u);
    EXPECT_EQ(file_mode(paths.private_key_file), 0600u);

    ServerTls tls = server_tls(paths);
    EXPECT_NO_THROW(rampart::net::make_server_tls_context(tls));
    auto summary = rampart::net::certificate_summary(paths.certificate_file);
    EXPECT_NE(summary.find("CN=localhost"), std::string::npos) << summary;
    EXPECT_NE(summary.find("EC P-256"), std::string::npos) << summary;
    EXPECT_NE(summary.find("SHA256"), std::string::npos) << summary;

    FILE* stream = std::fopen(paths.certificate_file.c_str(), "r");
    Certificate certificate(PEM_read_X509(stream, nullptr, nullptr, nullptr));
    std::fclose(stream);
    ASSERT_TRUE(certificate);
    EXPECT_EQ(X509_check_host(certificate.get(), "localhost", 0, 0, nullptr), 1);
    EXPECT_EQ(X509_check_ip_asc(certificate.get(), "127.0.0.1", 0), 1);
    EXPECT_EQ(X509_check_ip_asc(certificate.get(), "::1", 0), 1);
    int days = 0;
    int seconds = 0;
    ASN1_TIME_diff(&days, &seconds, X509_get0_notBefore(certificate.get()),
                   X509_get0_notAfter(certificate.get()));
    EXPECT_EQ(days, 90);
}

TEST(SelfSignedCertificate, ReusedWhileValid) {
    TemporaryDirectory directory;
    auto first = rampart::net::ensure_self_signed_certificate(directory.path());
    std::string certificate = read_file(first.certificate_file);
    std::string key = read_file(first.private_key_file);
    auto second = rampart::net::ensure_self_signed_certificate(directory.path());
    EXPECT_EQ(read_file(second.certificate_file), certificate);
    EXPECT_EQ(read_file(second.private_key_file), key);
}

TEST(SelfSignedCertificate, RegeneratedWhenExpiringSoon) {
    TemporaryDirectory directory;
    auto paths = rampart::net::ensure_self_signed_certificate(directory.path());
    auto key = make_ec_key("P-256");
    CertificateOptions options;
    options.valid_until_seconds = 3L * 24 * 3600;  // inside the 7-day renewal margin
    auto expiring = make_certificate(key.get(), key.get(), nullptr, options);
    write_certificate(paths.certificate_file, expiring.get());
    write_key(paths.private_key_file, key.get());
    std::string expiring_pem = read_file(paths.certificate_file);

    rampart::net::ensure_self_signed_certificate(directory.path());
    EXPECT_NE(read_file(paths.certificate_file), expiring_pem);
    EXPECT_EQ(file_mode(paths.private_key_file), 0600u);
    FILE* stream = std::fopen(paths.certificate_file.c_str(), "r");
    Certificate renewed(PEM_read_X509(stream, nullptr, nullptr, nullptr));
    std::fclose(stream);
    ASSERT_TRUE(renewed);
    std::time_t in_80_days = std::time(nullptr) + 80L * 24 * 3600;
    EXPECT_GT(X509_cmp_time(X509_get0_notAfter(renewed.get()), &in_80_days), 0);
}

// ---------------------------------------------------------------- handshakes

struct HandshakeOutcome {
    boost::system::error_code client_error;
    boost::system::error_code server_error;
    int version = 0;
    std::string cipher;
};

// A real handshake between two asio ssl streams over a socketpair.
HandshakeOutcome handshake(ssl::context& server_context, ssl::context& client_context,
                           const std::function<void(SSL*)>& prepare_client = {}) {
    using Socket = asio::local::stream_protocol::socket;
    asio::io_context io;
    Socket server_socket(io);
    Socket client_socket(io);
    asio::local::connect_pair(server_socket, client_socket);
    ssl::stream<Socket> server(std::move(server_socket), server_context);
    ssl::stream<Socket> client(std::move(client_socket), client_context);
    if (prepare_client) {
        prepare_client(client.native_handle());
    }
    HandshakeOutcome outcome;
    // Closing on failure wakes the peer instead of leaving it waiting.
    server.async_handshake(ssl::stream_base::server, [&](boost::system::error_code error) {
        outcome.server_error = error;
        if (error) {
            server.next_layer().close();
        }
    });
    client.async_handshake(ssl::stream_base::client, [&](boost::system::error_code error) {
        outcome.client_error = error;
        if (error) {
            client.next_layer().close();
        } else {
            outcome.version = SSL_version(client.native_handle());
            outcome.cipher = SSL_get_cipher_name(client.native_handle());
        }
    });
    io.run_for(std::chrono::seconds(10));
    ERR_clear_error();
    return outcome;
}

int reason_of(const boost::system::error_code& error) {
    return ERR_GET_REASON(static_cast<unsigned long>(error.value()));
}

// A client limited to one protocol version, with security level 0 so that
// old versions are not refused by the client itself.
std::unique_ptr<ssl::context> make_test_client(int version, const char* tls12_ciphers = nullptr) {
    auto context = std::make_unique<ssl::context>(ssl::context::tls_client);
    SSL_CTX* native = context->native_handle();
    SSL_CTX_set_security_level(native, 0);
    SSL_CTX_set_cipher_list(native,
                            tls12_ciphers != nullptr ? tls12_ciphers : "DEFAULT:@SECLEVEL=0");
    SSL_CTX_set_min_proto_version(native, version);
    SSL_CTX_set_max_proto_version(native, version);
    SSL_CTX_set_verify(native, SSL_VERIFY_NONE, nullptr);
    return context;
}

class TlsHandshake : public ::testing::Test {
  protected:
    void SetUp() override {
        paths_ = rampart::net::ensure_self_signed_certificate(directory_.path());
        ServerTls tls = server_tls(paths_);
        intermediate_ = rampart::net::make_server_tls_context(tls);
        tls.profile = TlsProfile::modern;
        modern_ = rampart::net::make_server_tls_context(tls);
    }

    TemporaryDirectory directory_;
    CertificatePaths paths_;
    std::shared_ptr<ssl::context> intermediate_;
    std::shared_ptr<ssl::context> modern_;
};

TEST_F(TlsHandshake, IntermediateNegotiatesTls12AndTls13) {
    auto tls12 = make_test_client(TLS1_2_VERSION);
    auto outcome = handshake(*intermediate_, *tls12);
    ASSERT_FALSE(outcome.client_error) << outcome.client_error.message();
    EXPECT_FALSE(outcome.server_error) << outcome.server_error.message();
    EXPECT_EQ(outcome.version, TLS1_2_VERSION);
    EXPECT_NE(outcome.cipher.find("ECDHE-ECDSA"), std::string::npos) << outcome.cipher;

    auto tls13 = make_test_client(TLS1_3_VERSION);
    outcome = handshake(*intermediate_, *tls13);
    ASSERT_FALSE(outcome.client_error) << outcome.client_error.message();
    EXPECT_EQ(outcome.version, TLS1_3_VERSION);
}

TEST_F(TlsHandshake, ServerRefusesTls11) {
    auto tls11 = make_test_client(TLS1_1_VERSION);
    auto outcome = handshake(*intermediate_, *tls11);
    EXPECT_TRUE(outcome.client_error);
    // The server saw the ClientHello and refused the version itself.
    EXPECT_EQ(reason_of(outcome.server_error), SSL_R_UNSUPPORTED_PROTOCOL)
        << outcome.server_error.message();
}

TEST_F(TlsHandshake, ModernRefusesTls12) {
    auto tls12 = make_test_client(TLS1_2_VERSION);
    auto outcome = handshake(*modern_, *tls12);
    EXPECT_TRUE(outcome.client_error);
    EXPECT_EQ(reason_of(outcome.server_error), SSL_R_UNSUPPORTED_PROTOCOL)
        << outcome.server_error.message();
    auto tls13 = make_test_client(TLS1_3_VERSION);
    EXPECT_FALSE(handshake(*modern_, *tls13).client_error);
}

TEST_F(TlsHandshake, RefusesCbcSuitesAndUnlistedGroups) {
    auto cbc = make_test_client(TLS1_2_VERSION, "ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384");
    auto outcome = handshake(*intermediate_, *cbc);
    EXPECT_TRUE(outcome.client_error);
    EXPECT_EQ(reason_of(outcome.server_error), SSL_R_NO_SHARED_CIPHER)
        << outcome.server_error.message();

    auto allowed = make_test_client(TLS1_2_VERSION, "ECDHE-ECDSA-CHACHA20-POLY1305");
    outcome = handshake(*intermediate_, *allowed);
    EXPECT_FALSE(outcome.client_error) << outcome.client_error.message();
    EXPECT_EQ(outcome.cipher, "ECDHE-ECDSA-CHACHA20-POLY1305");

    auto p521 = make_test_client(TLS1_3_VERSION);
    SSL_CTX_set1_groups_list(p521->native_handle(), "P-521");
    outcome = handshake(*intermediate_, *p521);
    EXPECT_TRUE(outcome.client_error);
    EXPECT_TRUE(outcome.server_error);
}

TEST_F(TlsHandshake, UpstreamVerifiesCertificateAndName) {
    UpstreamTls tls;
    tls.ca_file = paths_.certificate_file;
    auto client = rampart::net::make_upstream_tls_context(tls);
    auto connect_as = [&](const std::string& host, const UpstreamTls& settings) {
        return handshake(*intermediate_, *client, [&](SSL* ssl) {
            rampart::net::prepare_upstream_tls_stream(ssl, host, settings);
        });
    };
    auto outcome = connect_as("localhost", tls);
    EXPECT_FALSE(outcome.client_error) << outcome.client_error.message();
    EXPECT_FALSE(connect_as("127.0.0.1", tls).client_error);
    EXPECT_FALSE(connect_as("[::1]", tls).client_error);

    outcome = connect_as("api.example.com", tls);
    EXPECT_EQ(reason_of(outcome.client_error), SSL_R_CERTIFICATE_VERIFY_FAILED)
        << outcome.client_error.message();
    EXPECT_TRUE(connect_as("127.0.0.2", tls).client_error);

    UpstreamTls renamed = tls;
    renamed.server_name = "localhost";
    EXPECT_FALSE(connect_as("10.0.0.1", renamed).client_error);
    renamed.server_name = "";
    EXPECT_TRUE(connect_as("localhost", renamed).client_error);  // fails closed

    UpstreamTls system_store;  // the self-signed certificate is not in it
    auto untrusting = rampart::net::make_upstream_tls_context(system_store);
    outcome = handshake(*intermediate_, *untrusting, [&](SSL* ssl) {
        rampart::net::prepare_upstream_tls_stream(ssl, "localhost", system_store);
    });
    EXPECT_EQ(reason_of(outcome.client_error), SSL_R_CERTIFICATE_VERIFY_FAILED)
        << outcome.client_error.message();
}

TEST_F(TlsHandshake, RequiredClientCertificate) {
    // The client's own certificate: no extended key usage, so clientAuth is allowed.
    auto client_key = make_ec_key("P-256");
    auto client_identity = write_self_signed(directory_, "client", client_key.get());
    ServerTls tls = server_tls(paths_);
    tls.client_ca_file = client_identity.certificate_file;
    auto mutual = rampart::net::make_server_tls_context(tls);

    UpstreamTls anonymous;
    anonymous.ca_file = paths_.certificate_file;
    auto without_certificate = rampart::net::make_upstream_tls_context(anonymous);
    auto outcome = handshake(*mutual, *without_certificate, [&](SSL* ssl) {
        rampart::net::prepare_upstream_tls_stream(ssl, "localhost", anonymous);
    });
    EXPECT_EQ(reason_of(outcome.server_error), SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE)
        << outcome.server_error.message();

    UpstreamTls identified = anonymous;
    identified.certificate_file = client_identity.certificate_file;
    identified.private_key_file = client_identity.private_key_file;
    auto with_certificate = rampart::net::make_upstream_tls_context(identified);
    outcome = handshake(*mutual, *with_certificate, [&](SSL* ssl) {
        rampart::net::prepare_upstream_tls_stream(ssl, "localhost", identified);
    });
    EXPECT_FALSE(outcome.client_error) << outcome.client_error.message();
    EXPECT_FALSE(outcome.server_error) << outcome.server_error.message();
}

}  // namespace
