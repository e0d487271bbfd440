#include "limit/redis_token_uses.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include <array>

#include "store/redis/redis_connection.hpp"
#include "store/redis/redis_script.hpp"

namespace rampart::limit {

namespace asio = boost::asio;
namespace redis = store::redis;

namespace {

std::string hex_of(const KeyDigest& digest) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string text;
    text.reserve(2 * digest.bytes.size());
    for (auto byte : digest.bytes) {
        text.push_back(digits[byte >> 4]);
        text.push_back(digits[byte & 0x0f]);
    }
    return text;
}

const redis::RedisScript& script() {
    static const redis::RedisScript script(token_uses_script());
    return script;
}

void append_metric(std::string& out, std::string_view name, std::uint64_t value) {
    out.append(name).append(" ").append(std::to_string(value)).append("\n");
}

}  // namespace

std::string token_uses_key(std::string_view key_prefix, const KeyDigest& credential) {
    return std::string(key_prefix) + "tu:" + hex_of(credential);
}

std::string token_uses_reported_key(std::string_view key_prefix, const KeyDigest& credential) {
    return token_uses_key(key_prefix, credential) + ":r";
}

// KEYS: the addresses (sorted set), the reported flag. ARGV: the address,
// the window (ms), max_addresses. Returns {distinct addresses, 1 if this call
// is the one to report}. Keeps at most max_addresses + 1 addresses: enough to
// know it is over.
std::string_view token_uses_script() {
    return R"lua(
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZADD', KEYS[1], now, ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count > limit + 1 then
  redis.call('ZREMRANGEBYRANK', KEYS[1], 0, count - limit - 2)
  count = limit + 1
end
redis.call('PEXPIRE', KEYS[1], window)
if count > limit and redis.call('SET', KEYS[2], '1', 'NX', 'PX', window) then
  return {count, 1}
end
return {count, 0}
)lua";
}

RedisTokenUses::RedisTokenUses(RedisStoreSettings settings) : settings_(std::move(settings)) {}

RedisTokenUses::~RedisTokenUses() = default;

void RedisTokenUses::start(asio::any_io_executor executor, MisuseHandler handler) {
    handler_ = std::move(handler);
    auto options =
        redis_connection_options(settings_, std::max(settings_.timeout, settings_.connect_timeout));
    connection_ = redis::RedisConnection::start(
        executor, options, [this](bool up, std::string_view) { up_.store(up); });
    std::lock_guard lock(queue_mutex_);
    executor_ = executor;
}

void RedisTokenUses::report(TokenUseReport use) noexcept {
    try {
        std::lock_guard lock(queue_mutex_);
        if (queue_.size() >= max_queued || !executor_) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            return;
        }
        queue_.push_back(std::move(use));
        if (!draining_) {
            draining_ = true;
            asio::co_spawn(*executor_, drain(), asio::detached);
        }
    } catch (...) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
    }
}

asio::awaitable<void> RedisTokenUses::drain() {
    for (;;) {
        TokenUseReport use;
        {
            std::lock_guard lock(queue_mutex_);
            if (queue_.empty()) {
                draining_ = false;
                co_return;
            }
            use = std::move(queue_.front());
            queue_.pop_front();
        }
        auto addresses = token_uses_key(settings_.key_prefix, use.credential);
        auto reported = token_uses_reported_key(settings_.key_prefix, use.credential);
        auto address = hex_of(use.address);
        auto window = std::to_string(
            std::chrono::duration_cast<std::chrono::milliseconds>(use.settings.window).count());
        auto limit = std::to_string(use.settings.max_addresses);
        std::array<std::string_view, 2> keys{addresses, reported};
        std::array<std::string_view, 3> arguments{address, window, limit};
        auto connection = connection_.lock();
        if (!connection) {
            co_return;
        }
        auto result = co_await script().run(*connection, keys, arguments);
        if (!result.answered() || result.reply->type != REDIS_REPLY_ARRAY ||
            result.reply->elements != 2 || result.reply->element[0]->type != REDIS_REPLY_INTEGER ||
            result.reply->element[1]->type != REDIS_REPLY_INTEGER) {
            dropped_.fetch_add(1, std::memory_order_relaxed);
            continue;
        }
        shared_.fetch_add(1, std::memory_order_relaxed);
        if (result.reply->element[1]->integer == 1 && handler_) {
            handler_(use, static_cast<unsigned>(result.reply->element[0]->integer));
        }
    }
}

void RedisTokenUses::render_metrics(std::string& out) const {
    out.append(
        "# HELP rampart_token_uses_shared_total Token uses (new credential and address pairs) "
        "counted in Redis.\n# TYPE rampart_token_uses_shared_total counter\n");
    append_metric(out, "rampart_token_uses_shared_total", shared_.load(std::memory_order_relaxed));
    out.append(
        "# HELP rampart_token_uses_unshared_total Token uses that could not be counted in Redis "
        "(not answering, or the queue full).\n"
        "# TYPE rampart_token_uses_unshared_total counter\n");
    append_metric(out, "rampart_token_uses_unshared_total",
                  dropped_.load(std::memory_order_relaxed));
}

}  // namespace rampart::limit
