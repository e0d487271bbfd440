// The key of one rate-limit counter: a 128-bit keyed digest (SipHash-2-4
// with 128-bit output, libsodium) of the limit's identity and the request's
// key parts. A fixed-size value, so looking up a known key never allocates,
// and keyed with a per-process secret, so a client choosing header values
// cannot aim collisions at the table or at another client's counter (a
// shared store keys it with a configured shared secret instead).
#pragma once

#include <boost/asio/ip/address.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rampart::limit {

struct KeyDigest {
    std::array<std::uint8_t, 16> bytes{};

    friend bool operator==(const KeyDigest&, const KeyDigest&) = default;
    // Two independent halves of a uniformly random value: one picks the
    // shard, the other the bucket inside it.
    std::uint64_t low() const noexcept {
        std::uint64_t value = 0;
        std::memcpy(&value, bytes.data(), sizeof value);
        return value;
    }
    std::uint64_t high() const noexcept {
        std::uint64_t value = 0;
        std::memcpy(&value, bytes.data() + 8, sizeof value);
        return value;
    }
};

struct KeyDigestHash {
    std::size_t operator()(const KeyDigest& key) const noexcept { return key.low(); }
};

// Collects key parts in a fixed buffer, each with its length so that
// ("ab", "c") and ("a", "bc") differ; a part too long for the buffer goes in
// as its own digest. No allocation.
class KeyBuilder {
  public:
    void add(std::string_view part) noexcept;
    void add_bytes(const void* data, std::size_t size) noexcept;
    KeyDigest digest() const noexcept;

  private:
    static constexpr std::size_t capacity = 256;
    static constexpr std::size_t longest_inline_part = 96;
    std::array<std::uint8_t, capacity> buffer_{};
    std::size_t size_ = 0;
};

KeyDigest digest_of(std::string_view text) noexcept;

// Keys every digest with `secret` (hashed into the SipHash key) instead of
// the per-process random key, so that instances sharing a Redis compute the
// same counter keys. Call once at start, before the configuration's stages
// are built (their digests are made then), and before any worker runs.
void use_shared_key_secret(std::string_view secret) noexcept;

// A client address as a key part: IPv4 whole; IPv6 by its /64, the block one
// subscriber usually holds, so rotating through one's own /64 does not make
// a new client. IPv4-mapped IPv6 counts as the IPv4 address.
void add_client_address(const boost::asio::ip::address& address, KeyBuilder& key) noexcept;

}  // namespace rampart::limit
