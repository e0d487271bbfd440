// The running configuration: Settings compiled into a router, one stage chain
// per route, TLS contexts and upstream clusters. Immutable once built and
// shared through shared_ptr<const Snapshot>: a reload builds a new one and
// swaps it in; requests in flight finish on the one they started with.
#pragma once

#include <boost/asio/ssl/context.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "config/settings.hpp"
#include "net/upstream_cluster.hpp"
#include "pipeline/chain.hpp"
#include "pipeline/route.hpp"
#include "pipeline/router.hpp"
#include "pipeline/stage_registry.hpp"

namespace rampart::observe {
class Metrics;
}

namespace rampart::config {

class Snapshot {
  public:
    // Compiles and validates everything; throws ConfigError. Blocking work
    // (reading certificates, resolving upstream hosts) happens here, never on
    // a worker thread.
    static std::shared_ptr<const Snapshot> build(Settings settings, observe::Metrics& metrics,
                                                 std::uint64_t generation,
                                                 const pipeline::StageServices& services);

    const Settings& settings() const { return settings_; }
    const pipeline::Router& router() const { return router_; }
    const std::deque<pipeline::CompiledRoute>& routes() const { return routes_; }
    // Answers requests that match no route (404, 405, refused requests).
    const pipeline::Chain& default_chain() const { return default_chain_; }
    // Null for plain-HTTP (redirect-only) listeners.
    const std::shared_ptr<boost::asio::ssl::context>& listener_tls(std::size_t index) const {
        return listener_tls_[index];
    }
    // Null when the admin listener speaks plain HTTP.
    const std::shared_ptr<boost::asio::ssl::context>& admin_tls() const { return admin_tls_; }
    const std::vector<std::unique_ptr<net::UpstreamCluster>>& upstreams() const {
        return upstreams_;
    }
    std::uint64_t generation() const { return generation_; }

  private:
    Snapshot() = default;
    void compile_tls();
    void compile_upstreams(observe::Metrics& metrics);
    void compile_routes(observe::Metrics& metrics, const pipeline::StageServices& services);

    Settings settings_;
    pipeline::Router router_;
    std::deque<pipeline::CompiledRoute> routes_;
    pipeline::Chain default_chain_;
    std::vector<std::shared_ptr<boost::asio::ssl::context>> listener_tls_;
    std::shared_ptr<boost::asio::ssl::context> admin_tls_;
    std::vector<std::unique_ptr<net::UpstreamCluster>> upstreams_;
    std::uint64_t generation_ = 0;
};

// Differences between two configurations that a reload cannot apply (bound
// sockets, worker threads, log files): empty when a reload may proceed.
std::string restart_only_changes(const Settings& running, const Settings& candidate);

}  // namespace rampart::config
