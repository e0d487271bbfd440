// A stage's own request to the route's upstream, made before the client's
// request is forwarded: the ownership check reads the resource a write
// targets (pipeline/stages/ownership.cpp). The worker that runs the request
// implements it over its upstream connection pools (net/upstream_proxy.cpp),
// so the fetch never blocks the worker and shares its keep-alive connections.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <string_view>

#include "pipeline/exchange.hpp"

namespace rampart::pipeline {

enum class FetchOutcome {
    answered,     // `response` is the upstream's answer, whatever its status
    timed_out,    // no answer within the upstream's response timeout
    unreachable,  // no connection, a failed handshake, a malformed or oversized answer
    unavailable,  // no healthy target, or the signed identity could not be made
};

struct FetchedResource {
    FetchOutcome outcome = FetchOutcome::unreachable;
    Response response;
};

class UpstreamFetcher {
  public:
    virtual ~UpstreamFetcher() = default;
    // GET `target` (path and query, already encoded) from the route's upstream, with the
    // headers the client's request would carry there (its identity headers included), without
    // its body.
    virtual boost::asio::awaitable<FetchedResource> fetch(const Exchange& exchange,
                                                          std::string_view target) = 0;
};

}  // namespace rampart::pipeline
