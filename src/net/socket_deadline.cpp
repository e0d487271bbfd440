#include "net/socket_deadline.hpp"

namespace rampart::net {

DeadlineSweep::~DeadlineSweep() {
    for (auto* deadline = first_; deadline != nullptr; deadline = deadline->next_) {
        deadline->sweep_ = nullptr;
    }
}

void DeadlineSweep::start() {
    schedule();
}

void DeadlineSweep::schedule() {
    timer_.expires_after(resolution);
    timer_.async_wait([this](boost::system::error_code error) {
        if (error) {
            return;  // the io_context is shutting down
        }
        check(util::CoarseClock::now());
        schedule();
    });
}

void DeadlineSweep::check(util::CoarseClock::time_point now) {
    // Cancelling only queues completions: no deadline is destroyed during the walk.
    for (auto* deadline = first_; deadline != nullptr; deadline = deadline->next_) {
        deadline->fire_if_passed(now);
    }
}

void DeadlineSweep::link(SocketDeadline& deadline) {
    deadline.next_ = first_;
    if (first_ != nullptr) {
        first_->previous_ = &deadline;
    }
    first_ = &deadline;
}

void DeadlineSweep::unlink(SocketDeadline& deadline) {
    if (deadline.previous_ != nullptr) {
        deadline.previous_->next_ = deadline.next_;
    } else {
        first_ = deadline.next_;
    }
    if (deadline.next_ != nullptr) {
        deadline.next_->previous_ = deadline.previous_;
    }
}

SocketDeadline::SocketDeadline(DeadlineSweep& sweep, void* socket, CancelFunction cancel)
    : sweep_(&sweep), socket_(socket), cancel_(cancel) {
    sweep_->link(*this);
}

SocketDeadline::~SocketDeadline() {
    if (sweep_ != nullptr) {
        sweep_->unlink(*this);
    }
}

void SocketDeadline::fire_if_passed(Clock::time_point now) {
    if (fired_ || now < at_) {
        return;
    }
    fired_ = true;
    cancel_(socket_);
}

}  // namespace rampart::net
