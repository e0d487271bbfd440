#include "net/upstream_pool.hpp"

#include <algorithm>

namespace rampart::net {

UpstreamConnection::UpstreamConnection(boost::asio::io_context& io, const ResolvedTarget& target,
                                       boost::asio::ssl::context* tls_context)
    : target_(&target) {
    if (target.settings.https && tls_context != nullptr) {
        tls_stream_ = std::make_unique<boost::beast::ssl_stream<boost::beast::tcp_stream>>(
            io, *tls_context);
    } else {
        plain_stream_ = std::make_unique<boost::beast::tcp_stream>(io);
    }
}

boost::beast::tcp_stream& UpstreamConnection::tcp() {
    return tls_stream_ ? tls_stream_->next_layer() : *plain_stream_;
}

void UpstreamPool::adopt_generation(std::uint64_t generation) {
    if (generation == generation_) {
        return;
    }
    generation_ = generation;
    idle_.clear();
    round_robin_position_.clear();
    in_flight_.clear();
}

void UpstreamPool::end_request(const ResolvedTarget& target) {
    // After a reload cleared the counts, a request of the old snapshot may end here.
    auto found = in_flight_.find(&target);
    if (found != in_flight_.end() && found->second > 0) {
        --found->second;
    }
}

std::uint32_t UpstreamPool::in_flight(const ResolvedTarget& target) const {
    auto found = in_flight_.find(&target);
    return found == in_flight_.end() ? 0 : found->second;
}

const ResolvedTarget* UpstreamPool::pick_target(const UpstreamCluster& cluster,
                                                std::chrono::steady_clock::time_point now,
                                                const std::vector<const ResolvedTarget*>& excluded) {
    const auto& targets = cluster.targets();
    auto usable = [&](const ResolvedTarget& target) {
        return std::find(excluded.begin(), excluded.end(), &target) == excluded.end() &&
               cluster.is_available(target, now) &&
               in_flight(target) < cluster.settings().max_connections_per_target;
    };
    if (cluster.settings().balance == config::BalancePolicy::least_connections) {
        const ResolvedTarget* best = nullptr;
        for (const auto& target : targets) {
            if (usable(target) && (best == nullptr || in_flight(target) < in_flight(*best))) {
                best = &target;
            }
        }
        return best;
    }
    auto& position = round_robin_position_[&cluster];
    for (std::size_t tried = 0; tried < targets.size(); ++tried) {
        const auto& target = targets[position++ % targets.size()];
        if (usable(target)) {
            return &target;
        }
    }
    return nullptr;
}

std::unique_ptr<UpstreamConnection> UpstreamPool::take_idle(const ResolvedTarget& target,
                                                            std::chrono::steady_clock::time_point now,
                                                            std::chrono::milliseconds idle_timeout) {
    auto found = idle_.find(&target);
    if (found == idle_.end()) {
        return nullptr;
    }
    auto& connections = found->second;
    while (!connections.empty()) {
        auto connection = std::move(connections.back());
        connections.pop_back();
        if (now - connection->idle_since < idle_timeout) {
            connection->reused = true;
            return connection;
        }
    }
    return nullptr;
}

std::unique_ptr<UpstreamConnection> UpstreamPool::open_new(const UpstreamCluster& cluster,
                                                           const ResolvedTarget& target) {
    return std::make_unique<UpstreamConnection>(io_, target, cluster.tls_context());
}

void UpstreamPool::give_back(std::unique_ptr<UpstreamConnection> connection,
                             const UpstreamCluster& cluster, std::uint64_t generation,
                             std::chrono::steady_clock::time_point now) {
    if (generation != generation_) {
        return;  // a connection of an older snapshot: close it
    }
    auto& connections = idle_[&connection->target()];
    if (connections.size() >= cluster.settings().max_idle_per_target) {
        return;
    }
    connection->idle_since = now;
    connections.push_back(std::move(connection));
}

}  // namespace rampart::net
