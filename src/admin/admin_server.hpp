// The admin listener (loopback by default, on the control thread, never on a
// worker): /healthz, /readyz and /metrics for probes and Prometheus, and the
// admin API under /admin/ (admin_api.hpp) for allowed sources with an admin
// credential (admin_access.hpp). Store work runs on the blocking pool.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace rampart::net {
class Server;
}

namespace rampart::admin {

boost::asio::awaitable<void> run_admin_listener(net::Server& server,
                                                boost::asio::ip::tcp::acceptor& acceptor);

}  // namespace rampart::admin
