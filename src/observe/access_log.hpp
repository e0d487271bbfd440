// The access log: one JSON line per request, written after the response.
// It records no header and no query string at all, so Authorization, cookies,
// API keys and tokens in a misused query can never leak into it (LOG-02); the
// path is the normalised one the router matched.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace rampart::pipeline {
struct Exchange;
}

namespace rampart::observe {

// {"time", "request_id", "client_ip", "method", "path", "route", "status",
// "bytes", "duration_us", "upstream", "upstream_address",
// "upstream_duration_us"}; route and the upstream fields are null when the
// request was not routed or not proxied. No trailing newline (LogSink adds
// it). Never throws; returns an empty string if memory runs out.
std::string format_access_log_line(const pipeline::Exchange& exchange, std::string_view route_name,
                                   std::uint64_t response_bytes,
                                   std::chrono::microseconds duration) noexcept;

}  // namespace rampart::observe
