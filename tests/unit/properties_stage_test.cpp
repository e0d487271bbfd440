// The properties stage (AUTHZ-03): its configuration, compiled at load with
// errors at file:line:column and key path, and its decisions on hand-made
// Exchanges: writable fields per role on request bodies, and the filtering of
// the upstream's JSON answer (denied fields, readable fields per role, at the
// root or at `select`), failing closed with a 502 when it cannot filter.
#include <gtest/gtest.h>

#include <unistd.h>

#include <boost/json/parse.hpp>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "config/loader.hpp"
#include "log_lines.hpp"
#include "observe/log_sink.hpp"
#include "observe/security_events.hpp"
#include "pipeline/stage_registry.hpp"
#include "pipeline/stages/stage_factories.hpp"

namespace {

using namespace rampart;
using pipeline::Exchange;
using pipeline::Identity;
using pipeline::Verdict;
namespace http = pipeline::http;
namespace json = boost::json;

// Eight lines: routes start on line 9.
const std::string base = R"(listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
token_service: {}
roles: {admin: ["*"]}
)";

const std::string configuration = base + R"(routes:
  - name: users
    path: /users/{id}
    methods: [GET, PATCH]
    upstream: app
    auth: jwt
    authorize: authenticated
    properties:
      request:
        writable:
          customer: [/name, /address/city]
          support: [/email]
          admin: ["*"]
      response:
        deny: [/password_hash, /internal_notes]
        readable:
          customer: [/id, /name, /email, /address]
          admin: ["*"]
        readable_default: [/id]
  - name: list
    path: /users
    methods: [GET, POST]
    upstream: app
    auth: jwt
    authorize: authenticated
    properties:
      request: {writable_default: [/name]}
      response: {select: /items, deny: [/password_hash]}
  - name: public
    path: /public
    methods: [GET]
    upstream: app
    auth: none
    properties: {response: {deny: [/secret]}}
  - name: plain
    path: /plain
    methods: [GET]
    upstream: app
    auth: none
  - prefix: /group
    upstream: app
    auth: jwt
    authorize: authenticated
    properties: {request: {writable: {customer: [/note]}}}
    routes:
      - {name: inherits, path: /a, methods: [POST]}
      - {name: overrides, path: /b, methods: [POST], properties: {response: {deny: [/x]}}}
)";

const config::Settings& settings() {
    static const config::Settings loaded =
        config::load_settings_text(configuration, "properties.yaml");
    return loaded;
}

std::shared_ptr<const pipeline::Stage> stage_in(const config::Settings& loaded,
                                                const std::string& route_name) {
    for (const auto& route : loaded.routes) {
        if (route.name == route_name) {
            for (const auto& stage : pipeline::build_stages(loaded, &route, {})) {
                if (stage->name() == "properties") {
                    return stage;
                }
            }
            return nullptr;
        }
    }
    throw std::runtime_error("no route " + route_name);
}

std::shared_ptr<const pipeline::Stage> stage_of(const std::string& route_name) {
    return stage_in(settings(), route_name);
}

// The error of building the stages of every route of `routes` (appended to
// the base), or "(no error)".
std::string error_of(const std::string& routes) {
    try {
        auto loaded = config::load_settings_text(base + routes, "properties.yaml");
        pipeline::build_stages(loaded, nullptr, {});
        for (const auto& route : loaded.routes) {
            pipeline::build_stages(loaded, &route, {});
        }
    } catch (const config::ConfigError& error) {
        return error.what();
    }
    return "(no error)";
}

Identity caller(std::vector<std::string> roles) {
    Identity made;
    made.subject = "usr_alice";
    made.roles = std::move(roles);
    return made;
}

Exchange request(std::optional<Identity> who, std::string body,
                 std::string content_type = "application/json") {
    Exchange exchange;
    exchange.request = pipeline::Request{http::verb::patch, "/users/1", 11};
    exchange.request_id = "req-5";
    exchange.identity = std::move(who);
    if (!content_type.empty()) {
        exchange.request.set(http::field::content_type, content_type);
    }
    exchange.request.body() = std::move(body);
    exchange.request.prepare_payload();
    return exchange;
}

void answer(Exchange& exchange, std::string body, std::string content_type = "application/json") {
    exchange.response = pipeline::Response{http::status::ok, 11};
    exchange.response.set(http::field::content_type, content_type);
    exchange.response.set(http::field::etag, "\"v1\"");
    exchange.response.body() = std::move(body);
    exchange.response.prepare_payload();
    exchange.response_from_upstream = true;
}

// The upstream's answer `body` as `who` receives it from route `route_name`.
Exchange filtered(const std::string& route_name, std::optional<Identity> who, std::string body,
                  std::string content_type = "application/json") {
    auto exchange = request(std::move(who), "", "");
    exchange.request.method(http::verb::get);
    answer(exchange, std::move(body), std::move(content_type));
    stage_of(route_name)->on_response(exchange);
    return exchange;
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

}  // namespace

TEST(PropertiesStage, BuiltWhereConfiguredAfterAuthorization) {
    auto factory = pipeline::properties_stage_factory();
    EXPECT_EQ(factory.key, "properties");
    EXPECT_EQ(factory.order, 45);
    EXPECT_TRUE(stage_of("users"));
    EXPECT_TRUE(stage_of("public"));
    EXPECT_FALSE(stage_of("plain"));
    EXPECT_TRUE(stage_of("inherits")) << "a group's properties apply to its routes";
}

TEST(PropertiesStage, RefusesUnwritableFieldsNamingThemNotTheirValues) {
    auto stage = stage_of("users");
    auto exchange =
        request(caller({"customer"}), R"({"name":"Eve","role":"admin","balance":1000000})");
    ASSERT_EQ(stage->on_request_body(exchange), Verdict::respond);
    EXPECT_EQ(exchange.response.result(), http::status::bad_request);
    EXPECT_EQ(exchange.response[http::field::content_type], "application/problem+json");
    auto problem = json::parse(exchange.response.body()).as_object();
    EXPECT_EQ(problem.at("fields"), json::parse(R"(["/role","/balance"])"));
    EXPECT_EQ(problem.at("request_id"), "req-5");
    EXPECT_FALSE(contains(exchange.response.body(), "admin")) << "values are never echoed";
    EXPECT_FALSE(contains(exchange.response.body(), "1000000"));
}

TEST(PropertiesStage, NestedPointersAndRolesCombining) {
    auto stage = stage_of("users");
    auto city = request(caller({"customer"}), R"({"address":{"city":"Oslo"}})");
    EXPECT_EQ(stage->on_request_body(city), Verdict::proceed);
    auto country = request(caller({"customer"}), R"({"address":{"city":"Oslo","country":"NO"}})");
    ASSERT_EQ(stage->on_request_body(country), Verdict::respond);
    EXPECT_EQ(json::parse(country.response.body()).at("fields"),
              json::parse(R"(["/address/country"])"));
    auto email = request(caller({"customer", "support"}), R"({"name":"A","email":"a@b.c"})");
    EXPECT_EQ(stage->on_request_body(email), Verdict::proceed);
    auto anything = request(caller({"admin"}), R"({"role":"admin"})");
    EXPECT_EQ(stage->on_request_body(anything), Verdict::proceed);
    auto admin_text = request(caller({"admin"}), "not json", "text/plain");
    EXPECT_EQ(stage->on_request_body(admin_text), Verdict::proceed) << "\"*\": unchecked";
}

TEST(PropertiesStage, RoleWithoutEntryFailsClosedOrGetsTheDefault) {
    auto users = stage_of("users");  // no writable_default
    auto stranger = request(caller({"guest"}), R"({"name":"A"})");
    ASSERT_EQ(users->on_request_body(stranger), Verdict::respond);
    EXPECT_EQ(json::parse(stranger.response.body()).at("fields"), json::parse(R"(["/name"])"));
    auto nobody = request(std::nullopt, R"({"name":"A"})");
    EXPECT_EQ(users->on_request_body(nobody), Verdict::respond);
    auto list = stage_of("list");  // writable_default: [/name]
    auto guest = request(caller({"guest"}), R"({"name":"A"})");
    EXPECT_EQ(list->on_request_body(guest), Verdict::proceed);
    auto guest_role = request(caller({"guest"}), R"({"name":"A","role":"admin"})");
    EXPECT_EQ(list->on_request_body(guest_role), Verdict::respond);
}

TEST(PropertiesStage, BodiesThatAreNotJsonObjects) {
    auto stage = stage_of("users");
    auto text =
        request(caller({"customer"}), "name=Eve&role=admin", "application/x-www-form-urlencoded");
    ASSERT_EQ(stage->on_request_body(text), Verdict::respond);
    EXPECT_EQ(text.response.result(), http::status::unsupported_media_type);
    auto untyped = request(caller({"customer"}), R"({"name":"x"})", "");
    ASSERT_EQ(stage->on_request_body(untyped), Verdict::respond);
    EXPECT_EQ(untyped.response.result(), http::status::unsupported_media_type);
    for (auto body :
         {R"("name")", "42", "[1,2]", "null", R"({"name":"a","name":"b"})", R"({"name":)"}) {
        auto exchange = request(caller({"customer"}), body);
        ASSERT_EQ(stage->on_request_body(exchange), Verdict::respond) << body;
        EXPECT_EQ(exchange.response.result(), http::status::bad_request) << body;
    }
    auto vendor = request(caller({"customer"}), R"({"name":"x"})",
                          "application/merge-patch+json; charset=utf-8");
    EXPECT_EQ(stage->on_request_body(vendor), Verdict::proceed);
    auto list = request(caller({"customer"}), R"([{"name":"x"},{"name":"y"}])");
    EXPECT_EQ(stage->on_request_body(list), Verdict::proceed);
    auto empty = request(caller({"customer"}), "", "");
    EXPECT_EQ(stage->on_request_body(empty), Verdict::proceed) << "no body writes nothing";
}

TEST(PropertiesStage, ResponsesLoseDeniedFieldsAndKeepReadableOnes) {
    const std::string user =
        R"({"id":1,"name":"A","email":"a@b.c","password_hash":"$argon2id$x","internal_notes":"vip","address":{"city":"O"}})";
    auto customer = filtered("users", caller({"customer"}), user);
    EXPECT_EQ(json::parse(customer.response.body()),
              json::parse(R"({"id":1,"name":"A","email":"a@b.c","address":{"city":"O"}})"));
    EXPECT_EQ(customer.response[http::field::content_length],
              std::to_string(customer.response.body().size()));
    EXPECT_EQ(customer.response.count(http::field::etag), 0u);
    auto admin = filtered("users", caller({"admin"}), user);
    EXPECT_EQ(json::parse(admin.response.body()),
              json::parse(R"({"id":1,"name":"A","email":"a@b.c","address":{"city":"O"}})"))
        << "deny applies to every role";
    auto guest = filtered("users", caller({"guest"}), user);
    EXPECT_EQ(json::parse(guest.response.body()), json::parse(R"({"id":1})"));
    auto list =
        filtered("users", caller({"customer"}),
                 R"([{"id":1,"password_hash":"h","internal_notes":"n","extra":1},{"id":2}])");
    EXPECT_EQ(json::parse(list.response.body()), json::parse(R"([{"id":1},{"id":2}])"));
}

TEST(PropertiesStage, SelectFiltersTheRecordsOfAnEnvelope) {
    auto page = filtered(
        "list", caller({"customer"}),
        R"({"items":[{"id":1,"password_hash":"h"}],"next":"/users?page=2","password_hash":"kept"})");
    EXPECT_EQ(json::parse(page.response.body()),
              json::parse(R"({"items":[{"id":1}],"next":"/users?page=2","password_hash":"kept"})"));
    auto empty = filtered("list", caller({"customer"}), R"({"next":null})");
    EXPECT_EQ(empty.response.result(), http::status::ok);
    auto scalar = filtered("list", caller({"customer"}), R"({"items":"all of them"})");
    EXPECT_EQ(scalar.response.result(), http::status::bad_gateway);
}

TEST(PropertiesStage, FailsClosedWhenTheAnswerCannotBeFiltered) {
    for (auto [body, type] : {std::pair{R"({"password_hash":"h"})", "text/plain"},
                              std::pair{R"({"password_hash":"h")", "application/json"},
                              std::pair{R"({"a":1,"a":2})", "application/json"},
                              std::pair{R"("password_hash")", "application/json"}}) {
        auto exchange = filtered("users", caller({"customer"}), body, type);
        EXPECT_EQ(exchange.response.result(), http::status::bad_gateway) << body;
        EXPECT_FALSE(contains(exchange.response.body(), "password_hash")) << body;
        EXPECT_EQ(exchange.response[http::field::content_type], "application/problem+json");
    }
    auto compressed = request(caller({"customer"}), "", "");
    compressed.request.method(http::verb::get);
    answer(compressed, R"({"id":1})");
    compressed.response.set(http::field::content_encoding, "gzip");
    stage_of("users")->on_response(compressed);
    EXPECT_EQ(compressed.response.result(), http::status::bad_gateway);
}

TEST(PropertiesStage, LeavesRampartsOwnAnswersAndEmptyBodiesAlone) {
    auto stage = stage_of("users");
    auto own = request(caller({"customer"}), "", "");
    answer(own, "not json at all");
    own.response_from_upstream = false;
    stage->on_response(own);
    EXPECT_EQ(own.response.body(), "not json at all");
    auto no_content = request(caller({"customer"}), "", "");
    answer(no_content, "");
    no_content.response.result(http::status::no_content);
    stage->on_response(no_content);
    EXPECT_EQ(no_content.response.result(), http::status::no_content);
}

TEST(PropertiesStage, HeadAnswersLoseTheUnfilteredLength) {
    auto exchange = request(caller({"customer"}), "", "");
    exchange.request.method(http::verb::head);
    answer(exchange, "");
    exchange.response.content_length(512);
    stage_of("users")->on_response(exchange);
    EXPECT_EQ(exchange.response.result(), http::status::ok);
    EXPECT_EQ(exchange.response.count(http::field::content_length), 0u);
}

TEST(PropertiesStage, AsksTheUpstreamForAnUncompressedWholeAnswer) {
    auto exchange = request(caller({"customer"}), "", "");
    exchange.request.set(http::field::accept_encoding, "gzip, br");
    exchange.request.set(http::field::range, "bytes=0-10");
    EXPECT_EQ(stage_of("users")->on_request_head(exchange), Verdict::proceed);
    EXPECT_EQ(exchange.request.count(http::field::accept_encoding), 0u);
    EXPECT_EQ(exchange.request.count(http::field::range), 0u);
}

TEST(PropertiesStage, RefusalsAndFailuresAreSecurityEvents) {
    auto directory = std::filesystem::temp_directory_path() /
                     ("rampart-properties-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory);
    auto log_path = (directory / "security.log").string();
    {
        observe::LogSink sink(config::LogSink{true, log_path});
        observe::SecurityEvents events(&sink);
        auto write = request(caller({"customer"}), R"({"role":"admin","balance":"99999"})");
        write.security_events = &events;
        stage_of("users")->on_request_body(write);
        auto read = request(caller({"customer"}), "", "");
        read.security_events = &events;
        answer(read, "<html>secret</html>", "text/html");
        stage_of("users")->on_response(read);
        sink.flush();
    }
    auto lines = rampart::test::read_log_lines(log_path);
    std::filesystem::remove_all(directory);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_TRUE(contains(lines[0], "\"event\":\"property_write_refused\"")) << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"reason\":\"unwritable_fields\"")) << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"fields\":\"/role /balance\"")) << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"route\":\"users\"")) << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"subject\":\"usr_alice\"")) << lines[0];
    EXPECT_FALSE(contains(lines[0], "99999")) << lines[0];
    EXPECT_TRUE(contains(lines[1], "\"event\":\"property_filter_failed\"")) << lines[1];
    EXPECT_TRUE(contains(lines[1], "\"reason\":\"not_json\"")) << lines[1];
    EXPECT_FALSE(contains(lines[1], "secret")) << lines[1];
}

TEST(PropertiesConfig, ErrorsNameFileLineColumnAndKey) {
    auto route = [](const std::string& properties, const std::string& auth = "jwt") {
        return "routes:\n"
               "  - path: /x\n"
               "    methods: [POST]\n"
               "    upstream: app\n"
               "    auth: " +
               auth + "\n" + (auth == "none" ? "" : "    authorize: authenticated\n") +
               "    properties:\n" + properties;
    };
    // Line 9 is `routes:`; properties' content starts on line 16 (15 with auth: none).
    auto bad_pointer = error_of(route("      request: {writable: {customer: [/name, city]}}\n"));
    EXPECT_TRUE(contains(bad_pointer,
                         "properties.yaml:16:46: "
                         "routes[0].properties.request.writable.customer[1]: "
                         "\"city\" must start with /"))
        << bad_pointer;
    auto bad_escape = error_of(route("      response: {deny: [/a~2]}\n"));
    EXPECT_TRUE(
        contains(bad_escape, "properties.yaml:16:25: routes[0].properties.response.deny[0]"))
        << bad_escape;
    EXPECT_TRUE(contains(bad_escape, "~0")) << bad_escape;
    auto bad_role = error_of(route("      request: {writable: {\"bad role\": [/name]}}\n"));
    EXPECT_TRUE(contains(bad_role, "properties.yaml:16:"));
    EXPECT_TRUE(contains(bad_role, "role name \"bad role\" is not valid")) << bad_role;
    auto star_mixed = error_of(route("      request: {writable: {admin: [\"*\", /name]}}\n"));
    EXPECT_TRUE(contains(star_mixed, "must be alone")) << star_mixed;
    auto star_denied = error_of(route("      response: {deny: [\"*\"]}\n"));
    EXPECT_TRUE(contains(star_denied,
                         "routes[0].properties.response.deny[0]: \"*\" is not "
                         "allowed here"))
        << star_denied;
    auto twice = error_of(route("      response: {deny: [/a, /a]}\n"));
    EXPECT_TRUE(contains(twice, "deny[1]: \"/a\" is listed twice")) << twice;
    auto unknown = error_of(route("      response: {deny: [/a], readble: {x: [/a]}}\n"));
    EXPECT_TRUE(contains(unknown, "routes[0].properties.response.readble: unknown key")) << unknown;
    auto nothing = error_of(route("      response: {select: /items}\n"));
    EXPECT_TRUE(contains(nothing, "deny or readable")) << nothing;
    auto no_writable = error_of(route("      request: {}\n"));
    EXPECT_TRUE(contains(no_writable, "routes[0].properties.request.writable: is required"))
        << no_writable;
    auto empty = error_of(route("      {}\n"));
    EXPECT_TRUE(contains(empty, "needs request or response")) << empty;
    auto not_a_list = error_of(route("      response: {deny: /password_hash}\n"));
    EXPECT_TRUE(contains(not_a_list, "deny: must be a list of JSON pointers")) << not_a_list;
    EXPECT_EQ(error_of(route("      response: {select: /items, deny: [/a~1b, /c/d]}\n")),
              "(no error)");
}

TEST(PropertiesConfig, PerRoleKeysNeedAnAuthenticatedRoute) {
    auto route = [](const std::string& properties) {
        return "routes:\n  - {path: /x, methods: [POST], upstream: app, auth: none,\n"
               "     properties: " +
               properties + "}\n";
    };
    auto writable = error_of(route("{request: {writable: {customer: [/name]}}}"));
    EXPECT_TRUE(contains(writable, "properties.yaml:11:"));
    EXPECT_TRUE(contains(writable,
                         "routes[0].properties.request.writable: is per role, and this "
                         "route has `auth: none`"))
        << writable;
    auto readable = error_of(route("{response: {readable: {customer: [/name]}}}"));
    EXPECT_TRUE(contains(readable, "routes[0].properties.response.readable: is per role"))
        << readable;
    EXPECT_EQ(error_of(route("{request: {writable_default: [/name]}, response: {deny: [/a], "
                             "readable_default: [/a, /b]}}")),
              "(no error)");
}

TEST(PropertiesConfig, OnlyOnRoutesAndGroups) {
    auto top_level = error_of(
        "properties: {response: {deny: [/a]}}\n"
        "routes:\n  - {path: /x, methods: [GET], upstream: app, auth: none}\n");
    EXPECT_TRUE(contains(top_level, "properties.yaml:9:")) << top_level;
    EXPECT_TRUE(contains(top_level, "properties: belongs on a route or a group")) << top_level;
}
