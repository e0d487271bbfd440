// A route that Rampart answers itself (the token endpoints, the JWKS, the
// discovery documents) instead of proxying it. The route's stages run around
// it exactly as around an upstream: security headers, CORS, error handling.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <string_view>

#include "pipeline/exchange.hpp"

namespace rampart::pipeline {

class Handler {
  public:
    virtual ~Handler() = default;
    virtual std::string_view name() const = 0;
    // Fills exchange.response. Never throws: failures become problem responses.
    virtual boost::asio::awaitable<void> handle(Exchange& exchange) const = 0;
};

}  // namespace rampart::pipeline
