// The `anomaly` section (traffic baselines, failure bursts) and the security
// log's `webhook`: typed and checked, with every default filled in.
// docs/configuration.md#anomaly and #logging document the keys;
// docs/rate-limiting.md#anomaly-detection the maths.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "config/yaml_reader.hpp"

namespace rampart::config {

struct TrafficBaselineSettings {
    bool enabled = false;
    Duration interval = std::chrono::seconds(10);
    double alpha = 0.1;
    double k = 4.0;
    double minimum_rate = 5.0;  // requests per second
    Duration warmup = std::chrono::minutes(5);
    bool per_route = true;
    bool per_consumer = true;
    std::uint32_t max_consumers = 10'000;

    bool operator==(const TrafficBaselineSettings&) const = default;
};

enum class FailureBurstAction { log, ban };

struct FailureBurstSettings {
    bool enabled = false;
    Duration window = std::chrono::seconds(60);
    std::uint32_t threshold_401 = 20;
    std::uint32_t threshold_4xx = 100;
    std::uint32_t max_clients = 100'000;
    FailureBurstAction action = FailureBurstAction::log;
    Duration ban_duration = std::chrono::minutes(10);

    bool operator==(const FailureBurstSettings&) const = default;
};

struct AnomalySettings {
    TrafficBaselineSettings baselines;
    FailureBurstSettings failure_bursts;

    bool operator==(const AnomalySettings&) const = default;
};

struct WebhookSettings {
    std::string url;                     // https, checked at load
    std::optional<std::string> ca_file;  // default: the system trust store
    std::vector<std::string> events;     // empty: every event
    std::string bearer_token;            // secret; empty: no Authorization header
    std::string hmac_secret;             // secret; empty: no signature header
    std::uint32_t queue_size = 10'000;   // events waiting; more are dropped and counted
    std::uint32_t batch_size = 1;        // events per POST; above 1 a JSON array
    Duration timeout = std::chrono::seconds(5);
    std::uint32_t max_attempts = 5;
    Duration initial_backoff = std::chrono::milliseconds(500);
    Duration max_backoff = std::chrono::seconds(30);
    std::string location;  // file:line of the section, for messages

    bool operator==(const WebhookSettings&) const = default;
};

// Both are read from the configuration's root (Settings::global_stage_section),
// as the process-wide rate limits are: the loader reads them once to check
// them (errors name file:line:key), the server to apply them. They are not
// fields of Settings, so that the many files that include settings.hpp do
// not depend on them.

// The top-level `anomaly` section (absent: both detectors off).
AnomalySettings read_anomaly_settings(const Section& root);
// `logging.security_log.webhook`, if given.
std::optional<WebhookSettings> read_security_webhook(const Section& root);

}  // namespace rampart::config
