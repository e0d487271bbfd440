#include "store/redis/redis_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>

namespace rampart::store::redis {

namespace asio = boost::asio;
using asio::ip::tcp;

std::string_view describe(CommandFailure failure) {
    switch (failure) {
        case CommandFailure::none:
            return "none";
        case CommandFailure::unavailable:
            return "not connected";
        case CommandFailure::timeout:
            return "no reply within the timeout";
        case CommandFailure::connection_lost:
            return "connection lost";
    }
    return "unknown";
}

// One command waiting for its reply. The caller's coroutine waits on the
// timer: the reply (or a failure) cancels it, the deadline lets it expire.
struct RedisConnection::Pending {
    explicit Pending(const asio::any_io_executor& executor) : wake(executor) {}
    asio::steady_timer wake;
    CommandResult result;
    bool done = false;

    void finish(CommandResult outcome) {
        if (done) {
            return;
        }
        result = std::move(outcome);
        done = true;
        wake.cancel();
    }
};

std::shared_ptr<RedisConnection> RedisConnection::start(asio::any_io_executor executor,
                                                        ConnectionOptions options,
                                                        StateObserver observer) {
    auto connection =
        std::make_shared<RedisConnection>(executor, std::move(options), std::move(observer));
    asio::co_spawn(
        executor, [connection]() { return connection->run(); }, asio::detached);
    return connection;
}

RedisConnection::RedisConnection(asio::any_io_executor executor, ConnectionOptions options,
                                 StateObserver observer)
    : executor_(std::move(executor)),
      options_(std::move(options)),
      observer_(std::move(observer)),
      socket_(executor_) {}

RedisConnection::~RedisConnection() = default;

void RedisConnection::close() {
    if (state_ == State::closed) {
        return;
    }
    state_ = State::closed;
    drop_connection("closed");
    fail_pending(CommandFailure::unavailable);
}

asio::awaitable<CommandResult> RedisConnection::command(
    std::span<const std::string_view> arguments) {
    if (state_ == State::waiting_to_reconnect || state_ == State::closed) {
        co_return CommandResult{nullptr, CommandFailure::unavailable};
    }
    auto self = shared_from_this();  // the reply handler may outlive the caller's interest
    auto pending = std::make_shared<Pending>(executor_);
    if (state_ == State::ready) {
        append_command(output_, arguments);
        awaiting_reply_.push_back(pending);
        start_write();
    } else {
        append_command(queued_output_, arguments);
        queued_.push_back(pending);
    }
    pending->wake.expires_after(options_.command_timeout);
    co_await pending->wake.async_wait(asio::as_tuple(asio::use_awaitable));
    if (!pending->done) {
        // Its reply may still come; it will find the command done and be
        // dropped. The connection goes: a Redis that misses one deadline is
        // likely to miss the next ones, and failing fast beats waiting.
        pending->finish(CommandResult{nullptr, CommandFailure::timeout});
        if (state_ == State::ready || state_ == State::connecting) {
            drop_connection("a command timed out");
        }
    }
    co_return std::move(pending->result);
}

asio::awaitable<void> RedisConnection::run() {
    auto self = shared_from_this();
    auto backoff = options_.first_backoff;
    asio::steady_timer pause(executor_);
    while (state_ != State::closed) {
        state_ = State::connecting;
        drop_reason_.clear();
        reader_.reset();
        auto reason = co_await connect_and_handshake();
        if (reason.empty() && state_ == State::connecting) {
            state_ = State::ready;
            backoff = options_.first_backoff;
            report(true, "connected");
            output_.append(queued_output_);
            queued_output_.clear();
            for (auto& pending : queued_) {
                awaiting_reply_.push_back(std::move(pending));
            }
            queued_.clear();
            start_write();
            reason = co_await read_replies();
        }
        if (state_ == State::closed) {
            break;
        }
        state_ = State::waiting_to_reconnect;
        drop_connection(reason);
        fail_pending(CommandFailure::connection_lost);
        report(false, reason);
        pause.expires_after(backoff);
        co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
        backoff = std::min(backoff * 2, options_.longest_backoff);
    }
    fail_pending(CommandFailure::unavailable);
}

asio::awaitable<std::string> RedisConnection::connect_and_handshake() {
    socket_ = tcp::socket(executor_);
    // The deadline closes the socket, which ends whichever step is waiting.
    // It may fire after this attempt ended: the attempt number tells.
    auto attempt = ++attempt_;
    asio::steady_timer deadline(executor_);
    deadline.expires_after(options_.connect_timeout);
    deadline.async_wait(
        [this, self = shared_from_this(), attempt](boost::system::error_code error) {
            if (!error && attempt == attempt_ && state_ == State::connecting) {
                drop_connection("connect timed out");
            }
        });
    struct CancelOnExit {
        asio::steady_timer& timer;
        ~CancelOnExit() { timer.cancel(); }
    } cancel_on_exit{deadline};

    auto [connect_error] =
        co_await socket_.async_connect(options_.endpoint, asio::as_tuple(asio::use_awaitable));
    if (connect_error) {
        co_return drop_reason_.empty() ? "connect failed: " + connect_error.message()
                                       : drop_reason_;
    }
    boost::system::error_code ignored;  // the deadline may have closed it meanwhile
    socket_.set_option(tcp::no_delay(true), ignored);
    std::string handshake;
    std::size_t expected_replies = 0;
    if (options_.password) {
        std::array<std::string_view, 2> auth{"AUTH", *options_.password};
        append_command(handshake, auth);
        ++expected_replies;
    }
    if (options_.database != 0) {
        auto database = std::to_string(options_.database);
        std::array<std::string_view, 2> select{"SELECT", database};
        append_command(handshake, select);
        ++expected_replies;
    }
    // A PING last: "up" means Redis answers, not merely that the kernel
    // accepted the connection (a hung Redis still does).
    std::array<std::string_view, 1> ping{"PING"};
    append_command(handshake, ping);
    ++expected_replies;
    auto [write_error, written] = co_await asio::async_write(socket_, asio::buffer(handshake),
                                                             asio::as_tuple(asio::use_awaitable));
    if (write_error) {
        co_return drop_reason_.empty() ? "handshake failed: " + write_error.message()
                                       : drop_reason_;
    }
    for (std::size_t index = 0; index < expected_replies; ++index) {
        std::string reason;
        auto reply = co_await read_one_reply(reason);
        if (!reply) {
            co_return drop_reason_.empty() ? reason : drop_reason_;
        }
        if (is_error_reply(*reply)) {
            // The error's code only: the text could echo what was sent.
            bool authenticating = options_.password && index == 0;
            bool pinging = index + 1 == expected_replies;
            co_return std::string(authenticating ? "AUTH refused: "
                                  : pinging      ? "PING refused: "
                                                 : "SELECT refused: ") +
                std::string(error_code(*reply));
        }
    }
    co_return "";
}

asio::awaitable<ReplyPointer> RedisConnection::read_one_reply(std::string& reason) {
    for (;;) {
        bool broken = false;
        if (auto reply = reader_.next(broken)) {
            co_return reply;
        }
        if (broken) {
            reason = "protocol error in a reply";
            co_return nullptr;
        }
        auto [error, size] = co_await socket_.async_read_some(asio::buffer(read_buffer_),
                                                              asio::as_tuple(asio::use_awaitable));
        if (error) {
            reason = error == asio::error::eof ? "connection closed by the server"
                                               : "read failed: " + error.message();
            co_return nullptr;
        }
        if (!reader_.feed(read_buffer_.data(), size)) {
            reason = "protocol error in a reply";
            co_return nullptr;
        }
    }
}

asio::awaitable<std::string> RedisConnection::read_replies() {
    for (;;) {
        std::string reason;
        auto reply = co_await read_one_reply(reason);
        if (!reply) {
            co_return drop_reason_.empty() ? reason : drop_reason_;
        }
        if (awaiting_reply_.empty()) {
            co_return "a reply nobody asked for";
        }
        auto pending = std::move(awaiting_reply_.front());
        awaiting_reply_.pop_front();
        pending->finish(CommandResult{std::move(reply), CommandFailure::none});
    }
}

void RedisConnection::start_write() {
    if (write_in_flight_ || output_.empty() || !socket_.is_open()) {
        return;
    }
    write_in_flight_ = true;
    writing_.swap(output_);
    output_.clear();
    // A failed write of an earlier connection must not close a newer one.
    asio::async_write(socket_, asio::buffer(writing_),
                      [this, self = shared_from_this(), attempt = attempt_](
                          boost::system::error_code error, std::size_t) {
                          write_in_flight_ = false;
                          writing_.clear();
                          if (error && attempt == attempt_) {
                              // The read loop sees it and reconnects.
                              drop_connection("write failed: " + error.message());
                              return;
                          }
                          start_write();
                      });
}

void RedisConnection::drop_connection(std::string_view reason) {
    if (drop_reason_.empty()) {
        drop_reason_ = reason;
    }
    boost::system::error_code ignored;
    socket_.shutdown(tcp::socket::shutdown_both, ignored);
    socket_.close(ignored);
}

void RedisConnection::fail_pending(CommandFailure failure) {
    auto awaiting = std::move(awaiting_reply_);
    auto queued = std::move(queued_);
    awaiting_reply_.clear();
    queued_.clear();
    queued_output_.clear();
    output_.clear();
    for (auto& pending : awaiting) {
        pending->finish(CommandResult{nullptr, failure});
    }
    for (auto& pending : queued) {
        pending->finish(CommandResult{nullptr, failure});
    }
}

void RedisConnection::report(bool up, std::string_view reason) {
    if (reported_up_ == up) {
        return;
    }
    reported_up_ = up;
    if (observer_) {
        observer_(up, reason);
    }
}

}  // namespace rampart::store::redis
