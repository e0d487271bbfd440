// The proxy path's message writer must put on the wire exactly the bytes
// Beast's serializer would: every message below is serialised both ways and
// compared, and written through a real socket pair in one call.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/connect_pair.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/beast/http/write.hpp>

#include <array>
#include <sstream>
#include <string>
#include <string_view>

#include "net/message_writer.hpp"

namespace {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using rampart::net::append_head;
using rampart::net::finish_write;
using rampart::net::serialise_message;
using rampart::net::write_without_waiting;

template <bool isRequest>
std::string serialised_by_beast(const http::message<isRequest, http::string_body>& message) {
    std::ostringstream out;
    out << message;
    return out.str();
}

template <bool isRequest>
std::string serialised_by_writer(const http::message<isRequest, http::string_body>& message) {
    std::string out;
    append_head(message.base(), out);
    out += message.body();
    return out;
}

http::request<http::string_body> upstream_request() {
    http::request<http::string_body> request{http::verb::post, "/api/v1/orders?page=2", 11};
    request.set(http::field::host, "api.internal:8080");
    request.insert("x-forwarded-for", "203.0.113.9, 10.0.0.1");
    request.insert("X-Custom", "one");
    request.insert("x-custom", "two");  // repeated fields keep their order and spelling
    request.set("X-Request-Id", "0123456789abcdef0123456789abcdef");
    request.body() = R"({"item":"widget","quantity":3})";
    request.keep_alive(true);
    request.prepare_payload();
    return request;
}

TEST(MessageWriter, RequestWithBodyIsWhatBeastWrites) {
    auto request = upstream_request();
    EXPECT_EQ(serialised_by_writer(request), serialised_by_beast(request));
}

TEST(MessageWriter, RequestWithAMethodBeastDoesNotKnow) {
    http::request<http::string_body> request;
    request.method_string("FROBNICATE");
    request.target("/cache/item");
    request.version(11);
    request.set(http::field::host, "example.test");
    request.prepare_payload();
    ASSERT_EQ(request.method(), http::verb::unknown);
    EXPECT_EQ(serialised_by_writer(request), serialised_by_beast(request));
    EXPECT_TRUE(serialised_by_writer(request).starts_with("FROBNICATE /cache/item HTTP/1.1\r\n"));
}

TEST(MessageWriter, ResponsesKeepTheirReasonOrGetTheStandardOne) {
    http::response<http::string_body> standard{http::status::not_found, 11};
    standard.set(http::field::content_type, "application/problem+json");
    standard.body() = R"({"status":404})";
    standard.prepare_payload();
    EXPECT_EQ(serialised_by_writer(standard), serialised_by_beast(standard));
    EXPECT_TRUE(serialised_by_writer(standard).starts_with("HTTP/1.1 404 Not Found\r\n"));

    http::response<http::string_body> custom{http::status::ok, 10};
    custom.reason("Fine Thanks");  // an upstream's own reason phrase is passed on
    custom.keep_alive(false);
    custom.prepare_payload();
    EXPECT_EQ(serialised_by_writer(custom), serialised_by_beast(custom));
    EXPECT_TRUE(serialised_by_writer(custom).starts_with("HTTP/1.0 200 Fine Thanks\r\n"));

    http::response<http::string_body> unknown_status;
    unknown_status.result(599);
    unknown_status.version(11);
    unknown_status.prepare_payload();
    EXPECT_EQ(serialised_by_writer(unknown_status), serialised_by_beast(unknown_status));
}

// The gateway removes a message's fields of the names it writes itself, then
// writes them after the rest: the bytes of those fields inserted last.
TEST(MessageWriter, ExtraFieldsGoAfterTheMessagesOwnAsIfInserted) {
    auto request = upstream_request();
    request.erase("X-Request-Id");
    const std::string request_id = "fedcba9876543210fedcba9876543210";
    const std::array<std::string_view, 4> extra{"X-Request-Id: ", request_id, "\r\n",
                                                "x-forwarded-proto: https\r\n"};
    std::string written;
    append_head(request.base(), written, extra);

    auto inserted = request;
    inserted.insert("X-Request-Id", request_id);
    inserted.insert("x-forwarded-proto", "https");
    std::string expected;
    append_head(inserted.base(), expected);
    EXPECT_EQ(written, expected);
    EXPECT_EQ(written + request.body(), serialised_by_beast(inserted));
}

TEST(MessageWriter, EmptyHeadIsStartLineAndBlankLine) {
    http::response<http::string_body> response{http::status::no_content, 11};
    EXPECT_EQ(serialised_by_writer(response), "HTTP/1.1 204 No Content\r\n\r\n");
    EXPECT_EQ(serialised_by_writer(response), serialised_by_beast(response));
}

// Writes through a real stream and reads back what arrived.
std::string written_through_socket(const http::response<http::string_body>& response,
                                   std::string& buffer, std::size_t& reported) {
    asio::io_context io;
    asio::local::stream_protocol::socket writer(io);
    asio::local::stream_protocol::socket reader(io);
    asio::local::connect_pair(writer, reader);
    boost::system::error_code write_error;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
            auto write = write_without_waiting(writer, serialise_message(response, buffer));
            if (!write.finished()) {
                write.add_rest(co_await finish_write(writer, write));
            }
            rampart::net::release_oversized_buffer(buffer);
            write_error = write.error;
            reported = write.written;
            writer.close();
        },
        asio::detached);
    std::string received;
    auto dynamic = asio::dynamic_buffer(received);
    asio::async_read(reader, dynamic, [](boost::system::error_code, std::size_t) {});
    io.run();
    EXPECT_FALSE(write_error) << write_error.message();
    return received;
}

TEST(MessageWriter, WritesSmallAndLargeBodiesWhole) {
    for (std::size_t body_size :
         {std::size_t{0}, std::size_t{39}, rampart::net::max_copied_body_bytes,
          rampart::net::max_copied_body_bytes + 1, std::size_t{300 * 1024}}) {
        http::response<http::string_body> response{http::status::ok, 11};
        response.set(http::field::content_type, "application/json");
        response.body() = std::string(body_size, 'x');
        response.prepare_payload();
        std::string buffer = "left over from the previous message";
        std::size_t reported = 0;
        auto received = written_through_socket(response, buffer, reported);
        EXPECT_EQ(received, serialised_by_beast(response)) << body_size;
        EXPECT_EQ(reported, received.size()) << body_size;
        EXPECT_LE(buffer.capacity(), rampart::net::max_retained_write_buffer_bytes) << body_size;
    }
}

TEST(MessageWriter, ReleasesABufferThatGrewForOneHugeHead) {
    http::response<http::string_body> response{http::status::ok, 11};
    // Beast keeps a field value under 64 KiB: several fields make the head larger.
    for (int field = 0; field < 5; ++field) {
        response.insert("X-Large",
                        std::string(rampart::net::max_retained_write_buffer_bytes / 4, 'h'));
    }
    std::string buffer;
    std::size_t reported = 0;
    auto received = written_through_socket(response, buffer, reported);
    EXPECT_EQ(received, serialised_by_beast(response));
    EXPECT_EQ(buffer.capacity(), std::string().capacity());
}

}  // namespace
