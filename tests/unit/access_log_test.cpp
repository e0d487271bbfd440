#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <string>
#include <vector>

#include "observe/access_log.hpp"
#include "pipeline/exchange.hpp"

namespace {

namespace http = boost::beast::http;
namespace json = boost::json;
using namespace std::chrono_literals;

rampart::pipeline::Exchange make_exchange_with_secrets() {
    rampart::pipeline::Exchange exchange;
    exchange.request.method(http::verb::get);
    exchange.request.target("/orders/42?api_key=Canary-Key-5b1d&access_token=Canary-AT-q");
    exchange.request.set(http::field::authorization, "Bearer Canary-AT-8f3a1c");
    exchange.request.set(http::field::cookie, "session=Canary-Cookie-77e2");
    exchange.request.set("X-API-Key", "Canary-Key-5b1d");
    exchange.request.set(http::field::user_agent, "curl/8 Canary-UA");
    exchange.normalized_path = "/orders/42";
    exchange.query = "api_key=Canary-Key-5b1d&access_token=Canary-AT-q";
    exchange.upstream_target = "/orders/42?api_key=Canary-Key-5b1d&access_token=Canary-AT-q";
    exchange.request_id = "req-42";
    exchange.client_address = boost::asio::ip::make_address("2001:db8::7");
    exchange.response.result(http::status::ok);
    exchange.response.set(http::field::set_cookie, "session=Canary-SetCookie");
    exchange.response.body() = "{\"secret\":\"Canary-Body\"}";
    exchange.wall_clock_start = std::chrono::system_clock::time_point(1'700'000'000'123ms);
    exchange.upstream_name = "orders";
    exchange.upstream_address = "127.0.0.1:9001";
    exchange.upstream_duration = 1500us;
    return exchange;
}

TEST(AccessLog, FieldsOfAProxiedRequest) {
    auto exchange = make_exchange_with_secrets();
    auto line = rampart::observe::format_access_log_line(exchange, "orders-read", 512, 2750us);
    auto entry = json::parse(line).as_object();
    std::vector<std::string> keys;
    for (const auto& field : entry) {
        keys.emplace_back(field.key());
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"time", "request_id", "client_ip", "method", "path",
                                              "route", "subject", "status", "bytes", "duration_us", "upstream",
                                              "upstream_address", "upstream_duration_us"}));
    EXPECT_EQ(entry.at("time").as_string(), "2023-11-14T22:13:20.123Z");
    EXPECT_EQ(entry.at("request_id").as_string(), "req-42");
    EXPECT_EQ(entry.at("client_ip").as_string(), "2001:db8::7");
    EXPECT_EQ(entry.at("method").as_string(), "GET");
    EXPECT_EQ(entry.at("path").as_string(), "/orders/42");
    EXPECT_EQ(entry.at("route").as_string(), "orders-read");
    EXPECT_TRUE(entry.at("subject").is_null());
    EXPECT_EQ(entry.at("status").to_number<int>(), 200);
    EXPECT_EQ(entry.at("bytes").to_number<int>(), 512);
    EXPECT_EQ(entry.at("duration_us").to_number<int>(), 2750);
    EXPECT_EQ(entry.at("upstream").as_string(), "orders");
    EXPECT_EQ(entry.at("upstream_address").as_string(), "127.0.0.1:9001");
    EXPECT_EQ(entry.at("upstream_duration_us").to_number<int>(), 1500);
    EXPECT_EQ(line.find('\n'), std::string::npos);
}

TEST(AccessLog, NoHeaderQueryOrBodyEverAppears) {
    auto exchange = make_exchange_with_secrets();
    auto line = rampart::observe::format_access_log_line(exchange, "orders-read", 512, 2750us);
    for (const char* canary : {"Canary-AT", "Canary-Cookie", "Canary-Key", "Canary-UA",
                               "Canary-SetCookie", "Canary-Body", "api_key", "?"}) {
        EXPECT_EQ(line.find(canary), std::string::npos) << canary << " in " << line;
    }
}

TEST(AccessLog, UnroutedRequestHasNullRouteAndUpstream) {
    rampart::pipeline::Exchange exchange;
    exchange.request.method(http::verb::delete_);
    exchange.normalized_path = "/nowhere\r\n{\"status\":200}";
    exchange.request_id = "req-43";
    exchange.client_address = boost::asio::ip::make_address("198.51.100.4");
    exchange.response.result(http::status::not_found);
    auto line = rampart::observe::format_access_log_line(exchange, "", 120, 90us);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    auto entry = json::parse(line).as_object();
    EXPECT_TRUE(entry.at("route").is_null());
    EXPECT_TRUE(entry.at("upstream").is_null());
    EXPECT_TRUE(entry.at("upstream_address").is_null());
    EXPECT_TRUE(entry.at("upstream_duration_us").is_null());
    EXPECT_EQ(entry.at("status").to_number<int>(), 404);
    EXPECT_EQ(entry.at("method").as_string(), "DELETE");
    EXPECT_EQ(entry.at("path").as_string(), exchange.normalized_path);
}

}  // namespace

TEST(AccessLog, SubjectOfAnAuthenticatedRequest) {
    auto exchange = make_exchange_with_secrets();
    rampart::pipeline::Identity identity;
    identity.subject = "usr_alice";
    exchange.identity = identity;
    auto entry = json::parse(rampart::observe::format_access_log_line(exchange, "orders-read", 1, 1us)).as_object();
    EXPECT_EQ(entry.at("subject").as_string(), "usr_alice");
}
