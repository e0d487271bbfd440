#include "support/tls_options.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

namespace rampart::test {

namespace {

int openssl_version(TlsVersion version) {
    switch (version) {
        case TlsVersion::tls1_0:
            return TLS1_VERSION;
        case TlsVersion::tls1_1:
            return TLS1_1_VERSION;
        case TlsVersion::tls1_2:
            return TLS1_2_VERSION;
        case TlsVersion::tls1_3:
            return TLS1_3_VERSION;
    }
    return 0;
}

void require(bool succeeded, const std::string& what) {
    if (!succeeded) {
        throw std::runtime_error("TLS option " + what + " refused: " + take_openssl_errors());
    }
}

bool allows_legacy_versions(const TlsOptions& options) {
    return options.min_version && *options.min_version <= TlsVersion::tls1_1;
}

// OpenSSL 3 only negotiates TLS 1.0/1.1 at security level 0 (SHA-1 signatures).
std::string effective_cipher_list(const TlsOptions& options) {
    if (!allows_legacy_versions(options) ||
        options.cipher_list.find("@SECLEVEL") != std::string::npos) {
        return options.cipher_list;
    }
    return (options.cipher_list.empty() ? "DEFAULT" : options.cipher_list) + ":@SECLEVEL=0";
}

}  // namespace

const char* tls_version_name(TlsVersion version) {
    switch (version) {
        case TlsVersion::tls1_0:
            return "TLSv1";
        case TlsVersion::tls1_1:
            return "TLSv1.1";
        case TlsVersion::tls1_2:
            return "TLSv1.2";
        case TlsVersion::tls1_3:
            return "TLSv1.3";
    }
    return "";
}

std::string take_openssl_errors() {
    std::string text;
    while (unsigned long error = ERR_get_error()) {
        char buffer[256];
        ERR_error_string_n(error, buffer, sizeof(buffer));
        text += text.empty() ? "" : "; ";
        text += buffer;
    }
    return text;
}

void apply_tls_options(SSL_CTX* context, const TlsOptions& options, bool is_server) {
    if (options.min_version) {
        require(SSL_CTX_set_min_proto_version(context, openssl_version(*options.min_version)),
                "min_version");
    }
    if (options.max_version) {
        require(SSL_CTX_set_max_proto_version(context, openssl_version(*options.max_version)),
                "max_version");
    }
    if (auto cipher_list = effective_cipher_list(options); !cipher_list.empty()) {
        require(SSL_CTX_set_cipher_list(context, cipher_list.c_str()), "cipher_list");
    }
    if (!options.ciphersuites.empty()) {
        require(SSL_CTX_set_ciphersuites(context, options.ciphersuites.c_str()), "ciphersuites");
    }
    if (!options.groups.empty()) {
        require(SSL_CTX_set1_groups_list(context, options.groups.c_str()), "groups");
    }
    if (!options.certificate_file.empty()) {
        require(SSL_CTX_use_certificate_chain_file(context, options.certificate_file.c_str()),
                "certificate_file");
        require(SSL_CTX_use_PrivateKey_file(context, options.private_key_file.c_str(),
                                            SSL_FILETYPE_PEM),
                "private_key_file");
    }
    if (!options.ca_file.empty()) {
        require(SSL_CTX_load_verify_locations(context, options.ca_file.c_str(), nullptr),
                "ca_file");
        int mode = is_server ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_PEER;
        SSL_CTX_set_verify(context, mode, nullptr);
    } else {
        SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nullptr);
    }
}

}  // namespace rampart::test
