// One pipelined connection to Redis, living on one worker's io_context (the
// workers share nothing, so each has its own). hiredis formats the commands
// and parses the replies (RESP); Asio does the I/O. hiredis's own event-loop
// glue (redisAsyncContext) is not used: in Debian 12's hiredis 0.14 it has
// no connect or command timeout and resolves host names with a blocking
// getaddrinfo, and a worker thread must never block.
//
// Pipelining is natural: a command is appended to the output buffer at once
// and its reply matched in order, so many requests of one worker share one
// connection without waiting for each other. Every command has a deadline;
// a missed deadline closes the connection (a Redis that stops answering must
// not hold every request for the timeout), which then reconnects with
// exponential backoff. While it waits for the next attempt, commands fail at
// once: the caller falls back without waiting. While it connects, commands
// queue and go out after the handshake (AUTH, SELECT, PING).
//
// The API is a small asynchronous command call any component may use (rate
// limits today, bans next): co_await connection->command({"GET", key}).
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "store/redis/redis_reply.hpp"

namespace rampart::store::redis {

struct ConnectionOptions {
    boost::asio::ip::tcp::endpoint endpoint;  // an address, never a name: no resolver on a worker
    std::optional<std::string> password;      // AUTH; never logged
    int database = 0;                         // SELECT when not 0
    std::chrono::milliseconds connect_timeout{1000};  // TCP connect and handshake
    std::chrono::milliseconds command_timeout{50};    // from the call to the reply
    std::chrono::milliseconds first_backoff{100};     // doubles after each failed attempt
    std::chrono::milliseconds longest_backoff{2000};
};

enum class CommandFailure {
    none,
    unavailable,      // not connected (waiting to reconnect, or closed)
    timeout,          // no reply within command_timeout
    connection_lost,  // the connection failed before the reply
};

std::string_view describe(CommandFailure failure);

struct CommandResult {
    ReplyPointer reply;  // may be an error reply (REDIS_REPLY_ERROR): Redis answered
    CommandFailure failure = CommandFailure::none;
    bool answered() const { return failure == CommandFailure::none && reply != nullptr; }
};

class RedisConnection : public std::enable_shared_from_this<RedisConnection> {
  public:
    // Told when the connection becomes ready (true) or stops being ready
    // (false, with a reason fit for a log: no secret, no reply text). The
    // first failed attempt counts as a transition to down. Runs on the
    // connection's executor.
    using StateObserver = std::function<void(bool up, std::string_view reason)>;

    // Starts connecting at once. The connection keeps itself alive while it
    // runs (its coroutines hold it): callers may keep a weak_ptr only.
    static std::shared_ptr<RedisConnection> start(boost::asio::any_io_executor executor,
                                                  ConnectionOptions options,
                                                  StateObserver observer);

    RedisConnection(boost::asio::any_io_executor executor, ConnectionOptions options,
                    StateObserver observer);
    ~RedisConnection();
    RedisConnection(const RedisConnection&) = delete;
    RedisConnection& operator=(const RedisConnection&) = delete;

    // One command, e.g. {"EVALSHA", sha, "1", key}. Call on the connection's
    // executor only. Fails at once (unavailable) while waiting to reconnect.
    boost::asio::awaitable<CommandResult> command(std::span<const std::string_view> arguments);

    bool ready() const { return state_ == State::ready; }
    // Stops for good: pending commands fail, no reconnection.
    void close();

  private:
    enum class State { connecting, ready, waiting_to_reconnect, closed };
    struct Pending;

    boost::asio::awaitable<void> run();
    // Connects and sends the handshake; an empty string on success, else the reason.
    boost::asio::awaitable<std::string> connect_and_handshake();
    boost::asio::awaitable<std::string> read_replies();
    // The next complete reply, reading from the socket as needed.
    boost::asio::awaitable<ReplyPointer> read_one_reply(std::string& reason);
    void append(std::span<const std::string_view> arguments);
    void start_write();
    // Closes the socket; the first reason given in an attempt is the one reported.
    void drop_connection(std::string_view reason);
    void fail_pending(CommandFailure failure);
    void report(bool up, std::string_view reason);

    boost::asio::any_io_executor executor_;
    ConnectionOptions options_;
    StateObserver observer_;
    boost::asio::ip::tcp::socket socket_;
    ReplyReader reader_;
    std::array<char, 16 * 1024> read_buffer_;
    State state_ = State::connecting;
    std::optional<bool> reported_up_;
    std::uint64_t attempt_ = 0;
    std::string drop_reason_;
    std::string output_;   // formatted commands not yet handed to the socket
    std::string writing_;  // the buffer the socket is writing now
    bool write_in_flight_ = false;
    std::deque<std::shared_ptr<Pending>> awaiting_reply_;  // written, in order
    // Commands sent while connecting, sent after the handshake.
    std::deque<std::shared_ptr<Pending>> queued_;
    std::string queued_output_;
};

}  // namespace rampart::store::redis
