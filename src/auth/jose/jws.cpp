#include "auth/jose/jws.hpp"

#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/hmac.h>

#include <boost/json/serialize.hpp>

#include <array>
#include <cstring>
#include <memory>

#include "auth/jose/base64url.hpp"
#include "util/ascii.hpp"
#include "util/strict_json.hpp"

namespace rampart::auth::jose {

namespace {

namespace json = boost::json;
using boost::system::result;

constexpr std::size_t p256_scalar_bytes = 32;
constexpr std::size_t es256_signature_bytes = 2 * p256_scalar_bytes;
constexpr std::size_t ed25519_signature_bytes = 64;
constexpr std::size_t hs256_signature_bytes = 32;

// The order n of the P-256 group (SEC 2 §2.4.2), big-endian.
constexpr std::array<unsigned char, p256_scalar_bytes> p256_order = {
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51};

// Header parameters that make the token name or carry its own key, or that
// would need an extension Rampart does not implement.
constexpr std::array<std::string_view, 6> key_reference_parameters = {"jku", "x5u", "jwk",
                                                                      "x5c", "x5t", "x5t#S256"};

struct MdContextFree {
    void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
using MdContext = std::unique_ptr<EVP_MD_CTX, MdContextFree>;

struct EcdsaSignatureFree {
    void operator()(ECDSA_SIG* signature) const { ECDSA_SIG_free(signature); }
};

const unsigned char* as_bytes(std::string_view text) {
    return reinterpret_cast<const unsigned char*>(text.data());
}

const EVP_MD* digest_for(Algorithm algorithm) {
    return algorithm == Algorithm::eddsa ? nullptr : EVP_sha256();
}

bool evp_verify(const Key& key, std::string_view signing_input, const unsigned char* signature,
                std::size_t signature_size) {
    MdContext context(EVP_MD_CTX_new());
    bool verified = context &&
                    EVP_DigestVerifyInit(context.get(), nullptr, digest_for(key.algorithm()),
                                         nullptr, key.evp_key()) == 1 &&
                    EVP_DigestVerify(context.get(), signature, signature_size,
                                     as_bytes(signing_input), signing_input.size()) == 1;
    ERR_clear_error();
    return verified;
}

result<std::string, JoseError> evp_sign(const Key& key, std::string_view signing_input) {
    MdContext context(EVP_MD_CTX_new());
    std::size_t size = 0;
    if (!context ||
        EVP_DigestSignInit(context.get(), nullptr, digest_for(key.algorithm()), nullptr,
                           key.evp_key()) != 1 ||
        EVP_DigestSign(context.get(), nullptr, &size, as_bytes(signing_input),
                       signing_input.size()) != 1) {
        ERR_clear_error();
        return JoseError::signing_failed;
    }
    std::string signature(size, '\0');
    if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                       as_bytes(signing_input), signing_input.size()) != 1) {
        ERR_clear_error();
        return JoseError::signing_failed;
    }
    signature.resize(size);
    return signature;
}

bool is_valid_p256_scalar(const unsigned char* scalar) {
    bool all_zero = true;
    for (std::size_t i = 0; i < p256_scalar_bytes; ++i) {
        all_zero = all_zero && scalar[i] == 0;
    }
    return !all_zero && std::memcmp(scalar, p256_order.data(), p256_scalar_bytes) < 0;
}

// JWS carries R||S (RFC 7518 §3.4); OpenSSL verifies DER.
result<void, JoseError> verify_es256(const Key& key, std::string_view signing_input,
                                     std::string_view signature) {
    if (signature.size() != es256_signature_bytes) {
        return JoseError::signature_malformed;
    }
    const unsigned char* r = as_bytes(signature);
    const unsigned char* s = r + p256_scalar_bytes;
    if (!is_valid_p256_scalar(r) || !is_valid_p256_scalar(s)) {
        return JoseError::signature_out_of_range;
    }
    std::unique_ptr<ECDSA_SIG, EcdsaSignatureFree> der_signature(ECDSA_SIG_new());
    BIGNUM* r_number = BN_bin2bn(r, p256_scalar_bytes, nullptr);
    BIGNUM* s_number = BN_bin2bn(s, p256_scalar_bytes, nullptr);
    if (!der_signature || !r_number || !s_number ||
        ECDSA_SIG_set0(der_signature.get(), r_number, s_number) != 1) {
        BN_free(r_number);
        BN_free(s_number);
        return JoseError::signature_invalid;
    }
    unsigned char* der = nullptr;
    int der_size = i2d_ECDSA_SIG(der_signature.get(), &der);
    bool verified =
        der_size > 0 && evp_verify(key, signing_input, der, static_cast<std::size_t>(der_size));
    OPENSSL_free(der);
    if (!verified) {
        return JoseError::signature_invalid;
    }
    return {};
}

result<std::string, JoseError> sign_es256(const Key& key, std::string_view signing_input) {
    auto der = evp_sign(key, signing_input);
    if (!der) {
        return der.error();
    }
    const unsigned char* cursor = as_bytes(*der);
    std::unique_ptr<ECDSA_SIG, EcdsaSignatureFree> parsed(
        d2i_ECDSA_SIG(nullptr, &cursor, static_cast<long>(der->size())));
    if (!parsed) {
        ERR_clear_error();
        return JoseError::signing_failed;
    }
    std::string raw(es256_signature_bytes, '\0');
    auto* out = reinterpret_cast<unsigned char*>(raw.data());
    if (BN_bn2binpad(ECDSA_SIG_get0_r(parsed.get()), out, p256_scalar_bytes) !=
            static_cast<int>(p256_scalar_bytes) ||
        BN_bn2binpad(ECDSA_SIG_get0_s(parsed.get()), out + p256_scalar_bytes, p256_scalar_bytes) !=
            static_cast<int>(p256_scalar_bytes)) {
        return JoseError::signing_failed;
    }
    return raw;
}

result<std::array<unsigned char, hs256_signature_bytes>, JoseError> hmac_sha256(
    const Key& key, std::string_view signing_input) {
    std::array<unsigned char, hs256_signature_bytes> mac{};
    unsigned int mac_size = 0;
    auto secret = key.hmac_secret();
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), as_bytes(signing_input),
             signing_input.size(), mac.data(), &mac_size) == nullptr ||
        mac_size != mac.size()) {
        ERR_clear_error();
        return JoseError::signing_failed;
    }
    return mac;
}

}  // namespace

result<std::string, JoseError> create_signature(const Key& key, std::string_view signing_input) {
    if (!key.has_private_key()) {
        return JoseError::key_cannot_sign;
    }
    switch (key.algorithm()) {
        case Algorithm::es256:
            return sign_es256(key, signing_input);
        case Algorithm::hs256: {
            auto mac = hmac_sha256(key, signing_input);
            if (!mac) {
                return mac.error();
            }
            return std::string(reinterpret_cast<const char*>(mac->data()), mac->size());
        }
        case Algorithm::eddsa:
        case Algorithm::rs256:
            return evp_sign(key, signing_input);
    }
    return JoseError::signing_failed;
}

namespace {

// How verify_compact finds the key: in a set by kid, or one pinned key.
struct KeySource {
    const KeySet* set = nullptr;
    const Key* pinned = nullptr;
};

struct CompactParts {
    std::string_view header;
    std::string_view payload;
    std::string_view signature;
    std::string_view signing_input;
};

result<CompactParts, JoseError> split_compact(std::string_view token, const VerifyLimits& limits) {
    if (token.empty()) {
        return JoseError::token_empty;
    }
    if (token.size() > limits.max_token_bytes) {
        return JoseError::token_too_large;
    }
    if (token.front() == '{') {
        return JoseError::json_serialization;
    }
    std::size_t first_dot = token.find('.');
    std::size_t second_dot =
        first_dot == std::string_view::npos ? first_dot : token.find('.', first_dot + 1);
    std::size_t dots = 0;
    for (char c : token) {
        dots += c == '.' ? 1 : 0;
    }
    if (dots == 4) {
        return JoseError::jwe_not_supported;
    }
    if (dots != 2) {
        return JoseError::wrong_segment_count;
    }
    CompactParts parts;
    parts.header = token.substr(0, first_dot);
    parts.payload = token.substr(first_dot + 1, second_dot - first_dot - 1);
    parts.signature = token.substr(second_dot + 1);
    parts.signing_input = token.substr(0, second_dot);
    return parts;
}

util::StrictJsonLimits json_limits(const VerifyLimits& limits, std::size_t max_bytes) {
    util::StrictJsonLimits json;
    json.max_bytes = max_bytes;
    json.max_depth = limits.max_json_depth;
    json.max_members = limits.max_json_members;
    json.max_string_bytes = limits.max_json_string_bytes;
    return json;
}

result<json::object, JoseError> parse_object(std::string_view text,
                                             const util::StrictJsonLimits& limits,
                                             JoseError not_json, JoseError not_object) {
    auto value = util::parse_strict_json(text, limits);
    if (!value) {
        return not_json;
    }
    if (!value->is_object()) {
        return not_object;
    }
    return std::move(value->get_object());
}

// The checks that need no key: refused extensions and key references.
result<void, JoseError> check_header_parameters(const json::object& header) {
    for (auto name : key_reference_parameters) {
        if (header.contains(name)) {
            return JoseError::key_reference_present;
        }
    }
    // RFC 7515 §4.1.11: a recipient must understand every crit extension.
    // Rampart understands none, so crit in any form (even empty) is refused.
    if (header.contains("crit")) {
        return JoseError::crit_present;
    }
    if (header.contains("b64")) {
        return JoseError::b64_present;
    }
    return {};
}

result<Algorithm, JoseError> header_algorithm(const json::object& header) {
    const json::value* alg = header.if_contains("alg");
    if (alg == nullptr) {
        return JoseError::alg_missing;
    }
    if (!alg->is_string()) {
        return JoseError::alg_unknown;
    }
    std::string_view name = alg->get_string();
    if (util::equals_ignoring_case(name, "none")) {
        return JoseError::alg_none;
    }
    auto algorithm = algorithm_from_name(name);
    if (!algorithm) {
        return JoseError::alg_unknown;
    }
    return *algorithm;
}

// The kid as the header gives it; empty when absent and a pinned key allows that.
result<std::string_view, JoseError> header_kid(const json::object& header, bool required) {
    const json::value* kid = header.if_contains("kid");
    if (kid == nullptr) {
        if (required) {
            return JoseError::kid_missing;
        }
        return std::string_view();
    }
    if (!kid->is_string() || !is_acceptable_kid(kid->get_string())) {
        return JoseError::kid_invalid;
    }
    return std::string_view(kid->get_string());
}

result<const Key*, JoseError> find_key(const KeySource& source, std::string_view kid) {
    if (source.pinned != nullptr) {
        if (!kid.empty() && kid != source.pinned->kid()) {
            return JoseError::kid_unknown;
        }
        return source.pinned;
    }
    const Key* key = source.set->find(kid);
    if (key == nullptr) {
        return JoseError::kid_unknown;
    }
    return key;
}

result<VerifiedJws, JoseError> verify_with(std::string_view token, const KeySource& source,
                                           const VerifyLimits& limits) {
    auto parts = split_compact(token, limits);
    if (!parts) {
        return parts.error();
    }
    auto header_json = base64url::decode_strict(parts->header);
    auto payload_json = base64url::decode_strict(parts->payload);
    auto signature = base64url::decode_strict(parts->signature);
    if (!header_json || !payload_json || !signature) {
        return JoseError::segment_not_base64url;
    }
    if (header_json->size() > limits.max_header_bytes) {
        return JoseError::header_too_large;
    }
    auto header = parse_object(*header_json, json_limits(limits, limits.max_header_bytes),
                               JoseError::header_not_json, JoseError::header_not_object);
    if (!header) {
        return header.error();
    }
    if (auto checked = check_header_parameters(*header); !checked) {
        return checked.error();
    }
    auto algorithm = header_algorithm(*header);
    if (!algorithm) {
        return algorithm.error();
    }
    auto kid = header_kid(*header, source.pinned == nullptr);
    if (!kid) {
        return kid.error();
    }
    auto key = find_key(source, *kid);
    if (!key) {
        return key.error();
    }
    // The key decides the algorithm; the token only has to agree. This is
    // what stops an RS256 public key being used as an HS256 secret.
    if ((*key)->algorithm() != *algorithm) {
        return JoseError::alg_key_mismatch;
    }
    if (auto verified = verify_signature(**key, parts->signing_input, *signature); !verified) {
        return verified.error();
    }
    // The payload is parsed only once it is known to come from the key holder.
    auto payload = parse_object(*payload_json, json_limits(limits, limits.max_token_bytes),
                                JoseError::payload_not_json, JoseError::payload_not_object);
    if (!payload) {
        return payload.error();
    }
    VerifiedJws verified;
    verified.kid = std::string(*kid);
    verified.algorithm = *algorithm;
    verified.header = std::move(*header);
    verified.payload = std::move(*payload);
    return verified;
}

}  // namespace

std::string_view describe(JoseError error) {
    switch (error) {
        case JoseError::token_empty:
            return "The token is empty.";
        case JoseError::token_too_large:
            return "The token is too large.";
        case JoseError::json_serialization:
            return "The token uses the JSON serialisation.";
        case JoseError::jwe_not_supported:
            return "The token is a JWE.";
        case JoseError::wrong_segment_count:
            return "The token does not have three segments.";
        case JoseError::segment_not_base64url:
            return "A token segment is not canonical base64url.";
        case JoseError::header_too_large:
            return "The token header is too large.";
        case JoseError::header_not_json:
            return "The token header is not strict JSON.";
        case JoseError::header_not_object:
            return "The token header is not a JSON object.";
        case JoseError::alg_missing:
            return "The token header has no alg.";
        case JoseError::alg_none:
            return "The token is unsigned (alg none).";
        case JoseError::alg_unknown:
            return "The token alg is not supported.";
        case JoseError::alg_key_mismatch:
            return "The token alg is not the algorithm of its key.";
        case JoseError::kid_missing:
            return "The token header has no kid.";
        case JoseError::kid_invalid:
            return "The token kid is malformed.";
        case JoseError::kid_unknown:
            return "The token kid names no known key.";
        case JoseError::key_reference_present:
            return "The token header refers to a key of its own.";
        case JoseError::crit_present:
            return "The token header has crit.";
        case JoseError::b64_present:
            return "The token header has b64.";
        case JoseError::signature_malformed:
            return "The token signature has the wrong length.";
        case JoseError::signature_out_of_range:
            return "The token signature is out of range.";
        case JoseError::signature_invalid:
            return "The token signature does not verify.";
        case JoseError::payload_not_json:
            return "The token payload is not strict JSON.";
        case JoseError::payload_not_object:
            return "The token payload is not a JSON object.";
        case JoseError::header_parameter_forbidden:
            return "A header parameter may not be set by the caller.";
        case JoseError::key_cannot_sign:
            return "The key has no private part to sign with.";
        case JoseError::signing_failed:
            return "Signing failed.";
    }
    return "The token is invalid.";
}

result<void, JoseError> verify_signature(const Key& key, std::string_view signing_input,
                                         std::string_view signature) {
    switch (key.algorithm()) {
        case Algorithm::es256:
            return verify_es256(key, signing_input, signature);
        case Algorithm::eddsa:
            // OpenSSL refuses S >= L and non-canonical points (RFC 8032 §5.1.7).
            if (signature.size() != ed25519_signature_bytes) {
                return JoseError::signature_malformed;
            }
            break;
        case Algorithm::rs256:
            if (signature.size() != static_cast<std::size_t>(EVP_PKEY_get_size(key.evp_key()))) {
                return JoseError::signature_malformed;
            }
            break;
        case Algorithm::hs256: {
            if (signature.size() != hs256_signature_bytes) {
                return JoseError::signature_malformed;
            }
            auto mac = hmac_sha256(key, signing_input);
            if (!mac || CRYPTO_memcmp(mac->data(), signature.data(), hs256_signature_bytes) != 0) {
                return JoseError::signature_invalid;
            }
            return {};
        }
    }
    if (!evp_verify(key, signing_input, as_bytes(signature), signature.size())) {
        return JoseError::signature_invalid;
    }
    return {};
}

result<std::string, JoseError> sign_compact(const json::object& header_extras,
                                            const json::object& payload, const Key& key) {
    json::object header;
    header["alg"] = algorithm_name(key.algorithm());
    header["kid"] = key.kid();
    for (const auto& [name, value] : header_extras) {
        if (header.contains(name) ||
            check_header_parameters(json::object{{name, value}}).has_error()) {
            return JoseError::header_parameter_forbidden;
        }
        header[name] = value;
    }
    std::string token = base64url::encode(json::serialize(header));
    token += '.';
    token += base64url::encode(json::serialize(payload));
    auto signature = create_signature(key, token);
    if (!signature) {
        return signature.error();
    }
    token += '.';
    token += base64url::encode(*signature);
    return token;
}

result<VerifiedJws, JoseError> verify_compact(std::string_view token, const KeySet& keys,
                                              const VerifyLimits& limits) {
    return verify_with(token, KeySource{&keys, nullptr}, limits);
}

result<VerifiedJws, JoseError> verify_compact(std::string_view token, const Key& pinned_key,
                                              const VerifyLimits& limits) {
    return verify_with(token, KeySource{nullptr, &pinned_key}, limits);
}

}  // namespace rampart::auth::jose
