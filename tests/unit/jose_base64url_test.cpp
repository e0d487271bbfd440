#include <gtest/gtest.h>

#include <string>

#include "auth/jose/base64url.hpp"

namespace base64url = rampart::auth::jose::base64url;
using base64url::DecodeError;

TEST(JoseBase64url, EncodesRfc4648VectorsWithoutPadding) {
    EXPECT_EQ(base64url::encode(std::string_view("")), "");
    EXPECT_EQ(base64url::encode(std::string_view("f")), "Zg");
    EXPECT_EQ(base64url::encode(std::string_view("fo")), "Zm8");
    EXPECT_EQ(base64url::encode(std::string_view("foo")), "Zm9v");
    EXPECT_EQ(base64url::encode(std::string_view("foob")), "Zm9vYg");
    EXPECT_EQ(base64url::encode(std::string_view("fooba")), "Zm9vYmE");
    EXPECT_EQ(base64url::encode(std::string_view("foobar")), "Zm9vYmFy");
    EXPECT_EQ(base64url::encode(std::string_view("\xfa\xfb\xff")), "-vv_");
}

TEST(JoseBase64url, DecodesWhatItEncodes) {
    std::string all_bytes;
    for (int i = 0; i < 256; ++i) {
        all_bytes.push_back(static_cast<char>(i));
    }
    for (std::size_t size = 0; size < all_bytes.size(); size += 7) {
        std::string bytes = all_bytes.substr(size);
        auto decoded = base64url::decode_strict(base64url::encode(bytes));
        ASSERT_TRUE(decoded);
        EXPECT_EQ(*decoded, bytes);
    }
    EXPECT_EQ(*base64url::decode_strict("eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9"),
              "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}");
}

TEST(JoseBase64url, RefusesEveryNonCanonicalSpelling) {
    EXPECT_EQ(base64url::decode_strict("Zg==").error(), DecodeError::invalid_character);
    EXPECT_EQ(base64url::decode_strict("Zm8=").error(), DecodeError::invalid_character);
    EXPECT_EQ(base64url::decode_strict("+vv/").error(), DecodeError::invalid_character);
    EXPECT_EQ(base64url::decode_strict("Zm9 v").error(), DecodeError::invalid_length);
    EXPECT_EQ(base64url::decode_strict("Zm 9").error(), DecodeError::invalid_character);
    EXPECT_EQ(base64url::decode_strict("Zm9v\n").error(), DecodeError::invalid_length);
    EXPECT_EQ(base64url::decode_strict("Zm9v\nZg").error(), DecodeError::invalid_character);
    EXPECT_EQ(base64url::decode_strict("Z").error(), DecodeError::invalid_length);
    EXPECT_EQ(base64url::decode_strict("Zm9vY").error(), DecodeError::invalid_length);
    // "Zh" decodes to "f" too, but with a spare bit set.
    EXPECT_EQ(base64url::decode_strict("Zh").error(), DecodeError::nonzero_spare_bits);
    EXPECT_EQ(base64url::decode_strict("Zm9").error(), DecodeError::nonzero_spare_bits);
    EXPECT_EQ(base64url::decode_strict(std::string_view("Zm\0v", 4)).error(),
              DecodeError::invalid_character);
    EXPECT_FALSE(base64url::describe(DecodeError::nonzero_spare_bits).empty());
}
