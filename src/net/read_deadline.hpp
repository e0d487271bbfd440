// Bounds one read on a connection without closing it. Beast's tcp_stream
// expiry closes the socket when it fires, which leaves no way to answer 408;
// this deadline only cancels the pending read, so the session can still write
// its refusal (over TLS too) before it closes.
#pragma once

#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstdint>
#include <memory>

namespace rampart::net {

class ReadDeadline {
  public:
    explicit ReadDeadline(boost::beast::tcp_stream& tcp)
        : state_(std::make_shared<State>(&tcp)), timer_(tcp.get_executor()) {}

    ReadDeadline(const ReadDeadline&) = delete;
    ReadDeadline& operator=(const ReadDeadline&) = delete;

    ~ReadDeadline() { state_->tcp = nullptr; }

    // Cancels the reads in flight on the socket at `deadline` unless disarmed first.
    void arm(std::chrono::steady_clock::time_point deadline) {
        auto generation = ++state_->generation;
        state_->fired = false;
        state_->tcp->expires_never();
        timer_.expires_at(deadline);
        timer_.async_wait([state = state_, generation](boost::system::error_code error) {
            // A stale completion (re-armed, disarmed or destroyed meanwhile) must not
            // cancel a later read.
            if (error || generation != state->generation || state->tcp == nullptr) {
                return;
            }
            state->fired = true;
            boost::system::error_code ignored;
            state->tcp->socket().cancel(ignored);
        });
    }

    // Stops the timer; true when it had fired, i.e. the read ended by timeout.
    bool disarm() {
        ++state_->generation;
        timer_.cancel();
        return state_->fired;
    }

  private:
    struct State {
        explicit State(boost::beast::tcp_stream* stream) : tcp(stream) {}
        boost::beast::tcp_stream* tcp;
        std::uint64_t generation = 0;
        bool fired = false;
    };

    std::shared_ptr<State> state_;
    boost::asio::steady_timer timer_;
};

}  // namespace rampart::net
