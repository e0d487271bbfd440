#include "auth/jose/jwk.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <array>
#include <cstring>

#include "auth/jose/base64url.hpp"

namespace rampart::auth::jose {

namespace {

namespace json = boost::json;
using boost::system::result;

struct BignumFree {
    void operator()(BIGNUM* number) const { BN_clear_free(number); }
};
using Bignum = std::unique_ptr<BIGNUM, BignumFree>;

struct EvpKeyFree {
    void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
using OwnedEvpKey = std::unique_ptr<EVP_PKEY, EvpKeyFree>;

struct ParamBuildFree {
    void operator()(OSSL_PARAM_BLD* build) const { OSSL_PARAM_BLD_free(build); }
};
struct ParamFree {
    void operator()(OSSL_PARAM* params) const { OSSL_PARAM_free(params); }
};
struct KeyContextFree {
    void operator()(EVP_PKEY_CTX* context) const { EVP_PKEY_CTX_free(context); }
};
using KeyContext = std::unique_ptr<EVP_PKEY_CTX, KeyContextFree>;

struct BioFree {
    void operator()(BIO* bio) const { BIO_free(bio); }
};

constexpr std::size_t p256_coordinate_bytes = 32;
constexpr std::size_t ed25519_key_bytes = 32;
constexpr std::size_t min_hmac_secret_bytes = 32;
constexpr unsigned min_rsa_bits = 2048;
constexpr unsigned max_rsa_bits = 8192;
constexpr std::size_t max_kid_bytes = 256;

// Secret bytes decoded from a JWK, wiped when done with.
struct ScrubbedString {
    std::string bytes;
    ~ScrubbedString() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

const unsigned char* as_bytes(const std::string& text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

// An absent member is an empty optional; a present one must be a string.
result<std::optional<std::string_view>, KeyError> optional_string(const json::object& jwk,
                                                                  std::string_view name) {
    const json::value* member = jwk.if_contains(name);
    if (member == nullptr) {
        return std::optional<std::string_view>();
    }
    if (!member->is_string()) {
        return KeyError::member_malformed;
    }
    return std::optional<std::string_view>(std::string_view(member->get_string()));
}

result<std::string, KeyError> required_bytes(const json::object& jwk, std::string_view name) {
    auto text = optional_string(jwk, name);
    if (!text) {
        return text.error();
    }
    if (!*text) {
        return KeyError::member_missing;
    }
    auto bytes = base64url::decode_strict(**text);
    if (!bytes || bytes->empty()) {
        return KeyError::member_malformed;
    }
    return std::move(*bytes);
}

result<std::string, KeyError> required_bytes_of_size(const json::object& jwk, std::string_view name,
                                                     std::size_t size) {
    auto bytes = required_bytes(jwk, name);
    if (bytes && bytes->size() != size) {
        return KeyError::member_malformed;
    }
    return bytes;
}

Bignum to_bignum(const std::string& big_endian) {
    return Bignum(BN_bin2bn(as_bytes(big_endian), static_cast<int>(big_endian.size()), nullptr));
}

result<OwnedEvpKey, KeyError> key_from_params(const char* type, OSSL_PARAM_BLD* build,
                                              int selection) {
    std::unique_ptr<OSSL_PARAM, ParamFree> params(OSSL_PARAM_BLD_to_param(build));
    KeyContext context(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
    EVP_PKEY* key = nullptr;
    if (!params || !context || EVP_PKEY_fromdata_init(context.get()) != 1 ||
        EVP_PKEY_fromdata(context.get(), &key, selection, params.get()) != 1) {
        ERR_clear_error();
        return KeyError::crypto_failure;
    }
    return OwnedEvpKey(key);
}

constexpr std::array<std::string_view, 6> rsa_private_members = {"d", "p", "q", "dp", "dq", "qi"};

bool has_private_member(const json::object& jwk) {
    for (auto name : rsa_private_members) {
        if (jwk.contains(name)) {
            return true;
        }
    }
    return false;
}

result<OwnedEvpKey, KeyError> rsa_from_jwk(const json::object& jwk) {
    static constexpr std::array<const char*, 6> parameter_names = {
        OSSL_PKEY_PARAM_RSA_D,         OSSL_PKEY_PARAM_RSA_FACTOR1,
        OSSL_PKEY_PARAM_RSA_FACTOR2,   OSSL_PKEY_PARAM_RSA_EXPONENT1,
        OSSL_PKEY_PARAM_RSA_EXPONENT2, OSSL_PKEY_PARAM_RSA_COEFFICIENT1};
    auto modulus = required_bytes(jwk, "n");
    if (!modulus) {
        return modulus.error();
    }
    auto exponent = required_bytes(jwk, "e");
    if (!exponent) {
        return exponent.error();
    }
    std::vector<Bignum> numbers;
    numbers.push_back(to_bignum(*modulus));
    numbers.push_back(to_bignum(*exponent));
    std::unique_ptr<OSSL_PARAM_BLD, ParamBuildFree> build(OSSL_PARAM_BLD_new());
    if (!build || !numbers[0] || !numbers[1] ||
        !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_N, numbers[0].get()) ||
        !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_RSA_E, numbers[1].get())) {
        return KeyError::crypto_failure;
    }
    bool is_private = jwk.contains("d");
    if (is_private) {
        // All of the CRT members or none: a partial set is malformed.
        std::size_t present = 0;
        for (auto name : rsa_private_members) {
            present += jwk.contains(name) ? 1 : 0;
        }
        if (present != rsa_private_members.size()) {
            return KeyError::member_missing;
        }
        for (std::size_t i = 0; i < rsa_private_members.size(); ++i) {
            auto bytes = required_bytes(jwk, rsa_private_members[i]);
            if (!bytes) {
                return bytes.error();
            }
            ScrubbedString secret{std::move(*bytes)};
            numbers.push_back(to_bignum(secret.bytes));
            if (!numbers.back() ||
                !OSSL_PARAM_BLD_push_BN(build.get(), parameter_names[i], numbers.back().get())) {
                return KeyError::crypto_failure;
            }
        }
    } else if (has_private_member(jwk)) {
        return KeyError::member_missing;
    }
    auto key =
        key_from_params("RSA", build.get(), is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
    if (!key) {
        return KeyError::rsa_key_invalid;
    }
    return key;
}

result<OwnedEvpKey, KeyError> ec_from_jwk(const json::object& jwk) {
    auto curve = optional_string(jwk, "crv");
    if (!curve) {
        return curve.error();
    }
    if (!*curve) {
        return KeyError::member_missing;
    }
    if (**curve != "P-256") {
        return KeyError::ec_curve_not_p256;
    }
    auto x = required_bytes_of_size(jwk, "x", p256_coordinate_bytes);
    if (!x) {
        return x.error();
    }
    auto y = required_bytes_of_size(jwk, "y", p256_coordinate_bytes);
    if (!y) {
        return y.error();
    }
    std::string point = "\x04" + *x + *y;
    std::unique_ptr<OSSL_PARAM_BLD, ParamBuildFree> build(OSSL_PARAM_BLD_new());
    if (!build ||
        !OSSL_PARAM_BLD_push_utf8_string(build.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1",
                                         0) ||
        !OSSL_PARAM_BLD_push_octet_string(build.get(), OSSL_PKEY_PARAM_PUB_KEY, point.data(),
                                          point.size())) {
        return KeyError::crypto_failure;
    }
    Bignum private_scalar;
    bool is_private = jwk.contains("d");
    if (is_private) {
        auto d = required_bytes_of_size(jwk, "d", p256_coordinate_bytes);
        if (!d) {
            return d.error();
        }
        ScrubbedString secret{std::move(*d)};
        private_scalar = to_bignum(secret.bytes);
        if (!private_scalar ||
            !OSSL_PARAM_BLD_push_BN(build.get(), OSSL_PKEY_PARAM_PRIV_KEY, private_scalar.get())) {
            return KeyError::crypto_failure;
        }
    }
    auto key =
        key_from_params("EC", build.get(), is_private ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY);
    if (!key) {
        return KeyError::ec_point_invalid;
    }
    return key;
}

result<OwnedEvpKey, KeyError> okp_from_jwk(const json::object& jwk) {
    auto curve = optional_string(jwk, "crv");
    if (!curve) {
        return curve.error();
    }
    if (!*curve) {
        return KeyError::member_missing;
    }
    if (**curve != "Ed25519") {
        return KeyError::okp_curve_not_ed25519;
    }
    auto x = required_bytes_of_size(jwk, "x", ed25519_key_bytes);
    if (!x) {
        return x.error();
    }
    if (!jwk.contains("d")) {
        EVP_PKEY* key =
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, as_bytes(*x), x->size());
        if (key == nullptr) {
            ERR_clear_error();
            return KeyError::member_malformed;
        }
        return OwnedEvpKey(key);
    }
    auto d = required_bytes_of_size(jwk, "d", ed25519_key_bytes);
    if (!d) {
        return d.error();
    }
    ScrubbedString seed{std::move(*d)};
    OwnedEvpKey key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, as_bytes(seed.bytes),
                                                 seed.bytes.size()));
    std::array<unsigned char, ed25519_key_bytes> derived{};
    std::size_t derived_size = derived.size();
    if (!key || EVP_PKEY_get_raw_public_key(key.get(), derived.data(), &derived_size) != 1) {
        ERR_clear_error();
        return KeyError::crypto_failure;
    }
    // A JWK whose x is not the public key of its d is two keys in one.
    if (derived_size != x->size() || std::memcmp(derived.data(), x->data(), x->size()) != 0) {
        return KeyError::ec_point_invalid;
    }
    return key;
}

std::optional<Algorithm> algorithm_of_key_type(std::string_view key_type) {
    if (key_type == "EC") {
        return Algorithm::es256;
    }
    if (key_type == "OKP") {
        return Algorithm::eddsa;
    }
    if (key_type == "RSA") {
        return Algorithm::rs256;
    }
    if (key_type == "oct") {
        return Algorithm::hs256;
    }
    return std::nullopt;
}

// Checks that the OpenSSL key is one Rampart accepts and says which
// algorithm it is bound to.
result<Algorithm, KeyError> check_evp_key(EVP_PKEY* key, bool has_private) {
    Algorithm algorithm;
    switch (EVP_PKEY_get_base_id(key)) {
        case EVP_PKEY_RSA: {
            int bits = EVP_PKEY_get_bits(key);
            if (bits < static_cast<int>(min_rsa_bits)) {
                return KeyError::rsa_too_small;
            }
            if (bits > static_cast<int>(max_rsa_bits)) {
                return KeyError::rsa_too_large;
            }
            algorithm = Algorithm::rs256;
            break;
        }
        case EVP_PKEY_EC: {
            std::array<char, 64> group{};
            std::size_t group_length = 0;
            if (EVP_PKEY_get_group_name(key, group.data(), group.size(), &group_length) != 1 ||
                std::string_view(group.data(), group_length) != "prime256v1") {
                ERR_clear_error();
                return KeyError::ec_curve_not_p256;
            }
            algorithm = Algorithm::es256;
            break;
        }
        case EVP_PKEY_ED25519:
            algorithm = Algorithm::eddsa;
            break;
        case EVP_PKEY_X25519:
        case EVP_PKEY_ED448:
        case EVP_PKEY_X448:
            return KeyError::okp_curve_not_ed25519;
        default:
            return KeyError::unsupported_key_type;
    }
    KeyContext context(EVP_PKEY_CTX_new_from_pkey(nullptr, key, nullptr));
    if (!context) {
        return KeyError::crypto_failure;
    }
    bool valid = EVP_PKEY_public_check(context.get()) == 1 &&
                 (!has_private || algorithm == Algorithm::eddsa ||
                  EVP_PKEY_pairwise_check(context.get()) == 1);
    ERR_clear_error();
    if (!valid) {
        return algorithm == Algorithm::rs256 ? KeyError::rsa_key_invalid
                                             : KeyError::ec_point_invalid;
    }
    return algorithm;
}

std::string bignum_base64url(const BIGNUM* number, int padded_size) {
    int size = padded_size > 0 ? padded_size : BN_num_bytes(number);
    std::vector<unsigned char> bytes(static_cast<std::size_t>(size));
    BN_bn2binpad(number, bytes.data(), size);
    return base64url::encode(bytes);
}

result<std::string, KeyError> bignum_member(EVP_PKEY* key, const char* name, int padded_size) {
    BIGNUM* number = nullptr;
    if (EVP_PKEY_get_bn_param(key, name, &number) != 1) {
        ERR_clear_error();
        return KeyError::crypto_failure;
    }
    Bignum owned(number);
    return bignum_base64url(owned.get(), padded_size);
}

// The members of the public JWK, in RFC 7638 order (lexicographic), which is
// also the order the thumbprint hashes.
struct PublicMembers {
    std::vector<std::pair<std::string_view, std::string>> members;
};

result<PublicMembers, KeyError> public_members(EVP_PKEY* key, Algorithm algorithm) {
    PublicMembers out;
    switch (algorithm) {
        case Algorithm::rs256: {
            auto exponent = bignum_member(key, OSSL_PKEY_PARAM_RSA_E, 0);
            auto modulus = bignum_member(key, OSSL_PKEY_PARAM_RSA_N, 0);
            if (!exponent || !modulus) {
                return KeyError::crypto_failure;
            }
            out.members = {{"e", *exponent}, {"kty", "RSA"}, {"n", *modulus}};
            return out;
        }
        case Algorithm::es256: {
            auto x = bignum_member(key, OSSL_PKEY_PARAM_EC_PUB_X, p256_coordinate_bytes);
            auto y = bignum_member(key, OSSL_PKEY_PARAM_EC_PUB_Y, p256_coordinate_bytes);
            if (!x || !y) {
                return KeyError::crypto_failure;
            }
            out.members = {{"crv", "P-256"}, {"kty", "EC"}, {"x", *x}, {"y", *y}};
            return out;
        }
        case Algorithm::eddsa: {
            std::array<unsigned char, ed25519_key_bytes> raw{};
            std::size_t size = raw.size();
            if (EVP_PKEY_get_raw_public_key(key, raw.data(), &size) != 1) {
                ERR_clear_error();
                return KeyError::crypto_failure;
            }
            out.members = {{"crv", "Ed25519"},
                           {"kty", "OKP"},
                           {"x", base64url::encode(std::span(raw.data(), size))}};
            return out;
        }
        case Algorithm::hs256:
            break;
    }
    return KeyError::no_public_form;
}

int refuse_password(char*, int, int, void*) {
    return -1;  // an encrypted PEM is refused rather than prompting on a terminal
}

}  // namespace

std::string_view describe(KeyError error) {
    switch (error) {
        case KeyError::not_a_json_object:
            return "The JWK is not a JSON object.";
        case KeyError::unsupported_key_type:
            return "The key type is not supported.";
        case KeyError::member_missing:
            return "The JWK lacks a required member.";
        case KeyError::member_malformed:
            return "A JWK member is malformed.";
        case KeyError::alg_mismatch:
            return "The JWK alg does not match its key type.";
        case KeyError::use_not_signature:
            return "The JWK is not for signatures.";
        case KeyError::ec_curve_not_p256:
            return "The EC key is not on P-256.";
        case KeyError::ec_point_invalid:
            return "The public key is invalid or does not match the private key.";
        case KeyError::okp_curve_not_ed25519:
            return "The OKP key is not an Ed25519 key.";
        case KeyError::rsa_too_small:
            return "The RSA key is shorter than 2048 bits.";
        case KeyError::rsa_too_large:
            return "The RSA key is longer than 8192 bits.";
        case KeyError::rsa_key_invalid:
            return "The RSA key is invalid.";
        case KeyError::hmac_secret_too_short:
            return "The HMAC secret is shorter than 32 bytes.";
        case KeyError::secret_in_public_set:
            return "A public key set contains a symmetric secret.";
        case KeyError::private_in_public_set:
            return "A public key set contains private key material.";
        case KeyError::kid_invalid:
            return "The key id is empty, too long or contains control characters.";
        case KeyError::pem_unreadable:
            return "The PEM text holds no readable unencrypted key.";
        case KeyError::der_unreadable:
            return "The DER bytes hold no readable PKCS#8 key.";
        case KeyError::no_private_key:
            return "The key has no private part.";
        case KeyError::no_public_form:
            return "An HMAC secret has no public form.";
        case KeyError::crypto_failure:
            return "The cryptographic library refused the key.";
    }
    return "The key is unusable.";
}

bool is_acceptable_kid(std::string_view kid) {
    if (kid.empty() || kid.size() > max_kid_bytes) {
        return false;
    }
    for (char c : kid) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            return false;
        }
    }
    return true;
}

Key::Secret::~Secret() {
    OPENSSL_cleanse(bytes.data(), bytes.size());
}

std::span<const unsigned char> Key::hmac_secret() const {
    if (!secret_) {
        return {};
    }
    return secret_->bytes;
}

result<Key, KeyError> Key::from_evp_key(EVP_PKEY* owned, bool has_private, std::string kid) {
    OwnedEvpKey evp_key(owned);
    if (!kid.empty() && !is_acceptable_kid(kid)) {
        return KeyError::kid_invalid;
    }
    auto algorithm = check_evp_key(evp_key.get(), has_private);
    if (!algorithm) {
        return algorithm.error();
    }
    Key key(*algorithm, std::move(kid));
    key.has_private_ = has_private;
    key.evp_key_ = std::shared_ptr<EVP_PKEY>(evp_key.release(), EvpKeyFree());
    if (key.kid_.empty()) {
        auto thumbprint = key.thumbprint();
        if (!thumbprint) {
            return thumbprint.error();
        }
        key.kid_ = std::move(*thumbprint);
    }
    return key;
}

result<Key, KeyError> Key::from_hmac_secret(std::span<const unsigned char> secret,
                                            std::string kid) {
    if (secret.size() < min_hmac_secret_bytes) {
        return KeyError::hmac_secret_too_short;
    }
    if (!is_acceptable_kid(kid)) {
        return KeyError::kid_invalid;
    }
    Key key(Algorithm::hs256, std::move(kid));
    auto stored = std::make_shared<Secret>();
    stored->bytes.assign(secret.begin(), secret.end());
    key.secret_ = std::move(stored);
    key.has_private_ = true;
    return key;
}

result<Key, KeyError> Key::from_jwk(const json::object& jwk, JwkSource source) {
    auto key_type = optional_string(jwk, "kty");
    if (!key_type) {
        return key_type.error();
    }
    if (!*key_type) {
        return KeyError::member_missing;
    }
    auto bound_algorithm = algorithm_of_key_type(**key_type);
    if (!bound_algorithm) {
        return KeyError::unsupported_key_type;
    }
    auto use = optional_string(jwk, "use");
    if (!use) {
        return use.error();
    }
    if (*use && **use != "sig") {
        return KeyError::use_not_signature;
    }
    auto kid = optional_string(jwk, "kid");
    if (!kid) {
        return kid.error();
    }
    if (*kid && !is_acceptable_kid(**kid)) {
        return KeyError::kid_invalid;
    }
    std::string kid_text(kid->value_or(""));
    if (source == JwkSource::public_set) {
        if (*bound_algorithm == Algorithm::hs256) {
            return KeyError::secret_in_public_set;
        }
        if (has_private_member(jwk)) {
            return KeyError::private_in_public_set;
        }
    }

    result<Key, KeyError> key = KeyError::crypto_failure;
    if (*bound_algorithm == Algorithm::hs256) {
        auto secret = required_bytes(jwk, "k");
        if (!secret) {
            return secret.error();
        }
        ScrubbedString scrubbed{std::move(*secret)};
        if (kid_text.empty()) {
            // RFC 7638 for oct hashes the secret; a hash of a 256-bit random
            // secret reveals nothing usable.
            std::string canonical =
                R"({"k":")" + base64url::encode(scrubbed.bytes) + R"(","kty":"oct"})";
            std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
            unsigned int digest_size = 0;
            if (EVP_Digest(canonical.data(), canonical.size(), digest.data(), &digest_size,
                           EVP_sha256(), nullptr) != 1) {
                return KeyError::crypto_failure;
            }
            OPENSSL_cleanse(canonical.data(), canonical.size());
            kid_text = base64url::encode(std::span(digest.data(), digest_size));
        }
        key = from_hmac_secret(std::span(as_bytes(scrubbed.bytes), scrubbed.bytes.size()),
                               std::move(kid_text));
    } else {
        result<OwnedEvpKey, KeyError> evp_key = KeyError::crypto_failure;
        switch (*bound_algorithm) {
            case Algorithm::rs256:
                evp_key = rsa_from_jwk(jwk);
                break;
            case Algorithm::es256:
                evp_key = ec_from_jwk(jwk);
                break;
            default:
                evp_key = okp_from_jwk(jwk);
                break;
        }
        if (!evp_key) {
            return evp_key.error();
        }
        bool has_private = jwk.contains("d");
        key = from_evp_key(evp_key->release(), has_private, std::move(kid_text));
    }
    if (!key) {
        return key;
    }
    auto declared = optional_string(jwk, "alg");
    if (!declared) {
        return declared.error();
    }
    if (*declared && algorithm_from_name(**declared) != key->algorithm()) {
        return KeyError::alg_mismatch;
    }
    return key;
}

result<Key, KeyError> Key::from_pem(std::string_view pem, std::string kid) {
    std::unique_ptr<BIO, BioFree> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    if (!bio) {
        return KeyError::crypto_failure;
    }
    EVP_PKEY* key = PEM_read_bio_PrivateKey(bio.get(), nullptr, refuse_password, nullptr);
    bool has_private = key != nullptr;
    if (key == nullptr) {
        bio.reset(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
        key = bio ? PEM_read_bio_PUBKEY(bio.get(), nullptr, refuse_password, nullptr) : nullptr;
    }
    ERR_clear_error();
    if (key == nullptr) {
        return KeyError::pem_unreadable;
    }
    return from_evp_key(key, has_private, std::move(kid));
}

result<Key, KeyError> Key::from_pkcs8_der(std::span<const unsigned char> der, std::string kid) {
    const unsigned char* cursor = der.data();
    PKCS8_PRIV_KEY_INFO* info =
        d2i_PKCS8_PRIV_KEY_INFO(nullptr, &cursor, static_cast<long>(der.size()));
    bool complete = info != nullptr && cursor == der.data() + der.size();
    EVP_PKEY* key = complete ? EVP_PKCS82PKEY(info) : nullptr;
    PKCS8_PRIV_KEY_INFO_free(info);
    ERR_clear_error();
    if (key == nullptr) {
        return KeyError::der_unreadable;
    }
    return from_evp_key(key, true, std::move(kid));
}

result<Key, KeyError> Key::generate(Algorithm algorithm, unsigned rsa_bits) {
    if (rsa_bits < min_rsa_bits) {
        return KeyError::rsa_too_small;
    }
    if (rsa_bits > max_rsa_bits) {
        return KeyError::rsa_too_large;
    }
    EVP_PKEY* key = nullptr;
    switch (algorithm) {
        case Algorithm::es256:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
            break;
        case Algorithm::eddsa:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
            break;
        case Algorithm::rs256:
            key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<std::size_t>(rsa_bits));
            break;
        case Algorithm::hs256:
            return KeyError::unsupported_key_type;  // secrets come from the CSPRNG via the store
    }
    if (key == nullptr) {
        ERR_clear_error();
        return KeyError::crypto_failure;
    }
    return from_evp_key(key, true, {});
}

result<json::object, KeyError> Key::public_jwk() const {
    if (is_hmac()) {
        return KeyError::no_public_form;
    }
    auto members = public_members(evp_key_.get(), algorithm_);
    if (!members) {
        return members.error();
    }
    json::object jwk;
    jwk["kty"] = "";  // kty first, for readers who expect it there
    for (auto& [name, value] : members->members) {
        jwk[name] = value;
    }
    jwk["kid"] = kid_;
    jwk["use"] = "sig";
    jwk["alg"] = algorithm_name(algorithm_);
    return jwk;
}

result<std::string, KeyError> Key::thumbprint() const {
    auto members = public_members(evp_key_.get(), algorithm_);
    if (!members) {
        return members.error();
    }
    // The values are base64url or fixed names: nothing needs escaping.
    std::string canonical = "{";
    for (auto& [name, value] : members->members) {
        if (canonical.size() > 1) {
            canonical += ',';
        }
        canonical += '"';
        canonical += name;
        canonical += "\":\"";
        canonical += value;
        canonical += '"';
    }
    canonical += '}';
    std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
    unsigned int digest_size = 0;
    if (EVP_Digest(canonical.data(), canonical.size(), digest.data(), &digest_size, EVP_sha256(),
                   nullptr) != 1) {
        return KeyError::crypto_failure;
    }
    return base64url::encode(std::span(digest.data(), digest_size));
}

result<std::vector<unsigned char>, KeyError> Key::export_pkcs8_der() const {
    if (!has_private_ || is_hmac()) {
        return KeyError::no_private_key;
    }
    PKCS8_PRIV_KEY_INFO* info = EVP_PKEY2PKCS8(evp_key_.get());
    if (info == nullptr) {
        ERR_clear_error();
        return KeyError::crypto_failure;
    }
    int size = i2d_PKCS8_PRIV_KEY_INFO(info, nullptr);
    std::vector<unsigned char> der(size > 0 ? static_cast<std::size_t>(size) : 0);
    unsigned char* cursor = der.data();
    bool written = size > 0 && i2d_PKCS8_PRIV_KEY_INFO(info, &cursor) == size;
    PKCS8_PRIV_KEY_INFO_free(info);
    if (!written) {
        return KeyError::crypto_failure;
    }
    return der;
}

}  // namespace rampart::auth::jose
