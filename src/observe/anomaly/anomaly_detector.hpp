// The anomaly detector (issue 6): traffic baselines per route and consumer,
// failure bursts per client address, and the security events they raise
// (`traffic_anomaly`, `client_failure_burst`). The session hands it every
// finished exchange (record: a few loads, plus a short locked update for
// authenticated or failed requests); the baselines learn once per interval
// on the control thread (start).
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "config/anomaly_settings.hpp"
#include "observe/anomaly/failure_bursts.hpp"
#include "observe/anomaly/traffic_baselines.hpp"

namespace rampart::pipeline {
struct Exchange;
}
namespace rampart::limit {
class BanList;
}

namespace rampart::observe {
class Metrics;
class SecurityEvents;
}  // namespace rampart::observe

namespace rampart::observe::anomaly {

class AnomalyDetector {
  public:
    // What to do with a client whose failures burst (the `ban` action): called
    // on the worker thread that saw the burst; must not block.
    using BurstAction =
        std::function<void(const boost::asio::ip::address& client, config::Duration ban_duration)>;

    AnomalyDetector(const config::AnomalySettings& settings, unsigned worker_count,
                    Metrics& metrics, SecurityEvents& events);

    bool enabled() const noexcept { return baselines_ != nullptr || bursts_ != nullptr; }
    void set_burst_action(BurstAction action) { burst_action_ = std::move(action); }
    // `action: ban`: a burst bans the client's address (an IPv6 client's /64)
    // in `bans` for ban_duration, made by "auto:client_failure_burst". The
    // list must outlive the detector.
    void use_ban_list(limit::BanList& bans);
    bool bans_on_burst() const noexcept {
        return settings_.failure_bursts.enabled &&
               settings_.failure_bursts.action == config::FailureBurstAction::ban;
    }

    // Hot path, from worker `worker`, once the response is written. Never throws.
    void record(const pipeline::Exchange& exchange, unsigned worker) noexcept;

    // Closes an interval every `baselines.interval` on `io` (the control
    // thread) while keep_running() says so. Does nothing without baselines.
    void start(boost::asio::io_context& io, std::function<bool()> keep_running);

    // One interval's end, `elapsed_seconds` long: learns and emits. For start
    // and for tests.
    void close_interval(double elapsed_seconds);

  private:
    void report_burst(const pipeline::Exchange& exchange, const FailureBurst& burst) noexcept;
    void render_metrics(std::string& out) const;

    config::AnomalySettings settings_;
    Metrics& metrics_;
    SecurityEvents& events_;
    std::unique_ptr<TrafficBaselines> baselines_;
    std::unique_ptr<FailureBursts> bursts_;
    BurstAction burst_action_;
    std::atomic<std::uint64_t> traffic_anomalies_{0};
    std::atomic<std::uint64_t> failure_bursts_{0};
};

// The consumer a request counts for: the API key's or client certificate's
// consumer, else the OAuth client, else the subject; empty without identity.
std::string_view consumer_of(const pipeline::Exchange& exchange) noexcept;

}  // namespace rampart::observe::anomaly
