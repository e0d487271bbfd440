#include "observe/webhook/security_event_webhook.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "config/settings.hpp"
#include "net/tls_context.hpp"
#include "observe/metrics.hpp"

namespace rampart::observe::webhook {

namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

std::string hex_hmac_sha256(const std::string& secret, const std::string& message) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
             reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest,
             &length) == nullptr) {
        return {};
    }
    static constexpr char digits[] = "0123456789abcdef";
    std::string hex;
    hex.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        hex += digits[digest[i] >> 4];
        hex += digits[digest[i] & 0x0F];
    }
    return hex;
}

}  // namespace

SecurityEventWebhook::SecurityEventWebhook(const config::WebhookSettings& settings,
                                           Metrics& metrics, SecurityEvents& events)
    : settings_(settings), events_(events), jitter_(std::random_device{}()) {
    auto target = parse_https_target(settings.url);
    if (!target) {
        throw config::ConfigError(settings.location + ": url: must be an https URL with a host");
    }
    target_ = *target;
    config::UpstreamTls tls;
    tls.ca_file = settings.ca_file;
    try {
        tls_ = net::make_upstream_tls_context(tls);
    } catch (const std::exception& error) {
        throw config::ConfigError(settings.location + ": ca_file: " + error.what());
    }
    metrics.add_renderer([this](std::string& out) { render_metrics(out); });
    asio::co_spawn(io_, send_loop(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
}

SecurityEventWebhook::~SecurityEventWebhook() {
    {
        std::lock_guard lock(mutex_);
        stopping_ = true;
    }
    io_.stop();
    if (thread_.joinable()) {
        thread_.join();
    }
}

bool SecurityEventWebhook::wants(std::string_view event) const noexcept {
    if (event.starts_with("webhook_")) {
        return false;
    }
    return settings_.events.empty() || std::find(settings_.events.begin(), settings_.events.end(),
                                                 event) != settings_.events.end();
}

void SecurityEventWebhook::forward(std::string line) noexcept {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            return;
        }
        if (queue_.size() >= settings_.queue_size) {
            counts_.dropped.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        try {
            queue_.push_back(std::move(line));
        } catch (...) {
            counts_.dropped.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        wake = sender_waiting_;
        sender_waiting_ = false;
    }
    if (wake) {
        try {
            asio::post(io_, [this] { wake_.cancel(); });
        } catch (...) {
            // The sender still wakes on its own within the hour; nothing is lost.
        }
    }
}

void SecurityEventWebhook::drain(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    idle_.wait_for(lock, timeout, [this] { return queue_.empty() && !sending_; });
}

std::vector<std::string> SecurityEventWebhook::take_batch() {
    std::vector<std::string> batch;
    std::lock_guard lock(mutex_);
    while (!queue_.empty() && batch.size() < settings_.batch_size) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
    }
    sending_ = !batch.empty();
    if (batch.empty()) {
        sender_waiting_ = true;
        idle_.notify_all();
    }
    return batch;
}

asio::awaitable<void> SecurityEventWebhook::send_loop() {
    for (;;) {
        auto batch = take_batch();
        if (batch.empty()) {
            wake_.expires_after(1h);
            co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
            continue;
        }
        co_await deliver(std::move(batch));
        report_drops();
    }
}

// False when the webhook is stopping.
asio::awaitable<bool> SecurityEventWebhook::sleep_for(std::chrono::milliseconds duration) {
    asio::steady_timer timer(io_);
    timer.expires_after(duration);
    auto [error] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    co_return !error;
}

// Exponential (initial · 2^(attempt-1), at most max_backoff) with jitter over
// its upper half, so that many gateways retrying one receiver spread out.
std::chrono::milliseconds SecurityEventWebhook::backoff_before(std::uint32_t attempt) {
    auto ceiling = settings_.max_backoff.count();
    auto backoff = settings_.initial_backoff.count();
    for (std::uint32_t i = 1; i < attempt && backoff < ceiling; ++i) {
        backoff *= 2;
    }
    backoff = std::min(backoff, ceiling);
    std::uniform_int_distribution<std::int64_t> spread(backoff / 2, backoff);
    return std::chrono::milliseconds(spread(jitter_));
}

std::string SecurityEventWebhook::body_of(const std::vector<std::string>& batch) const {
    if (settings_.batch_size == 1) {
        return batch.front();
    }
    std::string body = "[";
    for (const auto& line : batch) {
        body += body.size() > 1 ? "," : "";
        body += line;
    }
    body += "]";
    return body;
}

// Authorization: Bearer, and a signature over "<unix time>.<body>" in the
// style of Stripe's: the receiver recomputes it and refuses stale times.
HeaderPairs SecurityEventWebhook::headers_for(const std::string& body) const {
    HeaderPairs headers;
    if (!settings_.bearer_token.empty()) {
        headers.emplace_back("Authorization", "Bearer " + settings_.bearer_token);
    }
    if (!settings_.hmac_secret.empty()) {
        auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
        auto timestamp = std::to_string(now);
        headers.emplace_back("X-Rampart-Signature",
                             "t=" + timestamp + ",v1=" +
                                 hex_hmac_sha256(settings_.hmac_secret, timestamp + "." + body));
    }
    return headers;
}

asio::awaitable<void> SecurityEventWebhook::deliver(std::vector<std::string> batch) {
    auto body = body_of(batch);
    auto timeout = std::chrono::duration_cast<std::chrono::milliseconds>(settings_.timeout);
    PostOutcome outcome;
    std::uint32_t attempt = 1;
    for (;; ++attempt) {
        outcome = co_await async_post_json(io_, *tls_, target_, body, headers_for(body), timeout);
        if (outcome.delivered()) {
            counts_.delivered.fetch_add(batch.size(), std::memory_order_relaxed);
            co_return;
        }
        if (!outcome.retryable() || attempt >= settings_.max_attempts) {
            break;
        }
        counts_.retries.fetch_add(1, std::memory_order_relaxed);
        if (!co_await sleep_for(backoff_before(attempt))) {
            break;
        }
    }
    counts_.failed.fetch_add(batch.size(), std::memory_order_relaxed);
    auto lost = std::to_string(batch.size());
    auto attempts = std::to_string(attempt);
    events_.emit("webhook_delivery_failed", nullptr,
                 {{"events", lost}, {"attempts", attempts}, {"reason", outcome.failure}});
}

void SecurityEventWebhook::report_drops() {
    auto dropped = counts_.dropped.load(std::memory_order_relaxed);
    if (dropped == drops_reported_) {
        return;
    }
    auto newly = std::to_string(dropped - drops_reported_);
    drops_reported_ = dropped;
    events_.emit("webhook_events_dropped", nullptr,
                 {{"dropped", newly}, {"reason", "the webhook queue was full"}});
}

void SecurityEventWebhook::render_metrics(std::string& out) const {
    out.append(
        "# HELP rampart_webhook_events_total Security events for the webhook, by outcome "
        "(dropped: the queue was full; failed: every attempt failed).\n"
        "# TYPE rampart_webhook_events_total counter\n");
    auto line = [&out](std::string_view outcome, const std::atomic<std::uint64_t>& count) {
        out.append("rampart_webhook_events_total{outcome=\"")
            .append(outcome)
            .append("\"} ")
            .append(std::to_string(count.load(std::memory_order_relaxed)))
            .append("\n");
    };
    line("delivered", counts_.delivered);
    line("failed", counts_.failed);
    line("dropped", counts_.dropped);
    append_single_value_family(out, "rampart_webhook_retries_total", "counter",
                               "POSTs to the webhook retried after a failure.",
                               counts_.retries.load(std::memory_order_relaxed));
}

}  // namespace rampart::observe::webhook
