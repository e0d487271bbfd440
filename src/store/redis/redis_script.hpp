// A Lua script run with EVALSHA, sent with EVAL when Redis does not have it
// (NOSCRIPT: a new, restarted or flushed server). Redis runs a script alone:
// what it reads and writes is one atomic step.
#pragma once

#include <boost/asio/awaitable.hpp>

#include <span>
#include <string>
#include <string_view>

#include "store/redis/redis_connection.hpp"

namespace rampart::store::redis {

class RedisScript {
  public:
    explicit RedisScript(std::string_view text);

    // On the connection's executor. Keys first, then arguments.
    boost::asio::awaitable<CommandResult> run(RedisConnection& connection,
                                              std::span<const std::string_view> keys,
                                              std::span<const std::string_view> arguments) const;

    const std::string& sha1() const { return sha1_; }

  private:
    std::string text_;
    std::string sha1_;
};

}  // namespace rampart::store::redis
