// A named pool of upstream targets with their shared health state. Part of a
// Snapshot; the per-worker connection pools live in net/upstream_pool.hpp.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config/settings.hpp"

namespace rampart::observe {
class UpstreamMetrics;
}

namespace rampart::net {

// Shared by every worker: written with relaxed atomics, read on each pick.
struct TargetHealth {
    std::atomic<std::uint32_t> consecutive_failures{0};
    std::atomic<std::int64_t> ejected_until_milliseconds{0};  // steady clock
    std::atomic<bool> passes_active_checks{true};
};

struct ResolvedTarget {
    config::UpstreamTarget settings;
    std::vector<boost::asio::ip::tcp::endpoint> endpoints;
    std::string host_header;  // "host" or "host:port" when the port is not the scheme's default
    std::string address;      // "host:port", for the access log
    std::unique_ptr<TargetHealth> health = std::make_unique<TargetHealth>();
};

class UpstreamCluster {
public:
    // Resolves target hosts (blocking: load time only); throws ConfigError.
    UpstreamCluster(const config::Upstream& settings, observe::UpstreamMetrics* metrics);

    const config::Upstream& settings() const { return settings_; }
    const std::vector<ResolvedTarget>& targets() const { return targets_; }
    boost::asio::ssl::context* tls_context() const { return tls_context_.get(); }
    observe::UpstreamMetrics* metrics() const { return metrics_; }

    bool is_available(const ResolvedTarget& target, std::chrono::steady_clock::time_point now) const;
    // Passive health: consecutive failures eject a target for ejection_time.
    void report_success(const ResolvedTarget& target) const;
    void report_failure(const ResolvedTarget& target, std::chrono::steady_clock::time_point now) const;

private:
    config::Upstream settings_;
    std::vector<ResolvedTarget> targets_;
    std::shared_ptr<boost::asio::ssl::context> tls_context_;
    observe::UpstreamMetrics* metrics_;
};

}  // namespace rampart::net
