// A response head as text, parsed back by Beast: the fields a client would
// see, for tests that check what Rampart writes rather than what its
// message object holds.
#pragma once

#include <gtest/gtest.h>

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>

#include <string_view>

namespace rampart::test {

inline boost::beast::http::response_header<> parse_response_head(std::string_view head) {
    namespace http = boost::beast::http;
    http::response_parser<http::empty_body> parser;
    parser.eager(false);
    boost::system::error_code error;
    parser.put(boost::asio::buffer(head.data(), head.size()), error);
    EXPECT_TRUE(parser.is_header_done()) << head;
    return parser.get().base();
}

}  // namespace rampart::test
