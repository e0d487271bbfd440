// The anomaly detector's parts with a synthetic clock: the EWMA baseline (steady
// traffic, a spike, hysteresis, warm-up, the floor), the per-consumer table, the
// failure-burst windows, and the `anomaly` configuration section.
#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "config/anomaly_settings.hpp"
#include "config_error.hpp"
#include "limit/ban_list.hpp"
#include "observe/anomaly/anomaly_detector.hpp"
#include "observe/anomaly/failure_bursts.hpp"
#include "observe/anomaly/rate_baseline.hpp"
#include "observe/anomaly/traffic_baselines.hpp"
#include "observe/metrics.hpp"
#include "observe/security_events.hpp"
#include "pipeline/exchange.hpp"

namespace {

using namespace std::chrono_literals;
using rampart::observe::anomaly::BaselineParameters;
using rampart::observe::anomaly::FailureBursts;
using rampart::observe::anomaly::RateBaseline;
using rampart::observe::anomaly::TrafficBaselines;
namespace config = rampart::config;

BaselineParameters parameters() {
    BaselineParameters parameters;
    parameters.alpha = 0.2;
    parameters.k = 4;
    parameters.minimum_rate = 5;
    parameters.warmup_intervals = 10;
    parameters.interval_seconds = 10;
    return parameters;
}

// 100 requests per second give or take 5: a deterministic wobble.
double steady_rate(int interval) {
    static constexpr double wobble[] = {0, 3, -2, 5, -4, 1, -5, 2, -1, 4};
    return 100 + wobble[interval % 10];
}

int spikes_in(RateBaseline& baseline, const std::vector<double>& rates) {
    int spikes = 0;
    for (double rate : rates) {
        spikes += baseline.observe(rate, parameters()).spike_started ? 1 : 0;
    }
    return spikes;
}

RateBaseline warmed_up_baseline() {
    RateBaseline baseline;
    for (int interval = 0; interval < 50; ++interval) {
        EXPECT_FALSE(baseline.observe(steady_rate(interval), parameters()).spike_started);
    }
    return baseline;
}

TEST(RateBaseline, SteadyTrafficRaisesNothingAndLearnsItsMeanAndSpread) {
    RateBaseline baseline;
    std::vector<double> rates;
    for (int interval = 0; interval < 500; ++interval) {
        rates.push_back(steady_rate(interval));
    }
    EXPECT_EQ(spikes_in(baseline, rates), 0);
    EXPECT_NEAR(baseline.mean(), 100, 3);
    EXPECT_GT(baseline.variance(), 1);   // the wobble is learnt...
    EXPECT_LT(baseline.variance(), 30);  // ...and is small
}

TEST(RateBaseline, ASpikeRaisesOneEventWithTheBaselineItBroke) {
    auto baseline = warmed_up_baseline();
    auto verdict = baseline.observe(400, parameters());
    EXPECT_TRUE(verdict.spike_started);
    EXPECT_DOUBLE_EQ(verdict.rate, 400);
    EXPECT_NEAR(verdict.mean, 100, 3);
    EXPECT_GT(verdict.standard_deviation, 0);
    EXPECT_GT(verdict.rate, verdict.mean + 4 * verdict.standard_deviation);
    EXPECT_TRUE(baseline.in_episode());
}

TEST(RateBaseline, ClimbingTrafficIsOneEpisodeAndTheNextSpikeAnother) {
    auto baseline = warmed_up_baseline();
    EXPECT_TRUE(baseline.observe(130, parameters()).spike_started);
    // The next interval is above the alerting band of the baseline as it then is, but the
    // episode goes on: no second event.
    auto second = baseline.observe(170, parameters());
    EXPECT_GT(second.rate, second.mean + 4 * second.standard_deviation);
    EXPECT_FALSE(second.spike_started);
    EXPECT_TRUE(baseline.in_episode());
    // Back to normal for a while: the episode ends and the baseline settles again.
    std::vector<double> calm;
    for (int interval = 0; interval < 40; ++interval) {
        calm.push_back(steady_rate(interval));
    }
    EXPECT_EQ(spikes_in(baseline, calm), 0);
    EXPECT_FALSE(baseline.in_episode());
    EXPECT_EQ(spikes_in(baseline, {600}), 1);
}

TEST(RateBaseline, ASpikeOverSeveralIntervalsIsReportedOnce) {
    auto baseline = warmed_up_baseline();
    EXPECT_EQ(spikes_in(baseline, {500, 520, 510, 505}), 1);
}

TEST(RateBaseline, NothingIsASpikeDuringTheWarmUp) {
    RateBaseline baseline;
    std::vector<double> rates = {100, 102, 98, 101, 99, 100, 103, 97, 100};  // 9 < warm-up 10
    EXPECT_EQ(spikes_in(baseline, rates), 0);
    EXPECT_EQ(spikes_in(baseline, {1000}), 0) << "the 10th interval is still warm-up";
    EXPECT_EQ(baseline.intervals_observed(), 10u);
}

TEST(RateBaseline, AnIdleRouteDoesNotAlertOnAFewRequests) {
    RateBaseline baseline;
    for (int interval = 0; interval < 30; ++interval) {
        baseline.observe(0, parameters());
    }
    // 3 requests in 10 s: infinitely many deviations above a zero baseline, but under the floor.
    EXPECT_FALSE(baseline.observe(0.3, parameters()).spike_started);
    EXPECT_TRUE(baseline.observe(50, parameters()).spike_started) << "above the floor it counts";
}

TEST(RateBaseline, PerfectlyRegularTrafficKeepsThePoissonNoiseAsItsDeviation) {
    RateBaseline baseline;
    for (int interval = 0; interval < 50; ++interval) {
        baseline.observe(100, parameters());  // variance 0
    }
    // sqrt(100 / 10) = 3.16 requests/s of noise; 4 of them is 12.6: 105 is no spike, 120 is.
    EXPECT_FALSE(baseline.observe(105, parameters()).spike_started);
    auto verdict = baseline.observe(130, parameters());
    EXPECT_TRUE(verdict.spike_started);
    EXPECT_GE(verdict.standard_deviation, 3.1);
}

config::TrafficBaselineSettings consumer_settings(std::uint32_t max_consumers = 100) {
    config::TrafficBaselineSettings settings;
    settings.enabled = true;
    settings.interval = 1s;
    settings.alpha = 0.2;
    settings.k = 4;
    settings.minimum_rate = 5;
    settings.warmup = 5s;  // 5 intervals
    settings.per_route = false;
    settings.max_consumers = max_consumers;
    return settings;
}

TEST(TrafficBaselines, AConsumerSpikeCountedOnSeveralWorkersIsReportedOnce) {
    TrafficBaselines baselines(consumer_settings(), 2);
    auto send = [&](const std::string& consumer, int requests) {
        for (int i = 0; i < requests; ++i) {
            baselines.count_consumer(static_cast<unsigned>(i % 2), consumer);
        }
    };
    for (int interval = 0; interval < 20; ++interval) {
        send("billing", 20 + interval % 3);
        send("reports", 10);
        EXPECT_TRUE(baselines.close_interval({}, 1.0).empty()) << "interval " << interval;
    }
    send("billing", 200);
    send("reports", 10);
    auto anomalies = baselines.close_interval({}, 1.0);
    ASSERT_EQ(anomalies.size(), 1u);
    EXPECT_EQ(anomalies[0].scope, "consumer");
    EXPECT_EQ(anomalies[0].name, "billing");
    EXPECT_DOUBLE_EQ(anomalies[0].verdict.rate, 200);
    EXPECT_EQ(baselines.tracked_consumers(), 2u);
}

TEST(TrafficBaselines, RouteRatesComeFromTheCumulativeTotals) {
    auto settings = consumer_settings();
    settings.per_route = true;
    settings.per_consumer = false;
    TrafficBaselines baselines(settings, 1);
    std::uint64_t total = 1000;  // requests before the detector first looked: not an interval
    for (int interval = 0; interval < 20; ++interval) {
        EXPECT_TRUE(baselines.close_interval({{"orders", total}}, 0.5).empty());
        total += 10 + interval % 2;  // about 20 per second over half-second intervals
    }
    total += 200;
    auto anomalies = baselines.close_interval({{"orders", total}}, 0.5);
    ASSERT_EQ(anomalies.size(), 1u);
    EXPECT_EQ(anomalies[0].scope, "route");
    EXPECT_EQ(anomalies[0].name, "orders");
    EXPECT_NEAR(anomalies[0].verdict.rate, 2 * 211, 1);
}

TEST(TrafficBaselines, TheConsumerTableIsBoundedAndIdleConsumersLeave) {
    TrafficBaselines baselines(consumer_settings(3), 1);
    for (std::string name : {"a", "b", "c"}) {
        baselines.count_consumer(0, name);
    }
    baselines.close_interval({}, 1.0);
    EXPECT_EQ(baselines.tracked_consumers(), 3u);
    baselines.count_consumer(0, "a");
    baselines.count_consumer(0, "b");
    baselines.count_consumer(0, "c");
    baselines.count_consumer(0, "d");  // the table is full of active consumers
    baselines.close_interval({}, 1.0);
    EXPECT_EQ(baselines.tracked_consumers(), 3u);
    EXPECT_EQ(baselines.untracked_consumer_requests(), 1u);
    // "c" goes quiet; "d" returns and takes the slot of the idlest.
    baselines.count_consumer(0, "a");
    baselines.count_consumer(0, "b");
    baselines.close_interval({}, 1.0);
    baselines.count_consumer(0, "a");
    baselines.count_consumer(0, "b");
    baselines.count_consumer(0, "d");
    baselines.close_interval({}, 1.0);
    EXPECT_EQ(baselines.tracked_consumers(), 3u);
    EXPECT_EQ(baselines.untracked_consumer_requests(), 1u) << "d found room";
    // Silent for longer than the warm-up (at least 10 intervals): everyone leaves.
    for (int interval = 0; interval < 10; ++interval) {
        baselines.close_interval({}, 1.0);
    }
    EXPECT_EQ(baselines.tracked_consumers(), 0u);
}

config::FailureBurstSettings burst_settings() {
    config::FailureBurstSettings settings;
    settings.enabled = true;
    settings.window = 10s;
    settings.threshold_401 = 5;
    settings.threshold_4xx = 8;
    settings.max_clients = 1000;
    return settings;
}

const auto attacker = boost::asio::ip::make_address("192.0.2.7");
const auto bystander = boost::asio::ip::make_address("192.0.2.8");
// The start of a window: 10 s windows, counted from the clock's epoch.
const FailureBursts::Clock::time_point window_start{std::chrono::seconds(1000)};

TEST(FailureBursts, The401ThresholdRaisesOneBurstPerAddress) {
    FailureBursts bursts(burst_settings());
    auto now = window_start;
    for (int failure = 1; failure <= 4; ++failure) {
        EXPECT_FALSE(bursts.record(attacker, 401, now));
        EXPECT_FALSE(bursts.record(bystander, 401, now));
    }
    auto burst = bursts.record(attacker, 401, now + 1s);
    ASSERT_TRUE(burst);
    EXPECT_EQ(burst->kind, "401");
    EXPECT_EQ(burst->failures, 5u);
    EXPECT_EQ(burst->threshold, 5u);
    // It goes on: still the same burst (the 4xx threshold of 8 is crossed by the same
    // failures, and reported as such once).
    int more_bursts = 0;
    for (int failure = 0; failure < 20; ++failure) {
        auto next = bursts.record(attacker, 401, now + 2s);
        more_bursts += next ? 1 : 0;
        if (next) {
            EXPECT_EQ(next->kind, "4xx");
        }
    }
    EXPECT_EQ(more_bursts, 1);
    EXPECT_EQ(bursts.tracked_clients(), 2u);
}

TEST(FailureBursts, OtherClientErrorsCountTowardsThe4xxThresholdOnly) {
    FailureBursts bursts(burst_settings());
    for (int failure = 1; failure < 8; ++failure) {
        EXPECT_FALSE(bursts.record(attacker, 404, window_start));
    }
    auto burst = bursts.record(attacker, 403, window_start);
    ASSERT_TRUE(burst);
    EXPECT_EQ(burst->kind, "4xx");
    EXPECT_FALSE(bursts.record(attacker, 200, window_start)) << "successes are not failures";
}

TEST(FailureBursts, FailuresSpreadOverTimeAreNoBurstAndABurstEnds) {
    FailureBursts bursts(burst_settings());
    // Four 401s per window for a minute: always under five in any 10 s.
    for (int second = 0; second < 60; second += 3) {
        EXPECT_FALSE(bursts.record(attacker, 401, window_start + std::chrono::seconds(second)));
    }
    // A burst, a long pause, and a new burst is reported again.
    auto later = window_start + 100s;
    int reported = 0;
    for (int failure = 0; failure < 5; ++failure) {
        reported += bursts.record(bystander, 401, later) ? 1 : 0;
    }
    EXPECT_EQ(reported, 1);
    auto much_later = later + 60s;
    reported = 0;
    for (int failure = 0; failure < 5; ++failure) {
        reported += bursts.record(bystander, 401, much_later) ? 1 : 0;
    }
    EXPECT_EQ(reported, 1);
}

TEST(FailureBursts, TheSlidingWindowCarriesThePreviousWindowOver) {
    FailureBursts bursts(burst_settings());
    // Four at the end of one window, one at the start of the next: five within 10 s.
    for (int failure = 0; failure < 4; ++failure) {
        EXPECT_FALSE(bursts.record(attacker, 401, window_start + 9s));
    }
    EXPECT_TRUE(bursts.record(attacker, 401, window_start + 10s));
}

TEST(FailureBursts, AnIpv6ClientCountsPerSlash64) {
    FailureBursts bursts(burst_settings());
    for (int host = 1; host < 5; ++host) {
        auto address = boost::asio::ip::make_address("2001:db8:1:2::" + std::to_string(host));
        EXPECT_FALSE(bursts.record(address, 401, window_start));
    }
    EXPECT_TRUE(
        bursts.record(boost::asio::ip::make_address("2001:db8:1:2:ffff::9"), 401, window_start));
    EXPECT_FALSE(bursts.record(boost::asio::ip::make_address("2001:db8:1:3::1"), 401, window_start))
        << "another /64";
}

TEST(FailureBursts, TheTableIsBounded) {
    auto settings = burst_settings();
    settings.max_clients = 16;  // one entry per stripe
    FailureBursts bursts(settings);
    for (int host = 0; host < 200; ++host) {
        auto address = boost::asio::ip::make_address_v4(0xC6336400u + static_cast<unsigned>(host));
        bursts.record(address, 404, window_start);
    }
    EXPECT_LE(bursts.tracked_clients(), 16u);
    EXPECT_GE(bursts.untracked_failures(), 184u);
    // Two windows later the stale entries are purged to make room.
    auto untracked = bursts.untracked_failures();
    for (int failure = 1; failure < 8; ++failure) {
        EXPECT_FALSE(bursts.record(attacker, 404, window_start + 25s));
    }
    EXPECT_TRUE(bursts.record(attacker, 404, window_start + 25s)) << "tracked again";
    EXPECT_EQ(bursts.untracked_failures(), untracked);
}

std::string with_anomaly(const std::string& section) {
    return rampart::test::minimal_configuration + section;
}

TEST(AnomalyConfig, AbsentMeansOffAndASectionTurnsItsDetectorOnWithDefaults) {
    auto loaded = config::load_settings_text(rampart::test::minimal_configuration, "test.yaml");
    auto off = config::read_anomaly_settings(*loaded.global_stage_section);
    EXPECT_FALSE(off.baselines.enabled);
    EXPECT_FALSE(off.failure_bursts.enabled);
    EXPECT_FALSE(config::read_security_webhook(*loaded.global_stage_section));

    auto loaded_on = config::load_settings_text(with_anomaly(R"(anomaly:
  baselines: {interval: 100ms, alpha: 0.3, k: 3.5, minimum_rate: 2, warmup: 1s}
  failure_bursts: {window: 2s, threshold_401: 5}
)"),
                                                "test.yaml");
    auto on = config::read_anomaly_settings(*loaded_on.global_stage_section);
    EXPECT_TRUE(on.baselines.enabled);
    EXPECT_EQ(on.baselines.interval, 100ms);
    EXPECT_DOUBLE_EQ(on.baselines.alpha, 0.3);
    EXPECT_DOUBLE_EQ(on.baselines.k, 3.5);
    EXPECT_DOUBLE_EQ(on.baselines.minimum_rate, 2);
    EXPECT_EQ(on.baselines.warmup, 1s);
    EXPECT_TRUE(on.failure_bursts.enabled);
    EXPECT_EQ(on.failure_bursts.window, 2s);
    EXPECT_EQ(on.failure_bursts.threshold_401, 5u);
    EXPECT_EQ(on.failure_bursts.threshold_4xx, 100u);
    EXPECT_EQ(on.failure_bursts.action, config::FailureBurstAction::log);
}

TEST(AnomalyConfig, ErrorsNameFileLineAndKey) {
    EXPECT_EQ(
        rampart::test::config_error_of(with_anomaly("anomaly:\n  baselines:\n    alpha: 2\n")),
        "test.yaml:14:12: anomaly.baselines.alpha: must be between 0.001 and 1 (got 2)");
    EXPECT_NE(
        rampart::test::config_error_of(with_anomaly("anomaly:\n  baselines:\n    interval: 10ms\n"))
            .find("test.yaml:14:15: anomaly.baselines.interval: must be between"),
        std::string::npos);
    EXPECT_EQ(rampart::test::config_error_of(
                  with_anomaly("anomaly:\n  failure_bursts:\n    action: shout\n")),
              "test.yaml:14:13: anomaly.failure_bursts.action: must be one of: log, ban (got "
              "\"shout\")");
    EXPECT_NE(rampart::test::config_error_of(with_anomaly("anomaly:\n  baseline: {}\n"))
                  .find("anomaly.baseline"),
              std::string::npos);
}

TEST(WebhookConfig, ReadsTheSectionAndRefusesANonHttpsUrl) {
    auto settings = config::load_settings_text(with_anomaly(R"(logging:
  security_log:
    path: stderr
    webhook:
      url: https://127.0.0.1:9999/hooks/rampart
      events: [client_failure_burst, traffic_anomaly]
      bearer_token: a-bearer-token
      max_attempts: 3
      initial_backoff: 50ms
)"),
                                               "test.yaml");
    auto read = config::read_security_webhook(*settings.global_stage_section);
    ASSERT_TRUE(read);
    const auto& webhook = *read;
    EXPECT_EQ(webhook.url, "https://127.0.0.1:9999/hooks/rampart");
    EXPECT_EQ(webhook.events.size(), 2u);
    EXPECT_EQ(webhook.bearer_token, "a-bearer-token");
    EXPECT_EQ(webhook.max_attempts, 3u);
    EXPECT_EQ(webhook.initial_backoff, 50ms);
    EXPECT_EQ(webhook.queue_size, 10'000u);

    auto error = rampart::test::config_error_of(with_anomaly(
        "logging:\n  security_log:\n    webhook:\n      url: http://siem.example/hook\n"));
    EXPECT_NE(error.find("test.yaml:15:12: logging.security_log.webhook.url: must be an https URL"),
              std::string::npos)
        << error;
    error = rampart::test::config_error_of(
        with_anomaly("logging:\n  security_log:\n    webhook:\n      url: https://siem.example/\n"
                     "      hmac_secret: short\n"));
    EXPECT_NE(error.find("logging.security_log.webhook.hmac_secret: must be at least 32"),
              std::string::npos)
        << error;
    EXPECT_EQ(error.find("short"), std::string::npos) << "a secret never in a message";
}

struct RecordingForwarder : rampart::observe::SecurityEventForwarder {
    bool wants(std::string_view event) const noexcept override { return event != "boring"; }
    void forward(std::string line) noexcept override { lines.push_back(std::move(line)); }
    std::vector<std::string> lines;
};

TEST(SecurityEventForwarding, WantedEventsReachTheForwarderEvenWithoutALog) {
    rampart::observe::SecurityEvents events(nullptr);
    RecordingForwarder forwarder;
    events.set_forwarder(&forwarder);
    events.emit("client_failure_burst", nullptr, {{"kind", "401"}});
    events.emit("boring", nullptr);
    ASSERT_EQ(forwarder.lines.size(), 1u);
    EXPECT_NE(forwarder.lines[0].find("\"event\":\"client_failure_burst\""), std::string::npos);
    EXPECT_NE(forwarder.lines[0].find("\"kind\":\"401\""), std::string::npos);
}

TEST(AnomalyDetector, TheBanActionBansTheBurstingAddressForItsDuration) {
    config::AnomalySettings settings;
    settings.failure_bursts = burst_settings();
    settings.failure_bursts.action = config::FailureBurstAction::ban;
    settings.failure_bursts.ban_duration = 90s;
    rampart::observe::Metrics metrics(1);
    RecordingForwarder forwarder;
    rampart::observe::SecurityEvents events(nullptr);
    events.set_forwarder(&forwarder);
    rampart::observe::anomaly::AnomalyDetector detector(settings, 1, metrics, events);
    ASSERT_TRUE(detector.bans_on_burst());
    rampart::limit::InProcessBanList bans;
    detector.use_ban_list(bans);

    rampart::pipeline::Exchange exchange;
    exchange.client_address = boost::asio::ip::make_address("2001:db8:7:7::42");
    exchange.response.result(401);
    for (int failure = 0; failure < 5; ++failure) {
        detector.record(exchange, 0);
    }
    auto now = rampart::limit::BanClock::now();
    auto check = bans.check_address(boost::asio::ip::make_address("2001:db8:7:7::99"), now);
    EXPECT_TRUE(check.banned) << "the whole /64";
    EXPECT_GT(check.retry_after, 80s);
    EXPECT_LE(check.retry_after, 90s);
    EXPECT_FALSE(bans.check_address(bystander, now).banned);
    auto list = bans.list(now);
    ASSERT_EQ(list.size(), 1u);
    EXPECT_EQ(list[0].created_by, "auto:client_failure_burst");
    // The burst, and the ban_added every automatic ban writes.
    ASSERT_EQ(forwarder.lines.size(), 2u);
    auto burst_line = forwarder.lines[0].find("client_failure_burst") != std::string::npos
                          ? forwarder.lines[0]
                          : forwarder.lines[1];
    auto ban_line = forwarder.lines[0].find("ban_added") != std::string::npos ? forwarder.lines[0]
                                                                              : forwarder.lines[1];
    EXPECT_NE(burst_line.find("\"event\":\"client_failure_burst\""), std::string::npos);
    EXPECT_NE(burst_line.find("\"action\":\"ban\""), std::string::npos);
    EXPECT_NE(ban_line.find("\"event\":\"ban_added\""), std::string::npos);
    EXPECT_NE(ban_line.find("\"created_by\":\"auto:client_failure_burst\""), std::string::npos);
    EXPECT_NE(metrics.render_prometheus().find(
                  "rampart_anomaly_events_total{event=\"client_failure_burst\"} 1"),
              std::string::npos);
}

}  // namespace
