// Refuses requests by client address: an allow list and a deny list of IPv4
// and IPv6 networks. Deny wins; a non-empty allow list refuses every address
// it does not contain. The address is exchange.client_address, which the
// session derives from X-Forwarded-For only through trusted proxies.
#pragma once

#include "pipeline/stage_registry.hpp"

namespace rampart::pipeline {

// Key `ip_filter`; built only where allow or deny lists a network:
//   allow: []   networks ("10.0.0.0/8", "2001:db8::/32", "192.0.2.7")
//   deny: []
// A refusal is a 403 problem and an `ip_refused` security event with reason
// deny_list or not_in_allow_list.
StageFactory ip_filter_stage_factory();

}  // namespace rampart::pipeline
