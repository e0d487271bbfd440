// Deadlines checked by the worker's sweep: a passed deadline cancels the
// socket's pending read (on a real loopback TCP connection) and says so; one
// set again, or never, does not; the sweep fires only what has passed; the
// coarse clock they use keeps up with steady_clock.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <thread>

#include "net/socket_deadline.hpp"

namespace {

namespace asio = boost::asio;
using rampart::net::DeadlineSweep;
using rampart::net::SocketDeadline;
using Clock = SocketDeadline::Clock;
using namespace std::chrono_literals;

struct ConnectedPair {
    explicit ConnectedPair(asio::io_context& io) : client(io), server(io) {
        asio::ip::tcp::acceptor acceptor(io, {asio::ip::make_address("127.0.0.1"), 0});
        client.connect(acceptor.local_endpoint());
        acceptor.accept(server);
    }
    asio::ip::tcp::socket client;
    asio::ip::tcp::socket server;
};

struct ReadResult {
    boost::system::error_code error;
    Clock::time_point finished;
};

std::optional<ReadResult> read_one_byte(asio::io_context& io, asio::ip::tcp::socket& socket,
                                        Clock::duration run_for) {
    std::optional<ReadResult> result;
    auto byte = std::make_shared<std::array<char, 1>>();
    asio::async_read(socket, asio::buffer(*byte),
                     [&io, &result, byte](boost::system::error_code error, std::size_t) {
                         result = ReadResult{error, Clock::now()};
                         io.stop();
                     });
    io.run_for(run_for);
    return result;
}

TEST(SocketDeadline, APassedDeadlineCancelsThePendingReadAndSaysSo) {
    asio::io_context io;
    ConnectedPair pair(io);
    DeadlineSweep sweep(io);
    sweep.start();
    SocketDeadline deadline(sweep, pair.server);
    auto started = Clock::now();
    deadline.expires_after(100ms);
    auto result = read_one_byte(io, pair.server, 2s);
    ASSERT_TRUE(result.has_value()) << "the read was never cancelled";
    EXPECT_EQ(result->error, asio::error::operation_aborted);
    EXPECT_TRUE(deadline.fired());
    EXPECT_GE(result->finished - started, 100ms);
    EXPECT_LT(result->finished - started, 100ms + DeadlineSweep::resolution + 400ms);
    EXPECT_TRUE(pair.server.is_open()) << "a deadline cancels, it does not close";
}

TEST(SocketDeadline, ADeadlineSetAgainOrNeverDoesNotFire) {
    asio::io_context io;
    ConnectedPair pair(io);
    DeadlineSweep sweep(io);
    sweep.start();
    SocketDeadline deadline(sweep, pair.server);
    deadline.expires_after(50ms);
    deadline.expires_never();
    std::optional<boost::system::error_code> read_error;
    std::array<char, 1> byte{};
    asio::async_read(pair.server, asio::buffer(byte),
                     [&io, &read_error](boost::system::error_code error, std::size_t) {
                         read_error = error;
                         io.stop();
                     });
    io.run_for(300ms);
    EXPECT_FALSE(read_error.has_value()) << "the read ended without data";
    EXPECT_FALSE(deadline.fired());
    asio::write(pair.client, asio::buffer("x", 1));
    io.restart();
    io.run_for(2s);
    ASSERT_TRUE(read_error.has_value());
    EXPECT_FALSE(*read_error);
    EXPECT_EQ(byte[0], 'x');
}

TEST(SocketDeadline, SettingTheDeadlineAgainClearsFired) {
    asio::io_context io;
    ConnectedPair pair(io);
    DeadlineSweep sweep(io);
    SocketDeadline deadline(sweep, pair.server);
    deadline.expires_at(Clock::now());
    sweep.check(Clock::now() + 1ms);
    EXPECT_TRUE(deadline.fired());
    deadline.expires_after(1h);
    EXPECT_FALSE(deadline.fired());
    sweep.check(Clock::now());
    EXPECT_FALSE(deadline.fired());
}

TEST(SocketDeadline, TheSweepFiresOnlyTheDeadlinesThatPassed) {
    asio::io_context io;
    ConnectedPair first(io);
    ConnectedPair second(io);
    ConnectedPair third(io);
    DeadlineSweep sweep(io);
    auto now = Clock::now();
    SocketDeadline passed(sweep, first.server);
    SocketDeadline later(sweep, second.server);
    SocketDeadline never(sweep, third.server);
    passed.expires_at(now - 1s);
    later.expires_at(now + 1h);
    {
        // Registered and gone again before the check: unlinked from the middle.
        SocketDeadline temporary(sweep, first.client);
        temporary.expires_at(now - 1s);
    }
    sweep.check(now);
    EXPECT_TRUE(passed.fired());
    EXPECT_FALSE(later.fired());
    EXPECT_FALSE(never.fired());
}

TEST(SocketDeadline, ADeadlineMayOutliveItsSweep) {
    asio::io_context io;
    ConnectedPair pair(io);
    auto sweep = std::make_unique<DeadlineSweep>(io);
    SocketDeadline deadline(*sweep, pair.server);
    sweep.reset();  // the worker's io_context destroys suspended sessions after the sweep
    deadline.expires_after(1s);
    EXPECT_FALSE(deadline.fired());
}

// The deadlines' clock follows steady_clock to within its tick (1-4 ms).
TEST(CoarseClock, AdvancesWithTheSteadyClockToWithinATick) {
    using rampart::util::CoarseClock;
    auto coarse_start = CoarseClock::now();
    auto steady_start = std::chrono::steady_clock::now();
    std::this_thread::sleep_for(30ms);
    auto coarse_elapsed = CoarseClock::now() - coarse_start;
    auto steady_elapsed = std::chrono::steady_clock::now() - steady_start;
    EXPECT_GE(coarse_elapsed, 30ms - 10ms);
    EXPECT_LE(coarse_elapsed, steady_elapsed + 10ms);
    EXPECT_LE(coarse_start, CoarseClock::now());
}

}  // namespace
