// Per-worker keep-alive connections to upstream targets, and the worker's
// load-balancing state. Owned by one Worker; never touched by another thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "net/upstream_cluster.hpp"

namespace rampart::net {

class UpstreamConnection {
public:
    UpstreamConnection(boost::asio::io_context& io, const ResolvedTarget& target,
                       boost::asio::ssl::context* tls_context);

    bool is_tls() const { return tls_stream_ != nullptr; }
    boost::beast::tcp_stream& tcp();
    boost::beast::ssl_stream<boost::beast::tcp_stream>& tls() { return *tls_stream_; }
    boost::beast::flat_buffer& buffer() { return buffer_; }
    std::string& write_buffer() { return write_buffer_; }  // the request being written
    const ResolvedTarget& target() const { return *target_; }

    bool reused = false;  // came from the idle pool (may have been closed by the upstream)
    std::chrono::steady_clock::time_point idle_since;

private:
    const ResolvedTarget* target_;
    std::unique_ptr<boost::beast::tcp_stream> plain_stream_;
    std::unique_ptr<boost::beast::ssl_stream<boost::beast::tcp_stream>> tls_stream_;
    boost::beast::flat_buffer buffer_;
    std::string write_buffer_;
};

class UpstreamPool {
public:
    explicit UpstreamPool(boost::asio::io_context& io) : io_(io) {}

    // Drops every idle connection and balancing state of an older snapshot.
    void adopt_generation(std::uint64_t generation);

    // The next target to try, skipping unavailable ones and `excluded`;
    // nullptr when none is left.
    const ResolvedTarget* pick_target(const UpstreamCluster& cluster,
                                      std::chrono::steady_clock::time_point now,
                                      const std::vector<const ResolvedTarget*>& excluded);

    // An idle connection to the target if one is fresh enough, else null.
    std::unique_ptr<UpstreamConnection> take_idle(const ResolvedTarget& target,
                                                  std::chrono::steady_clock::time_point now,
                                                  std::chrono::milliseconds idle_timeout);
    std::unique_ptr<UpstreamConnection> open_new(const UpstreamCluster& cluster,
                                                 const ResolvedTarget& target);
    // `now`: when the exchange on it ended, the start of its idle time.
    void give_back(std::unique_ptr<UpstreamConnection> connection, const UpstreamCluster& cluster,
                   std::uint64_t generation, std::chrono::steady_clock::time_point now);

    // In-flight requests per target, for least-connections balancing and
    // the per-target connection cap.
    void begin_request(const ResolvedTarget& target) { ++in_flight_[&target]; }
    void end_request(const ResolvedTarget& target);
    std::uint32_t in_flight(const ResolvedTarget& target) const;

private:
    boost::asio::io_context& io_;
    std::uint64_t generation_ = 0;
    std::unordered_map<const ResolvedTarget*, std::vector<std::unique_ptr<UpstreamConnection>>> idle_;
    std::unordered_map<const UpstreamCluster*, std::size_t> round_robin_position_;
    std::unordered_map<const ResolvedTarget*, std::uint32_t> in_flight_;
};

}  // namespace rampart::net
