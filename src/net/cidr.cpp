#include "net/cidr.hpp"

#include <charconv>

namespace rampart::net {

namespace {

std::array<std::uint8_t, 16> as_v6_bytes(const boost::asio::ip::address& address) {
    if (address.is_v4()) {
        return boost::asio::ip::make_address_v6(boost::asio::ip::v4_mapped, address.to_v4()).to_bytes();
    }
    return address.to_v6().to_bytes();
}

}  // namespace

std::optional<Cidr> Cidr::parse(std::string_view text) {
    auto slash = text.find('/');
    std::string address_text(text.substr(0, slash));
    boost::system::error_code error;
    auto address = boost::asio::ip::make_address(address_text, error);
    if (error) {
        return std::nullopt;
    }
    if (address.is_v6() && address.to_v6().is_v4_mapped()) {
        address = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6());
    }
    Cidr cidr;
    cidr.ipv4_ = address.is_v4();
    unsigned maximum = cidr.ipv4_ ? 32 : 128;
    unsigned length = maximum;
    if (slash != std::string_view::npos) {
        auto digits = text.substr(slash + 1);
        auto [end, parse_error] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
        if (digits.empty() || parse_error != std::errc() || end != digits.data() + digits.size() ||
            length > maximum) {
            return std::nullopt;
        }
    }
    cidr.prefix_length_ = cidr.ipv4_ ? length + 96 : length;
    cidr.network_ = as_v6_bytes(address);
    // A network written with host bits set ("10.1.2.3/8") is normalised to its network.
    for (unsigned bit = cidr.prefix_length_; bit < 128; ++bit) {
        cidr.network_[bit / 8] &= static_cast<std::uint8_t>(~(0x80u >> (bit % 8)));
    }
    return cidr;
}

bool Cidr::contains(const boost::asio::ip::address& address) const {
    auto bytes = as_v6_bytes(address);
    unsigned full_bytes = prefix_length_ / 8;
    for (unsigned i = 0; i < full_bytes; ++i) {
        if (bytes[i] != network_[i]) {
            return false;
        }
    }
    unsigned remaining_bits = prefix_length_ % 8;
    if (remaining_bits == 0) {
        return true;
    }
    auto mask = static_cast<std::uint8_t>(0xFFu << (8 - remaining_bits));
    return (bytes[full_bytes] & mask) == (network_[full_bytes] & mask);
}

std::string Cidr::to_string() const {
    boost::asio::ip::address_v6 v6(network_);
    if (ipv4_) {
        auto v4 = boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, v6);
        return v4.to_string() + "/" + std::to_string(prefix_length_ - 96);
    }
    return v6.to_string() + "/" + std::to_string(prefix_length_);
}

bool any_contains(const std::vector<Cidr>& networks, const boost::asio::ip::address& address) {
    for (const auto& network : networks) {
        if (network.contains(address)) {
            return true;
        }
    }
    return false;
}

}  // namespace rampart::net
