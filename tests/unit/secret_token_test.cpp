#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <string>

#include "auth/secret_token.hpp"

namespace {

using rampart::auth::constant_time_equals;
using rampart::auth::make_api_key;
using rampart::auth::make_client_secret;
using rampart::auth::parse_api_key;
using rampart::auth::random_token;
using rampart::auth::secret_matches_hash;
using rampart::auth::sha256_hex;

bool is_base64url(const std::string& text) {
    return std::all_of(text.begin(), text.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
    });
}

TEST(SecretToken, RandomTokensAreUniqueUrlSafeAndLongEnough) {
    std::set<std::string> seen;
    for (int i = 0; i < 1000; ++i) {
        std::string token = random_token();
        EXPECT_GE(token.size(), 43u);
        EXPECT_TRUE(is_base64url(token)) << token;
        seen.insert(token);
    }
    EXPECT_EQ(seen.size(), 1000u);
    EXPECT_EQ(random_token(16).size(), 22u);
    EXPECT_EQ(random_token(64).size(), 86u);
    EXPECT_THROW(random_token(8), std::invalid_argument);
}

TEST(SecretToken, Sha256HexMatchesTheStandardVectors) {
    // FIPS 180-2 examples.
    EXPECT_EQ(sha256_hex("abc"),
              "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SecretToken, ConstantTimeEqualsComparesContentAndLength) {
    EXPECT_TRUE(constant_time_equals("same secret", "same secret"));
    EXPECT_FALSE(constant_time_equals("same secret", "same secreT"));
    EXPECT_FALSE(constant_time_equals("Xame secret", "same secret"));
    EXPECT_FALSE(constant_time_equals("same secret", "same secret "));
    EXPECT_FALSE(constant_time_equals("", "a"));
    EXPECT_TRUE(constant_time_equals("", ""));
    EXPECT_FALSE(constant_time_equals(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST(SecretToken, ApiKeyHasPrefixIdAndHashedSecret) {
    auto key = make_api_key();
    EXPECT_EQ(key.id.size(), 12u);
    EXPECT_TRUE(std::all_of(key.id.begin(), key.id.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    })) << key.id;
    EXPECT_EQ(key.display_prefix, "rk_" + key.id);
    EXPECT_EQ(key.full_key.size(), rampart::auth::api_key_length);
    EXPECT_TRUE(key.full_key.starts_with(key.display_prefix + "_"));
    EXPECT_EQ(key.secret_hash.size(), 64u);
    std::string secret = key.full_key.substr(key.display_prefix.size() + 1);
    EXPECT_EQ(key.secret_hash, sha256_hex(secret));
    EXPECT_NE(make_api_key().full_key, key.full_key);
    EXPECT_NE(make_api_key().id, key.id);
}

TEST(SecretToken, ApiKeyParseRoundTrip) {
    for (int i = 0; i < 200; ++i) {  // secrets often contain '_' and '-': the parse is positional
        auto key = make_api_key();
        auto parsed = parse_api_key(key.full_key);
        ASSERT_TRUE(parsed) << key.full_key;
        EXPECT_EQ(parsed->id, key.id);
        EXPECT_EQ(parsed->secret.size(), 43u);
        EXPECT_TRUE(secret_matches_hash(parsed->secret, key.secret_hash));
        EXPECT_FALSE(secret_matches_hash(std::string(parsed->secret) + "x", key.secret_hash));
    }
}

TEST(SecretToken, ApiKeyParseRefusesMalformedKeys) {
    std::string valid = make_api_key().full_key;
    ASSERT_TRUE(parse_api_key(valid));
    std::string secret = valid.substr(16);
    EXPECT_FALSE(parse_api_key(""));
    EXPECT_FALSE(parse_api_key("rk_"));
    EXPECT_FALSE(parse_api_key(valid.substr(0, valid.size() - 1)));            // short
    EXPECT_FALSE(parse_api_key(valid + "A"));                                  // long
    EXPECT_FALSE(parse_api_key(" " + valid.substr(1)));                        // no prefix
    EXPECT_FALSE(parse_api_key("RK_" + valid.substr(3)));                      // prefix case
    EXPECT_FALSE(parse_api_key("rk_ABCDEFGHIJKL_" + secret));                  // id upper case
    EXPECT_FALSE(parse_api_key("rk_abcdefghij-l_" + secret));                  // id character
    EXPECT_FALSE(parse_api_key("rk_abcdefghijkl-" + secret));                  // separator
    EXPECT_FALSE(parse_api_key("rk_abcdefghijkl_" + secret.substr(1) + "="));  // padding
    EXPECT_FALSE(parse_api_key("rk_abcdefghijkl_" + secret.substr(1) + "+"));  // base64, not url
    EXPECT_FALSE(parse_api_key("rk_abcdefghijkl_" + secret.substr(1) + " "));
    EXPECT_FALSE(parse_api_key(std::string("rk_abcdefghijkl_") + secret.substr(1) + '\0'));
    EXPECT_FALSE(parse_api_key(std::string(1024 * 1024, 'a')));
    EXPECT_TRUE(parse_api_key("rk_abcdefghijkl_" + secret));
}

TEST(SecretToken, ClientSecretsAreStrongAndHashed) {
    auto first = make_client_secret();
    auto second = make_client_secret();
    EXPECT_NE(first.secret, second.secret);
    EXPECT_EQ(first.secret.size(), rampart::auth::client_secret_length);
    EXPECT_TRUE(first.secret.starts_with("rcs_"));
    EXPECT_TRUE(rampart::auth::is_well_formed_client_secret(first.secret));
    EXPECT_TRUE(secret_matches_hash(first.secret, first.secret_hash));
    EXPECT_FALSE(secret_matches_hash(second.secret, first.secret_hash));
    EXPECT_FALSE(rampart::auth::is_well_formed_client_secret(first.secret.substr(1)));
    EXPECT_FALSE(rampart::auth::is_well_formed_client_secret(first.secret + "x"));
    EXPECT_FALSE(rampart::auth::is_well_formed_client_secret("rcs_" + std::string(43, '/')));
}

}  // namespace

TEST(SecretToken, WipedSecretsLeaveNothingBehind) {
    std::string secret = "correct horse battery staple";
    const char* storage = secret.data();
    auto capacity = secret.capacity();
    rampart::auth::wipe_secret(secret);
    EXPECT_TRUE(secret.empty());
    // The same buffer, now zeros where the characters were (clear() keeps the allocation).
    ASSERT_EQ(secret.data(), storage);
    ASSERT_GE(secret.capacity(), capacity);
    for (std::size_t i = 0; i < 28; ++i) {
        EXPECT_EQ(storage[i], '\0') << i;
    }
}
