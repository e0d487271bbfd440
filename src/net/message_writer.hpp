// Writes an HTTP/1.1 message in one write: its head and, when small, its
// body, serialised into one buffer the connection reuses. Beast's serializer
// hands the stream a sequence of one buffer per field, which the TLS stream
// then flattens again; for the messages the proxy path sends (bodies framed by
// Content-Length, never chunked) the bytes are the same, at a fraction of the
// cost, and a response still leaves as one TLS record and one send.
#pragma once

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
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
template <bool isRequest>
std::array<boost::asio::const_buffer, 2> serialise_message(
    const boost::beast::http::message<isRequest, boost::beast::http::string_body>& message,
    std::string& buffer, ExtraFields extra_fields = {}) {
    buffer.clear();
    append_head(message.base(), buffer, extra_fields);
    const auto& body = message.body();
    if (body.size() <= max_copied_body_bytes) {
        buffer.append(body);
        return {boost::asio::buffer(buffer), boost::asio::const_buffer{}};
    }
    return {boost::asio::buffer(buffer), boost::asio::buffer(body)};
}

// Writes the message to the stream in one call; completes with the error and
// the bytes written, head and body. Not a coroutine of its own (a frame and a
// resumption per message): the extra fields are copied before it returns.
// The caller releases an oversized buffer after the write.
template <typename Stream, bool isRequest>
auto write_message(
    Stream& stream,
    const boost::beast::http::message<isRequest, boost::beast::http::string_body>& message,
    std::string& buffer, ExtraFields extra_fields = {}) {
    return boost::asio::async_write(stream, serialise_message(message, buffer, extra_fields),
                                    boost::asio::as_tuple(boost::asio::use_awaitable));
}

inline void release_oversized_buffer(std::string& buffer) {
    if (buffer.capacity() > max_retained_write_buffer_bytes) {
        std::string().swap(buffer);
    }
}

}  // namespace rampart::net
