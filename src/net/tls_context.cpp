#include "net/tls_context.hpp"

#include <boost/asio/ip/address.hpp>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace rampart::net {

namespace {

using config::ConfigError;
namespace ssl = boost::asio::ssl;

// Mozilla intermediate (v5.7/6.0): forward secrecy and AEAD only, no DHE.
constexpr const char* tls12_cipher_list =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305";
constexpr const char* tls13_cipher_suites =
    "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256";
constexpr const char* key_exchange_groups = "X25519:P-256:P-384";
constexpr unsigned char session_id_context[] = "rampart";

constexpr long self_signed_lifetime_seconds = 90L * 24 * 60 * 60;
constexpr long self_signed_renewal_margin_seconds = 7L * 24 * 60 * 60;

template <auto free_function>
struct OpenSslDeleter {
    template <typename T>
    void operator()(T* object) const {
        free_function(object);
    }
};
using BioPointer = std::unique_ptr<BIO, OpenSslDeleter<BIO_free_all>>;
using CertificatePointer = std::unique_ptr<X509, OpenSslDeleter<X509_free>>;
using KeyPointer = std::unique_ptr<EVP_PKEY, OpenSslDeleter<EVP_PKEY_free>>;
using BignumPointer = std::unique_ptr<BIGNUM, OpenSslDeleter<BN_free>>;
using ExtensionPointer = std::unique_ptr<X509_EXTENSION, OpenSslDeleter<X509_EXTENSION_free>>;

// The reason of the oldest queued OpenSSL error, and the queue cleared. These
// strings describe what failed, never the key bytes.
std::string openssl_error_reason() {
    unsigned long code = ERR_peek_error();
    std::string reason;
    if (code != 0) {
        const char* text = ERR_reason_error_string(code);
        reason = text != nullptr ? text : "unknown OpenSSL error";
    }
    ERR_clear_error();
    return reason.empty() ? "unknown OpenSSL error" : reason;
}

[[noreturn]] void fail(const std::string& file, const std::string& message) {
    throw ConfigError(file + ": " + message);
}

// Holds file content and wipes it on destruction, so key bytes do not linger
// in freed heap memory.
class FileContent {
  public:
    FileContent() = default;
    FileContent(const FileContent&) = delete;
    FileContent& operator=(const FileContent&) = delete;
    ~FileContent() {
        if (!bytes_.empty()) {
            OPENSSL_cleanse(bytes_.data(), bytes_.size());
        }
    }
    std::vector<char>& bytes() { return bytes_; }
    BioPointer open_bio() const {
        return BioPointer(BIO_new_mem_buf(bytes_.data(), static_cast<int>(bytes_.size())));
    }

  private:
    std::vector<char> bytes_;
};

void read_whole_file(const std::string& file, std::string_view what, FileContent& content) {
    int descriptor = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (descriptor < 0) {
        int error = errno;
        fail(file, std::string(what) + " cannot be opened: " + std::strerror(error));
    }
    struct stat status {};
    if (::fstat(descriptor, &status) != 0 || !S_ISREG(status.st_mode)) {
        ::close(descriptor);
        fail(file, std::string(what) + " is not a regular file");
    }
    constexpr off_t maximum_size = 1024 * 1024;
    if (status.st_size > maximum_size) {
        ::close(descriptor);
        fail(file, std::string(what) + " is larger than 1 MiB; not a PEM file");
    }
    auto& bytes = content.bytes();
    bytes.resize(static_cast<std::size_t>(status.st_size));
    std::size_t filled = 0;
    while (filled < bytes.size()) {
        ssize_t count = ::read(descriptor, bytes.data() + filled, bytes.size() - filled);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            int error = errno;
            ::close(descriptor);
            fail(file, std::string(what) + " cannot be read: " + std::strerror(error));
        }
        filled += static_cast<std::size_t>(count);
    }
    ::close(descriptor);
}

std::vector<CertificatePointer> read_certificates(const std::string& file) {
    FileContent content;
    read_whole_file(file, "certificate file", content);
    auto bio = content.open_bio();
    std::vector<CertificatePointer> certificates;
    while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        certificates.emplace_back(certificate);
    }
    // The loop always ends on a "no start line" error; anything else is damage.
    unsigned long code = ERR_peek_last_error();
    bool clean_end = code == 0 || ERR_GET_REASON(code) == PEM_R_NO_START_LINE;
    ERR_clear_error();
    if (!clean_end) {
        fail(file, "contains a damaged PEM certificate");
    }
    if (certificates.empty()) {
        fail(file, "contains no PEM certificate (expected -----BEGIN CERTIFICATE-----)");
    }
    return certificates;
}

int refuse_password(char*, int, int, void*) {
    return -1;
}

KeyPointer read_private_key(const std::string& file) {
    FileContent content;
    read_whole_file(file, "private key file", content);
    auto bio = content.open_bio();
    KeyPointer key(PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_password, nullptr));
    if (!key) {
        std::string_view text(content.bytes().data(), content.bytes().size());
        ERR_clear_error();
        if (text.find("ENCRYPTED") != std::string_view::npos) {
            fail(file,
                 "private key is encrypted; Rampart needs an unencrypted PEM key "
                 "(protect it with file permissions, mode 0600)");
        }
        fail(file, "contains no usable PEM private key (expected -----BEGIN PRIVATE KEY-----)");
    }
    return key;
}

std::string format_time(const ASN1_TIME* time) {
    std::tm parts{};
    if (ASN1_TIME_to_tm(time, &parts) != 1) {
        return "(unreadable time)";
    }
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

std::string curve_name(const EVP_PKEY* key) {
    char name[64] = {};
    std::size_t length = 0;
    if (EVP_PKEY_get_group_name(key, name, sizeof name, &length) != 1) {
        ERR_clear_error();
        return "unknown";
    }
    return name;
}

// "RSA 2048 bits", "EC P-256", "Ed25519".
std::string describe_key(const EVP_PKEY* key) {
    int type = EVP_PKEY_get_base_id(key);
    switch (type) {
        case EVP_PKEY_RSA:
        case EVP_PKEY_RSA_PSS:
            return "RSA " + std::to_string(EVP_PKEY_get_bits(key)) + " bits";
        case EVP_PKEY_EC: {
            auto curve = curve_name(key);
            const char* nist = EC_curve_nid2nist(OBJ_sn2nid(curve.c_str()));
            return "EC " + std::string(nist != nullptr ? nist : curve.c_str());
        }
        case EVP_PKEY_ED25519:
            return "Ed25519";
        case EVP_PKEY_ED448:
            return "Ed448";
        default: {
            const char* name = OBJ_nid2sn(type);
            return name != nullptr ? name : "unknown key type";
        }
    }
}

// Mozilla: RSA >= 2048 bits or ECDSA P-256/P-384; EdDSA is as strong.
std::optional<std::string> key_weakness(const EVP_PKEY* key) {
    int type = EVP_PKEY_get_base_id(key);
    if (type == EVP_PKEY_RSA || type == EVP_PKEY_RSA_PSS) {
        if (EVP_PKEY_get_bits(key) < 2048) {
            return describe_key(key) + " is too weak: RSA keys need at least 2048 bits";
        }
        return std::nullopt;
    }
    if (type == EVP_PKEY_EC) {
        auto curve = curve_name(key);
        if (curve != "prime256v1" && curve != "secp384r1") {
            return "EC key on curve " + curve + " is not allowed: use P-256 or P-384";
        }
        return std::nullopt;
    }
    if (type == EVP_PKEY_ED25519 || type == EVP_PKEY_ED448) {
        return std::nullopt;
    }
    return "key type " + describe_key(key) +
           " is not allowed: use RSA (2048 bits or more), ECDSA P-256/P-384 or Ed25519";
}

int signature_digest(const X509* certificate) {
    int digest = NID_undef;
    if (X509_get_signature_info(const_cast<X509*>(certificate), &digest, nullptr, nullptr,
                                nullptr) != 1) {
        ERR_clear_error();
        return NID_undef;
    }
    return digest;
}

std::string signature_name(const X509* certificate) {
    int digest = signature_digest(certificate);
    if (digest != NID_undef) {
        return OBJ_nid2sn(digest);
    }
    const char* algorithm = OBJ_nid2sn(X509_get_signature_nid(certificate));
    return algorithm != nullptr ? algorithm : "unknown";
}

bool is_weak_digest(int digest) {
    return digest == NID_sha1 || digest == NID_md5 || digest == NID_md5_sha1 || digest == NID_md4 ||
           digest == NID_md2 || digest == NID_mdc2;
}

bool is_self_signed(X509* certificate) {
    return X509_check_issued(certificate, certificate) == X509_V_OK;
}

std::string subject_of(const X509* certificate) {
    BioPointer bio(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(bio.get(), X509_get_subject_name(certificate), 0, XN_FLAG_RFC2253);
    BUF_MEM* memory = nullptr;
    BIO_get_mem_ptr(bio.get(), &memory);
    return std::string(memory->data, memory->length);
}

void check_certificate(const std::string& file, X509* certificate, bool is_leaf) {
    std::string which = is_leaf ? "certificate" : "chain certificate " + subject_of(certificate);
    // A root's own signature is never checked by clients, so only issued ones count.
    if ((is_leaf || !is_self_signed(certificate)) &&
        is_weak_digest(signature_digest(certificate))) {
        fail(file, which + " is signed with " + signature_name(certificate) +
                       ", which is broken: reissue it with SHA-256 or stronger");
    }
    const ASN1_TIME* not_after = X509_get0_notAfter(certificate);
    int comparison = X509_cmp_time(not_after, nullptr);
    if (comparison == 0) {
        fail(file, which + " has an unreadable notAfter date");
    }
    if (comparison < 0) {
        fail(file, which + " expired on " + format_time(not_after));
    }
}

struct CertifiedKey {
    std::vector<CertificatePointer> chain;  // leaf first
    KeyPointer key;
};

// Reads and checks a certificate chain and its key; every refusal names the file.
CertifiedKey load_certified_key(const std::string& certificate_file,
                                const std::string& private_key_file) {
    CertifiedKey loaded;
    loaded.chain = read_certificates(certificate_file);
    loaded.key = read_private_key(private_key_file);
    X509* leaf = loaded.chain.front().get();
    check_certificate(certificate_file, leaf, true);
    for (std::size_t index = 1; index < loaded.chain.size(); ++index) {
        check_certificate(certificate_file, loaded.chain[index].get(), false);
    }
    // The certificate carries the same public key; naming the certificate
    // tells the operator what to reissue.
    const EVP_PKEY* public_key = X509_get0_pubkey(leaf);
    if (public_key == nullptr) {
        ERR_clear_error();
        fail(certificate_file, "certificate has a public key OpenSSL cannot read");
    }
    if (auto weakness = key_weakness(public_key)) {
        fail(certificate_file, *weakness);
    }
    if (X509_check_private_key(leaf, loaded.key.get()) != 1) {
        ERR_clear_error();
        fail(private_key_file, "private key does not match the certificate in " + certificate_file);
    }
    return loaded;
}

void install_certified_key(SSL_CTX* context, const CertifiedKey& loaded,
                           const std::string& certificate_file) {
    STACK_OF(X509)* chain = sk_X509_new_null();
    for (std::size_t index = 1; index < loaded.chain.size(); ++index) {
        sk_X509_push(chain, loaded.chain[index].get());
    }
    int installed =
        SSL_CTX_use_cert_and_key(context, loaded.chain.front().get(), loaded.key.get(), chain, 1);
    sk_X509_free(chain);  // the context took its own references
    if (installed != 1) {
        fail(certificate_file,
             "certificate and key rejected by OpenSSL: " + openssl_error_reason());
    }
}

// Adds the CA certificates of a PEM file to the context's trust store, and
// optionally to the list of CA names sent in a CertificateRequest.
void trust_certificates(SSL_CTX* context, const std::string& file, bool advertise_to_clients) {
    auto certificates = read_certificates(file);
    X509_STORE* store = SSL_CTX_get_cert_store(context);
    for (auto& certificate : certificates) {
        if (X509_STORE_add_cert(store, certificate.get()) != 1) {
            // A duplicate certificate in the bundle is harmless.
            ERR_clear_error();
        }
        if (advertise_to_clients && SSL_CTX_add_client_CA(context, certificate.get()) != 1) {
            fail(file, "CA certificate rejected by OpenSSL: " + openssl_error_reason());
        }
    }
}

void require(bool succeeded, const std::string& what) {
    if (!succeeded) {
        throw ConfigError("TLS setup failed: " + what + ": " + openssl_error_reason());
    }
}

void apply_common_hardening(SSL_CTX* context) {
    // Level 2: at least 112-bit security, so no RSA < 2048 and no SHA-1 anywhere.
    SSL_CTX_set_security_level(context, 2);
    SSL_CTX_set_options(context, SSL_OP_NO_RENEGOTIATION | SSL_OP_NO_COMPRESSION);
    SSL_CTX_clear_options(context, SSL_OP_ALLOW_CLIENT_RENEGOTIATION |
                                       SSL_OP_LEGACY_SERVER_CONNECT |
                                       SSL_OP_ALLOW_UNSAFE_LEGACY_RENEGOTIATION);
    require(SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) == 1, "maximum TLS version");
    require(SSL_CTX_set_cipher_list(context, tls12_cipher_list) == 1, "TLS 1.2 cipher list");
    require(SSL_CTX_set_ciphersuites(context, tls13_cipher_suites) == 1, "TLS 1.3 cipher suites");
    require(SSL_CTX_set1_groups_list(context, key_exchange_groups) == 1, "key exchange groups");
}

void apply_server_profile(SSL_CTX* context, config::TlsProfile profile) {
    apply_common_hardening(context);
    int minimum = profile == config::TlsProfile::modern ? TLS1_3_VERSION : TLS1_2_VERSION;
    require(SSL_CTX_set_min_proto_version(context, minimum) == 1, "minimum TLS version");
    // Mozilla: with AEAD-only suites the client's preference is as good and
    // lets clients without AES hardware pick ChaCha20.
    SSL_CTX_clear_options(context, SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_TICKET);
    // 0-RTT data can be replayed and Rampart proxies non-idempotent requests.
    require(SSL_CTX_set_max_early_data(context, 0) == 1, "early data");
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_SERVER);
    // Without an id context, OpenSSL refuses to resume sessions once client
    // certificates are verified.
    require(SSL_CTX_set_session_id_context(context, session_id_context,
                                           sizeof session_id_context - 1) == 1,
            "session id context");
}

void apply_client_verification(SSL_CTX* context, const config::ServerTls& tls) {
    if (!tls.client_ca_file) {
        return;
    }
    trust_certificates(context, *tls.client_ca_file, true);
    int mode = SSL_VERIFY_PEER;
    if (tls.require_client_certificate) {
        mode |= SSL_VERIFY_FAIL_IF_NO_PEER_CERT;
    }
    SSL_CTX_set_verify(context, mode, nullptr);
}

int reject_every_certificate(int, X509_STORE_CTX* store) {
    X509_STORE_CTX_set_error(store, X509_V_ERR_HOSTNAME_MISMATCH);
    return 0;
}

// Used when the expected name could not be set: better no connection than a
// connection whose certificate was not checked against the name.
void fail_verification_closed(SSL* ssl) {
    SSL_set_verify(ssl, SSL_VERIFY_PEER, reject_every_certificate);
}

struct TemporaryFile {
    std::string path;
    int descriptor = -1;
    ~TemporaryFile() {
        if (descriptor >= 0) {
            ::close(descriptor);
        }
        if (!path.empty()) {
            ::unlink(path.c_str());
        }
    }
};

// Write to a temporary file in the same directory, then rename: a reader (or
// a crash) sees the old file or the new one, never half a key.
void write_file_atomically(const std::filesystem::path& target, std::string_view content,
                           mode_t mode) {
    TemporaryFile temporary;
    std::string pattern = (target.parent_path() / ("." + target.filename().string() + ".XXXXXX"));
    temporary.descriptor = ::mkstemp(pattern.data());  // creates the file with mode 0600
    if (temporary.descriptor < 0) {
        int error = errno;
        fail(target.string(),
             std::string("cannot create a temporary file: ") + std::strerror(error));
    }
    temporary.path = pattern;
    std::size_t written = 0;
    while (written < content.size()) {
        ssize_t count =
            ::write(temporary.descriptor, content.data() + written, content.size() - written);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            int error = errno;
            fail(target.string(), std::string("cannot write: ") + std::strerror(error));
        }
        written += static_cast<std::size_t>(count);
    }
    if (::fchmod(temporary.descriptor, mode) != 0 || ::fsync(temporary.descriptor) != 0) {
        int error = errno;
        fail(target.string(), std::string("cannot write: ") + std::strerror(error));
    }
    ::close(temporary.descriptor);
    temporary.descriptor = -1;
    if (::rename(temporary.path.c_str(), target.c_str()) != 0) {
        int error = errno;
        fail(target.string(), std::string("cannot rename into place: ") + std::strerror(error));
    }
    temporary.path.clear();
}

void make_private_directory(const std::filesystem::path& directory) {
    std::error_code error;
    std::filesystem::create_directories(directory, error);
    if (error) {
        fail(directory.string(), "cannot create directory: " + error.message());
    }
    std::filesystem::permissions(directory, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, error);
    if (error) {
        fail(directory.string(), "cannot set mode 0700: " + error.message());
    }
}

bool key_file_is_private(const std::string& file) {
    struct stat status {};
    return ::stat(file.c_str(), &status) == 0 && (status.st_mode & 077) == 0;
}

bool existing_certificate_is_reusable(const CertificatePaths& paths) {
    if (!std::filesystem::exists(paths.certificate_file) ||
        !std::filesystem::exists(paths.private_key_file) ||
        !key_file_is_private(paths.private_key_file)) {
        return false;
    }
    try {
        auto loaded = load_certified_key(paths.certificate_file, paths.private_key_file);
        std::time_t renewal_deadline = std::time(nullptr) + self_signed_renewal_margin_seconds;
        return X509_cmp_time(X509_get0_notAfter(loaded.chain.front().get()), &renewal_deadline) > 0;
    } catch (const ConfigError&) {
        return false;  // damaged, mismatched or expired: replace it
    }
}

void add_extension(X509* certificate, int nid, const char* value) {
    X509V3_CTX context;
    X509V3_set_ctx_nodb(&context);
    X509V3_set_ctx(&context, certificate, certificate, nullptr, nullptr, 0);
    ExtensionPointer extension(X509V3_EXT_nconf_nid(nullptr, &context, nid, value));
    require(extension != nullptr && X509_add_ext(certificate, extension.get(), -1) == 1,
            std::string("certificate extension ") + OBJ_nid2sn(nid));
}

CertificatePointer build_self_signed_certificate(EVP_PKEY* key) {
    CertificatePointer certificate(X509_new());
    require(certificate != nullptr, "allocating a certificate");
    X509* raw = certificate.get();
    require(X509_set_version(raw, X509_VERSION_3) == 1, "certificate version");
    BignumPointer serial(BN_new());
    // 159 random bits: positive, unique, and unpredictable as CA/B rules ask.
    require(serial && BN_rand(serial.get(), 159, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) == 1 &&
                BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(raw)) != nullptr,
            "certificate serial number");
    require(X509_gmtime_adj(X509_getm_notBefore(raw), 0) != nullptr &&
                X509_gmtime_adj(X509_getm_notAfter(raw), self_signed_lifetime_seconds) != nullptr,
            "certificate validity");
    X509_NAME* name = X509_get_subject_name(raw);
    require(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       reinterpret_cast<const unsigned char*>("localhost"), -1, -1,
                                       0) == 1 &&
                X509_set_issuer_name(raw, name) == 1 && X509_set_pubkey(raw, key) == 1,
            "certificate subject");
    add_extension(raw, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(raw, NID_key_usage, "critical,digitalSignature");
    add_extension(raw, NID_ext_key_usage, "serverAuth");
    add_extension(raw, NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1,IP:::1");
    add_extension(raw, NID_subject_key_identifier, "hash");
    require(X509_sign(raw, key, EVP_sha256()) > 0, "signing the certificate");
    return certificate;
}

std::string to_pem(const std::function<int(BIO*)>& write, BIO* bio) {
    require(bio != nullptr && write(bio) == 1, "PEM encoding");
    BUF_MEM* memory = nullptr;
    BIO_get_mem_ptr(bio, &memory);
    return std::string(memory->data, memory->length);
}

// Wipes the string's bytes before it is freed.
struct WipedString {
    std::string text;
    ~WipedString() { OPENSSL_cleanse(text.data(), text.size()); }
};

}  // namespace

std::shared_ptr<ssl::context> make_server_tls_context(const config::ServerTls& tls) {
    auto loaded = load_certified_key(tls.certificate_file, tls.private_key_file);
    auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
    SSL_CTX* native = context->native_handle();
    apply_server_profile(native, tls.profile);
    install_certified_key(native, loaded, tls.certificate_file);
    apply_client_verification(native, tls);
    return context;
}

std::shared_ptr<ssl::context> make_upstream_tls_context(const config::UpstreamTls& tls) {
    auto context = std::make_shared<ssl::context>(ssl::context::tls_client);
    SSL_CTX* native = context->native_handle();
    apply_common_hardening(native);
    require(SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION) == 1, "minimum TLS version");
    if (tls.ca_file) {
        trust_certificates(native, *tls.ca_file, false);
    } else {
        require(SSL_CTX_set_default_verify_paths(native) == 1, "system trust store");
    }
    SSL_CTX_set_verify(native, tls.verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, nullptr);
    if (tls.certificate_file || tls.private_key_file) {
        if (!tls.certificate_file || !tls.private_key_file) {
            throw ConfigError(
                "upstream TLS: certificate_file and private_key_file must be given together");
        }
        auto loaded = load_certified_key(*tls.certificate_file, *tls.private_key_file);
        install_certified_key(native, loaded, *tls.certificate_file);
    }
    return context;
}

void prepare_upstream_tls_stream(SSL* ssl, const std::string& host,
                                 const config::UpstreamTls& tls) {
    std::string name = tls.server_name ? *tls.server_name : host;
    if (name.size() >= 2 && name.front() == '[' && name.back() == ']') {
        name = name.substr(1, name.size() - 2);  // "[::1]" from a URL
    }
    boost::system::error_code not_an_address;
    boost::asio::ip::make_address(name, not_an_address);
    if (!not_an_address) {
        // RFC 6066: SNI carries host names only, never IP literals.
        if (tls.verify && X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name.c_str()) != 1) {
            ERR_clear_error();
            fail_verification_closed(ssl);
        }
        return;
    }
    bool name_accepted = !name.empty() && SSL_set_tlsext_host_name(ssl, name.c_str()) == 1;
    if (tls.verify) {
        SSL_set_hostflags(ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
        name_accepted = name_accepted && SSL_set1_host(ssl, name.c_str()) == 1;
        if (!name_accepted) {
            ERR_clear_error();
            fail_verification_closed(ssl);
        }
    }
    ERR_clear_error();
}

CertificatePaths ensure_self_signed_certificate(const std::filesystem::path& data_directory) {
    auto directory = data_directory / "tls";
    make_private_directory(directory);
    CertificatePaths paths{(directory / "self-signed.crt").string(),
                           (directory / "self-signed.key").string()};
    if (existing_certificate_is_reusable(paths)) {
        return paths;
    }
    KeyPointer key(EVP_EC_gen("P-256"));
    require(key != nullptr, "generating a P-256 key");
    auto certificate = build_self_signed_certificate(key.get());

    WipedString key_pem;
    BioPointer key_bio(BIO_new(BIO_s_secmem()));
    key_pem.text = to_pem(
        [&](BIO* bio) {
            return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
        },
        key_bio.get());
    BioPointer certificate_bio(BIO_new(BIO_s_mem()));
    auto certificate_pem =
        to_pem([&](BIO* bio) { return PEM_write_bio_X509(bio, certificate.get()); },
               certificate_bio.get());
    // Key first: a crash in between leaves a mismatched pair, which the next
    // start detects and replaces.
    write_file_atomically(paths.private_key_file, key_pem.text, 0600);
    write_file_atomically(paths.certificate_file, certificate_pem, 0644);
    return paths;
}

std::string certificate_summary(const std::string& certificate_file) {
    auto chain = read_certificates(certificate_file);
    X509* leaf = chain.front().get();
    std::string summary = "subject " + subject_of(leaf);
    if (EVP_PKEY* key = X509_get0_pubkey(leaf)) {
        summary += "; key " + describe_key(key);
    }
    summary += "; signature " + signature_name(leaf);
    summary += "; notAfter " + format_time(X509_get0_notAfter(leaf));
    if (X509_cmp_time(X509_get0_notAfter(leaf), nullptr) < 0) {
        summary += " (expired)";
    }
    summary += "; chain of " + std::to_string(chain.size()) +
               (chain.size() == 1 ? " certificate" : " certificates");
    return summary;
}

}  // namespace rampart::net
