#include "net/health_checker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>

#include "net/tls_context.hpp"
#include "net/upstream_pool.hpp"

namespace rampart::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);

template <typename Stream>
asio::awaitable<bool> request_health(Stream& stream, UpstreamConnection& connection,
                                     const ResolvedTarget& target, const std::string& path) {
    http::request<http::empty_body> request{http::verb::get, path, 11};
    request.set(http::field::host, target.host_header);
    request.set(http::field::user_agent, "rampart-health-check");
    request.keep_alive(false);
    auto [write_error, written] = co_await http::async_write(stream, request, use_nothrow);
    if (write_error) {
        co_return false;
    }
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024);
    auto [read_error, read] = co_await http::async_read(stream, connection.buffer(), parser, use_nothrow);
    co_return !read_error && parser.get().result_int() / 100 == 2;
}

asio::awaitable<bool> check_once(asio::io_context& io, const UpstreamCluster& cluster,
                                 const ResolvedTarget& target) {
    const auto& settings = cluster.settings();
    UpstreamConnection connection(io, target, cluster.tls_context());
    connection.tcp().expires_after(settings.active_health.timeout);
    auto [connect_error, endpoint] = co_await connection.tcp().async_connect(target.endpoints, use_nothrow);
    if (connect_error) {
        co_return false;
    }
    if (!connection.is_tls()) {
        co_return co_await request_health(connection.tcp(), connection, target, settings.active_health.path);
    }
    prepare_upstream_tls_stream(connection.tls().native_handle(), target.settings.host, settings.tls);
    auto [handshake_error] = co_await connection.tls().async_handshake(asio::ssl::stream_base::client, use_nothrow);
    if (handshake_error) {
        co_return false;
    }
    co_return co_await request_health(connection.tls(), connection, target, settings.active_health.path);
}

// The snapshot parameter keeps the cluster and target alive while the loop runs.
asio::awaitable<void> watch_target(asio::io_context& io,
                                   [[maybe_unused]] std::shared_ptr<const config::Snapshot> snapshot,
                                   const UpstreamCluster* cluster, const ResolvedTarget* target,
                                   std::function<bool()> still_current) {
    const auto& health = cluster->settings().active_health;
    std::uint32_t successes = 0;
    std::uint32_t failures = 0;
    asio::steady_timer timer(io);
    while (still_current()) {
        bool healthy = co_await check_once(io, *cluster, *target);
        successes = healthy ? successes + 1 : 0;
        failures = healthy ? 0 : failures + 1;
        auto& passes = target->health->passes_active_checks;
        if (!healthy && failures >= health.unhealthy_threshold) {
            passes.store(false, std::memory_order_relaxed);
        } else if (healthy && successes >= health.healthy_threshold) {
            passes.store(true, std::memory_order_relaxed);
        }
        timer.expires_after(health.interval);
        co_await timer.async_wait(use_nothrow);
    }
}

}  // namespace

void start_active_health_checks(asio::io_context& io, std::shared_ptr<const config::Snapshot> snapshot,
                                std::function<bool()> still_current) {
    for (const auto& cluster : snapshot->upstreams()) {
        if (!cluster->settings().active_health.enabled) {
            continue;
        }
        for (const auto& target : cluster->targets()) {
            asio::co_spawn(io, watch_target(io, snapshot, cluster.get(), &target, still_current),
                           asio::detached);
        }
    }
}

}  // namespace rampart::net
