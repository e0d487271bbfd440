// The address policy of the JWKS fetch (KEY-07): what counts as loopback,
// private or link-local after DNS resolution, and that such a host is refused
// before any connection is made.
#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include "auth/jwks_fetch.hpp"

namespace {

using rampart::auth::is_non_public_address;
namespace ip = boost::asio::ip;

TEST(JwksFetchAddresses, NonPublicRangesAreRecognised) {
    for (const char* address : {"127.0.0.1",
                                "127.255.255.254",
                                "10.1.2.3",
                                "172.16.0.1",
                                "172.31.255.255",
                                "192.168.1.1",
                                "169.254.169.254",
                                "100.64.0.1",
                                "0.0.0.0",
                                "224.0.0.1",
                                "255.255.255.255",
                                "::1",
                                "::",
                                "fe80::1",
                                "fc00::1",
                                "fd12:3456::1",
                                "ff02::1",
                                "::ffff:127.0.0.1",
                                "::ffff:10.0.0.1",
                                "::127.0.0.1",
                                "64:ff9b::a9fe:a9fe"}) {
        EXPECT_TRUE(is_non_public_address(ip::make_address(address))) << address;
    }
}

TEST(JwksFetchAddresses, PublicAddressesPass) {
    for (const char* address : {"8.8.8.8", "1.1.1.1", "172.32.0.1", "192.169.0.1", "100.128.0.1",
                                "2001:4860:4860::8888", "::ffff:8.8.8.8", "64:ff9b::808:808"}) {
        EXPECT_FALSE(is_non_public_address(ip::make_address(address))) << address;
    }
}

TEST(JwksFetch, LoopbackIsRefusedBeforeConnecting) {
    rampart::config::ExternalIssuerSettings issuer;
    issuer.name = "corp";
    issuer.jwks_uri = "https://127.0.0.1:9/jwks";
    issuer.fetch_timeout = std::chrono::seconds(2);
    auto settings = rampart::auth::JwksFetchSettings::from(issuer);
    auto outcome = rampart::auth::fetch_jwks(settings);
    ASSERT_FALSE(outcome.ok());
    EXPECT_NE(outcome.failure.find("loopback"), std::string::npos) << outcome.failure;

    settings.allow_private_addresses = true;  // then port 9 (discard) refuses the connection
    outcome = rampart::auth::fetch_jwks(settings);
    ASSERT_FALSE(outcome.ok());
    EXPECT_EQ(outcome.failure.find("loopback"), std::string::npos) << outcome.failure;
}

TEST(JwksFetch, OnlyHttpsIsFetched) {
    rampart::config::ExternalIssuerSettings issuer;
    issuer.name = "corp";
    issuer.jwks_uri = "http://127.0.0.1:9/jwks";
    issuer.allow_private_addresses = true;
    auto outcome = rampart::auth::fetch_jwks(rampart::auth::JwksFetchSettings::from(issuer));
    ASSERT_FALSE(outcome.ok());
    EXPECT_NE(outcome.failure.find("https"), std::string::npos) << outcome.failure;
}

}  // namespace
