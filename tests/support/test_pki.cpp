#include "support/test_pki.hpp"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace rampart::test {

namespace {

using KeyPointer = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using CertificatePointer = std::unique_ptr<X509, decltype(&X509_free)>;

constexpr long validity_seconds = 30L * 24 * 60 * 60;
constexpr long clock_skew_seconds = 60 * 60;

void require(bool succeeded, const char* step) {
    if (!succeeded) {
        throw std::runtime_error(std::string("make_test_pki: ") + step + " failed");
    }
}

KeyPointer make_p256_key() {
    KeyPointer key(EVP_EC_gen("P-256"), EVP_PKEY_free);
    require(key != nullptr, "EVP_EC_gen");
    return key;
}

struct Certificate {
    KeyPointer key;
    CertificatePointer certificate;
};

struct CertificateRequest {
    std::string common_name;
    // X.509v3 extensions in openssl.cnf syntax, e.g. {NID_basic_constraints, "critical,CA:TRUE"}.
    std::vector<std::pair<int, std::string>> extensions;
};

void set_random_serial(X509* certificate) {
    std::unique_ptr<BIGNUM, decltype(&BN_free)> serial(BN_new(), BN_free);
    require(serial && BN_rand(serial.get(), 64, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY), "BN_rand");
    require(BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(certificate)) != nullptr,
            "BN_to_ASN1_INTEGER");
}

// Issues a certificate for a new key; signs it with `issuer` or, if null, with its own key.
Certificate issue(const CertificateRequest& request, const Certificate* issuer) {
    Certificate issued{make_p256_key(), CertificatePointer(X509_new(), X509_free)};
    X509* certificate = issued.certificate.get();
    require(certificate && X509_set_version(certificate, X509_VERSION_3), "X509_set_version");
    set_random_serial(certificate);
    require(X509_gmtime_adj(X509_getm_notBefore(certificate), -clock_skew_seconds) &&
                X509_gmtime_adj(X509_getm_notAfter(certificate), validity_seconds),
            "X509_gmtime_adj");
    X509_NAME* subject = X509_get_subject_name(certificate);
    require(X509_NAME_add_entry_by_txt(subject, "O", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>("Rampart tests"), -1,
                                       -1, 0) &&
                X509_NAME_add_entry_by_txt(
                    subject, "CN", MBSTRING_ASC,
                    reinterpret_cast<const unsigned char*>(request.common_name.c_str()), -1, -1, 0),
            "X509_NAME_add_entry_by_txt");
    X509* issuer_certificate = issuer ? issuer->certificate.get() : certificate;
    EVP_PKEY* signing_key = issuer ? issuer->key.get() : issued.key.get();
    require(X509_set_issuer_name(certificate, X509_get_subject_name(issuer_certificate)) &&
                X509_set_pubkey(certificate, issued.key.get()),
            "X509_set_issuer_name");

    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, issuer_certificate, certificate, nullptr, nullptr, 0);
    for (const auto& [nid, value] : request.extensions) {
        X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
        require(extension != nullptr, "X509V3_EXT_conf_nid");
        bool added = X509_add_ext(certificate, extension, -1);
        X509_EXTENSION_free(extension);
        require(added, "X509_add_ext");
    }
    require(X509_sign(certificate, signing_key, EVP_sha256()) > 0, "X509_sign");
    return issued;
}

Certificate make_ca(const std::string& common_name) {
    return issue({common_name,
                  {{NID_basic_constraints, "critical,CA:TRUE"},
                   {NID_key_usage, "critical,keyCertSign,cRLSign"},
                   {NID_subject_key_identifier, "hash"}}},
                 nullptr);
}

Certificate make_leaf(const std::string& common_name, const std::string& extended_usage,
                      const std::string& alt_names, const Certificate& ca) {
    std::vector<std::pair<int, std::string>> extensions{
        {NID_basic_constraints, "critical,CA:FALSE"},
        {NID_key_usage, "critical,digitalSignature"},
        {NID_ext_key_usage, extended_usage},
        {NID_subject_key_identifier, "hash"},
        {NID_authority_key_identifier, "keyid:always"}};
    if (!alt_names.empty()) {
        extensions.emplace_back(NID_subject_alt_name, alt_names);
    }
    return issue({common_name, extensions}, &ca);
}

template <typename WritePem>
std::string to_pem(WritePem&& write_pem) {
    std::unique_ptr<BIO, decltype(&BIO_free)> memory(BIO_new(BIO_s_mem()), BIO_free);
    require(memory && write_pem(memory.get()), "PEM_write");
    char* data = nullptr;
    long length = BIO_get_mem_data(memory.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

std::string write_certificate(const TempDir& directory, const std::string& name,
                              const Certificate& issued) {
    return directory.write(
        name, to_pem([&](BIO* bio) { return PEM_write_bio_X509(bio, issued.certificate.get()); }));
}

std::string write_key(const TempDir& directory, const std::string& name,
                      const Certificate& issued) {
    return directory.write(name, to_pem([&](BIO* bio) {
                               return PEM_write_bio_PrivateKey(bio, issued.key.get(), nullptr,
                                                               nullptr, 0, nullptr, nullptr);
                           }));
}

}  // namespace

TestPki make_test_pki(const TempDir& directory) {
    Certificate ca = make_ca("Rampart Test CA");
    Certificate server = make_leaf("localhost", "serverAuth", "DNS:localhost,IP:127.0.0.1", ca);
    Certificate client = make_leaf("test-client", "clientAuth", "", ca);
    Certificate other_ca = make_ca("Unrelated Test CA");
    Certificate client_san = make_leaf(
        "billing-client", "clientAuth",
        "DNS:billing.internal,URI:spiffe://example.test/billing,email:billing@example.test", ca);
    return TestPki{
        .ca_cert = write_certificate(directory, "pki/ca.crt", ca),
        .server_cert = write_certificate(directory, "pki/server.crt", server),
        .server_key = write_key(directory, "pki/server.key", server),
        .client_cert = write_certificate(directory, "pki/client.crt", client),
        .client_key = write_key(directory, "pki/client.key", client),
        .other_ca_cert = write_certificate(directory, "pki/other-ca.crt", other_ca),
        .client_san_cert = write_certificate(directory, "pki/client-san.crt", client_san),
        .client_san_key = write_key(directory, "pki/client-san.key", client_san),
    };
}

}  // namespace rampart::test
