#include "observe/anomaly/anomaly_detector.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdio>

#include "limit/ban_events.hpp"
#include "limit/ban_list.hpp"
#include "observe/metrics.hpp"
#include "observe/security_events.hpp"
#include "pipeline/exchange.hpp"

namespace rampart::observe::anomaly {

namespace asio = boost::asio;

namespace {

// Rates with two decimals: the events are for people and SIEM rules.
struct DecimalText {
    explicit DecimalText(double value) noexcept {
        int written = std::snprintf(text, sizeof text, "%.2f", value);
        length = written > 0 ? static_cast<std::size_t>(written) : 0;
    }
    std::string_view view() const noexcept { return {text, length}; }
    char text[48];
    std::size_t length = 0;
};

}  // namespace

std::string_view consumer_of(const pipeline::Exchange& exchange) noexcept {
    if (!exchange.identity) {
        return {};
    }
    const auto& identity = *exchange.identity;
    if (!identity.consumer.empty()) {
        return identity.consumer;
    }
    if (!identity.client_id.empty()) {
        return identity.client_id;
    }
    return identity.subject;
}

AnomalyDetector::AnomalyDetector(const config::AnomalySettings& settings, unsigned worker_count,
                                 Metrics& metrics, SecurityEvents& events)
    : settings_(settings), metrics_(metrics), events_(events) {
    if (settings.baselines.enabled &&
        (settings.baselines.per_route || settings.baselines.per_consumer)) {
        baselines_ = std::make_unique<TrafficBaselines>(settings.baselines, worker_count);
    }
    if (settings.failure_bursts.enabled) {
        bursts_ = std::make_unique<FailureBursts>(settings.failure_bursts);
    }
    if (enabled()) {
        metrics.add_renderer([this](std::string& out) { render_metrics(out); });
    }
}

void AnomalyDetector::use_ban_list(limit::BanList& bans) {
    set_burst_action([&bans, this](const boost::asio::ip::address& client,
                                   config::Duration ban_duration) {
        limit::BanRequest request;
        request.kind = limit::BanKind::address;
        // An IPv6 host's ban covers its /64, as its failures were counted.
        bool mapped = client.is_v6() && client.to_v6().is_v4_mapped();
        request.target =
            mapped ? boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped, client.to_v6())
                         .to_string()
                   : client.to_string();
        request.reason = "client_failure_burst";
        request.created_by = "auto:client_failure_burst";
        request.ttl = std::max(std::chrono::duration_cast<std::chrono::seconds>(ban_duration),
                               std::chrono::seconds(1));
        auto added = bans.add(request, limit::BanClock::now());
        if (added) {
            limit::report_ban(events_, "ban_added", *added);
        } else {
            // A full list: the burst is in the log; the ban could not be made.
            events_.emit("ban_refused", nullptr,
                         {{"client_ip", request.target}, {"reason", added.error().message}});
        }
    });
}

void AnomalyDetector::record(const pipeline::Exchange& exchange, unsigned worker) noexcept {
    if (baselines_ != nullptr && exchange.identity) {
        baselines_->count_consumer(worker, consumer_of(exchange));
    }
    auto status = exchange.response.result_int();
    if (bursts_ == nullptr || status < 400 || status > 499 ||
        exchange.client_address.is_unspecified()) {
        return;
    }
    auto burst = bursts_->record(exchange.client_address, status, std::chrono::steady_clock::now());
    if (burst) {
        report_burst(exchange, *burst);
    }
}

void AnomalyDetector::report_burst(const pipeline::Exchange& exchange,
                                   const FailureBurst& burst) noexcept {
    failure_bursts_.fetch_add(1, std::memory_order_relaxed);
    bool ban = settings_.failure_bursts.action == config::FailureBurstAction::ban &&
               static_cast<bool>(burst_action_);
    auto failures = std::to_string(burst.failures);
    auto threshold = std::to_string(burst.threshold);
    auto window = std::to_string(settings_.failure_bursts.window.count());
    auto* events = exchange.security_events != nullptr ? exchange.security_events : &events_;
    events->emit("client_failure_burst", &exchange,
                 {{"kind", burst.kind},
                  {"failures", failures},
                  {"threshold", threshold},
                  {"window_ms", window},
                  {"action", ban ? "ban" : "log"}});
    if (ban) {
        try {
            burst_action_(exchange.client_address, settings_.failure_bursts.ban_duration);
        } catch (...) {
            // The event is out; a failed ban must not fail the request.
        }
    }
}

void AnomalyDetector::close_interval(double elapsed_seconds) {
    if (baselines_ == nullptr) {
        return;
    }
    RouteTotals totals;
    if (settings_.baselines.per_route) {
        totals = metrics_.route_request_totals();
    }
    for (const auto& anomaly : baselines_->close_interval(totals, elapsed_seconds)) {
        traffic_anomalies_.fetch_add(1, std::memory_order_relaxed);
        DecimalText rate(anomaly.verdict.rate);
        DecimalText mean(anomaly.verdict.mean);
        DecimalText deviation(anomaly.verdict.standard_deviation);
        DecimalText k(baselines_->parameters().k);
        if (anomaly.scope == "route") {
            events_.emit("traffic_anomaly", nullptr,
                         {{"scope", anomaly.scope},
                          {"name", anomaly.name},
                          {"route", anomaly.name},
                          {"rate", rate.view()},
                          {"mean", mean.view()},
                          {"stddev", deviation.view()},
                          {"k", k.view()}});
        } else {
            events_.emit("traffic_anomaly", nullptr,
                         {{"scope", anomaly.scope},
                          {"name", anomaly.name},
                          {"rate", rate.view()},
                          {"mean", mean.view()},
                          {"stddev", deviation.view()},
                          {"k", k.view()}});
        }
    }
}

void AnomalyDetector::start(asio::io_context& io, std::function<bool()> keep_running) {
    if (baselines_ == nullptr) {
        return;
    }
    asio::co_spawn(
        io,
        [this, &io, keep_running = std::move(keep_running)]() -> asio::awaitable<void> {
            asio::steady_timer timer(io);
            auto interval_start = std::chrono::steady_clock::now();
            auto next = interval_start + settings_.baselines.interval;
            while (keep_running()) {
                timer.expires_at(next);
                auto [error] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
                if (error || !keep_running()) {
                    break;
                }
                auto now = std::chrono::steady_clock::now();
                close_interval(std::chrono::duration<double>(now - interval_start).count());
                interval_start = now;
                next += settings_.baselines.interval;
                if (next < now) {
                    next = now + settings_.baselines.interval;  // a stalled thread skips ahead
                }
            }
        },
        asio::detached);
}

void AnomalyDetector::render_metrics(std::string& out) const {
    out.append(
        "# HELP rampart_anomaly_events_total Security events raised by the anomaly detector.\n"
        "# TYPE rampart_anomaly_events_total counter\n");
    out.append("rampart_anomaly_events_total{event=\"traffic_anomaly\"} ")
        .append(std::to_string(traffic_anomalies_.load(std::memory_order_relaxed)))
        .append("\n");
    out.append("rampart_anomaly_events_total{event=\"client_failure_burst\"} ")
        .append(std::to_string(failure_bursts_.load(std::memory_order_relaxed)))
        .append("\n");
    append_single_value_family(out, "rampart_anomaly_tracked_consumers", "gauge",
                               "Consumers with a traffic baseline.",
                               baselines_ ? baselines_->tracked_consumers() : 0);
    append_single_value_family(out, "rampart_anomaly_tracked_clients", "gauge",
                               "Client addresses in the failure-burst table.",
                               bursts_ ? bursts_->tracked_clients() : 0);
    out.append(
        "# HELP rampart_anomaly_untracked_total Requests the detector could not attribute "
        "because its table was full, by table.\n"
        "# TYPE rampart_anomaly_untracked_total counter\n");
    out.append("rampart_anomaly_untracked_total{table=\"consumers\"} ")
        .append(std::to_string(baselines_ ? baselines_->untracked_consumer_requests() : 0))
        .append("\n");
    out.append("rampart_anomaly_untracked_total{table=\"clients\"} ")
        .append(std::to_string(bursts_ ? bursts_->untracked_failures() : 0))
        .append("\n");
}

}  // namespace rampart::observe::anomaly
