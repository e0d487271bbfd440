#include "auth/jwks_source.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <iostream>

namespace rampart::auth {

namespace asio = boost::asio;

namespace {

// Everything that changes what or how a source fetches: a reload that
// changes any of it gets a new source, one that changes none reuses it.
std::string registry_key(const config::ExternalIssuerSettings& issuer) {
    auto milliseconds = [](auto duration) {
        return std::to_string(
            std::chrono::duration_cast<std::chrono::milliseconds>(duration).count());
    };
    std::string key;
    for (const auto& part :
         {issuer.name, issuer.jwks_uri.value_or(""), issuer.ca_file ? "1" + *issuer.ca_file : "0",
          std::string(issuer.allow_private_addresses ? "private" : "public"),
          milliseconds(issuer.refresh_interval), milliseconds(issuer.refetch_cooldown),
          milliseconds(issuer.fetch_timeout), std::to_string(issuer.max_jwks_bytes)}) {
        key += std::to_string(part.size()) + ":" + part;
    }
    return key;
}

// Lets workers wake the refresh loop for as long as its coroutine frame lives,
// including when the frame is destroyed unfinished with the io_context.
class WakeRegistration {
  public:
    WakeRegistration(std::weak_ptr<JwksSource> source, std::function<void()> wake)
        : source_(std::move(source)) {
        if (auto locked = source_.lock()) {
            locked->set_waker(std::move(wake));
        }
    }
    ~WakeRegistration() {
        if (auto locked = source_.lock()) {
            locked->set_waker(nullptr);
        }
    }
    WakeRegistration(const WakeRegistration&) = delete;
    WakeRegistration& operator=(const WakeRegistration&) = delete;

  private:
    std::weak_ptr<JwksSource> source_;
};

// The refresh loop of one source, on the control thread. It holds the source
// only while it works on it, so that a source no snapshot uses can go.
asio::awaitable<void> refresh_loop(asio::io_context& io, std::weak_ptr<JwksSource> weak_source,
                                   std::function<bool()> keep_running,
                                   JwksSources::FailureReport report,
                                   std::chrono::steady_clock::duration refresh_interval) {
    using Clock = std::chrono::steady_clock;
    auto timer = std::make_shared<asio::steady_timer>(io);
    // A worker's request is posted here: timers are not thread-safe.
    WakeRegistration registration(weak_source, [executor = io.get_executor(), timer] {
        asio::post(executor, [timer] { timer->cancel(); });
    });
    auto next_refresh = Clock::now() + refresh_interval;
    while (keep_running()) {
        auto source = weak_source.lock();
        if (!source) {
            break;
        }
        auto now = Clock::now();
        if (now >= next_refresh || source->refetch_due()) {
            source->note_fetch_started(now);
            auto outcome = co_await async_fetch_jwks(io, source->fetch_settings());
            if (auto failure = source->install(outcome); !failure.empty() && keep_running()) {
                report(source->issuer_name(), failure);
            }
            source->finish_refetch();
            next_refresh = Clock::now() + refresh_interval;
            continue;
        }
        source.reset();
        // Woken early by request_refetch(); at least once a second to notice
        // keep_running() turning false.
        timer->expires_at(std::min(next_refresh, now + std::chrono::seconds(1)));
        co_await timer->async_wait(asio::as_tuple(asio::use_awaitable));
    }
}

}  // namespace

JwksSource::JwksSource(const config::ExternalIssuerSettings& issuer)
    : issuer_name_(issuer.name),
      fetch_settings_(JwksFetchSettings::from(issuer)),
      refresh_interval_(std::chrono::duration_cast<Clock::duration>(issuer.refresh_interval)),
      refetch_cooldown_(std::chrono::duration_cast<Clock::duration>(issuer.refetch_cooldown)),
      keys_(std::make_shared<const jose::KeySet>()),
      last_fetch_started_(Clock::time_point::min().time_since_epoch().count()) {}

bool JwksSource::cooldown_passed(Clock::time_point now) const {
    auto last =
        Clock::time_point(Clock::duration(last_fetch_started_.load(std::memory_order_acquire)));
    return last == Clock::time_point::min() || now - last >= refetch_cooldown_;
}

void JwksSource::note_fetch_started(Clock::time_point now) {
    last_fetch_started_.store(now.time_since_epoch().count(), std::memory_order_release);
}

void JwksSource::request_refetch() {
    if (!cooldown_passed(Clock::now()) || refetch_requested_.exchange(true)) {
        return;
    }
    std::lock_guard lock(wake_mutex_);
    if (wake_) {
        wake_();
    }
}

bool JwksSource::refetch_due() const {
    return refetch_requested_.load() && cooldown_passed(Clock::now());
}

void JwksSource::finish_refetch() {
    refetch_requested_.store(false);
}

void JwksSource::set_waker(std::function<void()> wake) {
    std::lock_guard lock(wake_mutex_);
    wake_ = std::move(wake);
}

std::string JwksSource::fetch_now() {
    note_fetch_started(Clock::now());
    return install(fetch_jwks(fetch_settings_));
}

std::string JwksSource::install(const JwksFetchOutcome& outcome) {
    if (!outcome.ok()) {
        return outcome.failure;
    }
    auto parsed = jose::KeySet::parse(*outcome.body);
    if (!parsed) {
        return "the JWKS is unusable: " + std::string(jose::describe(parsed.error()));
    }
    keys_.store(std::make_shared<const jose::KeySet>(std::move(*parsed)));
    return {};
}

std::shared_ptr<JwksSource> JwksSources::obtain(const config::ExternalIssuerSettings& issuer) {
    auto key = registry_key(issuer);
    {
        std::lock_guard lock(mutex_);
        if (auto found = sources_.find(key); found != sources_.end()) {
            return found->second;
        }
    }
    auto source = std::make_shared<JwksSource>(issuer);
    if (auto failure = source->fetch_now(); !failure.empty()) {
        std::cerr << "rampart: " << issuer.location << ": issuers." << issuer.name
                  << ".jwks_uri: fetching the keys failed (" << failure
                  << "); the issuer's tokens are refused until a fetch succeeds\n";
    }
    std::lock_guard lock(mutex_);
    return sources_.emplace(std::move(key), std::move(source)).first->second;
}

void JwksSources::keep_fresh(asio::io_context& io, std::function<bool()> keep_running,
                             FailureReport report) {
    std::lock_guard lock(mutex_);
    for (auto entry = sources_.begin(); entry != sources_.end();) {
        // Only this registry holds it: no snapshot uses it any more. Sources
        // are only obtained on the control thread or before it runs, so
        // nobody can be taking a new reference now.
        if (entry->second.use_count() == 1) {
            entry = sources_.erase(entry);
            continue;
        }
        auto& source = *entry->second;
        if (!source.refreshing_) {
            source.refreshing_ = true;
            asio::co_spawn(
                io, refresh_loop(io, entry->second, keep_running, report, source.refresh_interval_),
                asio::detached);
        }
        ++entry;
    }
}

std::size_t JwksSources::size() const {
    std::lock_guard lock(mutex_);
    return sources_.size();
}

}  // namespace rampart::auth
