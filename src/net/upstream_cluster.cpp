#include "net/upstream_cluster.hpp"

#include <boost/asio/io_context.hpp>

#include "net/tls_context.hpp"

namespace rampart::net {

namespace {

std::int64_t milliseconds_since_epoch(std::chrono::steady_clock::time_point time) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count();
}

}  // namespace

UpstreamCluster::UpstreamCluster(const config::Upstream& settings, observe::UpstreamMetrics* metrics)
    : settings_(settings), metrics_(metrics) {
    boost::asio::io_context resolver_context;
    boost::asio::ip::tcp::resolver resolver(resolver_context);
    bool any_https = false;
    for (const auto& target_settings : settings_.targets) {
        ResolvedTarget target;
        target.settings = target_settings;
        boost::system::error_code error;
        auto results = resolver.resolve(target_settings.host, std::to_string(target_settings.port),
                                        error);
        if (error || results.empty()) {
            throw config::ConfigError("upstreams." + settings_.name + ": cannot resolve " +
                                      target_settings.url + ": " + error.message());
        }
        for (const auto& entry : results) {
            target.endpoints.push_back(entry.endpoint());
        }
        bool default_port = target_settings.port == (target_settings.https ? 443 : 80);
        target.host_header = default_port ? target_settings.host
                                          : target_settings.host + ":" + std::to_string(target_settings.port);
        target.address = target_settings.host + ":" + std::to_string(target_settings.port);
        any_https = any_https || target_settings.https;
        targets_.push_back(std::move(target));
    }
    if (any_https) {
        tls_context_ = make_upstream_tls_context(settings_.tls);
    }
}

bool UpstreamCluster::is_available(const ResolvedTarget& target,
                                   std::chrono::steady_clock::time_point now) const {
    const auto& health = *target.health;
    if (!health.passes_active_checks.load(std::memory_order_relaxed)) {
        return false;
    }
    return health.ejected_until_milliseconds.load(std::memory_order_relaxed) <=
           milliseconds_since_epoch(now);
}

void UpstreamCluster::report_success(const ResolvedTarget& target) const {
    if (target.health->consecutive_failures.load(std::memory_order_relaxed) != 0) {
        target.health->consecutive_failures.store(0, std::memory_order_relaxed);
    }
}

void UpstreamCluster::report_failure(const ResolvedTarget& target,
                                     std::chrono::steady_clock::time_point now) const {
    auto failures = target.health->consecutive_failures.fetch_add(1, std::memory_order_relaxed) + 1;
    if (failures >= settings_.passive_health.consecutive_failures) {
        target.health->consecutive_failures.store(0, std::memory_order_relaxed);
        target.health->ejected_until_milliseconds.store(
            milliseconds_since_epoch(now + settings_.passive_health.ejection_time),
            std::memory_order_relaxed);
    }
}

}  // namespace rampart::net
