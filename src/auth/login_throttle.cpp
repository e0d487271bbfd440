#include "auth/login_throttle.hpp"

#include <sodium.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <list>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace rampart::auth {

namespace {

using std::chrono::nanoseconds;
using std::chrono::seconds;
using TimePoint = LoginThrottle::TimePoint;
using Key = std::array<std::uint64_t, 2>;

constexpr std::chrono::minutes bucket_length{10};
constexpr std::size_t hour_buckets = 7;  // any hour lies within 7 consecutive 10-minute buckets

struct KeyHash {
    std::size_t operator()(const Key& key) const { return key[0]; }  // already keyed-random
};

struct AccountState {
    unsigned consecutive_failures = 0;
    TimePoint last_failure{};
    TimePoint blocked_until{};
    std::int64_t newest_bucket = 0;
    std::array<std::uint32_t, hour_buckets> failures_per_bucket{};  // [0] is newest_bucket
    // Distinct addresses that failed on the account lately, with their last
    // failure; at most distributed_distinct_addresses of them.
    std::vector<std::pair<Key, TimePoint>> recent_addresses;
    TimePoint distributed_reported_at{};
    bool distributed_reported = false;
};

struct AddressState {
    TimePoint window_start{};
    unsigned failures_in_window = 0;
    std::vector<std::pair<Key, TimePoint>> recent_accounts;  // distinct, with their last failure
    TimePoint banned_until{};
};

// A map with a size cap and two recency lists. Entries worth keeping (a
// throttled account, a banned address) are evicted only when no other entry
// is left, or when they have stopped being worth keeping.
template <typename State>
class BoundedTable {
  public:
    explicit BoundedTable(std::size_t capacity) : capacity_(capacity) {}

    const State* find(const Key& key) const {
        auto found = entries_.find(key);
        return found == entries_.end() ? nullptr : &found->second.state;
    }

    // The entry for `key`, created (after an eviction when full) if absent,
    // and marked most recent. `still_precious` tells whether the oldest
    // precious entry still deserves its place.
    template <typename StillPrecious>
    State& touch(const Key& key, StillPrecious still_precious) {
        auto found = entries_.find(key);
        if (found != entries_.end()) {
            Entry& entry = found->second;
            auto& list = entry.precious ? precious_ : ordinary_;
            list.splice(list.begin(), list, entry.position);
            return entry.state;
        }
        if (entries_.size() >= capacity_) {
            evict_one(still_precious);
        }
        ordinary_.push_front(key);
        Entry& entry = entries_[key];
        entry.position = ordinary_.begin();
        return entry.state;
    }

    void set_precious(const Key& key, bool precious) {
        Entry& entry = entries_.at(key);
        if (entry.precious == precious) {
            return;
        }
        auto& from = entry.precious ? precious_ : ordinary_;
        auto& to = precious ? precious_ : ordinary_;
        to.splice(to.begin(), from, entry.position);
        entry.precious = precious;
    }

    void erase(const Key& key) {
        auto found = entries_.find(key);
        if (found == entries_.end()) {
            return;
        }
        (found->second.precious ? precious_ : ordinary_).erase(found->second.position);
        entries_.erase(found);
    }

    std::size_t size() const { return entries_.size(); }

  private:
    struct Entry {
        State state;
        bool precious = false;
        std::list<Key>::iterator position;
    };

    template <typename StillPrecious>
    void evict_one(StillPrecious still_precious) {
        if (!precious_.empty() && !still_precious(entries_.at(precious_.back()).state)) {
            erase(precious_.back());
        } else if (!ordinary_.empty()) {
            erase(ordinary_.back());
        } else if (!precious_.empty()) {
            erase(precious_.back());
        }
    }

    std::size_t capacity_;
    std::unordered_map<Key, Entry, KeyHash> entries_;
    std::list<Key> ordinary_;  // most recent first
    std::list<Key> precious_;
};

seconds whole_seconds_rounded_up(nanoseconds wait) {
    return std::max(seconds(1), std::chrono::ceil<seconds>(wait));
}

void check_settings(const LoginThrottleSettings& settings) {
    if (settings.base_delay <= seconds(0) || settings.base_delay > settings.maximum_delay) {
        throw std::invalid_argument(
            "login throttle: base delay must be positive and at most the maximum delay");
    }
    if (settings.maximum_failures_per_hour == 0 || settings.spraying_distinct_accounts == 0 ||
        settings.address_failure_limit == 0 || settings.address_window <= seconds(0) ||
        settings.ban_duration <= seconds(0) || settings.distributed_distinct_addresses < 2) {
        throw std::invalid_argument("login throttle: limits and windows must be positive");
    }
    if (settings.maximum_accounts == 0 || settings.maximum_addresses == 0) {
        throw std::invalid_argument("login throttle: the table sizes must be positive");
    }
}

}  // namespace

struct LoginThrottle::State {
    explicit State(const LoginThrottleSettings& settings)
        : settings(settings),
          accounts(settings.maximum_accounts),
          addresses(settings.maximum_addresses) {
        if (sodium_init() < 0) {
            throw std::runtime_error("libsodium could not be initialised");
        }
        randombytes_buf(hash_key.data(), hash_key.size());
    }

    Key keyed_hash(char domain, std::string_view bytes) const {
        std::string input;
        input.reserve(1 + bytes.size());
        input.push_back(domain);
        input.append(bytes);
        std::array<unsigned char, crypto_shorthash_siphashx24_BYTES> digest;
        crypto_shorthash_siphashx24(digest.data(),
                                    reinterpret_cast<const unsigned char*>(input.data()),
                                    input.size(), hash_key.data());
        Key key;
        std::memcpy(key.data(), digest.data(), sizeof key);
        return key;
    }

    Key account_key(std::string_view account) const { return keyed_hash('a', account); }

    // IPv4 (also when mapped into IPv6) by address; IPv6 by /64, the block a
    // single host or customer can choose addresses from at will.
    Key address_key(const boost::asio::ip::address& address) const {
        if (address.is_v6() && !address.to_v6().is_v4_mapped()) {
            auto bytes = address.to_v6().to_bytes();
            return keyed_hash('6',
                              std::string_view(reinterpret_cast<const char*>(bytes.data()), 8));
        }
        auto bytes = address.is_v4() ? address.to_v4().to_bytes()
                                     : boost::asio::ip::make_address_v4(boost::asio::ip::v4_mapped,
                                                                        address.to_v6())
                                           .to_bytes();
        return keyed_hash(
            '4', std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
    }

    // --- accounts ---

    static std::int64_t bucket_of(TimePoint now) {
        return std::chrono::floor<std::chrono::minutes>(now.time_since_epoch()).count() /
               bucket_length.count();
    }

    static TimePoint start_of_bucket(std::int64_t bucket) {
        return TimePoint(std::chrono::duration_cast<TimePoint::duration>(bucket * bucket_length));
    }

    // The count of bucket `newest_bucket - i`, or 0 when it is out of the
    // hour that ends at `now`.
    static std::uint32_t bucket_count(const AccountState& state, std::size_t i, TimePoint now) {
        std::int64_t bucket = state.newest_bucket - static_cast<std::int64_t>(i);
        return bucket > bucket_of(now) - static_cast<std::int64_t>(hour_buckets)
                   ? state.failures_per_bucket[i]
                   : 0;
    }

    static unsigned failures_in_last_hour(const AccountState& state, TimePoint now) {
        unsigned total = 0;
        for (std::size_t i = 0; i < hour_buckets; ++i) {
            total += bucket_count(state, i, now);
        }
        return total;
    }

    // How long until the hourly count drops below the cap (0 when it is below).
    nanoseconds hourly_cap_wait(const AccountState& state, TimePoint now) const {
        unsigned total = failures_in_last_hour(state, now);
        for (std::size_t i = hour_buckets;
             i-- > 0 && total >= settings.maximum_failures_per_hour;) {
            std::uint32_t count = bucket_count(state, i, now);
            total -= count;
            if (count != 0 && total < settings.maximum_failures_per_hour) {
                std::int64_t bucket = state.newest_bucket - static_cast<std::int64_t>(i);
                return start_of_bucket(bucket + static_cast<std::int64_t>(hour_buckets)) - now;
            }
        }
        return nanoseconds(0);
    }

    static void roll_buckets(AccountState& state, TimePoint now) {
        std::int64_t current = bucket_of(now);
        std::int64_t shift = current - state.newest_bucket;
        if (shift <= 0) {
            return;
        }
        auto& counts = state.failures_per_bucket;
        if (shift >= static_cast<std::int64_t>(hour_buckets)) {
            counts.fill(0);
        } else {
            std::move_backward(counts.begin(), counts.end() - shift, counts.end());
            std::fill(counts.begin(), counts.begin() + shift, 0);
        }
        state.newest_bucket = current;
    }

    // Counted from the end of the block, not from the failure: an attacker who
    // waits out the longest delay must not find the backoff restarted.
    // (blocked_until is never earlier than the last failure.)
    bool is_forgotten(const AccountState& state, TimePoint now) const {
        return now - state.blocked_until >= settings.forget_failures_after;
    }

    seconds delay_after(unsigned consecutive_failures) const {
        if (consecutive_failures <= settings.free_attempts) {
            return seconds(0);
        }
        unsigned doublings = consecutive_failures - settings.free_attempts - 1;
        seconds delay = settings.base_delay;
        for (unsigned i = 0; i < doublings && delay < settings.maximum_delay; ++i) {
            delay *= 2;
        }
        return std::min(delay, settings.maximum_delay);
    }

    bool account_is_precious(const AccountState& state, TimePoint now) const {
        return now < state.blocked_until ||
               (state.consecutive_failures >= settings.free_attempts &&
                !is_forgotten(state, now)) ||
               failures_in_last_hour(state, now) >= settings.maximum_failures_per_hour;
    }

    nanoseconds account_wait(const Key& key, TimePoint now) const {
        const AccountState* state = accounts.find(key);
        if (state == nullptr) {
            return nanoseconds(0);
        }
        nanoseconds backoff = std::max(nanoseconds(0), state->blocked_until - now);
        return std::max(backoff, hourly_cap_wait(*state, now));
    }

    // Whether this failure makes `address` the n-th distinct one on the
    // account within the window, for the first time in that window.
    bool record_account_address(AccountState& state, const Key& address, TimePoint now) const {
        auto& recent = state.recent_addresses;
        std::erase_if(
            recent, [&](const auto& seen) { return now - seen.second >= settings.address_window; });
        auto same = std::find_if(recent.begin(), recent.end(),
                                 [&](const auto& seen) { return seen.first == address; });
        if (same != recent.end()) {
            same->second = now;
            return false;
        }
        if (recent.size() >= settings.distributed_distinct_addresses) {
            recent.erase(
                std::min_element(recent.begin(), recent.end(),
                                 [](const auto& a, const auto& b) { return a.second < b.second; }));
        }
        recent.emplace_back(address, now);
        bool over = recent.size() >= settings.distributed_distinct_addresses;
        if (!over || (state.distributed_reported &&
                      now - state.distributed_reported_at < settings.address_window)) {
            return false;
        }
        state.distributed_reported = true;
        state.distributed_reported_at = now;
        return true;
    }

    // True when the failure revealed distributed stuffing on the account.
    bool record_account_failure(const Key& key, const Key& address, TimePoint now) {
        AccountState& state = accounts.touch(key, [this, now](const AccountState& oldest) {
            return account_is_precious(oldest, now);
        });
        if (is_forgotten(state, now)) {
            state.consecutive_failures = 0;
        }
        roll_buckets(state, now);
        ++state.failures_per_bucket[0];
        ++state.consecutive_failures;
        state.last_failure = now;
        state.blocked_until =
            std::max(state.blocked_until, now + delay_after(state.consecutive_failures));
        bool distributed = record_account_address(state, address, now);
        accounts.set_precious(key, account_is_precious(state, now));
        return distributed;
    }

    // --- addresses ---

    static bool is_banned(const AddressState& state, TimePoint now) {
        return now < state.banned_until;
    }

    nanoseconds address_wait(const Key& key, TimePoint now) const {
        const AddressState* state = addresses.find(key);
        return state != nullptr && is_banned(*state, now) ? state->banned_until - now
                                                          : nanoseconds(0);
    }

    LoginThrottle::FailureOutcome record_address_failure(const Key& address, const Key& account,
                                                         TimePoint now) {
        using Detection = LoginThrottle::Detection;
        LoginThrottle::FailureOutcome outcome;
        AddressState& state = addresses.touch(
            address, [now](const AddressState& oldest) { return is_banned(oldest, now); });
        if (is_banned(state, now)) {
            return outcome;  // bans are temporary: failures during one do not extend it
        }
        if (now - state.window_start >= settings.address_window) {
            state.window_start = now;
            state.failures_in_window = 0;
        }
        ++state.failures_in_window;
        auto& recent = state.recent_accounts;
        std::erase_if(recent, [&](const auto& tried) {
            return now - tried.second >= settings.address_window;
        });
        auto same = std::find_if(recent.begin(), recent.end(),
                                 [&](const auto& tried) { return tried.first == account; });
        if (same != recent.end()) {
            same->second = now;
        } else {
            recent.emplace_back(account, now);
        }
        bool spraying = recent.size() >= settings.spraying_distinct_accounts;
        bool flooding = state.failures_in_window >= settings.address_failure_limit;
        if (spraying || flooding) {
            outcome.detection =
                spraying ? Detection::one_address_many_accounts : Detection::address_failure_flood;
            outcome.ban_duration = settings.ban_duration;
            outcome.count =
                spraying ? static_cast<unsigned>(recent.size()) : state.failures_in_window;
            state.banned_until = now + settings.ban_duration;
            state.failures_in_window = 0;
            recent.clear();
            recent.shrink_to_fit();
        }
        addresses.set_precious(address, is_banned(state, now));
        return outcome;
    }

    LoginThrottleSettings settings;
    std::array<unsigned char, crypto_shorthash_siphashx24_KEYBYTES> hash_key{};
    mutable std::mutex mutex;
    BoundedTable<AccountState> accounts;
    BoundedTable<AddressState> addresses;
};

LoginThrottle::LoginThrottle(LoginThrottleSettings settings) {
    check_settings(settings);
    state_ = std::make_unique<State>(settings);
}

LoginThrottle::~LoginThrottle() = default;

LoginThrottle::Decision LoginThrottle::check(std::string_view account,
                                             const boost::asio::ip::address& address,
                                             TimePoint now) const {
    Key account_key = state_->account_key(account);
    Key address_key = state_->address_key(address);
    std::lock_guard lock(state_->mutex);
    nanoseconds wait =
        std::max(state_->account_wait(account_key, now), state_->address_wait(address_key, now));
    if (wait <= nanoseconds(0)) {
        return Decision{};
    }
    return Decision{false, whole_seconds_rounded_up(wait)};
}

LoginThrottle::FailureOutcome LoginThrottle::record_failure(std::string_view account,
                                                            const boost::asio::ip::address& address,
                                                            TimePoint now) {
    Key account_key = state_->account_key(account);
    Key address_key = state_->address_key(address);
    std::lock_guard lock(state_->mutex);
    bool distributed = state_->record_account_failure(account_key, address_key, now);
    auto outcome = state_->record_address_failure(address_key, account_key, now);
    if (outcome.detection == Detection::none && distributed) {
        outcome.detection = Detection::many_addresses_one_account;
        outcome.count = state_->settings.distributed_distinct_addresses;
    }
    return outcome;
}

void LoginThrottle::record_success(std::string_view account, const boost::asio::ip::address&,
                                   TimePoint now) {
    Key account_key = state_->account_key(account);
    std::lock_guard lock(state_->mutex);
    const AccountState* state = state_->accounts.find(account_key);
    if (state == nullptr) {
        return;
    }
    // The hourly count outlives a success: otherwise an attacker could spend
    // 99 guesses, wait for the real user to log in, and spend 99 more.
    if (State::failures_in_last_hour(*state, now) == 0) {
        state_->accounts.erase(account_key);
        return;
    }
    AccountState& kept =
        state_->accounts.touch(account_key, [](const AccountState&) { return true; });
    kept.consecutive_failures = 0;
    kept.blocked_until = now;
    state_->accounts.set_precious(account_key, state_->account_is_precious(kept, now));
}

void LoginThrottle::forgive_address(const boost::asio::ip::address& address) {
    Key address_key = state_->address_key(address);
    std::lock_guard lock(state_->mutex);
    state_->addresses.erase(address_key);
}

std::size_t LoginThrottle::tracked_accounts() const {
    std::lock_guard lock(state_->mutex);
    return state_->accounts.size();
}

std::size_t LoginThrottle::tracked_addresses() const {
    std::lock_guard lock(state_->mutex);
    return state_->addresses.size();
}

}  // namespace rampart::auth
