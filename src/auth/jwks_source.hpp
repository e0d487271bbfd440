// The keys of one external issuer whose JWKS comes from an https jwks_uri
// (KEY-07). Fetched on the calling thread when the configuration loads, then
// kept fresh on the control thread: every refresh_interval, and when a worker
// meets an unknown kid, at most once per refetch_cooldown. Workers only ever
// read the current set through an atomic shared_ptr and never block: a
// worker that needs a refetch asks the control thread and refuses the token
// now. A failed fetch keeps the last good set; until one succeeds the set is
// empty and the issuer's tokens are refused (fail closed).
#pragma once

#include <boost/asio/io_context.hpp>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "auth/jose/jwks.hpp"
#include "auth/jwks_fetch.hpp"
#include "config/auth_settings.hpp"

namespace rampart::auth {

class JwksSource {
  public:
    // Load time: builds the TLS context (throws config::ConfigError for a bad
    // ca_file); fetches nothing yet.
    explicit JwksSource(const config::ExternalIssuerSettings& issuer);

    const std::string& issuer_name() const { return issuer_name_; }

    // Never null; empty until a fetch has succeeded. Any thread.
    std::shared_ptr<const jose::KeySet> keys() const { return keys_.load(); }

    // Any thread, never blocks: a token named a kid the set lacks. Asks the
    // control thread for a refetch unless one ran within refetch_cooldown or
    // is already asked for.
    void request_refetch();

    // Load time, on the calling thread (bounded by fetch_timeout). Returns
    // the reason of a failure, empty on success.
    std::string fetch_now();

    // Takes a fetched body: parses it (weak and unusable keys skipped) and
    // installs it. On failure the last good set stays; returns the reason.
    std::string install(const JwksFetchOutcome& outcome);

    // For the refresh loop on the control thread.
    using Clock = std::chrono::steady_clock;
    const JwksFetchSettings& fetch_settings() const { return fetch_settings_; }
    void note_fetch_started(Clock::time_point now);
    bool refetch_due() const;  // asked for, and the cooldown has passed
    void finish_refetch();
    // How request_refetch() wakes the loop; null while no loop runs.
    void set_waker(std::function<void()> wake);

  private:
    friend class JwksSources;

    bool cooldown_passed(Clock::time_point now) const;

    std::string issuer_name_;
    JwksFetchSettings fetch_settings_;
    Clock::duration refresh_interval_;
    Clock::duration refetch_cooldown_;
    std::atomic<std::shared_ptr<const jose::KeySet>> keys_;
    std::atomic<Clock::rep> last_fetch_started_;  // Clock ticks; min() before the first
    std::atomic<bool> refetch_requested_{false};
    // Set while the control thread refreshes this source: posts a wake-up to it.
    std::mutex wake_mutex_;
    std::function<void()> wake_;
    bool refreshing_ = false;  // control thread only
};

// Every JwksSource of the running process, owned by the AuthRuntime and
// shared by every configuration snapshot: a reload reuses the source of an
// issuer whose fetch settings did not change (no refetch, no gap), and a
// source no snapshot uses any more is dropped.
class JwksSources {
  public:
    JwksSources() = default;
    JwksSources(const JwksSources&) = delete;
    JwksSources& operator=(const JwksSources&) = delete;

    // Load time, on the calling thread: the source for this issuer; a new one
    // is fetched now (a failure is reported on stderr and the source starts
    // empty: its tokens get 401 until a fetch succeeds).
    std::shared_ptr<JwksSource> obtain(const config::ExternalIssuerSettings& issuer);

    using FailureReport = std::function<void(std::string_view issuer, std::string_view reason)>;

    // Control thread, called periodically: drops the sources only this
    // registry still holds and starts the refresh loop of each new one on
    // `io`; the loops end when keep_running() turns false.
    void keep_fresh(boost::asio::io_context& io, std::function<bool()> keep_running,
                    FailureReport report);

    std::size_t size() const;

  private:
    mutable std::mutex mutex_;
    std::map<std::string, std::shared_ptr<JwksSource>> sources_;  // by issuer and fetch settings
};

}  // namespace rampart::auth
