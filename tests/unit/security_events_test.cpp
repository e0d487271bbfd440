#include <gtest/gtest.h>

#include <boost/asio/ip/address.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "observe/log_sink.hpp"
#include "observe/security_events.hpp"
#include "pipeline/exchange.hpp"

namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using rampart::observe::LogSink;
using rampart::observe::SecurityEvents;

class EventLog : public ::testing::Test {
  protected:
    EventLog() {
        std::string pattern = (fs::temp_directory_path() / "rampart-events-XXXXXX").string();
        directory_ = ::mkdtemp(pattern.data());
        rampart::config::LogSink settings;
        settings.path = (directory_ / "security.log").string();
        sink_ = std::make_unique<LogSink>(settings);
        events_ = std::make_unique<SecurityEvents>(sink_.get());
    }
    ~EventLog() override {
        events_.reset();
        sink_.reset();
        fs::remove_all(directory_);
    }

    std::string raw_log() {
        sink_->flush();
        std::ifstream stream(directory_ / "security.log", std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(stream), {});
    }

    // Every line must parse on its own as one JSON object.
    std::vector<json::object> parsed_lines() {
        std::vector<json::object> objects;
        std::string raw = raw_log();
        std::size_t start = 0;
        while (start < raw.size()) {
            std::size_t end = raw.find('\n', start);
            EXPECT_NE(end, std::string::npos) << "unterminated line";
            objects.push_back(json::parse(raw.substr(start, end - start)).as_object());
            start = end + 1;
        }
        return objects;
    }

    static rampart::pipeline::Exchange make_exchange() {
        rampart::pipeline::Exchange exchange;
        exchange.request.method(boost::beast::http::verb::post);
        exchange.request.target("/login?user=x");
        exchange.request.set(boost::beast::http::field::authorization, "Bearer Canary-AT-8f3a1c");
        exchange.request.set(boost::beast::http::field::cookie, "sid=Canary-Cookie-77e2");
        exchange.request.body() = "password=Canary-Pass-8f3a";
        exchange.normalized_path = "/login";
        exchange.query = "user=x";
        exchange.request_id = "req-0001";
        exchange.client_address = boost::asio::ip::make_address("203.0.113.9");
        return exchange;
    }

    fs::path directory_;
    std::unique_ptr<LogSink> sink_;
    std::unique_ptr<SecurityEvents> events_;
};

TEST_F(EventLog, WritesOneObjectWithExchangeFieldsInOrder) {
    auto exchange = make_exchange();
    events_->emit("login_failure", &exchange,
                  {{"reason", "bad_password"}, {"route", "login"}, {"subject", "alice"}});
    auto lines = parsed_lines();
    ASSERT_EQ(lines.size(), 1u);
    const auto& event = lines[0];
    std::vector<std::string> keys;
    for (const auto& entry : event) {
        keys.emplace_back(entry.key());
    }
    EXPECT_EQ(keys, (std::vector<std::string>{"time", "event", "request_id", "client_ip", "method",
                                              "path", "route", "reason", "subject"}));
    EXPECT_EQ(event.at("event").as_string(), "login_failure");
    EXPECT_EQ(event.at("request_id").as_string(), "req-0001");
    EXPECT_EQ(event.at("client_ip").as_string(), "203.0.113.9");
    EXPECT_EQ(event.at("method").as_string(), "POST");
    EXPECT_EQ(event.at("path").as_string(), "/login");
    EXPECT_EQ(event.at("route").as_string(), "login");
    std::string time(event.at("time").as_string());
    EXPECT_TRUE(std::regex_match(time, std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")))
        << time;
}

TEST_F(EventLog, InjectedValueStaysInsideOneParseableLine) {
    auto exchange = make_exchange();
    const std::string forged = "alice\r\n{\"event\":\"login_success\",\"sub\":\"admin\"}\x1b[2J";
    exchange.normalized_path = "/login\n{\"event\":\"login_success\"}";
    events_->emit("login_failure", &exchange, {{"username", forged}, {"reason", "bad_password"}});
    std::string raw = raw_log();
    EXPECT_EQ(std::count(raw.begin(), raw.end(), '\n'), 1);
    EXPECT_EQ(raw.find('\r'), std::string::npos);
    EXPECT_EQ(raw.find('\x1b'), std::string::npos);
    auto lines = parsed_lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].at("event").as_string(), "login_failure");
    EXPECT_EQ(lines[0].at("username").as_string(), forged);  // kept, but as data
    EXPECT_EQ(lines[0].at("path").as_string(), exchange.normalized_path);
}

TEST_F(EventLog, InvalidUtf8AndC1ControlsStillParse) {
    events_->emit("waf_block", nullptr,
                  {{"user_agent",
                    "bad\xff\xfe byte \xC2\x9B"
                    "2J"}});
    auto lines = parsed_lines();  // Boost.JSON's parser rejects invalid UTF-8
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].at("user_agent").as_string(),
              "bad\xEF\xBF\xBD\xEF\xBF\xBD byte \xEF\xBF\xBD"
              "2J");
}

TEST_F(EventLog, FieldsCannotOverrideCoreKeys) {
    auto exchange = make_exchange();
    events_->emit("authz_deny", &exchange,
                  {{"event", "login_success"}, {"request_id", "forged"}, {"time", "never"}});
    auto lines = parsed_lines();
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_EQ(lines[0].at("event").as_string(), "authz_deny");
    EXPECT_EQ(lines[0].at("request_id").as_string(), "req-0001");
    EXPECT_NE(lines[0].at("time").as_string(), "never");
    EXPECT_EQ(lines[0].size(), 6u);  // time, event and the four exchange fields
}

TEST_F(EventLog, WithoutExchangeAndWithoutSecrets) {
    auto exchange = make_exchange();
    events_->emit("config_reload", nullptr, {{"outcome", "success"}});
    events_->emit("rate_limited", &exchange);
    auto lines = parsed_lines();
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_FALSE(lines[0].contains("request_id"));
    EXPECT_EQ(lines[0].at("outcome").as_string(), "success");
    std::string raw = raw_log();
    for (const char* canary : {"Canary-AT", "Canary-Cookie", "Canary-Pass", "user=x"}) {
        EXPECT_EQ(raw.find(canary), std::string::npos) << canary;
    }
}

TEST(SecurityEvents, NullSinkDiscards) {
    SecurityEvents events(nullptr);
    events.emit("login_failure", nullptr, {{"reason", "x"}});  // must not crash
    EXPECT_EQ(events.sink(), nullptr);
}

}  // namespace
