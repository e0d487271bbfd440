// The ownership stage (AUTHZ-01 by the owner in the upstream's answer): its configuration,
// refused at load with the file, line and key, and its decision on a GET's answer: the owner
// passes, anyone else gets Rampart's ordinary 404, an answer that cannot be checked a 502, and
// what is not a 2xx passes untouched. The pre-fetch of writes runs through the real binary
// (tests/integration/ownership_test.cpp).
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <string>

#include "config/loader.hpp"
#include "config_error.hpp"
#include "pipeline/problem.hpp"
#include "pipeline/stage_registry.hpp"
#include "pipeline/stages/stage_factories.hpp"

namespace {

using namespace rampart;
using pipeline::Exchange;
namespace http = pipeline::http;

// Ten lines before the routes' entries: the route under test starts on line 11, its
// `ownership` on line 16.
const std::string base = R"(listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
token_service: {}
roles:
  admin: ["*"]
routes:
)";

std::string order_route(const std::string& ownership, const std::string& auth = "jwt") {
    return base +
           "  - path: /orders/{order_id}\n"
           "    methods: [GET, DELETE]\n"
           "    upstream: app\n"
           "    auth: " +
           auth + "\n" + (auth == "none" ? "" : "    authorize: authenticated\n") + ownership;
}

// The route's stages, built as the snapshot builds them; a ConfigError's message, or "".
std::string build_error(const std::string& text) {
    try {
        auto settings = config::load_settings_text(text, "own.yaml");
        pipeline::StageServices services;
        for (const auto& route : settings.routes) {
            pipeline::build_stages(settings, &route, services);
        }
    } catch (const config::ConfigError& error) {
        return error.what();
    }
    return "";
}

TEST(OwnershipConfig, ErrorsNameTheFileLineAndKey) {
    EXPECT_EQ(build_error(order_route("    ownership: {field: /owner_id}\n")), "");
    EXPECT_EQ(
        build_error(order_route("    ownership:\n      field: /owner/id\n      claim: email\n"
                                "      bypass: {roles: [admin], rule: \"'x' in subject.roles\"}\n"
                                "      resource_path: /orders/{order_id}\n")),
        "");

    auto no_pointer = build_error(order_route("    ownership: {field: owner_id}\n"));
    EXPECT_NE(no_pointer.find("own.yaml:16:"), std::string::npos) << no_pointer;
    EXPECT_NE(no_pointer.find("routes[0].ownership.field: must be a JSON pointer"),
              std::string::npos)
        << no_pointer;
    auto bad_escape = build_error(order_route("    ownership: {field: /owner~2id}\n"));
    EXPECT_NE(bad_escape.find("must be a JSON pointer"), std::string::npos) << bad_escape;
    auto missing = build_error(order_route("    ownership: {claim: sub}\n"));
    EXPECT_NE(missing.find("routes[0].ownership.field"), std::string::npos) << missing;
    auto unknown = build_error(order_route("    ownership: {field: /owner_id, owner: x}\n"));
    EXPECT_NE(unknown.find("routes[0].ownership.owner"), std::string::npos) << unknown;

    auto empty_bypass =
        build_error(order_route("    ownership:\n      field: /owner_id\n      bypass: {}\n"));
    EXPECT_NE(empty_bypass.find("own.yaml:18:"), std::string::npos) << empty_bypass;
    EXPECT_NE(empty_bypass.find("bypasses nobody"), std::string::npos) << empty_bypass;
    auto bad_rule = build_error(order_route(
        "    ownership:\n      field: /owner_id\n      bypass: {rule: \"path.id == 'x'\"}\n"));
    EXPECT_NE(bad_rule.find("own.yaml:18:"), std::string::npos) << bad_rule;
    EXPECT_NE(bad_rule.find("routes[0].ownership.bypass.rule: path.id is not a parameter"),
              std::string::npos)
        << bad_rule;

    auto foreign_parameter = build_error(
        order_route("    ownership:\n      field: /owner_id\n      resource_path: /orders/{id}\n"));
    EXPECT_NE(foreign_parameter.find("own.yaml:18:"), std::string::npos) << foreign_parameter;
    EXPECT_NE(foreign_parameter.find("{id} is not a parameter of the route's path"),
              std::string::npos)
        << foreign_parameter;

    auto public_route = build_error(order_route("    ownership: {field: /owner_id}\n", "none"));
    EXPECT_NE(public_route.find("authenticated routes"), std::string::npos) << public_route;
}

class OwnershipStage : public ::testing::Test {
  protected:
    void SetUp() override {
        settings = config::load_settings_text(
            order_route("    ownership:\n      field: /owner/id\n      bypass: {roles: [admin]}\n"),
            "own.yaml");
        pipeline::StageServices services;
        for (const auto& stage : pipeline::build_stages(settings, &settings.routes[0], services)) {
            if (stage->name() == "ownership") {
                ownership = stage;
            }
        }
        ASSERT_TRUE(ownership);
    }

    // A GET by `subject` whose upstream answered `status` with `body`, after the stage saw it.
    Exchange answered(const std::string& subject, unsigned status, const std::string& body,
                      std::vector<std::string> roles = {}) const {
        Exchange exchange;
        exchange.request.method(http::verb::get);
        exchange.request_id = "r1";
        exchange.identity.emplace();
        exchange.identity->subject = subject;
        exchange.identity->roles = std::move(roles);
        exchange.response.result(status);
        exchange.response.body() = body;
        exchange.response_from_upstream = true;
        ownership->on_response(exchange);
        return exchange;
    }

    config::Settings settings;
    std::shared_ptr<const pipeline::Stage> ownership;
};

TEST_F(OwnershipStage, TheOwnerGetsTheAnswerAndOthersTheOrdinary404) {
    const std::string order = R"({"id":"o1","owner":{"id":"alice"}})";
    auto own = answered("alice", 200, order);
    EXPECT_EQ(own.response.body(), order);
    EXPECT_TRUE(own.response_from_upstream);

    auto other = answered("bob", 200, order);
    Exchange no_route;
    no_route.request_id = "r1";
    pipeline::set_problem(no_route, http::status::not_found, "No such resource.");
    EXPECT_EQ(other.response.result_int(), 404u);
    EXPECT_EQ(other.response.body(), no_route.response.body());
    EXPECT_FALSE(other.response_from_upstream);

    EXPECT_EQ(answered("bob", 200, order, {"admin"}).response.body(), order) << "bypass";
    EXPECT_EQ(answered("alicex", 200, order).response.result_int(), 404u);
    EXPECT_EQ(answered("", 200, order).response.result_int(), 404u) << "no subject";
}

TEST_F(OwnershipStage, AnIntegerOwnerMatchesTheClaimsDecimalText) {
    EXPECT_EQ(answered("42", 200, R"({"owner":{"id":42}})").response.result_int(), 200u);
    EXPECT_EQ(answered("042", 200, R"({"owner":{"id":42}})").response.result_int(), 404u);
}

TEST_F(OwnershipStage, AnAnswerThatCannotBeCheckedIsA502) {
    for (const auto* body : {"", "not json", R"({"owner":{}})", R"({"owner":{"id":null}})",
                             R"({"owner":{"id":["alice"]}})", R"({"owner":"alice"})",
                             R"({"owner":{"id":"alice","id":"bob"}})"}) {
        auto exchange = answered("alice", 200, body);
        EXPECT_EQ(exchange.response.result_int(), 502u) << body;
        EXPECT_EQ(exchange.response.body().find("alice"), std::string::npos) << body;
    }
}

TEST_F(OwnershipStage, WhatIsNotA2xxPassesUntouched) {
    for (unsigned status : {301u, 404u, 500u}) {
        auto exchange = answered("bob", status, R"({"owner":{"id":"alice"}})");
        EXPECT_EQ(exchange.response.result_int(), status);
        EXPECT_TRUE(exchange.response_from_upstream);
    }
}

// A write is checked before it is forwarded; without the worker's fetcher (never the case in
// a gateway) it fails closed.
TEST_F(OwnershipStage, AWriteWithoutAFetcherFailsClosed) {
    Exchange exchange;
    exchange.request.method(http::verb::delete_);
    exchange.identity.emplace();
    exchange.identity->subject = "alice";
    ASSERT_TRUE(ownership->is_asynchronous());
    boost::asio::io_context io;
    pipeline::Verdict verdict = pipeline::Verdict::proceed;
    boost::asio::co_spawn(
        io,
        [&]() -> boost::asio::awaitable<void> {
            verdict = co_await ownership->on_request_head_async(exchange);
        },
        boost::asio::detached);
    io.run();
    EXPECT_EQ(verdict, pipeline::Verdict::respond);
    EXPECT_EQ(exchange.response.result_int(), 503u);
}

}  // namespace
