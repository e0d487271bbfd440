// Request ids: 128 random bits from OpenSSL's DRBG as 32 lower-case hex
// characters. Each thread draws the bits in batches of 256 ids, so that an id
// costs no RAND_bytes call of its own.
#pragma once

#include <string>
#include <string_view>

namespace rampart::util {

std::string new_request_id();
// An id accepted from a trusted proxy: 1 to 128 of [A-Za-z0-9._-].
bool is_acceptable_request_id(std::string_view id);

}  // namespace rampart::util
