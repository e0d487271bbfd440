// Writes an HTTP/1.1 message in one write: its head and, when small, its
// body, serialised into one buffer the connection reuses. Beast's serializer
// hands the stream a sequence of one buffer per field, which the TLS stream
// then flattens again; for the messages the proxy path sends (bodies framed by
// Content-Length, never chunked) the bytes are the same, at a fraction of the
// cost, and a response still leaves as one TLS record and one send.
//
// The write itself starts without waiting (write_without_waiting): whatever
// the connection takes at once goes out before the caller's coroutine
// suspends, and only the rest is an Asio operation.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/basic_stream_socket.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <tuple>

#include "net/tls_stream.hpp"

namespace rampart::net {

// Text written after a message's own fields: whole "Name: value\r\n" lines,
// possibly split into pieces (a name, a value, the line end). For the fields
// the gateway adds: a copy costs less than an insertion (an allocation each).
using ExtraFields = std::span<const std::string_view>;

// Appends the start line, every field in order, the extra fields and the
// empty line: without extra fields, exactly what Beast's serializer writes
// before the body.
void append_head(const boost::beast::http::request_header<>& head, std::string& out,
                 ExtraFields extra_fields = {});
void append_head(const boost::beast::http::response_header<>& head, std::string& out,
                 ExtraFields extra_fields = {});

// Bodies up to this size are copied behind the head so that both go out in
// one write; larger ones are written from where they are, in the same call.
inline constexpr std::size_t max_copied_body_bytes = 16 * 1024;
// A buffer that grew beyond this for one large message is released after it.
inline constexpr std::size_t max_retained_write_buffer_bytes = 64 * 1024;

// Serialises the message (Content-Length framing, or no body; never chunked)
// into `buffer`, the connection's scratch space, with the extra fields after
// its own, and returns what to write: the head with a small body copied behind
// it, or the head and a large body from where it is (else an empty buffer).
// Without `with_body` the head alone (a response to HEAD, a 204, a 304).
template <bool isRequest>
std::array<boost::asio::const_buffer, 2> serialise_message(
    const boost::beast::http::message<isRequest, boost::beast::http::string_body>& message,
    std::string& buffer, ExtraFields extra_fields = {}, bool with_body = true) {
    buffer.clear();
    append_head(message.base(), buffer, extra_fields);
    const auto& body = message.body();
    if (!with_body) {
        return {boost::asio::buffer(buffer), boost::asio::const_buffer{}};
    }
    if (body.size() <= max_copied_body_bytes) {
        buffer.append(body);
        return {boost::asio::buffer(buffer), boost::asio::const_buffer{}};
    }
    return {boost::asio::buffer(buffer), boost::asio::buffer(body)};
}

// What went out of a serialised message before any wait, and what is left.
struct ImmediateWrite {
    boost::system::error_code error;
    std::size_t written = 0;
    std::array<boost::asio::const_buffer, 2> rest{};  // empty when finished or failed

    bool finished() const { return error || boost::asio::buffer_size(rest) == 0; }

    // Takes in what finish_write completed with: its error and the rest's bytes.
    void add_rest(const std::tuple<boost::system::error_code, std::size_t>& rest_written) {
        error = std::get<0>(rest_written);
        written += std::get<1>(rest_written);
    }
};

// Sends as much of `buffers` as the connection takes now, without waiting:
// into the socket with send(2) (MSG_DONTWAIT), or through OpenSSL on a
// TlsStream. Any other stream sends nothing here and writes it all afterwards.
ImmediateWrite send_without_waiting(int descriptor,
                                    std::array<boost::asio::const_buffer, 2> buffers);
template <typename Protocol, typename Executor>
ImmediateWrite write_without_waiting(boost::asio::basic_stream_socket<Protocol, Executor>& socket,
                                     std::array<boost::asio::const_buffer, 2> buffers) {
    return send_without_waiting(socket.native_handle(), buffers);
}
ImmediateWrite write_without_waiting(TlsStream& stream,
                                     std::array<boost::asio::const_buffer, 2> buffers);
template <typename Stream>
ImmediateWrite write_without_waiting(Stream&, std::array<boost::asio::const_buffer, 2> buffers) {
    return ImmediateWrite{{}, 0, buffers};
}

// Writes the message: the part the connection takes at once straight away,
// the rest (a large body, a full socket) with an Asio write. A response nearly
// always goes whole, and an Asio write that completes at once still goes
// through the scheduler before its caller resumes, so the caller writes
//
//     auto write = write_without_waiting(stream, serialise_message(...));
//     if (!write.finished()) { write.add_rest(co_await finish_write(stream, write)); }
//
// in its own coroutine; the extra fields are copied before the first step.
template <typename Stream>
auto finish_write(Stream& stream, const ImmediateWrite& write) {
    return boost::asio::async_write(stream, write.rest,
                                    boost::asio::as_tuple(boost::asio::use_awaitable));
}

inline void release_oversized_buffer(std::string& buffer) {
    if (buffer.capacity() > max_retained_write_buffer_bytes) {
        std::string().swap(buffer);
    }
}

}  // namespace rampart::net
