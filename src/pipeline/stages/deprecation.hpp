// Marks a deprecated API version (VER-01, VER-02): every response carries
// Deprecation (RFC 9745), Sunset (RFC 8594) when a sunset is set, and a Link
// to the documentation and the successor; from the sunset instant on, the
// route answers 410 Gone itself and nothing reaches the upstream. Order 40.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

// Key `deprecated`; built only where configured:
//   since: (required)    2025-01-31 or 2025-01-31T12:00:00Z
//   sunset: (none)       not earlier than since; from then on 410 Gone
//   link: (required)     http(s) URL of the deprecation notice
//   successor: (none)    http(s) URL of the version replacing this one
StageFactory deprecation_stage_factory();

// "2025-06-30" (midnight UTC) or an RFC 3339 date-time such as
// "2025-06-30T12:00:00Z" or "2025-06-30T14:00:00.5+02:00", as UTC seconds
// (fractions dropped). Years 1970 to 9999. Null when malformed.
std::optional<std::chrono::sys_seconds> parse_config_instant(std::string_view text);

// RFC 9110 §5.6.7 IMF-fixdate: "Sun, 06 Nov 1994 08:49:37 GMT".
std::string format_imf_fixdate(std::chrono::sys_seconds instant);

}  // namespace rampart::pipeline
