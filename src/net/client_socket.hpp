// The socket of a client connection, bound to its worker's io_context by type.
// Asio's default socket carries a type-erased executor (any_io_executor) that
// every operation copies and queries through function pointers, about 4 % of
// the proxy core in perf; the worker's executor type is known, so client
// connections say it.
#pragma once

#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

namespace rampart::net {

using ClientSocket =
    boost::asio::basic_stream_socket<boost::asio::ip::tcp, boost::asio::io_context::executor_type>;

}  // namespace rampart::net
