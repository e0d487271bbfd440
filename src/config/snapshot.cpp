#include "config/snapshot.hpp"

#include "net/tls_context.hpp"
#include "observe/metrics.hpp"
#include "pipeline/stage_registry.hpp"

namespace rampart::config {

std::shared_ptr<const Snapshot> Snapshot::build(Settings settings, observe::Metrics& metrics,
                                                std::uint64_t generation) {
    std::shared_ptr<Snapshot> snapshot(new Snapshot());
    snapshot->settings_ = std::move(settings);
    snapshot->generation_ = generation;
    snapshot->compile_tls();
    snapshot->compile_upstreams(metrics);
    snapshot->compile_routes(metrics);
    return snapshot;
}

void Snapshot::compile_tls() {
    for (auto& listener : settings_.listeners) {
        if (!listener.tls) {
            listener_tls_.push_back(nullptr);
            continue;
        }
        if (listener.tls->self_signed) {
            auto paths = net::ensure_self_signed_certificate(settings_.data_directory);
            listener.tls->certificate_file = paths.certificate_file;
            listener.tls->private_key_file = paths.private_key_file;
        }
        listener_tls_.push_back(net::make_server_tls_context(*listener.tls));
    }
}

void Snapshot::compile_upstreams(observe::Metrics& metrics) {
    for (const auto& upstream : settings_.upstreams) {
        upstreams_.push_back(
            std::make_unique<net::UpstreamCluster>(upstream, metrics.upstream(upstream.name)));
    }
}

void Snapshot::compile_routes(observe::Metrics& metrics) {
    default_chain_ = pipeline::Chain(pipeline::build_stages(settings_, nullptr));
    for (const auto& route : settings_.routes) {
        pipeline::CompiledRoute compiled;
        compiled.settings = &route;
        compiled.name = route.name;
        compiled.chain = pipeline::Chain(pipeline::build_stages(settings_, &route));
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
                            a.tls.has_value() != b.tls.has_value() || a.redirect_port != b.redirect_port;
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
             logs_a.security_log.path != logs_b.security_log.path,
         "logging");
    return changes;
}

}  // namespace rampart::config
