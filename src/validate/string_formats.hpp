// The JSON Schema `format` values Rampart checks (draft 7 §7.3): valijson 1.0
// knows only date, time and date-time, compiles a std::regex for each check,
// and lets every other format pass. These are checked here instead, without
// regular expressions; a schema naming any other format is refused at load,
// so a typo ("uuuid") cannot silently accept everything.
#pragma once

#include <string_view>

namespace rampart::validate {

// True for the formats below.
bool is_known_format(std::string_view format);

// date-time, date, time (RFC 3339 §5.6), email (an RFC 5321 dot-atom
// address), uuid (RFC 4122 text form), uri (absolute, RFC 3986),
// uri-reference, ipv4, ipv6, hostname (RFC 1123). False for unknown formats.
bool matches_format(std::string_view format, std::string_view text);

}  // namespace rampart::validate
