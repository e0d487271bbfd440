// Why a request was refused before it reached a route: the status to answer
// with and a fixed, safe detail text for the problem+json body. The detail is
// always a string literal, so it can never echo request bytes back.
#pragma once

#include <boost/beast/http/status.hpp>

#include <string_view>

namespace rampart::net {

struct RequestRejection {
    boost::beast::http::status status;
    std::string_view detail;  // a string literal
};

}  // namespace rampart::net
