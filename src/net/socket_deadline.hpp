// Deadlines on a worker's sockets, checked together by one periodic sweep
// instead of a timer armed and cancelled around every read and write (what
// Beast's tcp_stream expiry does): setting a deadline stores a time, nothing
// more. The timer work was about 7 % of the proxy path's instructions
// (docs/performance.md). Deadlines are enforced within DeadlineSweep::resolution,
// as nginx's timer_resolution does.
//
// A deadline that passes cancels the socket's pending operations once, and
// stays fired until it is set again: the operation ends with operation_aborted
// and fired() tells a timeout from other errors. The socket stays open, so the
// session can still answer 408 (over TLS too) before it closes.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>

#include "util/coarse_clock.hpp"

namespace rampart::net {

class SocketDeadline;

class DeadlineSweep {
  public:
    static constexpr std::chrono::milliseconds resolution{50};

    explicit DeadlineSweep(boost::asio::io_context& io) : timer_(io) {}
    // Coroutines holding deadlines may outlive the sweep when the worker's
    // io_context is destroyed after it: they are detached first.
    ~DeadlineSweep();
    DeadlineSweep(const DeadlineSweep&) = delete;
    DeadlineSweep& operator=(const DeadlineSweep&) = delete;

    // Checks the deadlines every `resolution` until the io_context stops.
    void start();
    // Fires every deadline that has passed at `now` (the periodic check calls it).
    void check(util::CoarseClock::time_point now);

  private:
    friend class SocketDeadline;
    void schedule();
    void link(SocketDeadline& deadline);
    void unlink(SocketDeadline& deadline);

    boost::asio::steady_timer timer_;
    SocketDeadline* first_ = nullptr;  // intrusive list: registering allocates nothing
};

class SocketDeadline {
  public:
    // Coarse: a deadline is checked every `resolution` (50 ms), so the
    // clock's 1-4 ms tick costs nothing in precision, and reading it is cheap.
    using Clock = util::CoarseClock;

    // The socket (a client's ClientSocket or an upstream's tcp::socket) must
    // outlive the deadline; so must the sweep.
    template <typename Socket>
    SocketDeadline(DeadlineSweep& sweep, Socket& socket)
        : SocketDeadline(sweep, &socket, [](void* cancelled) {
              boost::system::error_code ignored;
              static_cast<Socket*>(cancelled)->cancel(ignored);
          }) {}
    ~SocketDeadline();
    SocketDeadline(const SocketDeadline&) = delete;
    SocketDeadline& operator=(const SocketDeadline&) = delete;

    void expires_at(Clock::time_point at) {
        at_ = at;
        fired_ = false;
    }
    void expires_after(Clock::duration after) { expires_at(Clock::now() + after); }
    void expires_never() { expires_at(Clock::time_point::max()); }

    // True once the deadline passed and cancelled the socket's operations.
    bool fired() const { return fired_; }

  private:
    friend class DeadlineSweep;
    using CancelFunction = void (*)(void* socket);
    SocketDeadline(DeadlineSweep& sweep, void* socket, CancelFunction cancel);
    void fire_if_passed(Clock::time_point now);

    DeadlineSweep* sweep_;  // null once the sweep is gone
    void* socket_;
    CancelFunction cancel_;
    Clock::time_point at_ = Clock::time_point::max();
    bool fired_ = false;
    SocketDeadline* previous_ = nullptr;
    SocketDeadline* next_ = nullptr;
};

}  // namespace rampart::net
