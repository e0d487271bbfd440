// Arbitrary bytes through the session's head path: validate_request_head,
// then Beast's parser, check_framing and normalize_target. Nothing may crash,
// and whatever the validator accepts must satisfy the invariants below.
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/settings.hpp"
#include "net/framing.hpp"
#include "net/path_normalizer.hpp"
#include "net/request_head_validator.hpp"

namespace {

namespace http = boost::beast::http;

constexpr rampart::net::HeadLimits limits{1024, 4096, 64};

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

void check_normalized(std::string_view target, std::string_view host) {
    using rampart::config::DotSegmentPolicy;
    using rampart::config::PathPolicy;
    using rampart::config::SlashPolicy;
    const PathPolicy policies[] = {
        PathPolicy{},
        PathPolicy{SlashPolicy::merge, DotSegmentPolicy::resolve, true, true},
        PathPolicy{SlashPolicy::keep, DotSegmentPolicy::resolve, false, false},
    };
    for (const auto& policy : policies) {
        auto normalized = rampart::net::normalize_target(target, host, policy);
        if (!normalized) {
            check(normalized.error().status == http::status::bad_request);
            continue;
        }
        const std::string& path = normalized->path;
        check(!path.empty() && path.front() == '/');
        check(path.find('\0') == std::string::npos);
        check(path.find("/../") == std::string::npos && path.find("/./") == std::string::npos);
        check(!path.ends_with("/..") && !path.ends_with("/."));
        if (policy.repeated_slashes == SlashPolicy::merge) {
            check(path.find("//") == std::string::npos);
        }
        check(!normalized->upstream_target.empty() && normalized->upstream_target.front() == '/');
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    rampart::net::classify_incomplete_head(bytes, limits);
    auto rejection = rampart::net::validate_request_head(bytes, limits);
    if (rejection) {
        check(!rejection->detail.empty());
        return 0;
    }
    // Accepted: the head is complete, so a strict head always ends in CRLFCRLF.
    check(bytes.size() >= 4 && bytes.substr(bytes.size() - 4) == "\r\n\r\n");

    http::request_parser<http::string_body> parser;
    parser.eager(false);
    parser.header_limit(8192);
    parser.body_limit(1024);
    boost::beast::error_code error;
    parser.put(boost::asio::buffer(bytes.data(), bytes.size()), error);
    if (error && error != http::error::need_more) {
        return 0;
    }
    // Beast must take every head the validator accepted in one go.
    check(parser.is_header_done());
    const auto& header = parser.get().base();
    if (rampart::net::check_framing(header)) {
        return 0;
    }
    check_normalized(header.target(), header[http::field::host]);
    return 0;
}
