// The running gateway: worker threads (one io_context each, share-nothing,
// SO_REUSEPORT listeners), the control thread (signals, admin listener,
// reloads, health checks), and what they share: the current Snapshot, the
// metrics, the logs and the connection limiter.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "auth/auth_runtime.hpp"
#include "config/settings.hpp"
#include "config/snapshot.hpp"
#include "limit/ban_list.hpp"
#include "limit/rate_limit_store.hpp"
#include "limit/store_settings.hpp"
#include "limit/token_use_tracker.hpp"
#include "net/connection_limiter.hpp"
#include "observe/log_sink.hpp"
#include "observe/metrics.hpp"
#include "observe/security_events.hpp"

namespace rampart::observe::anomaly {
class AnomalyDetector;
}
namespace rampart::observe::webhook {
class SecurityEventWebhook;
}

namespace rampart::net {

class Worker;

struct ServerOptions {
    std::string config_file;  // empty: the embedded default configuration
    std::string admin_token;  // resolved by the caller (config, or generated)
};

struct ReloadResult {
    bool ok = false;
    std::string message;
};

class Server {
  public:
    // `rate_limits`, `bans` and `token_uses` are those the first snapshot's
    // stages were built with.
    Server(std::shared_ptr<const config::Snapshot> first, ServerOptions options,
           std::unique_ptr<observe::Metrics> metrics, std::unique_ptr<auth::AuthRuntime> auth,
           std::unique_ptr<limit::RateLimitStore> rate_limits, std::unique_ptr<limit::BanList> bans,
           std::unique_ptr<limit::TokenUseTracker> token_uses);
    ~Server();
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;

    // Binds every listener, starts the workers and the control loop, and
    // blocks until SIGTERM/SIGINT has drained the connections. Returns the
    // process exit code.
    int run();

    // The snapshot requests start on; workers cache it per generation.
    std::shared_ptr<const config::Snapshot> snapshot() const;
    std::uint64_t generation() const { return generation_.load(std::memory_order_acquire); }

    // Re-reads the configuration and swaps it in if valid (control thread).
    ReloadResult reload();
    void begin_shutdown();
    bool draining() const { return draining_.load(std::memory_order_relaxed); }

    observe::Metrics& metrics() { return *metrics_; }
    observe::LogSink* access_log() { return access_log_.get(); }
    observe::SecurityEvents& security_events() { return *security_events_; }
    // Null when the `anomaly` section enables no detector.
    observe::anomaly::AnomalyDetector* anomaly_detector() { return anomaly_detector_.get(); }
    ConnectionLimiter& connections() { return connections_; }
    limit::BanList& bans() { return *bans_; }
    const std::string& admin_token() const { return options_.admin_token; }
    auth::AuthRuntime& auth() { return *auth_; }
    pipeline::StageServices stage_services();

  private:
    void start_control_loop();
    void start_housekeeping();
    // The top-level rate_limit's process settings of `settings`: the
    // connection rate now; max_keys only at start (a reload may not change it).
    void apply_process_rate_limits(const config::Settings& settings, bool at_start);
    // A shared store's transitions go to the security log and its counters to /metrics.
    void observe_rate_limit_store();

    ServerOptions options_;
    std::unique_ptr<observe::Metrics> metrics_;
    std::unique_ptr<auth::AuthRuntime> auth_;
    // Outlives every snapshot: counters survive reloads.
    std::unique_ptr<limit::RateLimitStore> rate_limits_;
    // As configured (restart to change).
    std::size_t rate_limit_max_keys_ = 0;
    std::optional<limit::RedisStoreSettings> rate_limit_redis_;
    std::unique_ptr<limit::BanList> bans_;  // outlives every snapshot, like rate_limits_
    std::unique_ptr<limit::TokenUseTracker> token_uses_;
    std::unique_ptr<observe::LogSink> access_log_;
    std::unique_ptr<observe::LogSink> security_log_;
    std::unique_ptr<observe::SecurityEvents> security_events_;
    // After security_events_: stopped (and destroyed) before the log it reports to.
    std::unique_ptr<observe::webhook::SecurityEventWebhook> security_webhook_;
    std::unique_ptr<observe::anomaly::AnomalyDetector> anomaly_detector_;
    ConnectionLimiter connections_;

    mutable std::mutex snapshot_mutex_;
    std::shared_ptr<const config::Snapshot> snapshot_;
    std::atomic<std::uint64_t> generation_{1};
    std::atomic<bool> draining_{false};
    std::mutex reload_mutex_;

    std::vector<std::unique_ptr<Worker>> workers_;
    struct Control;
    std::unique_ptr<Control> control_;
};

}  // namespace rampart::net
