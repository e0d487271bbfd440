// RFC 9457 problem details: the only body Rampart itself ever sends with an
// error. Titles and details are fixed texts chosen by the caller; nothing from
// exceptions, upstreams or the request is echoed.
#pragma once

#include <boost/beast/http/status.hpp>
#include <boost/json/object.hpp>

#include <string_view>

#include "pipeline/exchange.hpp"

namespace rampart::pipeline {

// The detail of every 404 Rampart sends: for a path that is no route, for an upstream's 404 it
// masks, and for an object the caller does not own. One body for all three, so that a 404
// never tells which it was (AUTHZ-01: existence is not confirmed).
inline constexpr std::string_view not_found_detail = "No such resource.";

// Replaces exchange.response with a problem+json body carrying the request id.
void set_problem(Exchange& exchange, http::status status, std::string_view detail = {});

// The same with extension members after the standard ones (RFC 9457 §3.2),
// such as the list of validation errors or the names of refused fields; an
// extension never replaces a standard member. Their names and values are the
// caller's: they must not echo what the client sent beyond names it chose.
void set_problem(Exchange& exchange, http::status status, std::string_view detail,
                 boost::json::object extension_members);

// The body alone, for code paths without an Exchange (the admin listener).
std::string problem_body(http::status status, std::string_view detail, std::string_view request_id);

}  // namespace rampart::pipeline
