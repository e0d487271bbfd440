#include "net/upstream_proxy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/read_size.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/rfc7230.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <string_view>

#include "net/framing.hpp"
#include "net/identity_forwarding.hpp"
#include "net/message_writer.hpp"
#include "net/server.hpp"
#include "net/socket_interest.hpp"
#include "net/tls_context.hpp"
#include "net/worker.hpp"
#include "observe/metrics.hpp"
#include "pipeline/problem.hpp"
#include "pipeline/route.hpp"
#include "util/ascii.hpp"

namespace rampart::net {

namespace http = boost::beast::http;
namespace asio = boost::asio;
using namespace std::chrono_literals;

namespace {

constexpr auto use_nothrow = asio::as_tuple(asio::use_awaitable);
constexpr std::size_t max_upstream_header_bytes = 64 * 1024;
constexpr int max_informational_responses = 8;
// Bytes asked of the socket at a time for an upstream response (as Beast reads).
constexpr std::size_t max_read_size = 64 * 1024;

// Fields that describe one connection, not the message (RFC 9110 §7.6.1),
// plus the h2c upgrade pair, which must never reach an upstream (HTTP-16).
// Beast's parser names every one of them, so they are told apart by enum.
constexpr std::array<http::field, 10> hop_by_hop_fields{http::field::connection,
                                                        http::field::keep_alive,
                                                        http::field::proxy_connection,
                                                        http::field::te,
                                                        http::field::trailer,
                                                        http::field::transfer_encoding,
                                                        http::field::upgrade,
                                                        http::field::proxy_authorization,
                                                        http::field::proxy_authenticate,
                                                        http::field::http2_settings};

// Fields the gateway sets itself: a client's Connection header can never
// make Rampart remove them.
constexpr std::array<std::string_view, 5> gateway_fields{
    "host", "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-request-id"};

bool is_gateway_field(std::string_view name) {
    for (auto field : gateway_fields) {
        if (util::equals_ignoring_case(name, field)) {
            return true;
        }
    }
    return false;
}

bool is_hop_by_hop(http::field name) {
    return std::find(hop_by_hop_fields.begin(), hop_by_hop_fields.end(), name) !=
           hop_by_hop_fields.end();
}

template <bool isRequest>
bool is_listed_in_connection(const http::header<isRequest>& header, std::string_view name) {
    for (const auto& field : header) {
        if (field.name() != http::field::connection) {
            continue;
        }
        for (auto token : http::token_list{field.value()}) {
            if (util::equals_ignoring_case(token, name) && !is_gateway_field(token)) {
                return true;
            }
        }
    }
    return false;
}

// One pass over the fields, without copying a name. The names the Connection
// fields list are collected first, as views into those fields, which are
// erased last; a list longer than the collection holds falls back to
// scanning the Connection fields for each field.
template <bool isRequest>
void remove_connection_fields(http::header<isRequest>& header) {
    constexpr std::size_t max_collected = 16;
    std::array<std::string_view, max_collected> listed;
    std::size_t listed_count = 0;
    bool more_listed = false;
    bool has_connection = false;
    for (const auto& field : header) {
        if (field.name() != http::field::connection) {
            continue;
        }
        has_connection = true;
        for (auto token : http::token_list{field.value()}) {
            if (is_gateway_field(token)) {
                continue;
            }
            if (listed_count < max_collected) {
                listed[listed_count++] = token;
            } else {
                more_listed = true;
            }
        }
    }
    auto is_listed = [&](std::string_view name) {
        for (std::size_t index = 0; index < listed_count; ++index) {
            if (util::equals_ignoring_case(listed[index], name)) {
                return true;
            }
        }
        return more_listed && is_listed_in_connection(header, name);
    };
    for (auto field = header.begin(); field != header.end();) {
        auto name = field->name();
        bool remove = name != http::field::connection &&
                      (is_hop_by_hop(name) || (has_connection && is_listed(field->name_string())));
        field = remove ? header.erase(field) : std::next(field);
    }
    // Last, since the listed names are views into them; by a pass comparing
    // the field enum, not by an erase that looks the name up again.
    for (auto field = header.begin(); has_connection && field != header.end();) {
        field = field->name() == http::field::connection ? header.erase(field) : std::next(field);
    }
}

std::string forwarded_for(const pipeline::Exchange& exchange) {
    auto peer = exchange.peer_address_text.empty() ? exchange.peer_address.to_string()
                                                   : std::string(exchange.peer_address_text);
    if (exchange.peer_is_trusted_proxy) {
        auto existing = exchange.request["x-forwarded-for"];
        if (!existing.empty()) {
            return std::string(existing) + ", " + peer;
        }
    }
    return peer;
}

// The fields the gateway adds to a forwarded request. They are not inserted
// into exchange.request (an allocation each, per request) but written after
// its own fields by the message writer; the request's fields of these names
// were removed, as a set would have. Host is the attempt's target's, unless
// the upstream preserves the client's. The framing is Content-Length, of the
// body as received (chunked bodies were read whole), on requests with a body
// and on POST, PUT, PATCH and OPTIONS without one; HTTP/1.1 needs no
// Connection field to stay open.
class GatewayFields {
  public:
    GatewayFields(const pipeline::Exchange& exchange, std::string forwarded_for,
                  std::string forwarded_host)
        : forwarded_for_(std::move(forwarded_for)),
          forwarded_host_(std::move(forwarded_host)),
          forwarded_proto_(exchange.over_tls ? "https" : "http"),
          request_id_(exchange.request_id) {
        auto body_size = exchange.request.body().size();
        auto method = exchange.request.method();
        if (body_size > 0 || method == http::verb::post || method == http::verb::put ||
            method == http::verb::patch || method == http::verb::options) {
            auto end = std::to_chars(content_length_digits_.data(),
                                     content_length_digits_.data() + content_length_digits_.size(),
                                     body_size)
                           .ptr;
            content_length_ = std::string_view(
                content_length_digits_.data(),
                static_cast<std::size_t>(end - content_length_digits_.data()));
        }
    }
    GatewayFields(const GatewayFields&) = delete;
    GatewayFields& operator=(const GatewayFields&) = delete;

    // `host` empty: no Host line (the request keeps its own).
    std::array<std::string_view, 18> lines(std::string_view host) const {
        bool with_host = !host.empty();
        bool with_length = !content_length_.empty();
        return {with_host ? "Host: " : "",
                host,
                with_host ? "\r\n" : "",
                "x-forwarded-for: ",
                forwarded_for_,
                "\r\n",
                "x-forwarded-proto: ",
                forwarded_proto_,
                "\r\n",
                "x-forwarded-host: ",
                forwarded_host_,
                "\r\n",
                "X-Request-Id: ",
                request_id_,
                "\r\n",
                with_length ? "Content-Length: " : "",
                content_length_,
                with_length ? "\r\n" : ""};
    }

  private:
    std::string forwarded_for_;
    std::string forwarded_host_;
    std::string_view forwarded_proto_;
    std::string_view request_id_;  // the exchange's: it outlives the forwarding
    std::array<char, 24> content_length_digits_{};
    std::string_view content_length_;  // empty: no Content-Length line
};

enum class AttemptOutcome {
    answered,
    connect_failed,
    tls_failed,
    stale_connection,  // a reused keep-alive connection the upstream had closed
    timed_out,
    failed,
    response_too_large,
};

struct Attempt {
    AttemptOutcome outcome = AttemptOutcome::failed;
    bool reusable = false;
};

// With TLS 1.3 the client side of the handshake completes before the server
// has checked the client certificate: a refusal (alert certificate_required)
// arrives on the first read. Nothing was processed upstream, as with a
// failed handshake.
bool is_tls_refusal(const boost::system::error_code& error) {
    return error.category() == asio::error::get_ssl_category();
}

// The response timeout bounds the whole exchange, from the first byte written
// to the last byte of the final response read.
template <typename Stream>
asio::awaitable<Attempt> exchange_messages(Stream& stream, UpstreamConnection& connection,
                                           DeadlineSweep& deadlines, pipeline::Exchange& exchange,
                                           const config::Upstream& settings,
                                           std::uint64_t max_response_bytes,
                                           ExtraFields gateway_fields) {
    SocketDeadline deadline(deadlines, connection.tcp().socket());
    deadline.expires_after(settings.response_timeout);
    auto write = write_without_waiting(
        stream, serialise_message(exchange.request, connection.write_buffer(), gateway_fields));
    if (!write.finished()) {
        write.add_rest(co_await finish_write(stream, write));
    }
    release_oversized_buffer(connection.write_buffer());
    if (write.error) {
        if (deadline.fired()) {
            co_return Attempt{AttemptOutcome::timed_out};
        }
        co_return Attempt{connection.reused ? AttemptOutcome::stale_connection
                                            : AttemptOutcome::failed};
    }
    for (int informational = 0; informational < max_informational_responses; ++informational) {
        http::response_parser<http::string_body> parser;
        parser.header_limit(max_upstream_header_bytes);
        parser.body_limit(max_response_bytes);
        if (exchange.request.method() == http::verb::head) {
            parser.skip(true);
        }
        // Beast's async_read, as a loop in this coroutine: its two layers of
        // composed operations cost more than the parse of a small response.
        auto& buffer = connection.buffer();
        boost::system::error_code read_error;
        std::size_t read = 0;  // bytes the parser took, as async_read counts them
        while (!parser.is_done()) {
            if (buffer.size() > 0) {
                auto used = parser.put(buffer.data(), read_error);
                buffer.consume(used);
                read += used;
                if (!read_error && used > 0) {
                    continue;
                }
                if (read_error && read_error != http::error::need_more) {
                    break;
                }
                read_error = {};
            }
            auto size = boost::beast::read_size(buffer, max_read_size);
            if (size == 0) {
                read_error = http::error::buffer_overflow;
                break;
            }
            auto [socket_error, received] =
                co_await stream.async_read_some(buffer.prepare(size), use_nothrow);
            buffer.commit(received);
            if (socket_error == asio::error::eof) {
                // A response framed by the connection's end, or one cut short.
                if (parser.got_some()) {
                    parser.put_eof(read_error);
                } else {
                    read_error = http::error::end_of_stream;
                }
                break;
            }
            if (socket_error) {
                read_error = socket_error;
                break;
            }
        }
        if (read_error) {
            if (deadline.fired()) {
                co_return Attempt{AttemptOutcome::timed_out};
            }
            if (!connection.reused && is_tls_refusal(read_error)) {
                co_return Attempt{AttemptOutcome::tls_failed};
            }
            if (read_error == http::error::body_limit) {
                co_return Attempt{AttemptOutcome::response_too_large};
            }
            bool nothing_received = read == 0 && connection.buffer().size() == 0;
            co_return Attempt{connection.reused && nothing_received
                                  ? AttemptOutcome::stale_connection
                                  : AttemptOutcome::failed};
        }
        auto& response = parser.get();
        if (response.result_int() / 100 == 1) {
            continue;  // 100 Continue and friends are hop-local: wait for the final response
        }
        // From the parser's flags: the message's keep_alive() parses Connection again.
        bool reusable = parser.keep_alive();
        exchange.response = parser.release();
        co_return Attempt{AttemptOutcome::answered, reusable};
    }
    co_return Attempt{AttemptOutcome::failed};
}

asio::awaitable<bool> connect(UpstreamConnection& connection, const UpstreamCluster& cluster,
                              AttemptOutcome& failure) {
    const auto& settings = cluster.settings();
    connection.tcp().expires_after(settings.connect_timeout);
    auto [connect_error, endpoint] =
        co_await connection.tcp().async_connect(connection.target().endpoints, use_nothrow);
    if (connect_error) {
        failure = AttemptOutcome::connect_failed;
        co_return false;
    }
    connection.tcp().socket().set_option(asio::ip::tcp::no_delay(true));
    if (!connection.is_tls()) {
        connection.tcp().expires_never();  // the exchange's own deadline takes over
        drop_write_interest(connection.tcp().socket());
        co_return true;
    }
    prepare_upstream_tls_stream(connection.tls().native_handle(), connection.target().settings.host,
                                settings.tls);
    connection.tcp().expires_after(settings.connect_timeout);
    auto [handshake_error] =
        co_await connection.tls().async_handshake(asio::ssl::stream_base::client, use_nothrow);
    if (handshake_error) {
        failure = AttemptOutcome::tls_failed;
        co_return false;
    }
    connection.tcp().expires_never();  // the exchange's own deadline takes over
    drop_write_interest(connection.tcp().socket());
    co_return true;
}

// A pooled keep-alive connection to the target, or null: the attempt then
// opens a new one.
std::unique_ptr<UpstreamConnection> pooled_connection(Worker& worker,
                                                      const UpstreamCluster& cluster,
                                                      const ResolvedTarget& target, bool allow_idle,
                                                      std::chrono::steady_clock::time_point now) {
    if (!allow_idle) {
        return nullptr;
    }
    return worker.upstream_pool().take_idle(target, now, cluster.settings().idle_timeout);
}

// After an exchange: a connection that may carry another goes back to the pool.
void return_connection(Worker& worker, const UpstreamCluster& cluster,
                       std::unique_ptr<UpstreamConnection> connection, const Attempt& attempt,
                       const pipeline::Exchange& exchange,
                       std::chrono::steady_clock::time_point now) {
    if (attempt.outcome == AttemptOutcome::answered && attempt.reusable) {
        connection->reused = false;
        worker.upstream_pool().give_back(std::move(connection), cluster,
                                         exchange.snapshot->generation(), now);
    }
}

void answer_failure(pipeline::Exchange& exchange, AttemptOutcome outcome) {
    switch (outcome) {
        case AttemptOutcome::timed_out:
            pipeline::set_problem(exchange, http::status::gateway_timeout,
                                  "The upstream service did not answer in time.");
            return;
        default:
            pipeline::set_problem(exchange, http::status::bad_gateway,
                                  "The upstream service could not be reached.");
            return;
    }
}

bool counts_as_target_failure(const pipeline::Exchange& exchange, AttemptOutcome outcome) {
    if (outcome != AttemptOutcome::answered) {
        return outcome != AttemptOutcome::stale_connection;
    }
    auto status = exchange.response.result_int();
    return status == 502 || status == 503 || status == 504;
}

}  // namespace

bool is_idempotent(http::verb method) {
    switch (method) {
        case http::verb::get:
        case http::verb::head:
        case http::verb::options:
        case http::verb::put:
        case http::verb::delete_:
            return true;
        default:
            return false;
    }
}

void remove_hop_by_hop_fields(pipeline::Response& response) {
    remove_connection_fields(response.base());
}

namespace {

// Fields of these names are the gateway's to write (GatewayFields); a Host the
// upstream preserves stays in the request.
bool is_replaced_by_gateway(const http::fields::value_type& field, bool preserve_host) {
    if (field.name() == http::field::host) {
        return !preserve_host;
    }
    if (field.name() == http::field::content_length) {
        return true;  // the framing is the gateway's (GatewayFields)
    }
    return is_gateway_field(field.name_string());
}

// Rewrites exchange.request into what goes upstream: normalised target,
// hop-by-hop and Connection-listed fields removed (never one the gateway
// sets), method-override and h2c fields removed, framing made explicit with
// Content-Length. X-Forwarded-*, X-Request-Id and (unless preserved) Host are
// removed from it and returned, to be written after its fields.
GatewayFields prepare_upstream_request(pipeline::Exchange& exchange,
                                       const config::Upstream& upstream) {
    auto& request = exchange.request;
    auto original_host = std::string(request[http::field::host]);
    auto forwarded_host = std::string(request["x-forwarded-host"]);
    auto forwarded = forwarded_for(exchange);
    remove_connection_fields(request.base());
    strip_identity_headers(exchange, exchange.snapshot->settings().identity_headers);
    request.erase(http::field::expect);  // 100-continue was answered by Rampart
    for (auto field = request.begin(); field != request.end();) {
        bool remove = is_method_override_header(field->name_string()) ||
                      is_replaced_by_gateway(*field, upstream.preserve_host);
        field = remove ? request.erase(field) : std::next(field);
    }
    if (request.target() != exchange.upstream_target) {
        request.target(exchange.upstream_target);
    }
    bool keep_forwarded_host = exchange.peer_is_trusted_proxy && !forwarded_host.empty();
    // Persistent HTTP/1.1 with no Connection field (removed above): Beast's
    // keep_alive(true) and prepare_payload() would only look fields up again.
    request.version(11);
    return GatewayFields(
        exchange, std::move(forwarded),
        keep_forwarded_host ? std::move(forwarded_host) : std::move(original_host));
}

bool set_identity_headers_for(pipeline::Exchange& exchange, Worker& worker,
                              std::string_view upstream_name) {
    const auto& settings = exchange.snapshot->settings();
    std::shared_ptr<const auth::KeyRing> keys;
    if (settings.identity_headers.signed_identity.enabled) {
        keys = worker.server().auth().directory()->keys;
    }
    return set_identity_headers(exchange, settings.identity_headers, keys.get(),
                                settings.auth.token_service.issuer, upstream_name);
}

}  // namespace

asio::awaitable<void> forward_to_upstream(pipeline::Exchange& exchange, Worker& worker) {
    const auto& cluster = *exchange.route->upstream;
    const auto& settings = cluster.settings();
    auto& metrics = worker.server().metrics();
    exchange.upstream_name = settings.name;
    auto gateway_fields = prepare_upstream_request(exchange, settings);
    if (!set_identity_headers_for(exchange, worker, settings.name)) {
        // A signed identity was promised to this upstream and cannot be made: fail closed.
        pipeline::set_problem(exchange, http::status::service_unavailable,
                              "The service is temporarily unavailable.");
        co_return;
    }

    bool idempotent = is_idempotent(exchange.request.method());
    std::vector<const ResolvedTarget*> failed_targets;
    AttemptOutcome last = AttemptOutcome::failed;
    bool any_target = false;
    bool retried_stale = false;
    for (std::uint32_t attempt = 0; attempt <= settings.retries;) {
        auto now = std::chrono::steady_clock::now();
        auto* target = worker.upstream_pool().pick_target(cluster, now, failed_targets);
        if (target == nullptr) {
            break;
        }
        any_target = true;
        exchange.upstream_address = target->address;
        worker.upstream_pool().begin_request(*target);
        auto started = now;
        // One attempt, written out here rather than as a coroutine of its
        // own: one frame and one resumption fewer per request (Asio's
        // recycling allocator keeps two freed frames per thread, and the
        // request's frames mostly push each other out). A plain connection
        // is used through its socket: the deadline bounds the exchange, and
        // Beast's tcp_stream would only wrap each read and write in an
        // operation of its own.
        Attempt result;
        auto connection = pooled_connection(worker, cluster, *target, !retried_stale, now);
        if (!connection) {
            connection = worker.upstream_pool().open_new(cluster, *target);
            if (!co_await connect(*connection, cluster, result.outcome)) {
                connection.reset();
            }
        }
        if (connection) {
            auto lines = gateway_fields.lines(settings.preserve_host
                                                  ? std::string_view{}
                                                  : std::string_view(target->host_header));
            auto max_response_bytes = exchange.snapshot->settings().limits.max_response_bytes;
            // An if, not a conditional expression: GCC 12 took the wrong
            // branch of `result = tls ? co_await a : co_await b`.
            if (connection->is_tls()) {
                result =
                    co_await exchange_messages(connection->tls(), *connection, worker.deadlines(),
                                               exchange, settings, max_response_bytes, lines);
            } else {
                result = co_await exchange_messages(connection->tcp().socket(), *connection,
                                                    worker.deadlines(), exchange, settings,
                                                    max_response_bytes, lines);
            }
        }
        auto finished = std::chrono::steady_clock::now();
        if (connection) {
            return_connection(worker, cluster, std::move(connection), result, exchange, finished);
        }
        auto elapsed = std::chrono::duration_cast<std::chrono::microseconds>(finished - started);
        worker.upstream_pool().end_request(*target);
        exchange.upstream_duration += elapsed;
        last = result.outcome;
        bool target_failed = counts_as_target_failure(exchange, result.outcome);
        if (cluster.metrics() != nullptr) {
            metrics.record_upstream(worker.index(), *cluster.metrics(),
                                    result.outcome != AttemptOutcome::answered, elapsed);
        }
        if (target_failed) {
            cluster.report_failure(*target, finished);
        } else if (result.outcome == AttemptOutcome::answered) {
            cluster.report_success(*target);
        }
        if (result.outcome == AttemptOutcome::answered) {
            exchange.response_from_upstream = true;
            remove_hop_by_hop_fields(exchange.response);
            co_return;
        }
        if (result.outcome == AttemptOutcome::stale_connection && !retried_stale && idempotent) {
            retried_stale = true;  // the pooled connection had died: one fresh try, not a retry
            continue;
        }
        if (result.outcome == AttemptOutcome::tls_failed) {
            worker.server().security_events().emit(
                "upstream_tls_failure", &exchange,
                {{"upstream", settings.name}, {"target", target->address}});
        }
        bool nothing_was_sent = result.outcome == AttemptOutcome::connect_failed ||
                                result.outcome == AttemptOutcome::tls_failed;
        if (!nothing_was_sent && !idempotent) {
            break;
        }
        failed_targets.push_back(target);
        if (failed_targets.size() >= cluster.targets().size()) {
            failed_targets.clear();  // every target failed once: a retry may use any again
        }
        ++attempt;
    }
    if (!any_target) {
        pipeline::set_problem(exchange, http::status::service_unavailable,
                              "No healthy upstream service is available.");
        co_return;
    }
    answer_failure(exchange, last);
}

namespace {

// Fields that describe the client's body (the fetch has none), and the
// conditional and range fields that would let the upstream answer 304 or a
// part: the fetch must get the whole resource, owner included.
constexpr std::array<http::field, 11> fields_not_fetched{http::field::content_length,
                                                         http::field::content_type,
                                                         http::field::content_encoding,
                                                         http::field::transfer_encoding,
                                                         http::field::expect,
                                                         http::field::if_match,
                                                         http::field::if_none_match,
                                                         http::field::if_modified_since,
                                                         http::field::if_unmodified_since,
                                                         http::field::if_range,
                                                         http::field::range};

// What forward_to_upstream left in a sub-exchange, as the fetch's outcome: an
// answer is the upstream's, anything else a problem Rampart made.
pipeline::FetchOutcome fetch_outcome(const pipeline::Exchange& fetch) {
    if (fetch.response_from_upstream) {
        return pipeline::FetchOutcome::answered;
    }
    switch (fetch.response.result()) {
        case http::status::gateway_timeout:
            return pipeline::FetchOutcome::timed_out;
        case http::status::service_unavailable:
            return pipeline::FetchOutcome::unavailable;
        default:
            return pipeline::FetchOutcome::unreachable;
    }
}

}  // namespace

// GCC 12 pairs the coroutine frame's allocation (Asio's aligned_new) with Asio's own sized
// operator delete and reports a mismatch that is not one: both go through Asio's recycling
// allocator. Seen only on this coroutine, since its frame holds a whole Exchange.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
asio::awaitable<pipeline::FetchedResource> PooledUpstreamFetcher::fetch(
    const pipeline::Exchange& exchange, std::string_view target) {
    // A sub-exchange of the client's: the same route, identity, addresses and
    // request id, so that forward_to_upstream sends what it would send for the
    // client's request, as a GET without a body.
    pipeline::Exchange fetch;
    fetch.snapshot = exchange.snapshot;
    fetch.route = exchange.route;
    fetch.request = pipeline::Request(http::verb::get, target, exchange.request.version());
    for (const auto& field : exchange.request.base()) {
        fetch.request.insert(field.name_string(), field.value());
    }
    for (auto field : fields_not_fetched) {
        fetch.request.erase(field);
    }
    fetch.normalized_path = exchange.normalized_path;
    fetch.upstream_target = std::string(target);
    fetch.peer_address = exchange.peer_address;
    fetch.peer_address_text = exchange.peer_address_text;
    fetch.client_address = exchange.client_address;
    fetch.peer_is_trusted_proxy = exchange.peer_is_trusted_proxy;
    fetch.over_tls = exchange.over_tls;
    fetch.request_id = exchange.request_id;
    fetch.security_events = exchange.security_events;
    fetch.worker_index = exchange.worker_index;
    fetch.identity = exchange.identity;
    co_await forward_to_upstream(fetch, worker_);
    co_return pipeline::FetchedResource{fetch_outcome(fetch), std::move(fetch.response)};
}
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

}  // namespace rampart::net
