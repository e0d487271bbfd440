// What a socket asks the worker's reactor (epoll) to be woken for.
//
// An asynchronous connect waits for the socket to become writable, and Asio's
// epoll reactor keeps that interest (EPOLLOUT) for the socket's life: on an
// upstream connection every ACK of a request then wakes the worker with an
// event nobody waits for. bench/count.sh measured 0.8 epoll_wait calls per
// request with it and 0.2 without.
#pragma once

#include <boost/asio/ip/tcp.hpp>

namespace rampart::net {

// Hands the socket's descriptor to the reactor again, which registers it for
// reading only; a later write that finds the socket full asks for
// writability again, as usual. Costs two epoll_ctl calls. If the reactor
// cannot take the descriptor back, it is closed and the socket reads as closed.
void drop_write_interest(boost::asio::ip::tcp::socket& socket);

}  // namespace rampart::net
