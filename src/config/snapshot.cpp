#include "config/snapshot.hpp"

#include "config/anomaly_settings.hpp"

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "auth/endpoints/endpoints.hpp"
#include "net/tls_context.hpp"
#include "observe/metrics.hpp"
#include "pipeline/stage_registry.hpp"

namespace rampart::config {

namespace {

// The key whose file a TLS error from net/ names first ("<file>: <reason>"), or `fallback`.
std::string key_of_named_file(std::string_view message,
                              std::initializer_list<std::pair<std::string, const char*>> files,
                              const char* fallback) {
    for (const auto& [file, key] : files) {
        if (!file.empty() && message.starts_with(file + ": ")) {
            return key;
        }
    }
    return fallback;
}

// A certificate or key is read only when the snapshot is built; its refusal still names the
// configuration file, line and field, as every configuration error does.
[[noreturn]] void fail_at_tls_key(const std::optional<Section>& tls_section, const std::string& key,
                                  const ConfigError& error) {
    if (!tls_section) {
        throw error;
    }
    if (key.empty() || !tls_section->has(key)) {
        tls_section->fail(error.what());
    }
    tls_section->fail(key, error.what());
}

std::optional<Section> listener_tls_section(const Settings& settings, std::size_t index) {
    if (!settings.global_stage_section) {
        return std::nullopt;
    }
    auto listeners = settings.global_stage_section->sections("listeners");
    if (index >= listeners.size()) {
        return std::nullopt;
    }
    return listeners[index].optional_section("tls");
}

std::optional<Section> admin_tls_section(const Settings& settings) {
    if (!settings.global_stage_section) {
        return std::nullopt;
    }
    auto admin = settings.global_stage_section->optional_section("admin");
    return admin ? admin->optional_section("tls") : std::nullopt;
}

// A listener's context; an error names the key of the file at fault.
std::shared_ptr<boost::asio::ssl::context> server_tls_context(
    ServerTls& tls, const std::string& data_directory, const std::optional<Section>& tls_section) {
    if (tls.self_signed) {
        auto paths = net::ensure_self_signed_certificate(data_directory);
        tls.certificate_file = paths.certificate_file;
        tls.private_key_file = paths.private_key_file;
    }
    try {
        return net::make_server_tls_context(tls);
    } catch (const ConfigError& error) {
        auto key = tls.self_signed
                       ? "self_signed"
                       : key_of_named_file(error.what(),
                                           {{tls.private_key_file, "private_key"},
                                            {tls.client_ca_file.value_or(""), "client_ca"}},
                                           "certificate");
        fail_at_tls_key(tls_section, key, error);
    }
}

std::optional<Section> upstream_tls_section(const Settings& settings, const std::string& name) {
    if (!settings.global_stage_section) {
        return std::nullopt;
    }
    auto upstreams = settings.global_stage_section->optional_section("upstreams");
    if (!upstreams || !upstreams->has(name)) {
        return std::nullopt;
    }
    return upstreams->section(name).optional_section("tls");
}

}  // namespace

std::shared_ptr<const Snapshot> Snapshot::build(Settings settings, observe::Metrics& metrics,
                                                std::uint64_t generation,
                                                const pipeline::StageServices& services) {
    std::shared_ptr<Snapshot> snapshot(new Snapshot());
    snapshot->settings_ = std::move(settings);
    snapshot->generation_ = generation;
    snapshot->compile_tls();
    snapshot->compile_upstreams(metrics);
    snapshot->compile_routes(metrics, services);
    return snapshot;
}

void Snapshot::compile_tls() {
    for (auto& listener : settings_.listeners) {
        if (!listener.tls) {
            listener_tls_.push_back(nullptr);
            continue;
        }
        auto section = listener_tls_section(settings_, listener_tls_.size());
        listener_tls_.push_back(
            server_tls_context(*listener.tls, settings_.data_directory, section));
    }
    if (settings_.admin.tls) {
        admin_tls_ = server_tls_context(*settings_.admin.tls, settings_.data_directory,
                                        admin_tls_section(settings_));
    }
}

void Snapshot::compile_upstreams(observe::Metrics& metrics) {
    for (const auto& upstream : settings_.upstreams) {
        try {
            upstreams_.push_back(
                std::make_unique<net::UpstreamCluster>(upstream, metrics.upstream(upstream.name)));
        } catch (const ConfigError& error) {
            const auto& tls = upstream.tls;
            auto key = key_of_named_file(error.what(),
                                         {{tls.ca_file.value_or(""), "ca_file"},
                                          {tls.private_key_file.value_or(""), "private_key"},
                                          {tls.certificate_file.value_or(""), "certificate"}},
                                         "");
            fail_at_tls_key(upstream_tls_section(settings_, upstream.name), key, error);
        }
    }
}

void Snapshot::compile_routes(observe::Metrics& metrics, const pipeline::StageServices& services) {
    default_chain_ = pipeline::Chain(pipeline::build_stages(settings_, nullptr, services));
    for (const auto& route : settings_.routes) {
        pipeline::CompiledRoute compiled;
        compiled.settings = &route;
        compiled.name = route.name;
        compiled.chain = pipeline::Chain(pipeline::build_stages(settings_, &route, services));
        if (!route.handler.empty()) {
            compiled.handler =
                auth::endpoints::make_handler(route.handler, settings_, services.auth);
        }
        for (const auto& upstream : upstreams_) {
            if (upstream->settings().name == route.upstream) {
                compiled.upstream = upstream.get();
            }
        }
        compiled.body_limit = route.max_body_bytes.value_or(settings_.limits.max_body_bytes);
        compiled.metrics = metrics.route(route.name);
        routes_.push_back(std::move(compiled));
        router_.add(pipeline::RouteEntry{&routes_.back(), route.path, route.host, route.methods,
                                         route.location});
    }
}

namespace {

AnomalySettings anomaly_of(const Settings& settings) {
    return settings.global_stage_section ? read_anomaly_settings(*settings.global_stage_section)
                                         : AnomalySettings{};
}

// Where the section is written (its location) is no change.
bool same_webhook(const Settings& running, const Settings& candidate) {
    auto webhook_of = [](const Settings& settings) -> std::optional<WebhookSettings> {
        return settings.global_stage_section ? read_security_webhook(*settings.global_stage_section)
                                             : std::nullopt;
    };
    auto a = webhook_of(running);
    auto b = webhook_of(candidate);
    if (a && b) {
        a->location = b->location;
    }
    return a == b;
}

}  // namespace

std::string restart_only_changes(const Settings& running, const Settings& candidate) {
    std::string changes;
    auto note = [&changes](bool changed, const char* what) {
        if (changed) {
            changes += changes.empty() ? "" : ", ";
            changes += what;
        }
    };
    bool listeners_changed = running.listeners.size() != candidate.listeners.size();
    for (std::size_t i = 0; !listeners_changed && i < running.listeners.size(); ++i) {
        const auto& a = running.listeners[i];
        const auto& b = candidate.listeners[i];
        listeners_changed = a.address != b.address || a.port != b.port ||
                            a.tls.has_value() != b.tls.has_value() ||
                            a.redirect_port != b.redirect_port;
    }
    note(listeners_changed, "listeners (addresses, ports, TLS on or off)");
    note(running.admin.enabled != candidate.admin.enabled ||
             running.admin.address != candidate.admin.address ||
             running.admin.port != candidate.admin.port,
         "admin listener");
    note(running.workers != candidate.workers, "workers");
    note(running.data_directory != candidate.data_directory, "data_directory");
    const auto& logs_a = running.observability;
    const auto& logs_b = candidate.observability;
    note(logs_a.access_log.enabled != logs_b.access_log.enabled ||
             logs_a.access_log.path != logs_b.access_log.path ||
             logs_a.security_log.enabled != logs_b.security_log.enabled ||
             logs_a.security_log.path != logs_b.security_log.path ||
             !same_webhook(running, candidate),
         "logging");
    const auto& bans_a = running.abuse.bans;
    const auto& bans_b = candidate.abuse.bans;
    note(bans_a.max_entries != bans_b.max_entries || bans_a.max_ttl != bans_b.max_ttl ||
             bans_a.default_ttl != bans_b.default_ttl ||
             bans_a.report_interval != bans_b.report_interval,
         "abuse.bans");
    note(running.abuse.token_misuse.max_tracked != candidate.abuse.token_misuse.max_tracked,
         "abuse.token_misuse.max_tracked");
    note(anomaly_of(running) != anomaly_of(candidate), "anomaly");
    return changes;
}

}  // namespace rampart::config
