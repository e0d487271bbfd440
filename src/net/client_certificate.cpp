#include "net/client_certificate.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <memory>
#include <string_view>

namespace rampart::net {

namespace {

std::optional<std::string> rfc2253_subject(const X509* certificate) {
    std::unique_ptr<BIO, decltype(&BIO_free)> memory(BIO_new(BIO_s_mem()), BIO_free);
    if (!memory || X509_NAME_print_ex(memory.get(), X509_get_subject_name(certificate), 0,
                                      XN_FLAG_RFC2253) < 0) {
        return std::nullopt;
    }
    char* data = nullptr;
    long length = BIO_get_mem_data(memory.get(), &data);
    return std::string(data, static_cast<std::size_t>(length));
}

std::optional<std::string> sha256_fingerprint(const X509* certificate) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (X509_digest(certificate, EVP_sha256(), digest, &length) != 1) {
        return std::nullopt;
    }
    static constexpr char hex[] = "0123456789abcdef";
    std::string text;
    text.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        text.push_back(hex[digest[i] >> 4]);
        text.push_back(hex[digest[i] & 0x0f]);
    }
    return text;
}

// IA5String content as text, or nothing when it holds a byte that is not
// visible ASCII (an embedded NUL, for instance).
std::optional<std::string> printable_ascii(const ASN1_IA5STRING* value) {
    const auto* data = ASN1_STRING_get0_data(value);
    int length = ASN1_STRING_length(value);
    if (data == nullptr || length <= 0) {
        return std::nullopt;
    }
    std::string_view text(reinterpret_cast<const char*>(data), static_cast<std::size_t>(length));
    for (unsigned char c : text) {
        if (c < 0x21 || c > 0x7e) {
            return std::nullopt;
        }
    }
    return std::string(text);
}

void add_if_printable(std::vector<std::string>& names, const ASN1_IA5STRING* value) {
    if (auto text = printable_ascii(value)) {
        names.push_back(std::move(*text));
    }
}

void read_alternative_names(const X509* certificate, ClientCertificate& result) {
    using NamesPointer = std::unique_ptr<GENERAL_NAMES, decltype(&GENERAL_NAMES_free)>;
    NamesPointer names(static_cast<GENERAL_NAMES*>(
                           X509_get_ext_d2i(certificate, NID_subject_alt_name, nullptr, nullptr)),
                       GENERAL_NAMES_free);
    if (!names) {
        return;
    }
    for (int i = 0; i < sk_GENERAL_NAME_num(names.get()); ++i) {
        const GENERAL_NAME* name = sk_GENERAL_NAME_value(names.get(), i);
        switch (name->type) {
            case GEN_DNS:
                add_if_printable(result.dns_names, name->d.dNSName);
                break;
            case GEN_URI:
                add_if_printable(result.uri_names, name->d.uniformResourceIdentifier);
                break;
            case GEN_EMAIL:
                add_if_printable(result.email_addresses, name->d.rfc822Name);
                break;
            default:
                break;
        }
    }
}

}  // namespace

std::optional<ClientCertificate> verified_client_certificate(SSL* ssl) {
    // Without SSL_VERIFY_PEER no certificate is asked for, and a verify result
    // of X509_V_OK would mean nothing.
    if (ssl == nullptr || (SSL_get_verify_mode(ssl) & SSL_VERIFY_PEER) == 0) {
        return std::nullopt;
    }
    const X509* certificate = SSL_get0_peer_certificate(ssl);
    // X509_V_OK is also the result when no certificate was presented: both are checked.
    if (certificate == nullptr || SSL_get_verify_result(ssl) != X509_V_OK) {
        return std::nullopt;
    }
    auto subject = rfc2253_subject(certificate);
    auto fingerprint = sha256_fingerprint(certificate);
    if (!subject || !fingerprint) {
        return std::nullopt;
    }
    ClientCertificate result;
    result.subject = std::move(*subject);
    result.sha256_fingerprint = std::move(*fingerprint);
    read_alternative_names(certificate, result);
    return result;
}

}  // namespace rampart::net
