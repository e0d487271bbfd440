#include <boost/url/parse.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <sstream>

#include "config/anomaly_settings.hpp"

namespace rampart::config {

namespace {

using namespace std::chrono_literals;

// A decimal number such as 0.2, 3 or 1e-3.
double read_real(const Section& section, std::string_view key, double fallback, double minimum,
                 double maximum) {
    auto text = section.optional_string(key);
    if (!text) {
        return fallback;
    }
    double number = 0;
    auto [end, error] = std::from_chars(text->data(), text->data() + text->size(), number);
    if (error != std::errc() || end != text->data() + text->size() || !std::isfinite(number)) {
        section.fail(key, "must be a number (got \"" + *text + "\")");
    }
    if (number < minimum || number > maximum) {
        std::ostringstream bounds;
        bounds << "must be between " << minimum << " and " << maximum << " (got " << *text << ")";
        section.fail(key, bounds.str());
    }
    return number;
}

TrafficBaselineSettings read_baselines(const Section& section) {
    TrafficBaselineSettings baselines;
    baselines.enabled = section.boolean("enabled", true);
    baselines.interval = section.duration("interval", baselines.interval, 100ms, 1h);
    baselines.alpha = read_real(section, "alpha", baselines.alpha, 0.001, 1.0);
    baselines.k = read_real(section, "k", baselines.k, 0.5, 100.0);
    baselines.minimum_rate = read_real(section, "minimum_rate", baselines.minimum_rate, 0.0, 1e9);
    baselines.warmup =
        section.duration("warmup", baselines.warmup, 0ms, std::chrono::hours(24 * 7));
    baselines.per_route = section.boolean("per_route", baselines.per_route);
    baselines.per_consumer = section.boolean("per_consumer", baselines.per_consumer);
    baselines.max_consumers = static_cast<std::uint32_t>(
        section.integer("max_consumers", baselines.max_consumers, 1, 1'000'000));
    section.finish();
    return baselines;
}

FailureBurstSettings read_failure_bursts(const Section& section) {
    FailureBurstSettings bursts;
    bursts.enabled = section.boolean("enabled", true);
    bursts.window = section.duration("window", bursts.window, 100ms, 24h);
    bursts.threshold_401 = static_cast<std::uint32_t>(
        section.integer("threshold_401", bursts.threshold_401, 1, 1'000'000'000));
    bursts.threshold_4xx = static_cast<std::uint32_t>(
        section.integer("threshold_4xx", bursts.threshold_4xx, 1, 1'000'000'000));
    bursts.max_clients = static_cast<std::uint32_t>(
        section.integer("max_clients", bursts.max_clients, 16, 10'000'000));
    bursts.action = section.choice<FailureBurstAction>(
        "action", {{"log", FailureBurstAction::log}, {"ban", FailureBurstAction::ban}},
        bursts.action);
    bursts.ban_duration =
        section.duration("ban_duration", bursts.ban_duration, 1s, std::chrono::hours(24 * 30));
    section.finish();
    return bursts;
}

}  // namespace

AnomalySettings read_anomaly_settings(const Section& root) {
    AnomalySettings settings;
    auto found = root.optional_section("anomaly");
    if (!found) {
        return settings;
    }
    const Section& section = *found;
    if (auto baselines = section.optional_section("baselines")) {
        settings.baselines = read_baselines(*baselines);
    }
    if (auto bursts = section.optional_section("failure_bursts")) {
        settings.failure_bursts = read_failure_bursts(*bursts);
    }
    section.finish();
    return settings;
}

namespace {

WebhookSettings read_webhook(const Section& section) {
    WebhookSettings webhook;
    webhook.location = section.location();
    webhook.url = section.string("url");
    auto url = boost::urls::parse_absolute_uri(webhook.url);
    if (!url || url->scheme() != "https" || url->host_address().empty()) {
        section.fail("url", "must be an https URL with a host (got \"" + webhook.url + "\")");
    }
    if (url->has_userinfo()) {
        section.fail("url", "must not carry credentials; use bearer_token or hmac_secret");
    }
    webhook.ca_file = section.optional_string("ca_file");
    webhook.events = section.strings("events");
    webhook.bearer_token = section.optional_secret("bearer_token").value_or("");
    webhook.hmac_secret = section.optional_secret("hmac_secret").value_or("");
    if (!webhook.hmac_secret.empty() && webhook.hmac_secret.size() < 32) {
        section.fail("hmac_secret", "must be at least 32 characters");
    }
    webhook.queue_size = static_cast<std::uint32_t>(
        section.integer("queue_size", webhook.queue_size, 1, 10'000'000));
    webhook.batch_size =
        static_cast<std::uint32_t>(section.integer("batch_size", webhook.batch_size, 1, 1000));
    webhook.timeout = section.duration("timeout", webhook.timeout, 100ms, 5min);
    webhook.max_attempts =
        static_cast<std::uint32_t>(section.integer("max_attempts", webhook.max_attempts, 1, 100));
    webhook.initial_backoff =
        section.duration("initial_backoff", webhook.initial_backoff, 10ms, 1h);
    webhook.max_backoff = section.duration("max_backoff", webhook.max_backoff, 10ms, 24h);
    if (webhook.max_backoff < webhook.initial_backoff) {
        section.fail("max_backoff", "must not be shorter than initial_backoff");
    }
    section.finish();
    return webhook;
}

}  // namespace

std::optional<WebhookSettings> read_security_webhook(const Section& root) {
    auto logging = root.optional_section("logging");
    if (!logging) {
        return std::nullopt;
    }
    auto security = logging->optional_section("security_log");
    if (!security) {
        return std::nullopt;
    }
    auto webhook = security->optional_section("webhook");
    if (!webhook) {
        return std::nullopt;
    }
    return read_webhook(*webhook);
}

}  // namespace rampart::config
