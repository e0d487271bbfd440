// The ban list shared through Redis (rate_limit.store.type: redis): every
// instance enforces a ban added on any of them and drops one lifted anywhere.
//
// Checks stay local: this instance's copy is an InProcessBanList, so the hot
// path is the same lookup without allocation as in embedded mode. The copy
// follows Redis through a short poll on the control thread (never a worker):
// every POLL_INTERVAL one GET of a version counter that each change INCRs, and
// a full load only when it moved. A poll rather than keyspace notifications:
// notifications need `notify-keyspace-events` set on the server (a config
// change a managed Redis may not allow), are lost while a connection is down
// (a poll catches up by itself), and a reader still needs the full state on
// connect; one GET per 250 ms per instance is nothing.
//
// Changes made here (admin API, CLI, the detectors) apply to the copy at once
// and queue for Redis; the control thread writes them in order. While Redis
// does not answer, the copy is enforced as it is and changes wait in the
// queue (bounded); they are written when Redis is back, before the first
// load, so a ban added during an outage reaches the other instances then.
// A Redis that comes back empty (no version: restarted without persistence,
// or flushed) is seeded with this copy.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "limit/ban_list.hpp"
#include "limit/shared_ban_state.hpp"
#include "limit/store_settings.hpp"

namespace rampart::store::redis {
class RedisConnection;
}

namespace rampart::limit {

class RedisBanList final : public BanList {
  public:
    static constexpr std::chrono::milliseconds poll_interval{250};
    static constexpr std::size_t max_pending_changes = 10'000;

    // Told when Redis becomes reachable (true) or not (false), with a reason
    // fit for a log. Runs on the control thread.
    using StateObserver = std::function<void(bool up, std::string_view reason)>;

    RedisBanList(BanListOptions options, RedisStoreSettings settings);
    ~RedisBanList() override;

    BanCheck check_address(const boost::asio::ip::address& address, BanTime now) noexcept override {
        return local_.check_address(address, now);
    }
    BanCheck check(BanKind kind, std::string_view value, BanTime now) noexcept override {
        return local_.check(kind, value, now);
    }
    BanCheck check_token(std::string_view form, std::string_view value,
                         BanTime now) noexcept override {
        return local_.check_token(form, value, now);
    }
    bool has_token_digest_bans() const noexcept override { return local_.has_token_digest_bans(); }

    BanResult<Ban> add(const BanRequest& request, BanTime now) override;
    // Into the copy only: Redis is the record in shared mode. A stored ban
    // reaches Redis only if Redis has no ban state at all (seeding).
    void restore(const Ban& ban, BanTime now) override { local_.restore(ban, now); }
    std::optional<Ban> lift(std::string_view id) override;
    std::optional<Ban> find(std::string_view id, BanTime now) const override {
        return local_.find(id, now);
    }
    std::vector<Ban> list(BanTime now) const override { return local_.list(now); }
    std::vector<Ban> remove_expired(BanTime now) override { return local_.remove_expired(now); }
    std::size_t size() const noexcept override { return local_.size(); }
    const BanListOptions& options() const noexcept override { return local_.options(); }

    void set_state_observer(StateObserver observer) { observer_ = std::move(observer); }
    // Starts the connection and the sync loop on `executor` (the control
    // thread); it runs while `running()` says so.
    void start(boost::asio::any_io_executor executor, std::function<bool()> running);
    // Prometheus text: up, transitions, pending changes.
    void render_metrics(std::string& out) const;

  private:
    struct Change {
        bool lift = false;
        Ban ban;
        std::uint64_t sequence = 0;  // tells the written change from a newer front
    };

    boost::asio::awaitable<void> run(std::shared_ptr<store::redis::RedisConnection> connection,
                                     std::function<bool()> running);
    // Writes the queued changes in order; false when Redis did not answer.
    boost::asio::awaitable<bool> write_pending(store::redis::RedisConnection& connection);
    boost::asio::awaitable<bool> check_state(store::redis::RedisConnection& connection);
    // Reloads the copy if the version moved.
    boost::asio::awaitable<void> follow(store::redis::RedisConnection& connection);
    void enqueue(Change change);
    void seed_from_copy();
    PendingBanChanges pending_changes() const;
    void on_state(bool up, std::string_view reason);

    InProcessBanList local_;
    RedisStoreSettings settings_;
    SharedBanKeys keys_;
    StateObserver observer_;
    std::string version_;  // the last version loaded (control thread only)
    bool loaded_once_ = false;
    bool checked_since_connect_ = false;  // control thread only

    mutable std::mutex pending_mutex_;
    std::deque<Change> pending_;
    std::uint64_t next_sequence_ = 0;
    std::atomic<std::uint64_t> dropped_changes_{0};
    std::atomic<bool> up_{false};
    std::atomic<std::uint64_t> transitions_up_{0};
    std::atomic<std::uint64_t> transitions_down_{0};
    std::atomic<std::uint64_t> reloads_{0};
};

}  // namespace rampart::limit
