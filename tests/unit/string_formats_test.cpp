// The `format` checks Rampart does itself (validate/string_formats.hpp).
#include <gtest/gtest.h>

#include "validate/string_formats.hpp"

using rampart::validate::is_known_format;
using rampart::validate::matches_format;

TEST(StringFormats, Uuid) {
    EXPECT_TRUE(matches_format("uuid", "123e4567-e89b-12d3-a456-426614174000"));
    EXPECT_TRUE(matches_format("uuid", "123E4567-E89B-12D3-A456-426614174000"));
    EXPECT_FALSE(matches_format("uuid", "1 OR 1=1"));
    EXPECT_FALSE(matches_format("uuid", "123e4567e89b12d3a456426614174000"));
    EXPECT_FALSE(matches_format("uuid", "123e4567-e89b-12d3-a456-42661417400g"));
    EXPECT_FALSE(matches_format("uuid", "{123e4567-e89b-12d3-a456-426614174000}"));
}

TEST(StringFormats, DateTimeFollowsRfc3339) {
    EXPECT_TRUE(matches_format("date-time", "2024-02-29T12:00:00Z"));
    EXPECT_TRUE(matches_format("date-time", "1990-12-31t23:59:60.123-08:00"));
    EXPECT_FALSE(matches_format("date-time", "2023-02-29T12:00:00Z"));  // not a leap year
    EXPECT_FALSE(matches_format("date-time", "2024-04-31T12:00:00Z"));
    EXPECT_FALSE(matches_format("date-time", "2024-01-01 12:00:00Z"));
    EXPECT_FALSE(matches_format("date-time", "2024-01-01T24:00:00Z"));
    EXPECT_FALSE(matches_format("date-time", "2024-01-01T12:00:00"));  // no offset
    EXPECT_FALSE(matches_format("date-time", "2024-01-01T12:00:00.Z"));
    EXPECT_TRUE(matches_format("date", "2000-02-29"));
    EXPECT_FALSE(matches_format("date", "1900-02-29"));
    EXPECT_TRUE(matches_format("time", "08:30:00+05:30"));
    EXPECT_FALSE(matches_format("time", "08:30+05:30"));
}

TEST(StringFormats, Email) {
    EXPECT_TRUE(matches_format("email", "alice@example.com"));
    EXPECT_TRUE(matches_format("email", "first.last+tag@sub.example.org"));
    EXPECT_FALSE(matches_format("email", "alice"));
    EXPECT_FALSE(matches_format("email", "@example.com"));
    EXPECT_FALSE(matches_format("email", "a..b@example.com"));
    EXPECT_FALSE(matches_format("email", "alice@-example.com"));
    EXPECT_FALSE(matches_format("email", "alice@example..com"));
    EXPECT_FALSE(matches_format("email", "\"a b\"@example.com"));
    EXPECT_FALSE(matches_format("email", "alice@exa mple.com"));
    EXPECT_FALSE(matches_format("email", std::string(65, 'a') + "@example.com"));
}

TEST(StringFormats, UrisAddressesAndHostNames) {
    EXPECT_TRUE(matches_format("uri", "https://example.com/a?b=c#d"));
    EXPECT_TRUE(matches_format("uri", "urn:isbn:0451450523"));
    EXPECT_FALSE(matches_format("uri", "/relative/path"));
    EXPECT_FALSE(matches_format("uri", "https://exa mple.com"));
    EXPECT_TRUE(matches_format("uri-reference", "/relative/path"));
    EXPECT_TRUE(matches_format("ipv4", "192.0.2.1"));
    EXPECT_FALSE(matches_format("ipv4", "192.0.2"));
    EXPECT_FALSE(matches_format("ipv4", "192.0.2.256"));
    EXPECT_TRUE(matches_format("ipv6", "2001:db8::1"));
    EXPECT_FALSE(matches_format("ipv6", "fe80::1%eth0"));
    EXPECT_TRUE(matches_format("hostname", "api.example.com"));
    EXPECT_FALSE(matches_format("hostname", "api_.example.com"));
}

TEST(StringFormats, OnlyKnownFormatsAreKnown) {
    EXPECT_TRUE(is_known_format("uuid"));
    EXPECT_TRUE(is_known_format("date-time"));
    EXPECT_FALSE(is_known_format("uuuid"));
    EXPECT_FALSE(matches_format("uuuid", "anything"));
}
