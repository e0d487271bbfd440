// Strict byte-level checks of a raw HTTP/1.x request head (RFC 9112 §2-§5),
// run before Beast parses it. Beast is lenient in places an attacker can use
// for request smuggling (obs-fold, bare LF, odd versions); this pass refuses
// every such head so that Rampart and the upstream can never disagree on
// where a request starts and ends.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "net/request_rejection.hpp"

namespace rampart::net {

struct HeadLimits {
    std::uint64_t max_request_target_bytes;
    std::uint64_t max_header_bytes;  // the header section: everything after the request line
    std::uint64_t max_header_fields;
};

// `head` is the complete request head: the request line, the field lines and
// the final empty line, so it ends with "\r\n\r\n" and holds nothing after it.
// Returns nothing when the head is acceptable. A single pass, no allocation.
std::optional<RequestRejection> validate_request_head(std::string_view head,
                                                      const HeadLimits& limits);

// For a read buffer that filled up before the head ended: 414 when the
// request line alone is too long to hold an acceptable target, else 431.
// Returns nothing if `partial` does contain a complete head (validate it).
std::optional<RequestRejection> classify_incomplete_head(std::string_view partial,
                                                         const HeadLimits& limits);

}  // namespace rampart::net
