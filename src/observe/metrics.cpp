#include "observe/metrics.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <utility>
#include <vector>

namespace rampart::observe {

namespace {

constexpr std::array<std::string_view, latency_bucket_bounds_microseconds.size()>
    latency_bucket_labels = {"0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05",
                             "0.1",    "0.25",  "0.5",    "1",     "2.5",  "5",     "10"};

std::size_t method_index(std::string_view method) noexcept {
    for (std::size_t index = 0; index + 1 < method_labels.size(); ++index) {
        if (method == method_labels[index]) {
            return index;
        }
    }
    return method_labels.size() - 1;  // "other": keeps the label set bounded
}

std::size_t status_class_index(unsigned status) noexcept {
    unsigned status_class = std::clamp(status / 100, 1u, 5u);
    return status_class - 1;
}

std::uint64_t non_negative_microseconds(std::chrono::microseconds duration) noexcept {
    return duration.count() > 0 ? static_cast<std::uint64_t>(duration.count()) : 0;
}

void append_number(std::string& out, std::uint64_t value) {
    char text[24];
    int length = std::snprintf(text, sizeof text, "%" PRIu64, value);
    out.append(text, static_cast<std::size_t>(length));
}

void append_seconds(std::string& out, std::uint64_t microseconds) {
    char text[32];
    int length = std::snprintf(text, sizeof text, "%" PRIu64 ".%06" PRIu64,
                               microseconds / 1'000'000, microseconds % 1'000'000);
    out.append(text, static_cast<std::size_t>(length));
}

void append_family_header(std::string& out, std::string_view name, std::string_view type,
                          std::string_view help) {
    out.append("# HELP ").append(name).append(" ").append(help).append("\n");
    out.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void append_label(std::string& out, std::string_view name, std::string_view value) {
    out.append(name).append("=\"").append(escape_label_value(value)).append("\"");
}

struct HistogramTotals {
    std::array<std::uint64_t, latency_bucket_count> buckets{};
    std::uint64_t sum_microseconds = 0;

    void add(const LatencyHistogram& shard) {
        for (std::size_t index = 0; index < latency_bucket_count; ++index) {
            buckets[index] += shard.buckets[index].value();
        }
        sum_microseconds += shard.sum_microseconds.value();
    }
};

// The _count is the +Inf bucket, so a scrape racing a writer still renders a
// consistent histogram.
void append_histogram(std::string& out, std::string_view name, std::string_view label_name,
                      std::string_view label_value, const HistogramTotals& totals) {
    std::uint64_t cumulative = 0;
    for (std::size_t index = 0; index < latency_bucket_count; ++index) {
        cumulative += totals.buckets[index];
        out.append(name).append("_bucket{");
        append_label(out, label_name, label_value);
        out.append(",le=\"")
            .append(index < latency_bucket_labels.size() ? latency_bucket_labels[index] : "+Inf")
            .append("\"} ");
        append_number(out, cumulative);
        out.append("\n");
    }
    out.append(name).append("_sum{");
    append_label(out, label_name, label_value);
    out.append("} ");
    append_seconds(out, totals.sum_microseconds);
    out.append("\n");
    out.append(name).append("_count{");
    append_label(out, label_name, label_value);
    out.append("} ");
    append_number(out, cumulative);
    out.append("\n");
}

}  // namespace

void LatencyHistogram::record(std::chrono::microseconds duration) noexcept {
    std::uint64_t microseconds = non_negative_microseconds(duration);
    auto bound = std::lower_bound(latency_bucket_bounds_microseconds.begin(),
                                  latency_bucket_bounds_microseconds.end(), microseconds);
    buckets[static_cast<std::size_t>(bound - latency_bucket_bounds_microseconds.begin())].add();
    sum_microseconds.add(microseconds);
}

RouteMetrics::RouteMetrics(std::string name, unsigned shard_count)
    : name_(std::move(name)),
      shard_count_(shard_count),
      shards_(std::make_unique<Shard[]>(shard_count)) {}

UpstreamMetrics::UpstreamMetrics(std::string name, unsigned shard_count)
    : name_(std::move(name)),
      shard_count_(shard_count),
      shards_(std::make_unique<Shard[]>(shard_count)) {}

Metrics::Metrics(unsigned worker_count)
    : worker_count_(std::max(worker_count, 1u)),
      worker_shards_(std::make_unique<WorkerShard[]>(worker_count_)),
      unrouted_(std::make_unique<RouteMetrics>(std::string(unrouted_label), worker_count_)) {}

RouteMetrics* Metrics::route(std::string_view name) {
    if (name == unrouted_label) {
        return unrouted_.get();  // one series per label set, even for an odd route name
    }
    std::lock_guard lock(registry_mutex_);
    auto found = routes_.find(name);
    if (found == routes_.end()) {
        found = routes_
                    .emplace(std::string(name),
                             std::make_unique<RouteMetrics>(std::string(name), worker_count_))
                    .first;
    }
    return found->second.get();
}

UpstreamMetrics* Metrics::upstream(std::string_view name) {
    std::lock_guard lock(registry_mutex_);
    auto found = upstreams_.find(name);
    if (found == upstreams_.end()) {
        found = upstreams_
                    .emplace(std::string(name),
                             std::make_unique<UpstreamMetrics>(std::string(name), worker_count_))
                    .first;
    }
    return found->second.get();
}

void Metrics::record_request(unsigned worker, RouteMetrics& route, std::string_view method,
                             unsigned status, std::chrono::microseconds duration) noexcept {
    auto& shard = route.shards_[shard_index(worker)];
    shard.requests[method_index(method)][status_class_index(status)].add();
    shard.latency.record(duration);
}

void Metrics::record_upstream(unsigned worker, UpstreamMetrics& upstream, bool failed,
                              std::chrono::microseconds duration) noexcept {
    auto& shard = upstream.shards_[shard_index(worker)];
    (failed ? shard.failed : shard.succeeded).add();
    shard.latency.record(duration);
}

void Metrics::connection_opened(unsigned worker) noexcept {
    worker_shards_[shard_index(worker)].connections_opened.add();
}

void Metrics::connection_closed(unsigned worker) noexcept {
    worker_shards_[shard_index(worker)].connections_closed.add();
}

void Metrics::connection_rate_limited(unsigned worker) noexcept {
    worker_shards_[shard_index(worker)].connections_rate_limited.add();
}

void Metrics::connection_banned(unsigned worker) noexcept {
    worker_shards_[shard_index(worker)].connections_banned.add();
}

void Metrics::tls_handshake(unsigned worker, bool succeeded) noexcept {
    auto& shard = worker_shards_[shard_index(worker)];
    (succeeded ? shard.handshakes_succeeded : shard.handshakes_failed).add();
}

void Metrics::record_reload(bool succeeded) noexcept {
    (succeeded ? reloads_succeeded_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed);
}

void Metrics::set_dropped_log_lines_source(std::function<std::uint64_t()> source) {
    std::lock_guard lock(registry_mutex_);
    dropped_log_lines_source_ = std::move(source);
}

void Metrics::set_active_bans_source(std::function<std::uint64_t()> source) {
    std::lock_guard lock(registry_mutex_);
    active_bans_source_ = std::move(source);
}

void Metrics::set_extra_source(std::function<void(std::string&)> source) {
    std::lock_guard lock(registry_mutex_);
    extra_source_ = std::move(source);
}

void Metrics::add_renderer(std::function<void(std::string&)> renderer) {
    std::lock_guard lock(registry_mutex_);
    renderers_.push_back(std::move(renderer));
}

std::vector<std::pair<std::string, std::uint64_t>> Metrics::route_request_totals() const {
    std::vector<std::pair<std::string, std::uint64_t>> totals;
    std::lock_guard lock(registry_mutex_);
    totals.reserve(routes_.size());
    for (const auto& [name, route] : routes_) {
        std::uint64_t total = 0;
        for (unsigned shard = 0; shard < route->shard_count_; ++shard) {
            for (const auto& by_method : route->shards_[shard].requests) {
                for (const auto& counter : by_method) {
                    total += counter.value();
                }
            }
        }
        totals.emplace_back(name, total);
    }
    return totals;
}

std::string Metrics::render_prometheus() const {
    std::string out;
    out.reserve(16 * 1024);
    std::lock_guard lock(registry_mutex_);
    render_requests(out);
    render_upstreams(out);
    render_process_wide(out);
    if (extra_source_) {
        extra_source_(out);
    }
    for (const auto& renderer : renderers_) {
        renderer(out);
    }
    return out;
}

void append_single_value_family(std::string& out, std::string_view name, std::string_view type,
                                std::string_view help, std::uint64_t value) {
    append_family_header(out, name, type, help);
    out.append(name).append(" ");
    append_number(out, value);
    out.append("\n");
}

void Metrics::render_requests(std::string& out) const {
    std::vector<const RouteMetrics*> routes;
    for (const auto& [name, route] : routes_) {
        routes.push_back(route.get());
    }
    routes.push_back(unrouted_.get());

    append_family_header(out, "rampart_requests_total", "counter",
                         "Requests answered, by route, method and status class.");
    for (const RouteMetrics* route : routes) {
        for (std::size_t method = 0; method < method_labels.size(); ++method) {
            for (std::size_t status = 0; status < status_class_labels.size(); ++status) {
                std::uint64_t total = 0;
                for (unsigned shard = 0; shard < route->shard_count_; ++shard) {
                    total += route->shards_[shard].requests[method][status].value();
                }
                if (total == 0) {
                    continue;  // series appear on first use
                }
                out.append("rampart_requests_total{");
                append_label(out, "route", route->name());
                out.append(",");
                append_label(out, "method", method_labels[method]);
                out.append(",");
                append_label(out, "status_class", status_class_labels[status]);
                out.append("} ");
                append_number(out, total);
                out.append("\n");
            }
        }
    }
    append_family_header(out, "rampart_request_duration_seconds", "histogram",
                         "Time from the request's first byte to the response's last, by route.");
    for (const RouteMetrics* route : routes) {
        HistogramTotals totals;
        for (unsigned shard = 0; shard < route->shard_count_; ++shard) {
            totals.add(route->shards_[shard].latency);
        }
        append_histogram(out, "rampart_request_duration_seconds", "route", route->name(), totals);
    }
    append_family_header(out, "rampart_rate_limited_requests_total", "counter",
                         "Requests refused with 429 by a rate limit, by route.");
    for (const RouteMetrics* route : routes) {
        std::uint64_t total = 0;
        for (unsigned shard = 0; shard < route->shard_count_; ++shard) {
            total += route->shards_[shard].rate_limited.value();
        }
        if (total == 0) {
            continue;
        }
        out.append("rampart_rate_limited_requests_total{");
        append_label(out, "route", route->name());
        out.append("} ");
        append_number(out, total);
        out.append("\n");
    }
    render_response_validation(out, routes);
}

void Metrics::render_response_validation(std::string& out,
                                         const std::vector<const RouteMetrics*>& routes) const {
    append_family_header(out, "rampart_response_validation_total", "counter",
                         "Upstream responses checked against the route's response schemas, by "
                         "route and outcome (valid, violation, invalid JSON, skipped).");
    for (const RouteMetrics* route : routes) {
        for (std::size_t outcome = 0; outcome < response_validation_outcome_labels.size();
             ++outcome) {
            std::uint64_t total = 0;
            for (unsigned shard = 0; shard < route->shard_count_; ++shard) {
                total += route->shards_[shard].response_validation[outcome].value();
            }
            if (total == 0) {
                continue;  // series appear on first use: routes without it stay silent
            }
            out.append("rampart_response_validation_total{");
            append_label(out, "route", route->name());
            out.append(",");
            append_label(out, "outcome", response_validation_outcome_labels[outcome]);
            out.append("} ");
            append_number(out, total);
            out.append("\n");
        }
    }
}

void Metrics::render_upstreams(std::string& out) const {
    append_family_header(out, "rampart_upstream_requests_total", "counter",
                         "Requests sent to an upstream, by outcome (failure: connect, TLS, "
                         "timeout or protocol error).");
    for (const auto& [name, upstream] : upstreams_) {
        std::uint64_t succeeded = 0;
        std::uint64_t failed = 0;
        for (unsigned shard = 0; shard < upstream->shard_count_; ++shard) {
            succeeded += upstream->shards_[shard].succeeded.value();
            failed += upstream->shards_[shard].failed.value();
        }
        for (auto [outcome, total] :
             {std::pair<std::string_view, std::uint64_t>{"success", succeeded},
              {"failure", failed}}) {
            out.append("rampart_upstream_requests_total{");
            append_label(out, "upstream", name);
            out.append(",");
            append_label(out, "outcome", outcome);
            out.append("} ");
            append_number(out, total);
            out.append("\n");
        }
    }
    append_family_header(out, "rampart_upstream_duration_seconds", "histogram",
                         "Time an upstream took to answer, by upstream.");
    for (const auto& [name, upstream] : upstreams_) {
        HistogramTotals totals;
        for (unsigned shard = 0; shard < upstream->shard_count_; ++shard) {
            totals.add(upstream->shards_[shard].latency);
        }
        append_histogram(out, "rampart_upstream_duration_seconds", "upstream", name, totals);
    }
}

void Metrics::render_process_wide(std::string& out) const {
    std::uint64_t opened = 0;
    std::uint64_t closed = 0;
    std::uint64_t handshakes_succeeded = 0;
    std::uint64_t handshakes_failed = 0;
    std::uint64_t rate_limited_connections = 0;
    std::uint64_t banned_connections = 0;
    for (unsigned shard = 0; shard < worker_count_; ++shard) {
        rate_limited_connections += worker_shards_[shard].connections_rate_limited.value();
        banned_connections += worker_shards_[shard].connections_banned.value();
        opened += worker_shards_[shard].connections_opened.value();
        closed += worker_shards_[shard].connections_closed.value();
        handshakes_succeeded += worker_shards_[shard].handshakes_succeeded.value();
        handshakes_failed += worker_shards_[shard].handshakes_failed.value();
    }
    append_family_header(out, "rampart_open_connections", "gauge",
                         "Client connections currently open.");
    out.append("rampart_open_connections ");
    // Shards are read one after another, so a close can be seen before its open.
    append_number(out, opened > closed ? opened - closed : 0);
    out.append("\n");

    append_family_header(out, "rampart_connections_rate_limited_total", "counter",
                         "Connections closed at accept: too many new connections from one "
                         "address per second.");
    out.append("rampart_connections_rate_limited_total ");
    append_number(out, rate_limited_connections);
    out.append("\n");

    append_family_header(out, "rampart_tls_handshakes_total", "counter",
                         "TLS handshakes with clients, by outcome.");
    out.append("rampart_tls_handshakes_total{outcome=\"success\"} ");
    append_number(out, handshakes_succeeded);
    out.append("\nrampart_tls_handshakes_total{outcome=\"failure\"} ");
    append_number(out, handshakes_failed);
    out.append("\n");

    append_family_header(out, "rampart_config_reloads_total", "counter",
                         "Configuration reloads, by outcome.");
    out.append("rampart_config_reloads_total{outcome=\"success\"} ");
    append_number(out, reloads_succeeded_.load(std::memory_order_relaxed));
    out.append("\nrampart_config_reloads_total{outcome=\"failure\"} ");
    append_number(out, reloads_failed_.load(std::memory_order_relaxed));
    out.append("\n");

    append_family_header(out, "rampart_log_lines_dropped_total", "counter",
                         "Log lines dropped because a log queue was full or a write failed.");
    out.append("rampart_log_lines_dropped_total ");
    append_number(out, dropped_log_lines_source_ ? dropped_log_lines_source_() : 0);
    out.append("\n");

    append_family_header(out, "rampart_connections_banned_total", "counter",
                         "Connections closed at accept: the client address is banned.");
    out.append("rampart_connections_banned_total ");
    append_number(out, banned_connections);
    out.append("\n");

    append_family_header(out, "rampart_bans_active", "gauge",
                         "Bans in force (addresses, consumers, subjects, tokens).");
    out.append("rampart_bans_active ");
    append_number(out, active_bans_source_ ? active_bans_source_() : 0);
    out.append("\n");
}

std::string escape_label_value(std::string_view value) {
    std::string escaped;
    escaped.reserve(value.size());
    for (char character : value) {
        switch (character) {
            case '\\':
                escaped += "\\\\";
                break;
            case '"':
                escaped += "\\\"";
                break;
            case '\n':
                escaped += "\\n";
                break;
            default:
                escaped += character;
        }
    }
    return escaped;
}

}  // namespace rampart::observe
