// Brute-force and credential-stuffing defence for password logins (PWD-06,
// PWD-07), in process memory. Two kinds of counters, kept apart (OWASP
// Credential Stuffing CS: "tracked separately"):
//
// - Per account: failures on the account, whatever address they come from.
//   After `free_attempts` consecutive failures, the n-th further failure
//   blocks the account for base_delay × 2^(n − 1), capped at maximum_delay
//   (1 s, 2 s, 4 s, ... 15 min by default); and no more
//   than `maximum_failures_per_hour` failures are ever accepted within any
//   hour. A success resets the consecutive count, not the hourly one (or 99
//   guesses, the real user's login, and 99 more would fit in an hour).
// - Per source address (IPv4, or the IPv6 /64 a host can pick addresses
//   from): failures, and the distinct accounts they were against. An address
//   that tries `spraying_distinct_accounts` accounts, or fails
//   `address_failure_limit` times, within `address_window` is banned for
//   `ban_duration`, from every account. Bans always expire. record_failure
//   says when a ban starts, so that the caller can put it on the server's
//   ban list (listed, liftable) and report credential stuffing.
// - Per account, across addresses: failures on one account from
//   `distributed_distinct_addresses` addresses within `address_window` is
//   credential stuffing spread over many addresses (a botnet on one known
//   username). It is reported, once per window; the account's own backoff
//   above is the only throttle: banning the account would lock its real
//   user out, which is what an attacker who cannot guess the password can
//   still achieve otherwise.
//
// Denial of service against the real user: there is deliberately no hard
// lockout. An attacker who knows a username can at worst keep the real user
// waiting maximum_delay (15 min by default) for the next attempt, or 70
// minutes once the hourly cap is reached (it is counted in 10-minute buckets,
// conservatively); every block ends by itself, and nothing needs an
// administrator to unlock. Blocking longer would hand attackers a lockout
// weapon, blocking shorter would hand them guesses. Consecutive failures are
// forgotten once the account has been unblocked for `forget_failures_after`
// without a new failure.
//
// Memory is bounded: at most `maximum_accounts` accounts and
// `maximum_addresses` addresses are tracked. When full, the least recently
// failed entry that is not currently throttled (account) or banned (address)
// goes first, so a flood of random usernames evicts only other flood entries,
// not the account under attack. Accounts and addresses are kept as keyed
// SipHash-128 values: no usernames in memory, and no hash flooding.
//
// The caller passes the canonical account name (what the user store matches,
// case folded as it folds) and must call check() before verifying a password,
// answering 429 with Retry-After when it says no. Thread-safe.
#pragma once

#include <boost/asio/ip/address.hpp>

#include <chrono>
#include <cstddef>
#include <memory>
#include <string_view>

namespace rampart::auth {

struct LoginThrottleSettings {
    unsigned free_attempts = 5;
    std::chrono::seconds base_delay{1};
    std::chrono::seconds maximum_delay{15 * 60};
    unsigned maximum_failures_per_hour = 100;
    std::chrono::seconds forget_failures_after{60 * 60};  // counted from the block's end

    unsigned spraying_distinct_accounts = 20;
    unsigned address_failure_limit = 100;
    std::chrono::seconds address_window{10 * 60};
    std::chrono::seconds ban_duration{15 * 60};
    unsigned distributed_distinct_addresses = 10;

    std::size_t maximum_accounts = 100'000;
    std::size_t maximum_addresses = 100'000;
};

class LoginThrottle {
  public:
    using Clock = std::chrono::steady_clock;
    using TimePoint = Clock::time_point;

    struct Decision {
        bool allowed = true;
        std::chrono::seconds retry_after{0};  // when refused: at least 1, rounded up
    };

    // Throws std::invalid_argument for zero limits or caps, or a base delay
    // longer than the maximum delay.
    explicit LoginThrottle(LoginThrottleSettings settings = {});
    ~LoginThrottle();
    LoginThrottle(const LoginThrottle&) = delete;
    LoginThrottle& operator=(const LoginThrottle&) = delete;

    // What a failure revealed, beyond the failure itself.
    enum class Detection {
        none,
        one_address_many_accounts,   // spraying: the address is banned from now
        address_failure_flood,       // too many failures from the address: banned from now
        many_addresses_one_account,  // distributed stuffing on one account: reported only
    };
    struct FailureOutcome {
        Detection detection = Detection::none;
        std::chrono::seconds ban_duration{0};  // for the address bans
        unsigned count = 0;  // distinct accounts, failures or addresses that crossed the line
    };

    // Whether a login attempt for `account` from `address` may be verified now.
    Decision check(std::string_view account, const boost::asio::ip::address& address,
                   TimePoint now) const;
    FailureOutcome record_failure(std::string_view account, const boost::asio::ip::address& address,
                                  TimePoint now);
    // Resets the account's consecutive failures; the address's counters stay.
    void record_success(std::string_view account, const boost::asio::ip::address& address,
                        TimePoint now);

    // Ends the address's ban and forgets its failures: an administrator
    // lifted the ban (`rampart bans lift`).
    void forgive_address(const boost::asio::ip::address& address);

    std::size_t tracked_accounts() const;
    std::size_t tracked_addresses() const;

  private:
    struct State;  // the settings, the tables, their hash key and their lock
    std::unique_ptr<State> state_;
};

}  // namespace rampart::auth
