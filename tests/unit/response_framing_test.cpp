// The fields the session decides on every response (request id, framing,
// persistence), read back from the head as the client receives it.
#include <gtest/gtest.h>

#include <string>

#include "net/message_writer.hpp"
#include "net/response_framing.hpp"
#include "response_head.hpp"

namespace {

using namespace rampart;
namespace http = pipeline::http;

pipeline::Exchange exchange_for(http::verb method, unsigned version = 11) {
    pipeline::Exchange exchange;
    exchange.request = pipeline::Request{method, "/v1/items/1", version};
    exchange.request_id = "0123456789abcdef0123456789abcdef";
    return exchange;
}

struct Written {
    std::string head;
    std::string bytes;  // head and body, as written
};

Written write(pipeline::Exchange& exchange, bool persistent) {
    net::ResponseFraming framing(exchange, persistent);
    std::string buffer;
    auto buffers = net::serialise_message(
        exchange.response, buffer, exchange.response_field_lines.pieces(), framing.sends_body());
    Written written;
    for (const auto& piece : buffers) {
        written.bytes.append(static_cast<const char*>(piece.data()), piece.size());
    }
    written.head = written.bytes.substr(0, written.bytes.find("\r\n\r\n") + 4);
    return written;
}

http::response_header<> parsed(const std::string& head) {
    return test::parse_response_head(head);
}

TEST(ResponseFraming, ContentLengthIsTheBodysAndTheSessionsFieldsReplaceAnyOthers) {
    auto exchange = exchange_for(http::verb::get);
    exchange.response = pipeline::Response{http::status::ok, 11};
    exchange.response.set(http::field::content_length, "999");
    exchange.response.set(http::field::transfer_encoding, "chunked");
    exchange.response.set(http::field::connection, "close");
    exchange.response.set(http::field::keep_alive, "timeout=5");
    exchange.response.set("x-request-id", "from-the-upstream");
    exchange.response.set(http::field::content_type, "application/json");
    exchange.response.body() = R"({"id":1})";
    auto written = write(exchange, true);
    auto head = parsed(written.head);
    EXPECT_EQ(head["Content-Length"], "8");
    EXPECT_EQ(head.count("Content-Length"), 1U);
    EXPECT_EQ(head.count(http::field::transfer_encoding), 0U);
    EXPECT_EQ(head.count(http::field::connection), 0U) << "HTTP/1.1 persists by default";
    EXPECT_EQ(head.count(http::field::keep_alive), 0U);
    EXPECT_EQ(head["X-Request-Id"], "0123456789abcdef0123456789abcdef");
    EXPECT_EQ(head.count("X-Request-Id"), 1U);
    EXPECT_EQ(head["Content-Type"], "application/json");
    EXPECT_EQ(written.bytes, written.head + R"({"id":1})");
}

TEST(ResponseFraming, ConnectionSaysWhatTheVersionDoesNotImply) {
    auto closing = exchange_for(http::verb::get);
    closing.response = pipeline::Response{http::status::bad_request, 11};
    EXPECT_EQ(parsed(write(closing, false).head)["Connection"], "close");

    auto old_client = exchange_for(http::verb::get, 10);
    old_client.response = pipeline::Response{http::status::ok, 11};
    auto persistent = write(old_client, true).head;
    EXPECT_TRUE(persistent.starts_with("HTTP/1.0 200 OK\r\n")) << persistent;
    EXPECT_EQ(parsed(persistent)["Connection"], "keep-alive");

    auto old_closing = exchange_for(http::verb::get, 10);
    old_closing.response = pipeline::Response{http::status::ok, 11};
    EXPECT_EQ(parsed(write(old_closing, false).head).count(http::field::connection), 0U);
}

TEST(ResponseFraming, NoContentHasNoLengthAndNoBody) {
    auto exchange = exchange_for(http::verb::post);
    exchange.response = pipeline::Response{http::status::no_content, 11};
    exchange.response.set(http::field::content_length, "0");
    exchange.response.body() = "stray";
    auto written = write(exchange, true);
    EXPECT_EQ(parsed(written.head).count(http::field::content_length), 0U);
    EXPECT_EQ(written.bytes, written.head);
}

TEST(ResponseFraming, NotModifiedKeepsItsUpstreamsLength) {
    auto exchange = exchange_for(http::verb::get);
    exchange.response = pipeline::Response{http::status::not_modified, 11};
    exchange.response.set(http::field::content_length, "1234");
    exchange.response_from_upstream = true;
    auto written = write(exchange, true);
    EXPECT_EQ(parsed(written.head)["Content-Length"], "1234");
    EXPECT_EQ(written.bytes, written.head);
}

TEST(ResponseFraming, HeadAnswersAnnounceTheLengthAndSendNoBody) {
    auto proxied = exchange_for(http::verb::head);
    proxied.response = pipeline::Response{http::status::ok, 11};
    proxied.response.set(http::field::content_length, "4096");  // the GET's, from the upstream
    proxied.response_from_upstream = true;
    auto written = write(proxied, true);
    EXPECT_EQ(parsed(written.head)["Content-Length"], "4096");
    EXPECT_EQ(written.bytes, written.head);

    auto generated = exchange_for(http::verb::head);
    generated.response = pipeline::Response{http::status::not_found, 11};
    generated.response.body() = R"({"status":404})";
    auto problem = write(generated, true);
    EXPECT_EQ(parsed(problem.head)["Content-Length"], "14");
    EXPECT_EQ(problem.bytes, problem.head);
}

TEST(ResponseFraming, LargeLengthsAreWrittenWhole) {
    auto exchange = exchange_for(http::verb::get);
    exchange.response = pipeline::Response{http::status::ok, 11};
    exchange.response.body() = std::string(12'345'678, 'x');
    auto written = write(exchange, true);
    EXPECT_EQ(parsed(written.head)["Content-Length"], "12345678");
}

}  // namespace
