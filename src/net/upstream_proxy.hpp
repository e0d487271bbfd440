// The route handler that forwards a request to its upstream: target choice,
// keep-alive connections, timeouts, idempotent retries, passive health, and
// the header hygiene both ways (hop-by-hop fields, X-Forwarded-*).
#pragma once

#include <boost/asio/awaitable.hpp>

#include "net/upstream_cluster.hpp"
#include "pipeline/exchange.hpp"
#include "pipeline/upstream_fetch.hpp"

namespace rampart::net {

class Worker;

// Fills exchange.response with the upstream's response, or with a problem
// (502 unreachable, 503 no healthy target, 504 timeout).
boost::asio::awaitable<void> forward_to_upstream(pipeline::Exchange& exchange, Worker& worker);

// Removes hop-by-hop and Connection-listed fields from an upstream response.
void remove_hop_by_hop_fields(pipeline::Response& response);

bool is_idempotent(boost::beast::http::verb method);

// A stage's GET to the route's upstream through the worker's pools, with the
// same header hygiene, identity headers, retries and timeouts as a forwarded
// request (pipeline/upstream_fetch.hpp).
class PooledUpstreamFetcher final : public pipeline::UpstreamFetcher {
  public:
    explicit PooledUpstreamFetcher(Worker& worker) : worker_(worker) {}
    boost::asio::awaitable<pipeline::FetchedResource> fetch(const pipeline::Exchange& exchange,
                                                            std::string_view target) override;

  private:
    Worker& worker_;
};

}  // namespace rampart::net
