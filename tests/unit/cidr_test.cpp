#include <gtest/gtest.h>

#include "net/cidr.hpp"

using rampart::net::Cidr;
namespace ip = boost::asio::ip;

TEST(Cidr, MatchesIpv4NetworkAndMappedAddresses) {
    auto network = Cidr::parse("10.1.0.0/16");
    ASSERT_TRUE(network);
    EXPECT_TRUE(network->contains(ip::make_address("10.1.200.3")));
    EXPECT_FALSE(network->contains(ip::make_address("10.2.0.1")));
    EXPECT_TRUE(network->contains(ip::make_address("::ffff:10.1.2.3")));
    EXPECT_EQ(network->to_string(), "10.1.0.0/16");
}

TEST(Cidr, MatchesIpv6AndBareAddresses) {
    auto network = Cidr::parse("2001:db8::/32");
    ASSERT_TRUE(network);
    EXPECT_TRUE(network->contains(ip::make_address("2001:db8:1::5")));
    EXPECT_FALSE(network->contains(ip::make_address("2001:db9::1")));
    auto single = Cidr::parse("127.0.0.1");
    ASSERT_TRUE(single);
    EXPECT_TRUE(single->contains(ip::make_address("127.0.0.1")));
    EXPECT_FALSE(single->contains(ip::make_address("127.0.0.2")));
}

TEST(Cidr, NormalisesHostBitsAndRefusesGarbage) {
    EXPECT_EQ(Cidr::parse("10.1.2.3/8")->to_string(), "10.0.0.0/8");
    EXPECT_FALSE(Cidr::parse("10.0.0.0/33"));
    EXPECT_FALSE(Cidr::parse("10.0.0.0/"));
    EXPECT_FALSE(Cidr::parse("10.0.0/8"));
    EXPECT_FALSE(Cidr::parse("example.com/8"));
    EXPECT_FALSE(Cidr::parse("::1/129"));
}
