// Temporary bans: of a client address (an IPv4 address or network, an IPv6
// /64 or a wider network), of a consumer (API key or certificate consumer
// name), of a subject (a user or client id) or of one credential (a token by
// its jti, an API key by its id, any bearer credential by its SHA-256). Every
// ban expires; none is longer than the list's maximum TTL.
//
// The interface lets a shared variant (Redis, next: every instance sees a ban
// as soon as one adds it) replace the in-process list without touching its
// callers, as RateLimitStore does for rate-limit counters. Checks run on
// every accepted connection and request: they never allocate, and cost one
// relaxed atomic load while the list is empty.
#pragma once

#include <boost/asio/ip/address.hpp>
#include <boost/system/result.hpp>

#include <array>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "limit/limit_key.hpp"

namespace rampart::limit {

using BanClock = std::chrono::system_clock;
using BanTime = BanClock::time_point;

enum class BanKind : std::uint8_t { address, consumer, subject, token };

std::string_view to_string(BanKind kind) noexcept;
std::optional<BanKind> ban_kind_from(std::string_view name) noexcept;

struct Ban {
    std::string id;  // "ban_" and 16 hex digits: names the ban for lifting
    BanKind kind = BanKind::address;
    // Canonical: "203.0.113.7", "10.0.0.0/8", "2001:db8:1:2::/64"; a consumer
    // or subject as given; "jti:<id>", "api_key:<id>" or "sha256:<64 hex>".
    std::string target;
    std::string reason;
    std::string created_by;  // "admin" (API or CLI), or "auto:<rule>" for a detector
    BanTime created_at;
    BanTime expires_at;
    // Made by an administrator: kept in the store, so it survives a restart.
    bool persistent = false;
};

struct BanRequest {
    BanKind kind = BanKind::address;
    std::string target;  // as an administrator writes it; canonicalised by add()
    std::string reason;
    std::string created_by;
    std::chrono::seconds ttl{0};  // 0: the list's default TTL
    bool persistent = false;
};

// What a check found. Fixed size: copying the ban's id out of the list
// allocates nothing.
struct BanCheck {
    bool banned = false;
    // The first refusal under this ban within the report window: worth a
    // `banned_request_refused` event (later ones are not: no flood of events).
    bool report = false;
    std::chrono::seconds retry_after{0};  // whole seconds until expiry, at least 1
    std::array<char, 24> id_buffer{};
    std::uint8_t id_length = 0;

    std::string_view id() const noexcept { return {id_buffer.data(), id_length}; }
};

struct BanListOptions {
    std::size_t max_entries = 100'000;
    std::chrono::seconds default_ttl{60 * 60};
    std::chrono::seconds max_ttl{7 * 24 * 60 * 60};
    std::chrono::seconds report_interval{60};  // one banned_request_refused per ban per interval
};

// Why a ban cannot be made: a fixed message naming the field ("target: ...",
// "ttl: ..."), safe to show an administrator; it never repeats the input.
// (Not constructible from a string alone, so a BanResult<std::string> knows
// which side a string goes to.)
struct BanError {
    BanError() = default;
    BanError(std::in_place_t, std::string text) : message(std::move(text)) {}
    std::string message;
};

inline BanError ban_error(std::string text) {
    return BanError(std::in_place, std::move(text));
}

[[noreturn]] inline void throw_exception_from_error(const BanError& error,
                                                    const boost::source_location&) {
    throw std::invalid_argument(error.message);
}

template <class T>
using BanResult = boost::system::result<T, BanError>;

// The canonical target of a ban, or why `text` is none for `kind` (a fixed
// message, safe to show: it never repeats the text).
BanResult<std::string> canonical_ban_target(BanKind kind, std::string_view text);

class BanList {
  public:
    virtual ~BanList() = default;

    // Hot path. `value` is a consumer or subject name, or a token target
    // ("jti:<id>", "api_key:<id>", "sha256:<hex>").
    virtual BanCheck check_address(const boost::asio::ip::address& address,
                                   BanTime now) noexcept = 0;
    virtual BanCheck check(BanKind kind, std::string_view value, BanTime now) noexcept = 0;
    // A token ban's target without building it: ("jti", id) checks "jti:<id>".
    virtual BanCheck check_token(std::string_view form, std::string_view value,
                                 BanTime now) noexcept = 0;
    // Whether any token ban by SHA-256 exists: only then is the presented
    // credential worth hashing.
    virtual bool has_token_digest_bans() const noexcept = 0;

    // A ban for a target that is banned already replaces it (a later expiry,
    // a new reason) and keeps its id. Errors are fixed messages naming the
    // field: "target: ...", "ttl: ...", or "the ban list is full".
    virtual BanResult<Ban> add(const BanRequest& request, BanTime now) = 0;
    // Adds a ban as it was (loaded from the store at start); expired: ignored.
    virtual void restore(const Ban& ban, BanTime now) = 0;
    // The lifted ban, or nothing when no such id is in force.
    virtual std::optional<Ban> lift(std::string_view id) = 0;
    virtual std::optional<Ban> find(std::string_view id, BanTime now) const = 0;
    // Bans in force, soonest expiry first.
    virtual std::vector<Ban> list(BanTime now) const = 0;
    // Drops expired bans and returns them (for `ban_expired` events).
    virtual std::vector<Ban> remove_expired(BanTime now) = 0;
    virtual std::size_t size() const noexcept = 0;
    virtual const BanListOptions& options() const noexcept = 0;
};

class InProcessBanList final : public BanList {
  public:
    explicit InProcessBanList(BanListOptions options = {});

    BanCheck check_address(const boost::asio::ip::address& address, BanTime now) noexcept override;
    BanCheck check(BanKind kind, std::string_view value, BanTime now) noexcept override;
    BanCheck check_token(std::string_view form, std::string_view value,
                         BanTime now) noexcept override;
    bool has_token_digest_bans() const noexcept override {
        return token_digest_bans_.load(std::memory_order_relaxed) > 0;
    }
    BanResult<Ban> add(const BanRequest& request, BanTime now) override;
    void restore(const Ban& ban, BanTime now) override;
    std::optional<Ban> lift(std::string_view id) override;
    std::optional<Ban> find(std::string_view id, BanTime now) const override;
    std::vector<Ban> list(BanTime now) const override;
    std::vector<Ban> remove_expired(BanTime now) override;
    std::size_t size() const noexcept override { return count_.load(std::memory_order_relaxed); }
    const BanListOptions& options() const noexcept override { return options_; }

    // Makes the list hold `ban` exactly (its id, expiry and reason), replacing
    // a ban of the same target: a copy kept in step with a shared store.
    // False when it is expired, not canonical, or the list is full.
    bool put(const Ban& ban, BanTime now);

  private:
    struct Entry {
        Ban ban;
        std::int64_t expires_at_ns = 0;
        mutable std::atomic<std::int64_t> last_report_ns{0};  // 0: never reported
    };
    using Table = std::unordered_map<KeyDigest, std::unique_ptr<Entry>, KeyDigestHash>;

    BanCheck check_key(const KeyDigest& key, std::int64_t now_ns) const noexcept;
    BanResult<void> insert(Ban ban, BanTime now);
    void erase_locked(Table::iterator position);
    void sweep_locked(std::int64_t now_ns, std::vector<Ban>* expired);

    BanListOptions options_;
    mutable std::shared_mutex mutex_;
    Table entries_;                                   // by the digest of kind and target
    std::unordered_map<std::string, KeyDigest> ids_;  // id -> key
    // Address bans by prefix length: how many there are of each (index
    // 0..32 IPv4, 33..161 IPv6 /0../128), so a check only tries the lengths
    // in use.
    std::array<std::uint32_t, 33 + 129> prefix_counts_{};
    std::atomic<std::size_t> count_{0};
    std::atomic<std::size_t> address_bans_{0};
    std::atomic<std::size_t> token_digest_bans_{0};
};

}  // namespace rampart::limit
