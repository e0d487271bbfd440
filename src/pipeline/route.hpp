// A route as the request path sees it: compiled once per configuration load.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "config/settings.hpp"
#include "pipeline/chain.hpp"
#include "pipeline/handler.hpp"

namespace rampart::net {
class UpstreamCluster;
}
namespace rampart::observe {
class RouteMetrics;
}

namespace rampart::pipeline {

struct CompiledRoute {
    const config::Route* settings = nullptr;  // owned by the same Snapshot
    std::string name;
    Chain chain;
    const net::UpstreamCluster* upstream = nullptr;  // null when a handler answers the route
    std::shared_ptr<const Handler> handler;
    std::uint64_t body_limit = 0;
    observe::RouteMetrics* metrics = nullptr;
};

}  // namespace rampart::pipeline
