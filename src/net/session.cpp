#include "net/session.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>

#include <algorithm>
#include <array>
#include <string_view>

#include "net/client_certificate.hpp"
#include "net/framing.hpp"
#include "net/message_writer.hpp"
#include "net/path_normalizer.hpp"
#include "net/request_head_validator.hpp"
#include "net/response_framing.hpp"
#include "net/server.hpp"
#include "net/socket_deadline.hpp"
#include "net/tls_stream.hpp"
#include "net/upstream_proxy.hpp"
#include "net/worker.hpp"
#include "observe/access_log.hpp"
#include "observe/anomaly/anomaly_detector.hpp"
#include "pipeline/problem.hpp"
#include "pipeline/stages/cors.hpp"
#include "util/ascii.hpp"
#include "util/request_id.hpp"

namespace rampart::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using namespace std::chrono_literals;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t head_read_chunk = 16 * 1024;
constexpr auto lingering_close_time = 2s;
// Chunk extensions carry nothing an API needs; Beast does not bound them.
constexpr std::uint64_t max_chunk_extension_bytes = 4096;
// Beyond the request head, the read buffer holds at most one chunk line.
constexpr std::size_t read_buffer_slack = 16 * 1024;

enum class HeadRead { complete, closed, timed_out, too_large, malformed };

// The next body byte must come within the idle timeout and, after the grace
// period, soon enough to keep the average rate at min_body_rate or above.
SocketDeadline::Clock::time_point body_read_deadline(const config::HttpLimits& limits,
                                                     SocketDeadline::Clock::time_point started,
                                                     std::uint64_t received) {
    auto deadline = SocketDeadline::Clock::now() + limits.body_idle_timeout;
    if (limits.min_body_rate == 0) {
        return deadline;
    }
    auto allowed =
        std::chrono::duration_cast<SocketDeadline::Clock::duration>(std::chrono::duration<double>(
            static_cast<double>(received + 1) / static_cast<double>(limits.min_body_rate)));
    return std::min(deadline, started + limits.body_rate_grace + allowed);
}

std::size_t max_head_bytes(const config::HttpLimits& limits) {
    return limits.max_request_target_bytes + limits.max_header_bytes + 1024;
}

HeadLimits head_limits(const config::HttpLimits& limits) {
    return HeadLimits{limits.max_request_target_bytes, limits.max_header_bytes,
                      limits.max_header_fields};
}

// A LF not preceded by CR means the head can never end in CRLFCRLF the way
// the validator demands: refuse it now instead of waiting for a timeout.
bool has_bare_line_feed(std::string_view bytes, std::size_t from) {
    for (auto position = bytes.find('\n', from); position != std::string_view::npos;
         position = bytes.find('\n', position + 1)) {
        if (position == 0 || bytes[position - 1] != '\r') {
            return true;
        }
    }
    return false;
}

std::string_view buffer_text(const beast::flat_buffer& buffer) {
    auto data = buffer.data();
    return {static_cast<const char*>(data.data()), data.size()};
}

// Reads until the end of the request head. Waiting for the first byte of a
// follow-up request is bounded by the keep-alive timeout; from the first byte
// on, the whole head must arrive within the header timeout (slowloris).
asio::awaitable<HeadRead> read_head(SocketDeadline& read_deadline, auto& stream,
                                    beast::flat_buffer& buffer, const config::HttpLimits& limits,
                                    bool waiting_for_next_request, std::size_t& head_size) {
    const auto maximum = max_head_bytes(limits);
    std::size_t searched = 0;
    bool idle = waiting_for_next_request && buffer.size() == 0;
    // From the first byte of the head: now, or once the idle wait has ended.
    auto deadline = idle ? SocketDeadline::Clock::time_point::max()
                         : SocketDeadline::Clock::now() + limits.header_timeout;
    for (;;) {
        auto text = buffer_text(buffer);
        auto end = text.find("\r\n\r\n", searched > 3 ? searched - 3 : 0);
        if (end != std::string_view::npos) {
            head_size = end + 4;
            co_return HeadRead::complete;
        }
        if (has_bare_line_feed(text, searched > 0 ? searched - 1 : 0)) {
            co_return HeadRead::malformed;
        }
        searched = text.size();
        if (text.size() >= maximum) {
            co_return HeadRead::too_large;
        }
        auto space =
            std::min({head_read_chunk, maximum - text.size(), buffer.max_size() - text.size()});
        if (space == 0) {
            co_return HeadRead::too_large;
        }
        // Between requests the keep-alive expiry ends the connection without an
        // answer; inside a head it is answered with 408.
        if (idle) {
            read_deadline.expires_after(limits.keep_alive_timeout);
        } else {
            read_deadline.expires_at(deadline);
        }
        boost::system::error_code error;
        std::size_t read = 0;
        if constexpr (std::is_same_v<std::remove_cvref_t<decltype(stream)>, TlsStream>) {
            // TlsStream::async_read_some's steps taken here (TlsStream::read_step):
            // its composed operation cost more than the steps themselves.
            auto into = buffer.prepare(space);
            for (bool waited = false;; waited = true) {
                auto step = stream.read_step(into, waited);
                if (step.next == TlsStep::Next::done) {
                    error = step.error;
                    read = step.bytes;
                    break;
                }
                if (step.next == TlsStep::Next::wait_writable) {
                    std::tie(error) = co_await stream.socket().async_wait(
                        asio::socket_base::wait_write, use_nothrow);
                } else {
                    auto [socket_error, received] = co_await stream.socket().async_read_some(
                        stream.socket_space(), use_nothrow);
                    stream.socket_filled(received);
                    // The peer went away without close_notify, as Asio's stream reports it.
                    error = socket_error == asio::error::eof ? asio::ssl::error::stream_truncated
                                                             : socket_error;
                }
                if (error) {
                    break;
                }
            }
        } else {
            std::tie(error, read) =
                co_await stream.async_read_some(buffer.prepare(space), use_nothrow);
        }
        bool timed_out = !idle && read_deadline.fired();
        if (error) {
            co_return timed_out ? HeadRead::timed_out : HeadRead::closed;
        }
        buffer.commit(read);
        if (idle) {
            idle = false;
            deadline = SocketDeadline::Clock::now() + limits.header_timeout;
        }
    }
}

// After a refusal the client may still be sending: half-close and drain for
// a moment, so the kernel does not answer its bytes with a reset that would
// destroy the response before the client reads it.
asio::awaitable<void> lingering_close(ClientSocket& socket, SocketDeadline& deadline) {
    boost::system::error_code ignored;
    socket.shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
    deadline.expires_after(lingering_close_time);
    std::array<char, 4096> discard{};
    for (int reads = 0; reads < 256; ++reads) {
        auto [error, read] = co_await socket.async_read_some(asio::buffer(discard), use_nothrow);
        if (error || read == 0) {
            break;
        }
    }
    socket.close(ignored);
}

bool has_credentials(const http::fields& request) {
    return request.count(http::field::authorization) > 0 ||
           request.count(http::field::cookie) > 0 ||
           request.count(http::field::proxy_authorization) > 0;
}

// The client address: the peer, or, when the peer is a trusted proxy, the
// right-most X-Forwarded-For entry that is not itself a trusted proxy.
void resolve_client_address(pipeline::Exchange& exchange, const config::Settings& settings) {
    exchange.client_address = exchange.peer_address;
    exchange.peer_is_trusted_proxy = any_contains(settings.trusted_proxies, exchange.peer_address);
    if (!exchange.peer_is_trusted_proxy) {
        return;
    }
    std::string_view forwarded = exchange.request["x-forwarded-for"];
    while (!forwarded.empty()) {
        auto comma = forwarded.rfind(',');
        auto entry = forwarded.substr(comma == std::string_view::npos ? 0 : comma + 1);
        forwarded =
            comma == std::string_view::npos ? std::string_view{} : forwarded.substr(0, comma);
        while (!entry.empty() && (entry.front() == ' ' || entry.front() == '\t')) {
            entry.remove_prefix(1);
        }
        while (!entry.empty() && (entry.back() == ' ' || entry.back() == '\t')) {
            entry.remove_suffix(1);
        }
        boost::system::error_code error;
        auto address = asio::ip::make_address(std::string(entry), error);
        if (error) {
            return;  // a malformed chain: trust nothing beyond the peer
        }
        exchange.client_address = address;
        if (!any_contains(settings.trusted_proxies, address)) {
            return;
        }
    }
}

void assign_request_id(pipeline::Exchange& exchange) {
    if (exchange.peer_is_trusted_proxy) {
        auto offered = exchange.request["x-request-id"];
        if (util::is_acceptable_request_id(offered)) {
            exchange.request_id = std::string(offered);
            return;
        }
    }
    exchange.request_id = util::new_request_id();
}

template <typename Stream>
class Connection {
  public:
    Connection(Worker& worker, Stream& stream, asio::ip::address peer, bool over_tls,
               const ClientCertificate* client_certificate)
        : worker_(worker),
          stream_(stream),
          peer_(std::move(peer)),
          peer_text_(peer_.to_string()),
          over_tls_(over_tls),
          client_certificate_(client_certificate),
          deadline_(worker.deadlines(), stream.socket()),
          buffer_(max_head_bytes(worker.current_snapshot()->settings().limits) +
                  read_buffer_slack) {}

    asio::awaitable<void> serve() {
        auto registration = worker_.register_connection(&stream_.socket());
        for (std::uint64_t served = 0;; ++served) {
            registration->idle = true;
            if (worker_.server().draining() && served > 0) {
                break;
            }
            auto snapshot = worker_.current_snapshot();
            const auto& limits = snapshot->settings().limits;
            std::size_t head_size = 0;
            auto head =
                co_await read_head(deadline_, stream_, buffer_, limits, served > 0, head_size);
            registration->idle = false;
            if (head == HeadRead::closed) {
                break;
            }
            bool keep_going = co_await handle_request(
                snapshot, head, head_size, served + 1 >= limits.max_requests_per_connection);
            if (!keep_going) {
                break;
            }
        }
        worker_.unregister_connection(registration);
        co_await lingering_close(stream_.socket(), deadline_);
    }

  private:
    pipeline::Exchange new_exchange(const std::shared_ptr<const config::Snapshot>& snapshot) {
        pipeline::Exchange exchange;
        exchange.snapshot = snapshot.get();
        exchange.started = std::chrono::steady_clock::now();
        exchange.wall_clock_start = std::chrono::system_clock::now();
        exchange.peer_address = peer_;
        exchange.peer_address_text = peer_text_;
        exchange.client_address = peer_;
        exchange.over_tls = over_tls_;
        exchange.client_certificate = client_certificate_;
        exchange.security_events = &worker_.server().security_events();
        exchange.worker_index = worker_.index();
        exchange.upstream_fetcher = &worker_.upstream_fetcher();
        exchange.body_limit = snapshot->settings().limits.max_body_bytes;
        return exchange;
    }

    // Answers a request the session refused before routing, and closes.
    asio::awaitable<bool> refuse(pipeline::Exchange& exchange, http::status status,
                                 std::string_view detail) {
        if (exchange.request_id.empty()) {
            exchange.request_id = util::new_request_id();
        }
        pipeline::set_problem(exchange, status, detail);
        exchange.close_connection = true;
        co_await respond(exchange, false);
        co_return false;
    }

    asio::awaitable<bool> handle_request(const std::shared_ptr<const config::Snapshot>& snapshot,
                                         HeadRead head, std::size_t head_size, bool last_allowed) {
        auto exchange = new_exchange(snapshot);
        const auto& settings = snapshot->settings();
        switch (head) {
            case HeadRead::timed_out:
                co_return co_await refuse(exchange, http::status::request_timeout,
                                          "The request head did not arrive in time.");
            case HeadRead::malformed:
                co_return co_await refuse(exchange, http::status::bad_request,
                                          "The request is malformed.");
            case HeadRead::too_large: {
                auto rejection =
                    classify_incomplete_head(buffer_text(buffer_), head_limits(settings.limits));
                auto status =
                    rejection ? rejection->status : http::status::request_header_fields_too_large;
                co_return co_await refuse(exchange, status, rejection ? rejection->detail : "");
            }
            default:
                break;
        }
        std::string_view raw_head = buffer_text(buffer_).substr(0, head_size);
        if (auto rejection = validate_request_head(raw_head, head_limits(settings.limits))) {
            co_return co_await refuse(exchange, rejection->status, rejection->detail);
        }
        http::request_parser<http::string_body> parser;
        parser.eager(false);
        parser.header_limit(static_cast<std::uint32_t>(max_head_bytes(settings.limits)));
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        boost::system::error_code parse_error;
        auto consumed = parser.put(asio::buffer(raw_head.data(), raw_head.size()), parse_error);
        buffer_.consume(head_size);
        if ((parse_error && parse_error != http::error::need_more) || consumed != head_size ||
            !parser.is_header_done()) {
            co_return co_await refuse(exchange, http::status::bad_request,
                                      "The request is malformed.");
        }
        if (auto rejection = check_framing(parser.get().base())) {
            co_return co_await refuse(exchange, rejection->status, rejection->detail);
        }
        exchange.request = std::move(parser.get());
        resolve_client_address(exchange, settings);
        assign_request_id(exchange);
        exchange.carries_credentials = has_credentials(exchange.request);
        bool client_keep_alive = exchange.request.keep_alive() && !last_allowed;

        auto target = normalize_target(exchange.request.target(),
                                       exchange.request[http::field::host], settings.paths);
        if (!target) {
            co_return co_await refuse(exchange, target.error().status, target.error().detail);
        }
        exchange.normalized_path = std::move(target->path);
        exchange.query = std::move(target->query);
        exchange.upstream_target = std::move(target->upstream_target);

        bool preflight = pipeline::is_cors_preflight(exchange.request);
        std::string_view lookup_method =
            preflight
                ? std::string_view(exchange.request[http::field::access_control_request_method])
                : std::string_view(exchange.request.method_string());
        auto match =
            snapshot->router().find(exchange.request[http::field::host], exchange.normalized_path,
                                    lookup_method, exchange.path_parameters);
        bool body_pending = !parser.is_done();
        if (match.kind != pipeline::Router::Result::Kind::found) {
            if (match.kind == pipeline::Router::Result::Kind::method_not_allowed) {
                pipeline::set_problem(exchange, http::status::method_not_allowed,
                                      "The method is not allowed on this resource.");
                exchange.response.set(http::field::allow, match.allow);
            } else {
                pipeline::set_problem(exchange, http::status::not_found,
                                      pipeline::not_found_detail);
            }
            co_await respond(exchange, client_keep_alive && !body_pending);
            co_return client_keep_alive && !body_pending;
        }
        exchange.route = match.route;
        exchange.body_limit = match.route->body_limit;
        const auto& chain = match.route->chain;
        auto verdict = chain.has_asynchronous_stage()
                           ? co_await chain.run_request_head(exchange)
                           : chain.run_request_head_synchronously(exchange);
        if (verdict == pipeline::Verdict::proceed && preflight) {
            // No CORS policy answered it: preflights are never proxied.
            pipeline::set_problem(exchange, http::status::forbidden,
                                  "Cross-origin request refused.");
            verdict = pipeline::Verdict::respond;
        }
        if (verdict == pipeline::Verdict::respond) {
            bool keep = client_keep_alive && !body_pending && !exchange.close_connection;
            co_await respond(exchange, keep);
            co_return keep;
        }
        if (body_pending) {
            if (!co_await read_body(parser, exchange)) {
                co_return false;
            }
            if (chain.run_request_body(exchange) == pipeline::Verdict::respond) {
                bool keep = client_keep_alive && !exchange.close_connection;
                co_await respond(exchange, keep);
                co_return keep;
            }
        }
        if (match.route->handler) {
            co_await match.route->handler->handle(exchange);
        } else {
            co_await forward_to_upstream(exchange, worker_);
        }
        bool keep = client_keep_alive && !exchange.close_connection;
        auto write = start_response(exchange, keep);
        if (!write.finished()) {
            write.add_rest(co_await finish_write(stream_, write));
        }
        co_return finish_response(exchange, write) && keep;
    }

    // Reads the body into the exchange; false when the session has already
    // answered (413, 408, 400) or the client went away.
    asio::awaitable<bool> read_body(http::request_parser<http::string_body>& parser,
                                    pipeline::Exchange& exchange) {
        const auto& limits = exchange.snapshot->settings().limits;
        if (auto length = parser.content_length(); length && *length > exchange.body_limit) {
            co_return co_await refuse(exchange, http::status::payload_too_large,
                                      "The request body is larger than this resource accepts.");
        }
        // RFC 9110 §10.1.1: an HTTP/1.0 client's expectation is ignored.
        if (exchange.request.version() >= 11 &&
            util::equals_ignoring_case(exchange.request[http::field::expect], "100-continue")) {
            static constexpr std::string_view continue_line = "HTTP/1.1 100 Continue\r\n\r\n";
            deadline_.expires_after(limits.send_timeout);
            auto [error, written] =
                co_await asio::async_write(stream_, asio::buffer(continue_line), use_nothrow);
            if (error) {
                co_return false;
            }
        }
        parser.get() = std::move(exchange.request);
        parser.body_limit(exchange.body_limit);
        std::uint64_t extension_bytes = 0;
        auto count_extensions = [&extension_bytes](std::uint64_t, auto extensions,
                                                   boost::system::error_code& error) {
            extension_bytes += extensions.size();
            if (extension_bytes > max_chunk_extension_bytes) {
                error = http::error::bad_chunk_extension;
            }
        };
        parser.on_chunk_header(
            count_extensions);  // stored by reference: lives until the body is read
        const auto body_started = SocketDeadline::Clock::now();
        std::uint64_t received = 0;
        while (!parser.is_done()) {
            deadline_.expires_at(body_read_deadline(limits, body_started, received));
            auto [error, read] =
                co_await http::async_read_some(stream_, buffer_, parser, use_nothrow);
            bool timed_out = deadline_.fired();
            received += read;
            if (!error) {
                continue;
            }
            exchange.request = std::move(parser.get());
            if (error == http::error::body_limit) {
                co_return co_await refuse(exchange, http::status::payload_too_large,
                                          "The request body is larger than this resource accepts.");
            }
            if (timed_out) {
                co_return co_await refuse(exchange, http::status::request_timeout,
                                          "The request body did not arrive in time.");
            }
            if (error == http::error::end_of_stream || error == asio::error::eof ||
                error == asio::error::connection_reset) {
                co_return false;
            }
            co_return co_await refuse(exchange, http::status::bad_request,
                                      "The request body is malformed.");
        }
        exchange.request = parser.release();
        co_return true;
    }

    // Runs the response stages, writes the response, logs it. False if the
    // write failed.
    asio::awaitable<bool> respond(pipeline::Exchange& exchange, bool keep_alive) {
        auto write = start_response(exchange, keep_alive);
        if (!write.finished()) {
            write.add_rest(co_await finish_write(stream_, write));
        }
        co_return finish_response(exchange, write);
    }

    // respond() in two steps, for the proxy path to call without a
    // coroutine frame of its own: the stages, the framing and the part of
    // the write that goes at once; then, after any rest was written, the log.
    ImmediateWrite start_response(pipeline::Exchange& exchange, bool keep_alive) {
        const auto& chain =
            exchange.route != nullptr ? exchange.route->chain : exchange.snapshot->default_chain();
        chain.run_response(exchange);
        ResponseFraming framing(exchange, keep_alive && !exchange.close_connection);
        deadline_.expires_after(exchange.snapshot->settings().limits.send_timeout);
        return write_without_waiting(stream_, serialise_message(exchange.response, write_buffer_,
                                                                exchange.response_field_lines.pieces(),
                                                                framing.sends_body()));
    }

    bool finish_response(const pipeline::Exchange& exchange, const ImmediateWrite& write) {
        release_oversized_buffer(write_buffer_);
        record(exchange, write.written);
        return !write.error;
    }

    void record(const pipeline::Exchange& exchange, std::size_t written) {
        auto duration = std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::steady_clock::now() - exchange.started);
        auto& server = worker_.server();
        auto* route_metrics =
            exchange.route != nullptr ? exchange.route->metrics : server.metrics().unrouted();
        server.metrics().record_request(worker_.index(), *route_metrics,
                                        exchange.request.method_string(),
                                        exchange.response.result_int(), duration);
        if (auto* detector = server.anomaly_detector()) {
            detector->record(exchange, worker_.index());
        }
        if (auto* log = server.access_log()) {
            std::string_view route_name = exchange.route != nullptr
                                              ? std::string_view(exchange.route->name)
                                              : std::string_view{};
            log->write(observe::format_access_log_line(exchange, route_name, written, duration));
        }
    }

    Worker& worker_;
    Stream& stream_;
    asio::ip::address peer_;
    std::string peer_text_;
    bool over_tls_;
    const ClientCertificate* client_certificate_;  // null: none verified
    SocketDeadline deadline_;                      // every read and write on the client connection
    beast::flat_buffer buffer_;
    std::string write_buffer_;  // the response being written; kept for the next one
};

boost::asio::ip::address peer_address(const ClientSocket& socket) {
    boost::system::error_code error;
    auto endpoint = socket.remote_endpoint(error);
    return error ? asio::ip::address{} : endpoint.address();
}

}  // namespace

asio::awaitable<void> run_https_session(Worker& worker, ClientSocket socket,
                                        std::size_t listener_index) {
    auto snapshot = worker.current_snapshot();
    const auto& tls = snapshot->settings().listeners[listener_index].tls;
    auto peer = peer_address(socket);
    TlsStream stream(std::move(socket), *snapshot->listener_tls(listener_index));
    if (!stream.valid()) {
        worker.server().metrics().tls_handshake(worker.index(), false);
        co_return;
    }
    {
        SocketDeadline handshake_deadline(worker.deadlines(), stream.socket());
        handshake_deadline.expires_after(tls->handshake_timeout);
        auto [handshake_error] = co_await stream.async_handshake(use_nothrow);
        worker.server().metrics().tls_handshake(worker.index(), !handshake_error);
        if (handshake_error) {
            co_return;
        }
    }
    snapshot.reset();  // each request takes the snapshot current when it starts
    // Once per connection: the certificate cannot change after the handshake
    // (renegotiation is off), and its names are all an authentication needs.
    auto client_certificate = verified_client_certificate(stream.native_handle());
    Connection<TlsStream> connection(worker, stream, peer, true,
                                     client_certificate ? &*client_certificate : nullptr);
    co_await connection.serve();
}

// GCC 12 pairs this coroutine frame's allocation with Asio's sized operator
// delete and reports a mismatch that is not one, as for the frame of
// PooledUpstreamFetcher::fetch (upstream_proxy.cpp): both hold a whole Exchange.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
asio::awaitable<void> run_redirect_session(Worker& worker, ClientSocket socket,
                                           std::size_t listener_index) {
    auto snapshot = worker.current_snapshot();
    const auto& settings = snapshot->settings();
    beast::flat_buffer buffer;
    pipeline::Exchange exchange;
    exchange.snapshot = snapshot.get();
    exchange.over_tls = false;
    exchange.started = std::chrono::steady_clock::now();
    exchange.wall_clock_start = std::chrono::system_clock::now();
    exchange.request_id = util::new_request_id();
    exchange.peer_address = exchange.client_address = peer_address(socket);
    exchange.security_events = &worker.server().security_events();
    std::size_t head_size = 0;
    SocketDeadline deadline(worker.deadlines(), socket);
    auto head = co_await read_head(deadline, socket, buffer, settings.limits, false, head_size);
    if (head == HeadRead::closed) {
        co_return;  // the socket closes with this frame
    }
    std::string location;
    if (head == HeadRead::complete) {
        std::string_view raw_head = buffer_text(buffer).substr(0, head_size);
        http::request_parser<http::empty_body> parser;
        parser.eager(false);
        parser.header_limit(static_cast<std::uint32_t>(max_head_bytes(settings.limits)));
        boost::system::error_code error;
        bool valid = !validate_request_head(raw_head, head_limits(settings.limits));
        if (valid) {
            parser.put(asio::buffer(raw_head.data(), raw_head.size()), error);
            valid = (!error || error == http::error::need_more) && parser.is_header_done() &&
                    !check_framing(parser.get().base());
        }
        if (valid) {
            const auto& request = parser.get();
            exchange.request.method(request.method());
            exchange.request.version(request.version());
            auto host = std::string(request[http::field::host]);
            auto target = normalize_target(request.target(), host, settings.paths);
            if (has_credentials(request) || request.count("apikey") > 0) {
                // The secret already crossed the network in clear: do not invite a silent retry.
                exchange.security_events->emit("cleartext_request", &exchange,
                                               {{"reason", "credentials"}});
                pipeline::set_problem(exchange, http::status::forbidden,
                                      "Credentials were sent over plain HTTP; use HTTPS.");
            } else if (!host.empty() && target) {
                if (auto colon = host.rfind(':');
                    colon != std::string::npos && host.back() != ']') {
                    host.resize(colon);
                }
                auto port = settings.listeners[listener_index].redirect_port;
                location = "https://" + host + (port == 443 ? "" : ":" + std::to_string(port)) +
                           target->upstream_target;
            }
        }
    }
    if (!location.empty()) {
        exchange.response = pipeline::Response{http::status::permanent_redirect, 11};
        exchange.response.set(http::field::location, location);
    } else if (head == HeadRead::timed_out) {
        pipeline::set_problem(exchange, http::status::request_timeout,
                              "The request head did not arrive in time.");
    } else if (exchange.response.result() != http::status::forbidden) {
        pipeline::set_problem(exchange, http::status::bad_request, "Use HTTPS.");
    }
    snapshot->default_chain().run_response(exchange);
    ResponseFraming framing(exchange, false);
    deadline.expires_after(settings.limits.send_timeout);
    std::string write_buffer;
    auto write = write_without_waiting(
        socket, serialise_message(exchange.response, write_buffer,
                                  exchange.response_field_lines.pieces(), framing.sends_body()));
    if (!write.finished()) {
        co_await finish_write(socket, write);
    }
    co_await lingering_close(socket, deadline);
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace rampart::net
