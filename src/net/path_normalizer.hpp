// Turns a request target into the one path that is both routed and sent
// upstream (RFC 3986 §5.2.4, §6.2.2). Anything that could make Rampart and the
// upstream see different paths ("%2F", "..", ";", "\", overlong UTF-8, NUL)
// is either resolved here, once, or refused.
#pragma once

#include <boost/system/result.hpp>

#include <string>
#include <string_view>

#include "config/settings.hpp"
#include "net/request_rejection.hpp"

namespace rampart::net {

struct NormalizedTarget {
    std::string path;             // decoded and normalised: what the router matches
    std::string query;            // raw, without the '?'; empty when there was none
    std::string upstream_target;  // `path` percent-encoded again, plus "?" + query if present
};

// `raw_target` is the request-target as received (origin-form or, when its
// authority equals `host_header`, absolute-form).
boost::system::result<NormalizedTarget, RequestRejection> normalize_target(
    std::string_view raw_target, std::string_view host_header,
    const rampart::config::PathPolicy& policy);

// The same without the shortcut normalize_target takes for a path that is
// already normal (plain characters, no empty, "." or ".." segment), which it
// returns as it is: the fuzz target checks that the two always agree.
boost::system::result<NormalizedTarget, RequestRejection> normalize_target_in_full(
    std::string_view raw_target, std::string_view host_header,
    const rampart::config::PathPolicy& policy);

}  // namespace rampart::net
