// RFC 9457 problem details: the only body Rampart itself ever sends with an
// error. Titles and details are fixed texts chosen by the caller; nothing from
// exceptions, upstreams or the request is echoed.
#pragma once

#include <boost/beast/http/status.hpp>

#include <string_view>

#include "pipeline/exchange.hpp"

namespace rampart::pipeline {

// Replaces exchange.response with a problem+json body carrying the request id.
void set_problem(Exchange& exchange, http::status status, std::string_view detail = {});

// The body alone, for code paths without an Exchange (the admin listener).
std::string problem_body(http::status status, std::string_view detail, std::string_view request_id);

}  // namespace rampart::pipeline
