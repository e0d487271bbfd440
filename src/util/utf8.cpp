#include "util/utf8.hpp"

namespace rampart::util {

std::optional<std::size_t> count_utf8_code_points(std::string_view text) {
    std::size_t count = 0;
    std::size_t i = 0;
    while (i < text.size()) {
        auto lead = static_cast<unsigned char>(text[i]);
        std::size_t length = 1;
        unsigned char second_min = 0x80;
        unsigned char second_max = 0xbf;
        if (lead < 0x80) {
            ++i;
            ++count;
            continue;
        }
        if (lead >= 0xc2 && lead <= 0xdf) {
            length = 2;
        } else if (lead >= 0xe0 && lead <= 0xef) {
            length = 3;
            second_min = lead == 0xe0 ? 0xa0 : 0x80;
            second_max = lead == 0xed ? 0x9f : 0xbf;
        } else if (lead >= 0xf0 && lead <= 0xf4) {
            length = 4;
            second_min = lead == 0xf0 ? 0x90 : 0x80;
            second_max = lead == 0xf4 ? 0x8f : 0xbf;
        } else {
            return std::nullopt;
        }
        if (text.size() - i < length) {
            return std::nullopt;
        }
        auto second = static_cast<unsigned char>(text[i + 1]);
        if (second < second_min || second > second_max) {
            return std::nullopt;
        }
        for (std::size_t k = 2; k < length; ++k) {
            auto continuation = static_cast<unsigned char>(text[i + k]);
            if (continuation < 0x80 || continuation > 0xbf) {
                return std::nullopt;
            }
        }
        i += length;
        ++count;
    }
    return count;
}

}  // namespace rampart::util
