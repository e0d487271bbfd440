// The security-event webhook: events (all, or the configured names) POSTed as
// JSON to an HTTPS receiver. Emitting threads only queue (a short mutex, no
// I/O); a thread of its own with its own io_context sends. The queue is
// bounded: when the receiver is down for long, new events are dropped and
// counted (rampart_webhook_events_total{outcome="dropped"}), and the drop is
// reported once per burst in the security log. A failed POST (no response, a
// timeout, 408, 429 or 5xx) is retried with exponential backoff and full
// jitter, up to max_attempts, then given up and counted. The webhook's own
// events (webhook_*) go to the log only, so a failing receiver cannot feed
// itself.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "config/anomaly_settings.hpp"
#include "observe/security_events.hpp"
#include "observe/webhook/https_post.hpp"

namespace rampart::observe {
class Metrics;
}

namespace rampart::observe::webhook {

class SecurityEventWebhook final : public SecurityEventForwarder {
  public:
    // Builds the TLS context (throws config::ConfigError naming the section
    // when the CA file is unusable) and starts the sending thread. `events`
    // receives the webhook's own events (drops, give-ups).
    SecurityEventWebhook(const config::WebhookSettings& settings, Metrics& metrics,
                         SecurityEvents& events);
    ~SecurityEventWebhook() override;  // stops the thread; queued events are lost
    SecurityEventWebhook(const SecurityEventWebhook&) = delete;
    SecurityEventWebhook& operator=(const SecurityEventWebhook&) = delete;

    bool wants(std::string_view event) const noexcept override;
    void forward(std::string line) noexcept override;

    // Waits up to `timeout` until the queue is empty and nothing is being
    // sent (at shutdown, so that the last events leave).
    void drain(std::chrono::milliseconds timeout);

  private:
    struct Counts {
        std::atomic<std::uint64_t> delivered{0};
        std::atomic<std::uint64_t> failed{0};
        std::atomic<std::uint64_t> dropped{0};
        std::atomic<std::uint64_t> retries{0};
    };

    boost::asio::awaitable<void> send_loop();
    boost::asio::awaitable<bool> sleep_for(std::chrono::milliseconds duration);
    boost::asio::awaitable<void> deliver(std::vector<std::string> batch);
    std::vector<std::string> take_batch();
    std::string body_of(const std::vector<std::string>& batch) const;
    HeaderPairs headers_for(const std::string& body) const;
    std::chrono::milliseconds backoff_before(std::uint32_t attempt);
    void report_drops();
    void render_metrics(std::string& out) const;

    config::WebhookSettings settings_;
    HttpsTarget target_;
    std::shared_ptr<boost::asio::ssl::context> tls_;
    SecurityEvents& events_;

    std::mutex mutex_;
    std::condition_variable idle_;
    std::deque<std::string> queue_;
    bool sender_waiting_ = false;
    bool sending_ = false;
    bool stopping_ = false;

    Counts counts_;
    std::uint64_t drops_reported_ = 0;  // sender thread only
    std::minstd_rand jitter_;           // sender thread only

    boost::asio::io_context io_{1};
    boost::asio::steady_timer wake_{io_};  // the sender waits on it for events
    std::thread thread_;
};

}  // namespace rampart::observe::webhook
