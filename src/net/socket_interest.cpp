#include "net/socket_interest.hpp"

#include <unistd.h>

namespace rampart::net {

void drop_write_interest(boost::asio::ip::tcp::socket& socket) {
    boost::system::error_code error;
    auto protocol = socket.local_endpoint(error).protocol();
    if (error) {
        return;
    }
    auto descriptor = socket.release(error);
    if (error) {
        return;
    }
    socket.assign(protocol, descriptor, error);
    if (error) {
        ::close(descriptor);  // the socket reads as closed, and its exchange fails
    }
}

}  // namespace rampart::net
