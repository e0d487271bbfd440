#include "limit/redis_ban_list.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <array>

#include "store/redis/redis_connection.hpp"
#include "store/redis/redis_script.hpp"

namespace rampart::limit {

namespace asio = boost::asio;
namespace redis = store::redis;

namespace {

const redis::RedisScript& add_script() {
    static const redis::RedisScript script(ban_add_script());
    return script;
}

const redis::RedisScript& lift_script() {
    static const redis::RedisScript script(ban_lift_script());
    return script;
}

const redis::RedisScript& load_script() {
    static const redis::RedisScript script(ban_load_script());
    return script;
}

std::string milliseconds_text(BanTime time) {
    return std::to_string(
        std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch()).count());
}

std::string_view reply_text(const redisReply& reply) {
    return reply.type == REDIS_REPLY_STRING ? std::string_view(reply.str, reply.len)
                                            : std::string_view();
}

void append_metric(std::string& out, std::string_view name, std::string_view labels,
                   std::uint64_t value) {
    out.append(name).append(labels).append(" ").append(std::to_string(value)).append("\n");
}

}  // namespace

RedisBanList::RedisBanList(BanListOptions options, RedisStoreSettings settings)
    : local_(options),
      settings_(std::move(settings)),
      keys_(shared_ban_keys(settings_.key_prefix)) {}

RedisBanList::~RedisBanList() = default;

BanResult<Ban> RedisBanList::add(const BanRequest& request, BanTime now) {
    auto added = local_.add(request, now);
    if (added) {
        enqueue({false, *added});
    }
    return added;
}

std::optional<Ban> RedisBanList::lift(std::string_view id) {
    auto lifted = local_.lift(id);
    if (lifted) {
        enqueue({true, *lifted});
    }
    return lifted;
}

void RedisBanList::enqueue(Change change) {
    std::lock_guard lock(pending_mutex_);
    if (pending_.size() >= max_pending_changes) {
        // A long outage under a flood of automatic bans: the copy still
        // enforces them here; the oldest change is the first to lose.
        pending_.pop_front();
        dropped_changes_.fetch_add(1, std::memory_order_relaxed);
    }
    change.sequence = ++next_sequence_;
    pending_.push_back(std::move(change));
}

PendingBanChanges RedisBanList::pending_changes() const {
    PendingBanChanges changes;
    std::lock_guard lock(pending_mutex_);
    for (const auto& change : pending_) {
        changes.ids.insert(change.ban.id);
        changes.members.insert(shared_ban_member(change.ban.kind, change.ban.target));
    }
    return changes;
}

void RedisBanList::seed_from_copy() {
    auto bans = local_.list(BanClock::now());
    std::lock_guard lock(pending_mutex_);
    for (auto& ban : bans) {
        pending_.push_back({false, std::move(ban), ++next_sequence_});
    }
}

void RedisBanList::start(asio::any_io_executor executor, std::function<bool()> running) {
    auto connection = redis::RedisConnection::start(
        executor,
        redis_connection_options(
            settings_,
            // The control thread is not a request path: a slow Redis may take up to
            // the connect timeout (a full load of many bans is one larger reply).
            std::max(settings_.timeout, settings_.connect_timeout)),
        [this](bool up, std::string_view reason) { on_state(up, reason); });
    asio::co_spawn(executor, run(std::move(connection), std::move(running)), asio::detached);
}

asio::awaitable<void> RedisBanList::run(std::shared_ptr<redis::RedisConnection> connection,
                                        std::function<bool()> running) {
    asio::steady_timer timer(co_await asio::this_coro::executor);
    while (running()) {
        if (connection->ready() && (checked_since_connect_ || co_await check_state(*connection)) &&
            co_await write_pending(*connection)) {
            co_await follow(*connection);
        }
        timer.expires_after(poll_interval);
        co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    connection->close();
}

asio::awaitable<bool> RedisBanList::write_pending(redis::RedisConnection& connection) {
    for (;;) {
        Change change;
        {
            std::lock_guard lock(pending_mutex_);
            if (pending_.empty()) {
                co_return true;
            }
            change = pending_.front();
        }
        auto member = shared_ban_member(change.ban.kind, change.ban.target);
        auto ban_key = keys_.ban_prefix + member;
        std::array<std::string_view, 3> keys{keys_.version, keys_.index, ban_key};
        redis::CommandResult result;
        if (change.lift) {
            std::array<std::string_view, 1> arguments{member};
            result = co_await lift_script().run(connection, keys, arguments);
        } else {
            auto record = encode_shared_ban(change.ban);
            auto expiry = milliseconds_text(change.ban.expires_at);
            std::array<std::string_view, 3> arguments{member, record, expiry};
            result = co_await add_script().run(connection, keys, arguments);
        }
        if (!result.answered()) {
            co_return false;  // kept: written when Redis answers again
        }
        std::lock_guard lock(pending_mutex_);
        // An error reply (say, a key of another type in the way) will not go
        // better on a retry: it is dropped and counted. The front is the
        // change just written unless a full queue dropped it meanwhile.
        if (redis::is_error_reply(*result.reply)) {
            dropped_changes_.fetch_add(1, std::memory_order_relaxed);
        }
        if (!pending_.empty() && pending_.front().sequence == change.sequence) {
            pending_.pop_front();
        }
    }
}

// Before anything is written on a new connection: a Redis without ban state
// (new, flushed, or restarted without persistence) gets this copy back, the
// changes waiting included, before they move its version (a version that
// starts again from 1 would look unchanged).
asio::awaitable<bool> RedisBanList::check_state(redis::RedisConnection& connection) {
    std::array<std::string_view, 2> get{"GET", keys_.version};
    auto version = co_await connection.command(get);
    if (!version.answered() || redis::is_error_reply(*version.reply)) {
        co_return false;
    }
    if (reply_text(*version.reply).empty() && local_.size() > 0) {
        seed_from_copy();
    }
    checked_since_connect_ = true;
    loaded_once_ = false;  // whatever the version says, load the whole state once
    co_return true;
}

asio::awaitable<void> RedisBanList::follow(redis::RedisConnection& connection) {
    std::array<std::string_view, 2> get{"GET", keys_.version};
    auto version = co_await connection.command(get);
    if (!version.answered() || redis::is_error_reply(*version.reply)) {
        co_return;
    }
    auto current = reply_text(*version.reply);
    if (current.empty()) {
        // Flushed while connected: put the copy back.
        if (local_.size() > 0) {
            seed_from_copy();
        }
        co_return;
    }
    if (loaded_once_ && current == version_) {
        co_return;
    }
    auto now = BanClock::now();
    std::array<std::string_view, 2> keys{keys_.version, keys_.index};
    auto now_text = milliseconds_text(now);
    std::array<std::string_view, 2> arguments{now_text, keys_.ban_prefix};
    auto loaded = co_await load_script().run(connection, keys, arguments);
    if (!loaded.answered() || loaded.reply->type != REDIS_REPLY_ARRAY ||
        loaded.reply->elements == 0) {
        co_return;
    }
    std::vector<Ban> shared;
    shared.reserve(loaded.reply->elements - 1);
    for (std::size_t index = 1; index < loaded.reply->elements; ++index) {
        if (auto ban = decode_shared_ban(reply_text(*loaded.reply->element[index]))) {
            shared.push_back(std::move(*ban));
        }
    }
    auto changes = reconcile_bans(local_.list(now), shared, pending_changes());
    for (const auto& ban : changes.to_put) {
        local_.put(ban, now);
    }
    for (const auto& id : changes.to_drop) {
        local_.lift(id);
    }
    version_ = std::string(reply_text(*loaded.reply->element[0]));
    loaded_once_ = true;
    reloads_.fetch_add(1, std::memory_order_relaxed);
}

void RedisBanList::on_state(bool up, std::string_view reason) {
    if (!up) {
        checked_since_connect_ = false;
    }
    if (up_.exchange(up, std::memory_order_relaxed) == up &&
        (transitions_up_ + transitions_down_) > 0) {
        return;
    }
    (up ? transitions_up_ : transitions_down_).fetch_add(1, std::memory_order_relaxed);
    if (observer_) {
        observer_(up, reason);
    }
}

void RedisBanList::render_metrics(std::string& out) const {
    out.append(
        "# HELP rampart_bans_redis_up 1 while the shared ban list's Redis answers.\n"
        "# TYPE rampart_bans_redis_up gauge\n");
    append_metric(out, "rampart_bans_redis_up", "", up_.load(std::memory_order_relaxed));
    out.append(
        "# HELP rampart_bans_redis_transitions_total Changes of the ban list's Redis between up "
        "and down.\n# TYPE rampart_bans_redis_transitions_total counter\n");
    append_metric(out, "rampart_bans_redis_transitions_total", "{to=\"up\"}",
                  transitions_up_.load(std::memory_order_relaxed));
    append_metric(out, "rampart_bans_redis_transitions_total", "{to=\"down\"}",
                  transitions_down_.load(std::memory_order_relaxed));
    std::size_t pending = 0;
    {
        std::lock_guard lock(pending_mutex_);
        pending = pending_.size();
    }
    out.append(
        "# HELP rampart_bans_pending_writes Ban changes made here and not yet written to Redis.\n"
        "# TYPE rampart_bans_pending_writes gauge\n");
    append_metric(out, "rampart_bans_pending_writes", "", pending);
    out.append(
        "# HELP rampart_bans_dropped_writes_total Ban changes never written to Redis (queue full "
        "during an outage, or refused by Redis).\n"
        "# TYPE rampart_bans_dropped_writes_total counter\n");
    append_metric(out, "rampart_bans_dropped_writes_total", "",
                  dropped_changes_.load(std::memory_order_relaxed));
    out.append(
        "# HELP rampart_bans_reloads_total Loads of the shared ban list after a change.\n"
        "# TYPE rampart_bans_reloads_total counter\n");
    append_metric(out, "rampart_bans_reloads_total", "", reloads_.load(std::memory_order_relaxed));
}

}  // namespace rampart::limit
