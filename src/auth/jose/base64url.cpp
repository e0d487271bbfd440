#include "auth/jose/base64url.hpp"

#include <array>
#include <cstdint>

namespace rampart::auth::jose::base64url {

namespace {

constexpr std::string_view alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

constexpr std::uint8_t not_in_alphabet = 0xff;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
    std::array<std::uint8_t, 256> table{};
    table.fill(not_in_alphabet);
    for (std::size_t i = 0; i < alphabet.size(); ++i) {
        table[static_cast<unsigned char>(alphabet[i])] = static_cast<std::uint8_t>(i);
    }
    return table;
}

constexpr auto decode_table = make_decode_table();

}  // namespace

std::string_view describe(DecodeError error) {
    switch (error) {
        case DecodeError::invalid_character:
            return "The base64url text contains a character outside its alphabet.";
        case DecodeError::invalid_length:
            return "The base64url text has an impossible length.";
        case DecodeError::nonzero_spare_bits:
            return "The base64url text is not in canonical form.";
    }
    return "The base64url text is malformed.";
}

std::string encode(std::span<const unsigned char> bytes) {
    std::string text;
    text.reserve((bytes.size() * 4 + 2) / 3);
    std::size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        std::uint32_t group = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
        text.push_back(alphabet[(group >> 18) & 0x3f]);
        text.push_back(alphabet[(group >> 12) & 0x3f]);
        text.push_back(alphabet[(group >> 6) & 0x3f]);
        text.push_back(alphabet[group & 0x3f]);
    }
    std::size_t rest = bytes.size() - i;
    if (rest == 1) {
        std::uint32_t group = bytes[i] << 16;
        text.push_back(alphabet[(group >> 18) & 0x3f]);
        text.push_back(alphabet[(group >> 12) & 0x3f]);
    } else if (rest == 2) {
        std::uint32_t group = (bytes[i] << 16) | (bytes[i + 1] << 8);
        text.push_back(alphabet[(group >> 18) & 0x3f]);
        text.push_back(alphabet[(group >> 12) & 0x3f]);
        text.push_back(alphabet[(group >> 6) & 0x3f]);
    }
    return text;
}

std::string encode(std::string_view bytes) {
    return encode(std::span(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size()));
}

boost::system::result<std::string, DecodeError> decode_strict(std::string_view text) {
    if (text.size() % 4 == 1) {
        return DecodeError::invalid_length;
    }
    // Sized up front and written by index: this runs on every token.
    std::string bytes(text.size() * 3 / 4, '\0');
    std::size_t written = 0;
    std::uint32_t accumulator = 0;
    int bits = 0;
    for (char c : text) {
        std::uint8_t sextet = decode_table[static_cast<unsigned char>(c)];
        if (sextet == not_in_alphabet) {
            return DecodeError::invalid_character;
        }
        accumulator = (accumulator << 6) | sextet;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes[written++] = static_cast<char>((accumulator >> bits) & 0xff);
        }
    }
    // 2 or 4 bits are left over after a partial group; a canonical encoder
    // writes them as zero.
    if ((accumulator & ((1u << bits) - 1)) != 0) {
        return DecodeError::nonzero_spare_bits;
    }
    return bytes;
}

}  // namespace rampart::auth::jose::base64url
