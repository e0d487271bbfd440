// One client connection: TLS handshake, then requests read within limits and
// timeouts, each taken through routing and its route's Chain to the upstream
// and back. Plain-HTTP listeners get a session that only redirects.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstddef>

#include "net/client_socket.hpp"

namespace rampart::net {

class Worker;

boost::asio::awaitable<void> run_https_session(Worker& worker, ClientSocket socket,
                                               std::size_t listener_index);
boost::asio::awaitable<void> run_redirect_session(Worker& worker, ClientSocket socket,
                                                  std::size_t listener_index);

}  // namespace rampart::net
