#include "pipeline/request_body.hpp"

#include <charconv>
#include <cstdint>

namespace rampart::pipeline {

bool announces_body(const Request& request) {
    if (request.chunked()) {
        return true;
    }
    auto length = request[http::field::content_length];
    std::uint64_t bytes = 0;
    auto [end, error] = std::from_chars(length.data(), length.data() + length.size(), bytes);
    return error == std::errc() && bytes > 0;
}

}  // namespace rampart::pipeline
