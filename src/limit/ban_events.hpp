// The security events of the ban list, in one place so that the admin API,
// the detectors and the housekeeping loop describe a ban the same way:
// ban_added, ban_lifted, ban_expired. `actor` says who acted ("admin",
// "auto:<rule>", "expiry"). Token targets are ids or digests, never tokens.
#pragma once

#include <string_view>

#include "limit/ban_list.hpp"
#include "observe/security_events.hpp"

namespace rampart::limit {

void report_ban(observe::SecurityEvents& events, std::string_view event, const Ban& ban,
                const pipeline::Exchange* exchange = nullptr) noexcept;

}  // namespace rampart::limit
