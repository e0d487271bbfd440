#include "net/server.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <iostream>

#include "admin/admin_server.hpp"
#include "admin/operations/ban_operations.hpp"
#include "auth/jwks_source.hpp"
#include "config/loader.hpp"
#include "limit/ban_events.hpp"
#include "limit/limit_definition.hpp"
#include "limit/redis_ban_list.hpp"
#include "limit/redis_store.hpp"
#include "limit/redis_token_uses.hpp"
#include "limit/token_use_tracker.hpp"
#include "net/health_checker.hpp"
#include "net/worker.hpp"
#include "observe/anomaly/anomaly_detector.hpp"
#include "observe/webhook/security_event_webhook.hpp"
#include "pipeline/stages/ban.hpp"

namespace rampart::net {

namespace asio = boost::asio;
using namespace std::chrono_literals;

struct Server::Control {
    asio::io_context io{1};
    asio::signal_set signals{io, SIGHUP, SIGTERM, SIGINT};
    std::unique_ptr<asio::ip::tcp::acceptor> admin_acceptor;
    asio::steady_timer drain_timer{io};
    std::chrono::steady_clock::time_point drain_deadline;
};

namespace {

std::unique_ptr<observe::LogSink> open_sink(const config::LogSink& settings) {
    return settings.enabled ? std::make_unique<observe::LogSink>(settings) : nullptr;
}

}  // namespace

Server::Server(std::shared_ptr<const config::Snapshot> first, ServerOptions options,
               std::unique_ptr<observe::Metrics> metrics, std::unique_ptr<auth::AuthRuntime> auth,
               std::unique_ptr<limit::RateLimitStore> rate_limits,
               std::unique_ptr<limit::BanList> bans,
               std::unique_ptr<limit::TokenUseTracker> token_uses)
    : options_(std::move(options)),
      metrics_(std::move(metrics)),
      auth_(std::move(auth)),
      rate_limits_(std::move(rate_limits)),
      bans_(std::move(bans)),
      token_uses_(std::move(token_uses)),
      snapshot_(std::move(first)),
      control_(std::make_unique<Control>()) {
    const auto& logging = snapshot_->settings().observability;
    access_log_ = open_sink(logging.access_log);
    security_log_ = open_sink(logging.security_log);
    security_events_ = std::make_unique<observe::SecurityEvents>(security_log_.get());
    // Read from the root section, as the process-wide rate limits are.
    const auto& root = *snapshot_->settings().global_stage_section;
    if (auto webhook = config::read_security_webhook(root)) {
        security_webhook_ = std::make_unique<observe::webhook::SecurityEventWebhook>(
            *webhook, *metrics_, *security_events_);
        security_events_->set_forwarder(security_webhook_.get());
    }
    auto detector = std::make_unique<observe::anomaly::AnomalyDetector>(
        config::read_anomaly_settings(root), snapshot_->settings().workers, *metrics_,
        *security_events_);
    if (detector->bans_on_burst()) {
        detector->use_ban_list(*bans_);
    }
    if (detector->enabled()) {
        anomaly_detector_ = std::move(detector);
    }
    generation_.store(snapshot_->generation(), std::memory_order_release);
    apply_process_rate_limits(snapshot_->settings(), true);
    // An administrator's bans outlive a restart; automatic ones start afresh.
    admin::restore_bans(*bans_, auth_->store(), limit::BanClock::now());
    metrics_->set_active_bans_source([this] { return bans_->size(); });
    observe_rate_limit_store();
}

void Server::observe_rate_limit_store() {
    auto* redis = dynamic_cast<limit::RedisStore*>(rate_limits_.get());
    if (redis == nullptr) {
        return;
    }
    auto address = redis->settings().address + ":" + std::to_string(redis->settings().port);
    auto* shared_bans = dynamic_cast<limit::RedisBanList*>(bans_.get());
    if (shared_bans != nullptr) {
        shared_bans->set_state_observer([this, address](bool up, std::string_view reason) {
            // While Redis is away bans are enforced from this copy and new ones wait: say so once.
            security_events_->emit(
                "ban_store", nullptr,
                {{"state", up ? "shared" : "local"}, {"redis", address}, {"reason", reason}});
        });
    }
    redis->set_transition_observer(
        [this, address](bool up, std::string_view reason, limit::RedisFailureMode mode) {
            // A Redis we can no longer reach changes how every limit is counted: say so once.
            security_events_->emit("rate_limit_store", nullptr,
                                   {{"state", up ? "shared" : "fallback"},
                                    {"redis", address},
                                    {"on_redis_failure", limit::failure_mode_name(mode)},
                                    {"reason", reason}});
        });
    auto* shared_token_uses =
        token_uses_ ? dynamic_cast<limit::RedisTokenUses*>(token_uses_->sharing()) : nullptr;
    metrics_->set_extra_source([redis, shared_bans, shared_token_uses](std::string& out) {
        redis->render_metrics(out);
        if (shared_bans != nullptr) {
            shared_bans->render_metrics(out);
        }
        if (shared_token_uses != nullptr) {
            shared_token_uses->render_metrics(out);
        }
    });
}

void Server::apply_process_rate_limits(const config::Settings& settings, bool at_start) {
    auto process = settings.global_stage_section
                       ? limit::read_process_rate_limits(*settings.global_stage_section)
                       : limit::ProcessRateLimits{};
    if (at_start) {
        rate_limit_max_keys_ = process.max_keys;
        rate_limit_redis_ = process.redis;
    } else if (process.max_keys != rate_limit_max_keys_) {
        throw config::ConfigError("these settings only change with a restart: rate_limit.max_keys");
    } else if (process.redis != rate_limit_redis_) {
        throw config::ConfigError("these settings only change with a restart: rate_limit.store");
    }
    connections_.set_connection_rate(process.connections_per_ip);
}

Server::~Server() {
    for (auto& worker : workers_) {
        worker->stop();
        worker->join();
    }
}

pipeline::StageServices Server::stage_services() {
    return pipeline::StageServices{auth_.get(), snapshot()->settings().workers, rate_limits_.get(),
                                   bans_.get(), token_uses_.get()};
}

std::shared_ptr<const config::Snapshot> Server::snapshot() const {
    std::lock_guard lock(snapshot_mutex_);
    return snapshot_;
}

ReloadResult Server::reload() {
    std::lock_guard reload_lock(reload_mutex_);
    auto running = snapshot();
    try {
        auto settings = options_.config_file.empty()
                            ? config::load_settings_text(config::embedded_default_configuration(),
                                                         "(embedded default)")
                            : config::load_settings_file(options_.config_file);
        if (auto changes = config::restart_only_changes(running->settings(), settings);
            !changes.empty()) {
            throw config::ConfigError("these settings only change with a restart: " + changes);
        }
        auto candidate = config::Snapshot::build(std::move(settings), *metrics_,
                                                 running->generation() + 1, stage_services());
        apply_process_rate_limits(candidate->settings(), false);
        {
            std::lock_guard lock(snapshot_mutex_);
            snapshot_ = candidate;
        }
        generation_.store(candidate->generation(), std::memory_order_release);
        metrics_->record_reload(true);
        security_events_->emit("config_reload", nullptr, {{"outcome", "applied"}});
        auto generation = candidate->generation();
        start_active_health_checks(control_->io, candidate, [this, generation] {
            return !draining() && this->generation() == generation;
        });
        return {true, "configuration reloaded (generation " + std::to_string(generation) + ")"};
    } catch (const std::exception& error) {
        metrics_->record_reload(false);
        security_events_->emit("config_reload", nullptr,
                               {{"outcome", "refused"}, {"reason", error.what()}});
        return {false,
                std::string("reload refused, the running configuration stays: ") + error.what()};
    }
}

void Server::begin_shutdown() {
    if (draining_.exchange(true)) {
        return;
    }
    std::cerr << "rampart: draining connections before exit\n";
    for (auto& worker : workers_) {
        worker->begin_drain();
    }
    control_->drain_deadline =
        std::chrono::steady_clock::now() + snapshot()->settings().drain_timeout;
    asio::co_spawn(
        control_->io,
        [this]() -> asio::awaitable<void> {
            while (connections_.open_connections() > 0 &&
                   std::chrono::steady_clock::now() < control_->drain_deadline) {
                control_->drain_timer.expires_after(20ms);
                co_await control_->drain_timer.async_wait(asio::use_awaitable);
            }
            for (auto& worker : workers_) {
                worker->stop();
            }
            control_->io.stop();
        },
        asio::detached);
}

// Changes made elsewhere (the CLI, another instance, the admin API) reach
// the workers within a second; expired records leave the store once a minute.
// The JWKS of external issuers are refreshed here too, on this thread only:
// each source gets its own loop, started within a second of the snapshot
// (or reload) that introduced it.
void Server::start_housekeeping() {
    auto keep_jwks_fresh = [this] {
        auth_->jwks_sources().keep_fresh(
            control_->io, [this] { return !draining(); },
            [this](std::string_view issuer, std::string_view reason) {
                security_events_->emit("jwks_fetch_failed", nullptr,
                                       {{"issuer", issuer}, {"reason", reason}});
            });
    };
    keep_jwks_fresh();
    asio::co_spawn(
        control_->io,
        [this, keep_jwks_fresh]() -> asio::awaitable<void> {
            asio::steady_timer timer(control_->io);
            for (std::uint64_t tick = 1; !draining(); ++tick) {
                timer.expires_after(1s);
                auto [error] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
                if (error || draining()) {
                    break;
                }
                if (tick % 60 == 0) {
                    auto now = std::chrono::system_clock::now();
                    (void)auth_->store().purge_expired(now);
                    try {
                        auth::remove_expired_signing_keys(auth_->store(), now);
                    } catch (const std::exception& failure) {
                        security_events_->emit("housekeeping_failed", nullptr,
                                               {{"reason", failure.what()}});
                    }
                }
                auth_->refresh();
                for (const auto& expired :
                     bans_->remove_expired(std::chrono::system_clock::now())) {
                    limit::report_ban(*security_events_, "ban_expired", expired);
                }
                keep_jwks_fresh();
            }
        },
        asio::detached);
}

void Server::start_control_loop() {
    auto& control = *control_;
    std::function<void()> wait_for_signal = [this, &control, &wait_for_signal] {
        control.signals.async_wait(
            [this, &wait_for_signal](boost::system::error_code error, int signal) {
                if (error) {
                    return;
                }
                if (signal == SIGHUP) {
                    auto result = reload();
                    std::cerr << "rampart: " << result.message << "\n";
                    if (access_log_) {
                        access_log_->reopen();
                    }
                    if (security_log_) {
                        security_log_->reopen();
                    }
                } else {
                    begin_shutdown();
                }
                wait_for_signal();
            });
    };
    wait_for_signal();
    const auto& settings = snapshot_->settings();
    if (settings.admin.enabled) {
        asio::ip::tcp::endpoint endpoint(asio::ip::make_address(settings.admin.address),
                                         settings.admin.port);
        control.admin_acceptor = std::make_unique<asio::ip::tcp::acceptor>(control.io);
        control.admin_acceptor->open(endpoint.protocol());
        control.admin_acceptor->set_option(asio::socket_base::reuse_address(true));
        boost::system::error_code error;
        control.admin_acceptor->bind(endpoint, error);
        if (error) {
            throw std::runtime_error("cannot listen on the admin address " +
                                     settings.admin.address + ":" +
                                     std::to_string(settings.admin.port) + ": " + error.message());
        }
        control.admin_acceptor->listen();
        asio::co_spawn(control.io, admin::run_admin_listener(*this, *control.admin_acceptor),
                       asio::detached);
    }
    start_housekeeping();
    if (auto* shared_bans = dynamic_cast<limit::RedisBanList*>(bans_.get())) {
        shared_bans->start(control.io.get_executor(), [this] { return !draining(); });
    }
    if (auto* sharing =
            token_uses_ ? dynamic_cast<limit::RedisTokenUses*>(token_uses_->sharing()) : nullptr) {
        sharing->start(control.io.get_executor(), [this](const limit::TokenUseReport& use,
                                                         unsigned distinct_addresses) {
            pipeline::act_on_shared_token_misuse(use, distinct_addresses, bans_.get(), auth_.get(),
                                                 *security_events_);
        });
    }
    if (anomaly_detector_) {
        anomaly_detector_->start(control.io, [this] { return !draining(); });
    }
    auto generation = snapshot_->generation();
    start_active_health_checks(control.io, snapshot_, [this, generation] {
        return !draining() && this->generation() == generation;
    });
    control.io.run();
}

int Server::run() {
    const auto& settings = snapshot_->settings();
    for (unsigned i = 0; i < settings.workers; ++i) {
        workers_.push_back(std::make_unique<Worker>(*this, i));
        workers_.back()->bind_listeners(settings);
    }
    for (auto& worker : workers_) {
        worker->start();
    }
    start_control_loop();
    for (auto& worker : workers_) {
        worker->join();
    }
    if (access_log_) {
        access_log_->flush();
    }
    if (security_webhook_) {
        security_webhook_->drain(std::chrono::seconds(2));  // the last events, if it can
    }
    if (security_log_) {
        security_log_->flush();
    }
    return 0;
}

}  // namespace rampart::net
