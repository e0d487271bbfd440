#include "limit/limit_key.hpp"

#include <sodium.h>

#include <cstdlib>

namespace rampart::limit {

namespace {

using SipHashKey = std::array<std::uint8_t, crypto_shorthash_siphashx24_KEYBYTES>;

SipHashKey& process_key() {
    static SipHashKey key = [] {
        if (sodium_init() < 0) {
            std::abort();  // no randomness: nothing may run without it
        }
        SipHashKey random{};
        randombytes_buf(random.data(), random.size());
        return random;
    }();
    return key;
}

KeyDigest hash_bytes(const std::uint8_t* data, std::size_t size) noexcept {
    static_assert(crypto_shorthash_siphashx24_BYTES == sizeof(KeyDigest::bytes));
    KeyDigest digest;
    crypto_shorthash_siphashx24(digest.bytes.data(), data, size, process_key().data());
    return digest;
}

}  // namespace

void KeyBuilder::add(std::string_view part) noexcept {
    add_bytes(part.data(), part.size());
}

void KeyBuilder::add_bytes(const void* data, std::size_t size) noexcept {
    const auto* bytes = static_cast<const std::uint8_t*>(data);
    KeyDigest long_part;
    std::uint8_t marker = static_cast<std::uint8_t>(size);
    if (size > longest_inline_part) {
        long_part = hash_bytes(bytes, size);
        bytes = long_part.bytes.data();
        size = long_part.bytes.size();
        marker = 0xff;  // longer than any inline part: cannot be confused with one
    }
    if (size_ + 1 + size > capacity) {
        // Fold what we have into a digest to make room; the key stays exact
        // up to the digest's collision resistance.
        auto folded = hash_bytes(buffer_.data(), size_);
        std::memcpy(buffer_.data(), folded.bytes.data(), folded.bytes.size());
        size_ = folded.bytes.size();
    }
    buffer_[size_++] = marker;
    if (size != 0) {  // an empty part may come as a null pointer, which memcpy must not get
        std::memcpy(buffer_.data() + size_, bytes, size);
        size_ += size;
    }
}

KeyDigest KeyBuilder::digest() const noexcept {
    return hash_bytes(buffer_.data(), size_);
}

void add_client_address(const boost::asio::ip::address& address, KeyBuilder& key) noexcept {
    if (address.is_v6() && !address.to_v6().is_v4_mapped()) {
        auto bytes = address.to_v6().to_bytes();
        key.add_bytes(bytes.data(), 8);
        return;
    }
    auto bytes = address.is_v4()
                     ? address.to_v4().to_bytes()
                     : boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, address.to_v6())
                           .to_bytes();
    key.add_bytes(bytes.data(), bytes.size());
}

void use_shared_key_secret(std::string_view secret) noexcept {
    // Domain-separated, so the same secret used for something else yields
    // an unrelated key.
    constexpr std::string_view context = "rampart rate-limit key digest v1";
    crypto_generichash_state state;
    crypto_generichash_init(&state, nullptr, 0, process_key().size());
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(context.data()),
                              context.size());
    crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(secret.data()),
                              secret.size());
    crypto_generichash_final(&state, process_key().data(), process_key().size());
}

KeyDigest digest_of(std::string_view text) noexcept {
    KeyBuilder builder;
    builder.add(text);
    return builder.digest();
}

}  // namespace rampart::limit
