#include "net/message_writer.hpp"

#include <sys/socket.h>
#include <sys/uio.h>

#include <boost/asio/error.hpp>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string_view>

namespace rampart::net {

namespace asio = boost::asio;
namespace http = boost::beast::http;

namespace {

void append_version(unsigned version, std::string& out) {
    const char text[] = {'H', 'T',
                         'T', 'P',
                         '/', static_cast<char>('0' + version / 10),
                         '.', static_cast<char>('0' + version % 10)};
    out.append(text, sizeof text);
}

char* copy(char* to, std::string_view text) {
    std::memcpy(to, text.data(), text.size());
    return to + text.size();
}

// Sizes everything first and copies into the grown string: one size check in
// all instead of four appends, each with its own, per field.
template <bool isRequest>
void append_fields(const http::header<isRequest>& head, std::string& out,
                   ExtraFields extra_fields) {
    std::size_t size = 2;  // the empty line
    for (const auto& field : head) {
        size += field.name_string().size() + field.value().size() + 4;
    }
    for (auto piece : extra_fields) {
        size += piece.size();
    }
    auto start = out.size();
    out.resize(start + size);
    char* to = out.data() + start;
    for (const auto& field : head) {
        to = copy(to, field.name_string());
        to = copy(to, ": ");
        to = copy(to, field.value());
        to = copy(to, "\r\n");
    }
    for (auto piece : extra_fields) {
        to = copy(to, piece);
    }
    copy(to, "\r\n");
}

}  // namespace

void append_head(const http::request_header<>& head, std::string& out, ExtraFields extra_fields) {
    auto method = head.method_string();
    auto target = head.target();
    out.append(method.data(), method.size());
    out.push_back(' ');
    out.append(target.data(), target.size());
    out.push_back(' ');
    append_version(head.version(), out);
    out.append("\r\n", 2);
    append_fields(head, out, extra_fields);
}

void append_head(const http::response_header<>& head, std::string& out, ExtraFields extra_fields) {
    append_version(head.version(), out);
    auto code = head.result_int();
    const char status[] = {' ', static_cast<char>('0' + code / 100 % 10),
                           static_cast<char>('0' + code / 10 % 10),
                           static_cast<char>('0' + code % 10), ' '};
    out.append(status, sizeof status);
    auto reason = head.reason();
    out.append(reason.data(), reason.size());
    out.append("\r\n", 2);
    append_fields(head, out, extra_fields);
}

namespace {

// The part of `buffers` after the first `sent` bytes.
std::array<asio::const_buffer, 2> after(std::array<asio::const_buffer, 2> buffers,
                                        std::size_t sent) {
    for (auto& buffer : buffers) {
        auto skipped = std::min(sent, buffer.size());
        buffer += skipped;
        sent -= skipped;
    }
    return buffers;
}

}  // namespace

ImmediateWrite send_without_waiting(int descriptor, std::array<asio::const_buffer, 2> buffers) {
    std::array<iovec, 2> pieces{};
    for (std::size_t index = 0; index < buffers.size(); ++index) {
        pieces[index].iov_base = const_cast<void*>(buffers[index].data());
        pieces[index].iov_len = buffers[index].size();
    }
    msghdr message{};
    message.msg_iov = pieces.data();
    message.msg_iovlen = pieces.size();
    // MSG_NOSIGNAL: a peer that reset the connection costs an EPIPE, not the process.
    auto sent = ::sendmsg(descriptor, &message, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (sent < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
            return ImmediateWrite{{}, 0, buffers};
        }
        return ImmediateWrite{
            boost::system::error_code(errno, asio::error::get_system_category()), 0, {}};
    }
    auto written = static_cast<std::size_t>(sent);
    return ImmediateWrite{{}, written, after(buffers, written)};
}

ImmediateWrite write_without_waiting(TlsStream& stream, std::array<asio::const_buffer, 2> buffers) {
    std::size_t written = 0;
    for (auto buffer : buffers) {
        while (buffer.size() > 0) {
            auto step = tls_write_step(stream.native_handle(), buffer);
            if (step.error) {
                return ImmediateWrite{step.error, written, {}};
            }
            if (step.next != TlsStep::Next::done) {
                // The socket is full: the rest goes through the stream's own
                // write, which calls OpenSSL again with the same bytes.
                return ImmediateWrite{{}, written, after(buffers, written)};
            }
            buffer += step.bytes;
            written += step.bytes;
        }
    }
    return ImmediateWrite{{}, written, {}};
}

}  // namespace rampart::net
