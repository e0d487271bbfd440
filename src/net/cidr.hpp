// An IPv4 or IPv6 network in CIDR notation ("10.0.0.0/8", "::1/128", or a bare
// address). IPv4-mapped IPv6 client addresses match IPv4 networks.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::net {

class Cidr {
public:
    static std::optional<Cidr> parse(std::string_view text);
    bool contains(const boost::asio::ip::address& address) const;
    std::string to_string() const;

private:
    std::array<std::uint8_t, 16> network_{};  // IPv4 stored as IPv4-mapped IPv6
    unsigned prefix_length_ = 0;              // in IPv6 bits
    bool ipv4_ = false;
};

bool any_contains(const std::vector<Cidr>& networks, const boost::asio::ip::address& address);

}  // namespace rampart::net
