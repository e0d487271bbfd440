#include "util/request_id.hpp"

#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <cstdint>

namespace rampart::util {

std::string new_request_id() {
    std::array<unsigned char, 16> random{};
    if (RAND_bytes(random.data(), static_cast<int>(random.size())) != 1) {
        // The DRBG failed: an id is not a secret, but it must stay unique.
        static std::atomic<std::uint64_t> fallback{0};
        auto value = fallback.fetch_add(1) + 1;
        for (std::size_t i = 0; i < 8; ++i) {
            random[i] = static_cast<unsigned char>(value >> (8 * i));
        }
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string id(32, '0');
    for (std::size_t i = 0; i < random.size(); ++i) {
        id[2 * i] = digits[random[i] >> 4];
        id[2 * i + 1] = digits[random[i] & 0x0F];
    }
    return id;
}

bool is_acceptable_request_id(std::string_view id) {
    if (id.empty() || id.size() > 128) {
        return false;
    }
    for (char c : id) {
        bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '.' || c == '_' || c == '-';
        if (!allowed) {
            return false;
        }
    }
    return true;
}

}  // namespace rampart::util
