// A connected socket asks epoll for readability only after
// drop_write_interest, and still carries bytes both ways. The interest is read
// from the kernel: /proc/self/fdinfo of the io_context's epoll descriptor
// lists each registered descriptor with its event mask.
#include <gtest/gtest.h>

#include <sys/epoll.h>
#include <unistd.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "net/socket_interest.hpp"

namespace {

namespace asio = boost::asio;

// The event mask epoll holds for `descriptor`, from any epoll instance of this
// process; nullopt when none watches it.
std::optional<unsigned> epoll_events_of(int descriptor) {
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
        std::error_code error;
        auto target = std::filesystem::read_symlink(entry.path(), error);
        if (error || target.string() != "anon_inode:[eventpoll]") {
            continue;
        }
        std::ifstream info("/proc/self/fdinfo/" + entry.path().filename().string());
        std::string line;
        while (std::getline(info, line)) {
            std::istringstream fields(line);
            std::string label;
            int watched = -1;
            std::string events_label;
            unsigned events = 0;
            if (fields >> label >> watched >> events_label >> std::hex >> events &&
                label == "tfd:" && watched == descriptor && events_label == "events:") {
                return events;
            }
        }
    }
    return std::nullopt;
}

TEST(SocketInterest, AConnectedSocketStopsAskingForWritabilityAndStillWorks) {
    asio::io_context io;
    asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
    asio::ip::tcp::socket client(io);
    asio::ip::tcp::socket server(io);
    bool connected = false;
    client.async_connect(acceptor.local_endpoint(),
                         [&](boost::system::error_code error) { connected = !error; });
    acceptor.accept(server);
    io.run();
    ASSERT_TRUE(connected);

    auto before = epoll_events_of(client.native_handle());
    ASSERT_TRUE(before.has_value()) << "the connect registered the socket with epoll";
    EXPECT_NE(*before & EPOLLOUT, 0U) << "the asynchronous connect asked for writability";

    rampart::net::drop_write_interest(client);
    ASSERT_TRUE(client.is_open());
    auto after = epoll_events_of(client.native_handle());
    ASSERT_TRUE(after.has_value());
    EXPECT_EQ(*after & EPOLLOUT, 0U);
    EXPECT_NE(*after & EPOLLIN, 0U);

    std::string request = "GET / HTTP/1.1\r\n\r\n";
    asio::write(client, asio::buffer(request));
    std::string received(request.size(), '\0');
    asio::read(server, asio::buffer(received));
    EXPECT_EQ(received, request);
    asio::write(server, asio::buffer(std::string_view("pong")));
    std::array<char, 4> reply{};
    std::size_t read = 0;
    client.async_read_some(asio::buffer(reply),
                           [&](boost::system::error_code, std::size_t count) { read = count; });
    io.restart();
    io.run();
    EXPECT_EQ(std::string(reply.data(), read), "pong");
}

}  // namespace
