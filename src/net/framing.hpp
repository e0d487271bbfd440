// Message-framing checks on a parsed request header (RFC 9112 §6, §3.2):
// exactly one unambiguous way to find the end of the body, and a single valid
// Host. These hold whatever Beast's parser tolerates (see framing_test.cpp
// for what Beast 1.81 accepts on its own, e.g. duplicate equal Content-Length
// values or "Transfer-Encoding: gzip" next to a Content-Length).
#pragma once

#include <boost/beast/http/message.hpp>

#include <optional>
#include <string_view>

#include "net/request_rejection.hpp"

namespace rampart::net {

std::optional<RequestRejection> check_framing(const boost::beast::http::request_header<>& header);

// X-HTTP-Method-Override, X-HTTP-Method and X-Method-Override (any case):
// fields that let a client claim another method than the one routed and
// authorised, so the proxy strips them.
bool is_method_override_header(std::string_view name);

}  // namespace rampart::net
