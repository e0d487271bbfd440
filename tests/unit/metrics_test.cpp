#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "observe/metrics.hpp"

namespace {

using namespace std::chrono_literals;
using rampart::observe::Metrics;

struct Exposition {
    std::map<std::string, std::string> samples;  // "name{labels}" -> value text
    std::vector<std::string> sample_order;
    std::multiset<std::string> type_lines;
    std::set<std::string> help_names;

    double value(const std::string& series) const {
        auto found = samples.find(series);
        return found == samples.end() ? -1 : std::stod(found->second);
    }
};

// Parses the text format: "# HELP", "# TYPE" and "series value" lines. The
// series part ends at the last space, as label values may contain spaces.
Exposition parse(const std::string& text) {
    Exposition exposition;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind("# TYPE ", 0) == 0) {
            exposition.type_lines.insert(line.substr(7, line.find(' ', 7) - 7));
            continue;
        }
        if (line.rfind("# HELP ", 0) == 0) {
            exposition.help_names.insert(line.substr(7, line.find(' ', 7) - 7));
            continue;
        }
        auto space = line.rfind(' ');
        EXPECT_NE(space, std::string::npos) << line;
        auto series = line.substr(0, space);
        EXPECT_EQ(exposition.samples.count(series), 0u) << "duplicate series " << series;
        exposition.samples[series] = line.substr(space + 1);
        exposition.sample_order.push_back(series);
    }
    return exposition;
}

TEST(Metrics, SumsShardsIntoCountersAndHistograms) {
    Metrics metrics(3);
    auto* orders = metrics.route("orders");
    EXPECT_EQ(metrics.route("orders"), orders);  // stable: what a reload gets back
    metrics.record_request(0, *orders, "GET", 200, 300us);
    metrics.record_request(1, *orders, "GET", 204, 2ms);
    metrics.record_request(2, *orders, "BREW", 503, 20s);
    metrics.record_request(2, *metrics.unrouted(), "GET", 404, 1ms);

    auto exposition = parse(metrics.render_prometheus());
    EXPECT_EQ(exposition.value(
                  R"(rampart_requests_total{route="orders",method="GET",status_class="2xx"})"),
              2);
    EXPECT_EQ(exposition.value(
                  R"(rampart_requests_total{route="orders",method="other",status_class="5xx"})"),
              1);
    EXPECT_EQ(
        exposition.value(
            R"x(rampart_requests_total{route="(unrouted)",method="GET",status_class="4xx"})x"),
        1);
    EXPECT_EQ(exposition.samples.count(
                  R"(rampart_requests_total{route="orders",method="POST",status_class="2xx"})"),
              0u);

    const std::string bucket = R"(rampart_request_duration_seconds_bucket{route="orders",le=")";
    EXPECT_EQ(exposition.value(bucket + "0.0005\"}"), 1);
    EXPECT_EQ(exposition.value(bucket + "0.001\"}"), 1);
    EXPECT_EQ(exposition.value(bucket + "0.0025\"}"), 2);
    EXPECT_EQ(exposition.value(bucket + "10\"}"), 2);
    EXPECT_EQ(exposition.value(bucket + "+Inf\"}"), 3);
    EXPECT_EQ(exposition.value(R"(rampart_request_duration_seconds_count{route="orders"})"), 3);
    EXPECT_DOUBLE_EQ(exposition.value(R"(rampart_request_duration_seconds_sum{route="orders"})"),
                     20.0023);
}

TEST(Metrics, HistogramBucketsAreCumulativeAndEndInCount) {
    Metrics metrics(2);
    auto* route = metrics.route("r");
    auto* upstream = metrics.upstream("u");
    for (int index = 0; index < 200; ++index) {
        auto duration = std::chrono::microseconds(index * index * 300);
        metrics.record_request(index % 2, *route, "POST", 201, duration);
        metrics.record_upstream(index % 2, *upstream, index % 5 == 0, duration);
    }
    auto exposition = parse(metrics.render_prometheus());
    for (const std::string& family :
         {std::string("rampart_request_duration_seconds{route=\"r\""),
          std::string("rampart_upstream_duration_seconds{upstream=\"u\"")}) {
        auto bucket_prefix = family;
        bucket_prefix.insert(family.find('{'), "_bucket");
        double previous = 0;
        int bucket_count = 0;
        for (const auto& series : exposition.sample_order) {
            if (series.rfind(bucket_prefix, 0) != 0) {
                continue;
            }
            double value = exposition.value(series);
            EXPECT_GE(value, previous) << series;
            previous = value;
            ++bucket_count;
        }
        EXPECT_EQ(bucket_count, 15) << family;
        EXPECT_EQ(previous, 200) << family;
    }
    EXPECT_EQ(
        exposition.value(R"(rampart_upstream_requests_total{upstream="u",outcome="failure"})"), 40);
    EXPECT_EQ(
        exposition.value(R"(rampart_upstream_requests_total{upstream="u",outcome="success"})"),
        160);
}

TEST(Metrics, ConnectionsHandshakesReloadsAndDroppedLines) {
    Metrics metrics(2);
    metrics.connection_opened(0);
    metrics.connection_opened(0);
    metrics.connection_opened(1);
    metrics.connection_closed(0);
    metrics.tls_handshake(0, true);
    metrics.tls_handshake(1, true);
    metrics.tls_handshake(1, false);
    metrics.record_reload(true);
    metrics.record_reload(false);
    metrics.record_reload(false);
    metrics.set_dropped_log_lines_source([] { return std::uint64_t{7}; });

    auto exposition = parse(metrics.render_prometheus());
    EXPECT_EQ(exposition.value("rampart_open_connections"), 2);
    EXPECT_EQ(exposition.value(R"(rampart_tls_handshakes_total{outcome="success"})"), 2);
    EXPECT_EQ(exposition.value(R"(rampart_tls_handshakes_total{outcome="failure"})"), 1);
    EXPECT_EQ(exposition.value(R"(rampart_config_reloads_total{outcome="success"})"), 1);
    EXPECT_EQ(exposition.value(R"(rampart_config_reloads_total{outcome="failure"})"), 2);
    EXPECT_EQ(exposition.value("rampart_log_lines_dropped_total"), 7);

    for (const char* family :
         {"rampart_requests_total", "rampart_request_duration_seconds",
          "rampart_upstream_requests_total", "rampart_upstream_duration_seconds",
          "rampart_open_connections", "rampart_tls_handshakes_total",
          "rampart_config_reloads_total", "rampart_log_lines_dropped_total"}) {
        EXPECT_EQ(exposition.type_lines.count(family), 1u) << family;
        EXPECT_EQ(exposition.help_names.count(family), 1u) << family;
    }
}

TEST(Metrics, EscapesLabelValues) {
    EXPECT_EQ(rampart::observe::escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    Metrics metrics(1);
    metrics.record_request(0, *metrics.route("odd \"route\"\\\nname"), "GET", 200, 1ms);
    auto text = metrics.render_prometheus();
    EXPECT_NE(
        text.find(
            R"(rampart_requests_total{route="odd \"route\"\\\nname",method="GET",status_class="2xx"} 1)"),
        std::string::npos)
        << text;
    auto exposition = parse(text);  // and no line was broken by the newline
    EXPECT_EQ(exposition.value(
                  R"(rampart_request_duration_seconds_count{route="odd \"route\"\\\nname"})"),
              1);
}

TEST(Metrics, WorkersRecordConcurrentlyWithoutLosingCounts) {
    constexpr unsigned worker_count = 4;
    constexpr int requests_per_worker = 50'000;
    Metrics metrics(worker_count);
    auto* route = metrics.route("busy");
    std::vector<std::thread> workers;
    for (unsigned worker = 0; worker < worker_count; ++worker) {
        workers.emplace_back([&, worker] {
            for (int index = 0; index < requests_per_worker; ++index) {
                metrics.record_request(worker, *route, "GET", 200, 700us);
            }
        });
    }
    for (int scrape = 0; scrape < 20; ++scrape) {
        parse(metrics.render_prometheus());  // concurrent scrapes are safe
    }
    for (auto& worker : workers) {
        worker.join();
    }
    auto exposition = parse(metrics.render_prometheus());
    EXPECT_EQ(
        exposition.value(R"(rampart_requests_total{route="busy",method="GET",status_class="2xx"})"),
        worker_count * requests_per_worker);
    EXPECT_EQ(
        exposition.value(R"(rampart_request_duration_seconds_bucket{route="busy",le="0.001"})"),
        worker_count * requests_per_worker);
    EXPECT_EQ(
        exposition.value(R"(rampart_request_duration_seconds_bucket{route="busy",le="0.0005"})"),
        0);
}

}  // namespace

TEST(Metrics, ResponseValidationOutcomesPerRouteAppearOnFirstUse) {
    Metrics metrics(2);
    auto* orders = metrics.route("orders");
    metrics.route("quiet");
    orders->record_response_validation(0, "violation");
    orders->record_response_validation(1, "violation");
    orders->record_response_validation(1, "valid");
    orders->record_response_validation(0, "no such outcome");
    auto text = metrics.render_prometheus();
    auto exposition = parse(text);
    EXPECT_EQ(exposition.type_lines.count("rampart_response_validation_total"), 1u) << text;
    EXPECT_EQ(exposition.value(
                  R"(rampart_response_validation_total{route="orders",outcome="violation"})"),
              2);
    EXPECT_EQ(
        exposition.value(R"(rampart_response_validation_total{route="orders",outcome="valid"})"),
        1);
    EXPECT_EQ(text.find(R"(outcome="skipped")"), std::string::npos) << text;
    EXPECT_EQ(text.find(R"(rampart_response_validation_total{route="quiet")"), std::string::npos)
        << text;
}
