#include "net/worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <sys/socket.h>

#include "net/server.hpp"
#include "net/session.hpp"

namespace rampart::net {

namespace asio = boost::asio;

Worker::Worker(Server& server, unsigned index)
    : server_(server), index_(index), upstream_pool_(io_) {}

Worker::~Worker() {
    stop();
    join();
}

void Worker::bind_listeners(const config::Settings& settings) {
    for (const auto& listener : settings.listeners) {
        asio::ip::tcp::endpoint endpoint(asio::ip::make_address(listener.address), listener.port);
        auto acceptor = std::make_unique<asio::ip::tcp::acceptor>(io_);
        acceptor->open(endpoint.protocol());
        acceptor->set_option(asio::socket_base::reuse_address(true));
        // Every worker binds the same port; the kernel spreads connections.
        int enable = 1;
        if (::setsockopt(acceptor->native_handle(), SOL_SOCKET, SO_REUSEPORT, &enable,
                         sizeof(enable)) != 0) {
            throw std::runtime_error("SO_REUSEPORT is not available");
        }
        boost::system::error_code error;
        acceptor->bind(endpoint, error);
        if (error) {
            throw std::runtime_error("cannot listen on " + listener.address + ":" +
                                     std::to_string(listener.port) + ": " + error.message());
        }
        acceptor->listen(asio::socket_base::max_listen_connections);
        acceptors_.push_back(std::move(acceptor));
    }
}

void Worker::start() {
    for (std::size_t i = 0; i < acceptors_.size(); ++i) {
        asio::co_spawn(io_, accept_loop(i), asio::detached);
    }
    deadlines_.start();
    thread_ = std::thread([this] { io_.run(); });
}

asio::awaitable<void> Worker::accept_loop(std::size_t listener_index) {
    auto& acceptor = *acceptors_[listener_index];
    for (;;) {
        auto [error, socket] =
            co_await acceptor.async_accept(io_, asio::as_tuple(asio::use_awaitable));
        if (error == asio::error::operation_aborted || !acceptor.is_open()) {
            co_return;
        }
        if (error) {
            continue;  // EMFILE and friends: keep serving the connections we have
        }
        boost::system::error_code endpoint_error;
        auto peer = socket.remote_endpoint(endpoint_error).address();
        if (endpoint_error) {
            socket.close();  // the peer is already gone
            continue;
        }
        if (auto ban = server_.bans().check_address(peer, limit::BanClock::now()); ban.banned) {
            // Closed before TLS: a banned address costs no handshake.
            server_.metrics().connection_banned(index_);
            if (ban.report) {
                auto address = peer.to_string();
                server_.security_events().emit("banned_request_refused", nullptr,
                                               {{"client_ip", address},
                                                {"ban_id", ban.id()},
                                                {"kind", "address"},
                                                {"at", "accept"}});
            }
            socket.close();
            continue;
        }
        const auto& limits = current_snapshot()->settings().limits;
        auto admission = server_.connections().try_acquire(peer, limits.max_connections,
                                                           limits.max_connections_per_ip);
        if (admission == ConnectionLimiter::Admission::over_rate) {
            server_.metrics().connection_rate_limited(index_);
        }
        if (admission != ConnectionLimiter::Admission::admitted) {
            socket.close();
            continue;
        }
        socket.set_option(asio::ip::tcp::no_delay(true));
        bool tls = current_snapshot()->settings().listeners[listener_index].tls.has_value();
        asio::co_spawn(
            io_,
            [this, socket = std::move(socket), listener_index, tls,
             peer]() mutable -> asio::awaitable<void> {
                ConnectionAdmission admission(server_.connections(), peer);
                server_.metrics().connection_opened(index_);
                if (tls) {
                    co_await run_https_session(*this, std::move(socket), listener_index);
                } else {
                    co_await run_redirect_session(*this, std::move(socket), listener_index);
                }
                server_.metrics().connection_closed(index_);
            },
            asio::detached);
    }
}

const std::shared_ptr<const config::Snapshot>& Worker::current_snapshot() {
    auto generation = server_.generation();
    if (generation != snapshot_generation_) {
        snapshot_ = server_.snapshot();
        snapshot_generation_ = snapshot_->generation();
        upstream_pool_.adopt_generation(snapshot_generation_);
    }
    return snapshot_;
}

std::list<LiveConnection>::iterator Worker::register_connection(ClientSocket* socket) {
    connections_.push_front(LiveConnection{socket, true});
    return connections_.begin();
}

void Worker::unregister_connection(std::list<LiveConnection>::iterator entry) {
    connections_.erase(entry);
}

void Worker::begin_drain() {
    asio::post(io_, [this] {
        draining_ = true;
        for (auto& acceptor : acceptors_) {
            boost::system::error_code ignored;
            acceptor->close(ignored);
        }
        for (auto& connection : connections_) {
            if (connection.idle) {
                boost::system::error_code ignored;
                connection.socket->cancel(ignored);
            }
        }
    });
}

void Worker::stop() {
    io_.stop();
}

void Worker::join() {
    if (thread_.joinable()) {
        thread_.join();
    }
}

}  // namespace rampart::net
