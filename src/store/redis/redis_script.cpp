#include "store/redis/redis_script.hpp"

#include <openssl/sha.h>

#include <array>
#include <vector>

namespace rampart::store::redis {

RedisScript::RedisScript(std::string_view text) : text_(text) {
    std::array<unsigned char, SHA_DIGEST_LENGTH> digest{};
    SHA1(reinterpret_cast<const unsigned char*>(text_.data()), text_.size(), digest.data());
    static constexpr char digits[] = "0123456789abcdef";
    for (auto byte : digest) {
        sha1_.push_back(digits[byte >> 4]);
        sha1_.push_back(digits[byte & 0x0f]);
    }
}

boost::asio::awaitable<CommandResult> RedisScript::run(
    RedisConnection& connection, std::span<const std::string_view> keys,
    std::span<const std::string_view> arguments) const {
    auto key_count = std::to_string(keys.size());
    std::vector<std::string_view> command;
    command.reserve(3 + keys.size() + arguments.size());
    command.push_back("EVALSHA");
    command.push_back(sha1_);
    command.push_back(key_count);
    for (auto key : keys) {
        command.push_back(key);
    }
    for (auto argument : arguments) {
        command.push_back(argument);
    }
    auto result = co_await connection.command(command);
    if (result.answered() && error_code(*result.reply) == "NOSCRIPT") {
        command[0] = "EVAL";
        command[1] = text_;
        result = co_await connection.command(command);
    }
    co_return result;
}

}  // namespace rampart::store::redis
