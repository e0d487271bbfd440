// A Stage is one layer of the request path (IP filter, CORS, authentication,
// rate limit, ...). Stages are built once per route when the configuration
// loads, are immutable afterwards and shared by every worker thread: whatever
// changes per request lives in the Exchange.
//
// Like Envoy's decodeHeaders/decodeData, a stage sees the request head before
// the body is read (so a refusal never waits for a body), then the body, and
// finally every response on the way out, its own refusals included.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <string_view>

#include "pipeline/exchange.hpp"

namespace rampart::pipeline {

enum class Verdict {
    proceed,  // go on with the next stage
    respond,  // exchange.response is final: stop the request path here
};

class Stage {
public:
    virtual ~Stage() = default;
    virtual std::string_view name() const = 0;

    virtual Verdict on_request_head(Exchange&) const { return Verdict::proceed; }
    virtual Verdict on_request_body(Exchange&) const { return Verdict::proceed; }
    // Runs for every response of the route, in reverse chain order.
    virtual void on_response(Exchange&) const {}

    // A stage that must wait for I/O (a Redis round trip, a JWKS fetch)
    // returns true here and implements the asynchronous variant; the chain
    // then awaits it instead of calling on_request_head.
    virtual bool is_asynchronous() const { return false; }
    virtual boost::asio::awaitable<Verdict> on_request_head_async(Exchange& exchange) const;
};

}  // namespace rampart::pipeline
