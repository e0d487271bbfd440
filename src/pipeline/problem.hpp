// RFC 9457 problem details: the only body Rampart itself ever sends with an
// error. Titles and details are fixed texts chosen by the caller; nothing from
// exceptions, upstreams or the request is echoed.
#pragma once

#include <boost/beast/http/status.hpp>
#include <boost/json/object.hpp>

#include <string_view>

#include "pipeline/exchange.hpp"

namespace rampart::pipeline {

// Replaces exchange.response with a problem+json body carrying the request id.
void set_problem(Exchange& exchange, http::status status, std::string_view detail = {});

// The same with extension members (RFC 9457 §3.2) after the standard ones,
// such as the names of refused fields; never a value the client sent.
void set_problem(Exchange& exchange, http::status status, std::string_view detail,
                 const boost::json::object& extensions);

// The body alone, for code paths without an Exchange (the admin listener).
std::string problem_body(http::status status, std::string_view detail, std::string_view request_id);

}  // namespace rampart::pipeline
