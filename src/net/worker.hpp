// One worker thread: its own io_context, its own SO_REUSEPORT acceptor per
// listener, its own upstream connection pools. Nothing here is shared with
// other workers, so nothing here is locked.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <list>
#include <memory>
#include <thread>
#include <vector>

#include "config/snapshot.hpp"
#include "net/client_socket.hpp"
#include "net/socket_deadline.hpp"
#include "net/upstream_pool.hpp"
#include "net/upstream_proxy.hpp"

namespace rampart::net {

class Server;

// A connection the worker can close when draining, if it sits idle.
struct LiveConnection {
    ClientSocket* socket = nullptr;
    bool idle = true;
};

class Worker {
  public:
    Worker(Server& server, unsigned index);
    ~Worker();

    // Binds this worker's acceptors (on the main thread, so bind errors surface at start).
    void bind_listeners(const config::Settings& settings);
    void start();
    // Thread-safe: stop accepting, close idle keep-alive connections.
    void begin_drain();
    void stop();
    void join();

    Server& server() { return server_; }
    unsigned index() const { return index_; }
    boost::asio::io_context& io() { return io_; }
    UpstreamPool& upstream_pool() { return upstream_pool_; }
    DeadlineSweep& deadlines() { return deadlines_; }
    pipeline::UpstreamFetcher& upstream_fetcher() { return upstream_fetcher_; }

    // The snapshot for a new request: refreshed when a reload bumped the generation.
    const std::shared_ptr<const config::Snapshot>& current_snapshot();

    std::list<LiveConnection>::iterator register_connection(ClientSocket* socket);
    void unregister_connection(std::list<LiveConnection>::iterator entry);

  private:
    boost::asio::awaitable<void> accept_loop(std::size_t listener_index);

    Server& server_;
    unsigned index_;
    boost::asio::io_context io_{1};
    DeadlineSweep deadlines_{io_};
    std::vector<std::unique_ptr<boost::asio::ip::tcp::acceptor>> acceptors_;
    std::thread thread_;
    std::shared_ptr<const config::Snapshot> snapshot_;
    std::uint64_t snapshot_generation_ = 0;
    UpstreamPool upstream_pool_;
    PooledUpstreamFetcher upstream_fetcher_{*this};
    std::list<LiveConnection> connections_;
    bool draining_ = false;
};

}  // namespace rampart::net
