#include "util/request_id.hpp"

#include <openssl/rand.h>

#include <array>
#include <atomic>
#include <cstdint>
#include <cstring>

namespace rampart::util {

namespace {

constexpr std::size_t id_bytes = 16;
// One RAND_bytes call costs about as much as drawing 4 KiB (locking, the
// DRBG's parameter handling): ids are cut from a per-thread batch instead.
constexpr std::size_t ids_per_batch = 256;

// Random bytes from OpenSSL's DRBG, handed out 16 at a time; each handed-out
// piece is wiped from the batch.
class RandomBatch {
  public:
    void take(std::array<unsigned char, id_bytes>& out) {
        if (next_ == bytes_.size()) {
            refill();
        }
        std::memcpy(out.data(), bytes_.data() + next_, id_bytes);
        std::memset(bytes_.data() + next_, 0, id_bytes);
        next_ += id_bytes;
    }

  private:
    void refill() {
        next_ = 0;
        if (RAND_bytes(bytes_.data(), static_cast<int>(bytes_.size())) == 1) {
            return;
        }
        // The DRBG failed: an id is not a secret, but it must stay unique.
        static std::atomic<std::uint64_t> fallback{0};
        for (std::size_t offset = 0; offset < bytes_.size(); offset += id_bytes) {
            auto value = fallback.fetch_add(1) + 1;
            std::memset(bytes_.data() + offset, 0, id_bytes);
            for (std::size_t i = 0; i < 8; ++i) {
                bytes_[offset + i] = static_cast<unsigned char>(value >> (8 * i));
            }
        }
    }

    std::array<unsigned char, id_bytes * ids_per_batch> bytes_{};
    std::size_t next_ = bytes_.size();
};

}  // namespace

std::string new_request_id() {
    thread_local RandomBatch batch;
    std::array<unsigned char, id_bytes> random{};
    batch.take(random);
    static constexpr char digits[] = "0123456789abcdef";
    std::string id(2 * id_bytes, '0');
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
