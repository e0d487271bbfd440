// base64url without padding (RFC 4648 §5, RFC 7515 §2). Decoding accepts
// only the one canonical spelling of each byte string, so a token cannot be
// re-spelled (padding, '+', '/', whitespace, altered spare bits) into a
// different string that decodes to the same bytes.
#pragma once

#include <boost/system/result.hpp>

#include <span>
#include <string>
#include <string_view>

namespace rampart::auth::jose::base64url {

enum class DecodeError {
    invalid_character,   // outside [A-Za-z0-9_-], including '=' and whitespace
    invalid_length,      // length % 4 == 1 can encode no byte string
    nonzero_spare_bits,  // the last character's unused low bits must be zero
};

std::string_view describe(DecodeError error);

std::string encode(std::span<const unsigned char> bytes);
std::string encode(std::string_view bytes);

// The decoded bytes, in a std::string.
boost::system::result<std::string, DecodeError> decode_strict(std::string_view text);

}  // namespace rampart::auth::jose::base64url
