// The response-shaping and request-filtering stages: security_headers,
// error_masking, ip_filter, cors and deprecated. Each is built through its
// factory from YAML text, exactly as the configuration loader would, and run
// on hand-made Exchanges.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "config/yaml_reader.hpp"
#include "limit/ban_list.hpp"
#include "log_lines.hpp"
#include "net/message_writer.hpp"
#include "observe/log_sink.hpp"
#include "observe/security_events.hpp"
#include "pipeline/problem.hpp"
#include "pipeline/stage_keys.hpp"
#include "pipeline/stage_registry.hpp"
#include "pipeline/stages/ban.hpp"
#include "pipeline/stages/cors.hpp"
#include "pipeline/stages/deprecation.hpp"
#include "pipeline/stages/stage_factories.hpp"
#include "response_head.hpp"

namespace {

using namespace rampart;
using pipeline::Exchange;
using pipeline::Verdict;
namespace http = pipeline::http;

const std::string test_file = "stages.yaml";

// Builds the factory's stage from `yaml`, reading the factory's key from the
// top level as the registry does for global settings. Null when not built.
std::shared_ptr<const pipeline::Stage> build(const pipeline::StageFactory& factory,
                                             const std::string& yaml) {
    static const config::Settings settings;
    auto root = config::load_yaml_text(yaml, test_file);
    std::optional<config::Section> section;
    if (root.has(factory.key)) {
        section = root.section(factory.key);
    }
    static const pipeline::StageServices services;
    return factory.build(pipeline::StageBuildContext{settings, nullptr, section, services});
}

// The ConfigError message `yaml` produces, or "" when it builds.
std::string config_error(const pipeline::StageFactory& factory, const std::string& yaml) {
    try {
        build(factory, yaml);
    } catch (const config::ConfigError& error) {
        return error.what();
    }
    return "";
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

Exchange make_exchange(http::verb method = http::verb::get, std::string_view target = "/v1/x") {
    Exchange exchange;
    exchange.request = pipeline::Request{method, target, 11};
    exchange.request_id = "req-42";
    exchange.over_tls = true;
    exchange.client_address = boost::asio::ip::make_address("203.0.113.5");
    return exchange;
}

void set_upstream_response(Exchange& exchange, http::status status, std::string body = "{}") {
    exchange.response = pipeline::Response{status, 11};
    exchange.response.set(http::field::content_type, "application/json");
    exchange.response.body() = std::move(body);
    exchange.response.prepare_payload();
    exchange.response_from_upstream = true;
}

// The response's head as the client receives it: its own fields and the
// field lines the stages added (security headers), parsed back by Beast.
http::response_header<> client_view(const Exchange& exchange) {
    std::string head;
    net::append_head(exchange.response.base(), head, exchange.response_field_lines.pieces());
    return test::parse_response_head(head);
}

std::string header(const Exchange& exchange, std::string_view name) {
    auto view = client_view(exchange);
    EXPECT_LE(view.count(name), 1U) << name << " appears more than once";
    auto found = view.find(name);
    return found == view.end() ? std::string("<absent>") : std::string(found->value());
}

bool has_header(const Exchange& exchange, std::string_view name) {
    return client_view(exchange).count(name) > 0;
}

bool has_access_control_header(const Exchange& exchange) {
    return std::any_of(exchange.response.begin(), exchange.response.end(), [](const auto& field) {
        auto name = std::string(field.name_string());
        std::transform(name.begin(), name.end(), name.begin(), ::tolower);
        return name.starts_with("access-control-");
    });
}

// ---------------------------------------------------------------- the registry

// The loader claims the stage keys from pipeline/stage_keys.hpp, not from the
// factories: a stage whose key is missing there would make its key "unknown".
TEST(StageRegistry, StageKeysAreTheRegisteredFactoriesKeys) {
    std::set<std::string_view> registered;
    for (const auto& factory : pipeline::registered_stages()) {
        if (!factory.key.empty()) {
            registered.insert(factory.key);
        }
    }
    std::set<std::string_view> listed(pipeline::stage_keys.begin(), pipeline::stage_keys.end());
    EXPECT_EQ(listed.size(), pipeline::stage_keys.size()) << "a key is listed twice";
    EXPECT_EQ(listed, registered);
}

// ---------------------------------------------------------------- security_headers

TEST(SecurityHeaders, DefaultsOnEveryStatusOverTls) {
    auto stage = build(pipeline::security_headers_stage_factory(), "");
    ASSERT_TRUE(stage);
    for (auto status : {http::status::ok, http::status::unauthorized, http::status::not_found,
                        http::status::payload_too_large, http::status::too_many_requests,
                        http::status::bad_gateway}) {
        auto exchange = make_exchange();
        pipeline::set_problem(exchange, status);
        stage->on_response(exchange);
        SCOPED_TRACE(static_cast<int>(status));
        EXPECT_EQ(header(exchange, "Strict-Transport-Security"), "max-age=63072000");
        EXPECT_EQ(header(exchange, "X-Content-Type-Options"), "nosniff");
        EXPECT_EQ(header(exchange, "Content-Security-Policy"),
                  "default-src 'none'; frame-ancestors 'none'");
        EXPECT_EQ(header(exchange, "X-Frame-Options"), "DENY");
        EXPECT_EQ(header(exchange, "Referrer-Policy"), "no-referrer");
        EXPECT_EQ(header(exchange, "Cache-Control"), "no-store");
    }
}

TEST(SecurityHeaders, NoHstsOverPlainHttpEvenWhenConfigured) {
    auto stage = build(pipeline::security_headers_stage_factory(),
                       "security_headers:\n  hsts: {max_age: 365d, include_subdomains: true}\n");
    auto exchange = make_exchange();
    exchange.over_tls = false;
    pipeline::set_problem(exchange, http::status::not_found);
    stage->on_response(exchange);
    EXPECT_FALSE(has_header(exchange, "Strict-Transport-Security"));
    EXPECT_EQ(header(exchange, "X-Content-Type-Options"), "nosniff");
}

TEST(SecurityHeaders, ConfiguredHsts) {
    auto stage = build(pipeline::security_headers_stage_factory(),
                       "security_headers:\n"
                       "  hsts: {max_age: 31536000, include_subdomains: true, preload: true}\n");
    auto exchange = make_exchange();
    set_upstream_response(exchange, http::status::ok);
    stage->on_response(exchange);
    EXPECT_EQ(header(exchange, "Strict-Transport-Security"),
              "max-age=31536000; includeSubDomains; preload");

    auto disabled = build(pipeline::security_headers_stage_factory(),
                          "security_headers:\n  hsts: {enabled: false}\n");
    auto plain = make_exchange();
    set_upstream_response(plain, http::status::ok);
    disabled->on_response(plain);
    EXPECT_FALSE(has_header(plain, "Strict-Transport-Security"));
}

TEST(SecurityHeaders, StripsUpstreamBannersAndConfiguredHeaders) {
    auto stage = build(pipeline::security_headers_stage_factory(),
                       "security_headers:\n  strip_response_headers: [X-Backend-Host]\n");
    auto exchange = make_exchange();
    set_upstream_response(exchange, http::status::ok);
    for (auto name : {"Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version",
                      "X-Runtime", "x-backend-host"}) {
        exchange.response.set(name, "leaky/1.2.3");
    }
    exchange.response.set("X-Frame-Options", "ALLOWALL");
    stage->on_response(exchange);
    for (auto name : {"Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version",
                      "X-Runtime", "X-Backend-Host"}) {
        EXPECT_FALSE(has_header(exchange, name)) << name;
    }
    EXPECT_EQ(header(exchange, "X-Frame-Options"), "DENY");
    EXPECT_EQ(header(exchange, "Content-Type"), "application/json");
}

TEST(SecurityHeaders, CacheControlForCredentialedAndUpstreamResponses) {
    auto stage = build(pipeline::security_headers_stage_factory(), "");

    auto cacheable = make_exchange();
    set_upstream_response(cacheable, http::status::ok);
    cacheable.response.set(http::field::cache_control, "public, max-age=60");
    stage->on_response(cacheable);
    EXPECT_EQ(header(cacheable, "Cache-Control"), "public, max-age=60");

    auto credentialed = make_exchange();
    credentialed.carries_credentials = true;
    set_upstream_response(credentialed, http::status::ok);
    credentialed.response.set(http::field::cache_control, "public, max-age=60");
    stage->on_response(credentialed);
    EXPECT_EQ(header(credentialed, "Cache-Control"), "no-store");

    auto unspecified = make_exchange();
    set_upstream_response(unspecified, http::status::ok);
    stage->on_response(unspecified);
    EXPECT_EQ(header(unspecified, "Cache-Control"), "no-store");

    auto configured = build(pipeline::security_headers_stage_factory(),
                            "security_headers:\n  default_cache_control: 'private, max-age=0'\n");
    auto with_default = make_exchange();
    set_upstream_response(with_default, http::status::ok);
    configured->on_response(with_default);
    EXPECT_EQ(header(with_default, "Cache-Control"), "private, max-age=0");
}

TEST(SecurityHeaders, ConfiguredPolicyAndAddedHeaders) {
    auto stage = build(pipeline::security_headers_stage_factory(),
                       "security_headers:\n"
                       "  content_security_policy: \"frame-ancestors 'none'\"\n"
                       "  add:\n"
                       "    Permissions-Policy: 'geolocation=()'\n"
                       "    Server: gateway\n");
    auto exchange = make_exchange();
    set_upstream_response(exchange, http::status::ok);
    exchange.response.set(http::field::server, "Apache/2.4.1");
    stage->on_response(exchange);
    EXPECT_EQ(header(exchange, "Content-Security-Policy"), "frame-ancestors 'none'");
    EXPECT_EQ(header(exchange, "Permissions-Policy"), "geolocation=()");
    EXPECT_EQ(header(exchange, "Server"), "gateway");
}

TEST(SecurityHeaders, ConfigErrorsNameLineAndKey) {
    auto factory = pipeline::security_headers_stage_factory();
    auto unknown = config_error(factory, "security_headers:\n  hsts:\n    max_agee: 1d\n");
    EXPECT_TRUE(contains(unknown, "stages.yaml:3:")) << unknown;
    EXPECT_TRUE(contains(unknown, "security_headers.hsts.max_agee: unknown key")) << unknown;

    auto preload = config_error(factory, "security_headers:\n  hsts: {preload: true}\n");
    EXPECT_TRUE(contains(preload, "stages.yaml:2:")) << preload;
    EXPECT_TRUE(contains(preload, "security_headers.hsts.preload")) << preload;

    auto managed = config_error(factory, "security_headers:\n  add:\n    Cache-Control: public\n");
    EXPECT_TRUE(contains(managed, "stages.yaml:3:")) << managed;
    EXPECT_TRUE(contains(managed, "security_headers.add.Cache-Control")) << managed;

    auto injected = config_error(
        factory, "security_headers:\n  content_security_policy: \"a\\r\\nSet-Cookie: x=1\"\n");
    EXPECT_TRUE(contains(injected, "security_headers.content_security_policy")) << injected;

    auto framing = config_error(
        factory, "security_headers:\n  strip_response_headers: [X-A, Content-Length]\n");
    EXPECT_TRUE(contains(framing, "security_headers.strip_response_headers[1]")) << framing;
}

// ---------------------------------------------------------------- error_masking

TEST(ErrorMasking, UpstreamServerErrorBecomesGenericProblem) {
    auto stage = build(pipeline::error_masking_stage_factory(), "");
    ASSERT_TRUE(stage);
    auto exchange = make_exchange();
    set_upstream_response(exchange, http::status::internal_server_error,
                          "Traceback (most recent call last):\n  File \"/srv/app.py\", line 3");
    exchange.response.set("X-Debug-Sql", "SELECT * FROM users");
    stage->on_response(exchange);
    EXPECT_EQ(exchange.response.result(), http::status::internal_server_error);
    EXPECT_FALSE(contains(exchange.response.body(), "Traceback"));
    EXPECT_FALSE(contains(exchange.response.body(), "app.py"));
    EXPECT_TRUE(contains(exchange.response.body(), "\"request_id\":\"req-42\""));
    EXPECT_EQ(header(exchange, "Content-Type"), "application/problem+json");
    EXPECT_FALSE(has_header(exchange, "X-Debug-Sql"));
    EXPECT_FALSE(exchange.response_from_upstream);
}

TEST(ErrorMasking, KeepsRetryAfterOn503AndMapsUnknownStatuses) {
    auto stage = build(pipeline::error_masking_stage_factory(), "");
    auto unavailable = make_exchange();
    set_upstream_response(unavailable, http::status::service_unavailable, "db down at 10.0.0.7");
    unavailable.response.set(http::field::retry_after, "30");
    stage->on_response(unavailable);
    EXPECT_EQ(unavailable.response.result(), http::status::service_unavailable);
    EXPECT_EQ(header(unavailable, "Retry-After"), "30");
    EXPECT_FALSE(contains(unavailable.response.body(), "10.0.0.7"));

    auto unknown = make_exchange();
    set_upstream_response(unknown, http::status::ok, "origin error");
    unknown.response.result(520);
    stage->on_response(unknown);
    EXPECT_EQ(unknown.response.result(), http::status::bad_gateway);
}

TEST(ErrorMasking, ClientErrorsMaskedByDefaultPassThroughWhenOptedOut) {
    auto masking = build(pipeline::error_masking_stage_factory(), "");
    auto masked = make_exchange();
    set_upstream_response(masked, http::status::unauthorized, "{\"sql\":\"SELECT\"}");
    masked.response.set(http::field::www_authenticate, "Bearer");
    masking->on_response(masked);
    EXPECT_EQ(masked.response.result(), http::status::unauthorized);
    EXPECT_FALSE(contains(masked.response.body(), "SELECT"));
    EXPECT_EQ(header(masked, "WWW-Authenticate"), "Bearer");

    auto passing =
        build(pipeline::error_masking_stage_factory(), "error_masking:\n  client_errors: false\n");
    auto passed = make_exchange();
    set_upstream_response(passed, http::status::unprocessable_entity, "{\"field\":\"name\"}");
    passing->on_response(passed);
    EXPECT_EQ(passed.response.body(), "{\"field\":\"name\"}");
    auto server_error = make_exchange();
    set_upstream_response(server_error, http::status::bad_gateway, "Traceback");
    passing->on_response(server_error);
    EXPECT_FALSE(contains(server_error.response.body(), "Traceback"));
}

TEST(ErrorMasking, LeavesSuccessAndGatewayResponsesAlone) {
    auto stage = build(pipeline::error_masking_stage_factory(), "");
    auto success = make_exchange();
    set_upstream_response(success, http::status::ok, "{\"id\":1}");
    stage->on_response(success);
    EXPECT_EQ(success.response.body(), "{\"id\":1}");

    auto own = make_exchange();
    pipeline::set_problem(own, http::status::service_unavailable, "Rate limiter unavailable.");
    stage->on_response(own);
    EXPECT_TRUE(contains(own.response.body(), "Rate limiter unavailable."));
}

TEST(ErrorMasking, CanBeSwitchedOffAndRefusesUnknownKeys) {
    auto factory = pipeline::error_masking_stage_factory();
    EXPECT_FALSE(build(factory, "error_masking: {server_errors: false, client_errors: false}\n"));
    auto passing = build(factory, "error_masking:\n  server_errors: false\n");
    auto exchange = make_exchange();
    set_upstream_response(exchange, http::status::internal_server_error, "Traceback");
    passing->on_response(exchange);
    EXPECT_EQ(exchange.response.body(), "Traceback");

    auto unknown = config_error(factory, "error_masking:\n  server_error: true\n");
    EXPECT_TRUE(contains(unknown, "stages.yaml:2:")) << unknown;
    EXPECT_TRUE(contains(unknown, "error_masking.server_error: unknown key")) << unknown;
}

// ---------------------------------------------------------------- ip_filter

Verdict filter(const pipeline::Stage& stage, std::string_view address, Exchange* out = nullptr) {
    auto exchange = make_exchange();
    exchange.client_address = boost::asio::ip::make_address(address);
    auto verdict = stage.on_request_head(exchange);
    if (out != nullptr) {
        *out = std::move(exchange);
    }
    return verdict;
}

TEST(IpFilter, NotBuiltWithoutNetworks) {
    EXPECT_FALSE(build(pipeline::ip_filter_stage_factory(), ""));
    EXPECT_FALSE(build(pipeline::ip_filter_stage_factory(), "ip_filter: {allow: []}\n"));
}

TEST(IpFilter, AllowListRefusesEverythingElse) {
    auto stage = build(pipeline::ip_filter_stage_factory(),
                       "ip_filter:\n  allow: [10.0.0.0/8, '2001:db8::/32']\n");
    ASSERT_TRUE(stage);
    EXPECT_EQ(filter(*stage, "10.1.2.3"), Verdict::proceed);
    EXPECT_EQ(filter(*stage, "::ffff:10.9.9.9"), Verdict::proceed);
    EXPECT_EQ(filter(*stage, "2001:db8:5::1"), Verdict::proceed);
    Exchange refused;
    EXPECT_EQ(filter(*stage, "192.0.2.1", &refused), Verdict::respond);
    EXPECT_EQ(refused.response.result(), http::status::forbidden);
    EXPECT_EQ(header(refused, "Content-Type"), "application/problem+json");
    EXPECT_EQ(filter(*stage, "2001:db9::1"), Verdict::respond);
}

TEST(IpFilter, DenyWins) {
    auto stage = build(pipeline::ip_filter_stage_factory(),
                       "ip_filter:\n  allow: [10.0.0.0/8]\n  deny: [10.6.0.0/16, '::1']\n");
    EXPECT_EQ(filter(*stage, "10.5.0.1"), Verdict::proceed);
    EXPECT_EQ(filter(*stage, "10.6.0.1"), Verdict::respond);
    auto deny_only = build(pipeline::ip_filter_stage_factory(), "ip_filter: {deny: ['::1']}\n");
    EXPECT_EQ(filter(*deny_only, "::1"), Verdict::respond);
    EXPECT_EQ(filter(*deny_only, "192.0.2.1"), Verdict::proceed);
}

// The ban stage judges a request by when it arrived (the session reads the
// wall clock once per request), and by the clock only for an exchange
// without an arrival time.
TEST(BanStage, JudgesTheRequestAtItsArrivalTime) {
    limit::InProcessBanList bans;
    auto now = std::chrono::system_clock::now();
    limit::BanRequest request;
    request.target = "192.0.2.7";
    request.ttl = std::chrono::seconds(60);
    ASSERT_TRUE(bans.add(request, now));
    pipeline::StageServices services;
    services.bans = &bans;
    static const config::Settings settings;
    auto stage = pipeline::ban_stage_factory().build(
        pipeline::StageBuildContext{settings, nullptr, std::nullopt, services});
    ASSERT_TRUE(stage);
    auto judged_at = [&](std::chrono::system_clock::time_point arrival) {
        auto exchange = make_exchange();
        exchange.client_address = boost::asio::ip::make_address("192.0.2.7");
        exchange.wall_clock_start = arrival;
        return stage->on_request_head(exchange);
    };
    EXPECT_EQ(judged_at(now + std::chrono::seconds(30)), Verdict::respond);
    EXPECT_EQ(judged_at(now + std::chrono::seconds(61)), Verdict::proceed);
    EXPECT_EQ(judged_at({}), Verdict::respond);  // no arrival time: now, within the ban
}

TEST(IpFilter, RefusalIsASecurityEvent) {
    auto directory = std::filesystem::temp_directory_path() /
                     ("rampart-stages-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(directory);
    auto log_path = (directory / "security.log").string();
    std::filesystem::remove(log_path);
    {
        observe::LogSink sink(config::LogSink{true, log_path});
        observe::SecurityEvents events(&sink);
        auto stage = build(pipeline::ip_filter_stage_factory(),
                           "ip_filter:\n  allow: [10.0.0.0/8]\n  deny: [10.6.0.0/16]\n");
        for (auto address : {"10.6.0.1", "192.0.2.1", "10.1.0.1"}) {
            auto exchange = make_exchange();
            exchange.client_address = boost::asio::ip::make_address(address);
            exchange.security_events = &events;
            stage->on_request_head(exchange);
        }
        sink.flush();
    }
    auto lines = rampart::test::read_log_lines(log_path);
    std::filesystem::remove_all(directory);
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_TRUE(contains(lines[0], "\"event\":\"ip_refused\"")) << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"client_ip\":\"10.6.0.1\"")) << lines[0];
    EXPECT_TRUE(contains(lines[0], "\"reason\":\"deny_list\"")) << lines[0];
    EXPECT_TRUE(contains(lines[1], "\"reason\":\"not_in_allow_list\"")) << lines[1];
}

TEST(IpFilter, InvalidNetworkNamesTheListElement) {
    auto error = config_error(pipeline::ip_filter_stage_factory(),
                              "ip_filter:\n  allow:\n    - 10.0.0.0/8\n    - 10.0.0.0/33\n");
    EXPECT_TRUE(contains(error, "stages.yaml:4:")) << error;
    EXPECT_TRUE(contains(error, "ip_filter.allow[1]")) << error;
    auto unknown = config_error(pipeline::ip_filter_stage_factory(),
                                "ip_filter:\n  allow: [10.0.0.0/8]\n  denied: [10.0.0.1]\n");
    EXPECT_TRUE(contains(unknown, "stages.yaml:3:")) << unknown;
    EXPECT_TRUE(contains(unknown, "ip_filter.denied: unknown key")) << unknown;
}

// ---------------------------------------------------------------- cors

const std::string allowlist_cors =
    "cors:\n"
    "  allowed_origins: ['https://allowed.example', 'HTTPS://App.Example:443',\n"
    "                    'http://localhost:3000', 'http://[::1]:8080']\n"
    "  allowed_methods: [GET, PUT]\n"
    "  allowed_headers: [Content-Type, X-Request-Id]\n"
    "  exposed_headers: [X-Request-Id]\n"
    "  allow_credentials: true\n";

Exchange cors_request(std::string_view origin) {
    auto exchange = make_exchange();
    exchange.request.set(http::field::origin, origin);
    return exchange;
}

Exchange preflight(std::string_view origin, std::string_view method,
                   std::string_view requested_headers = {}) {
    auto exchange = make_exchange(http::verb::options);
    exchange.request.set(http::field::origin, origin);
    exchange.request.set(http::field::access_control_request_method, method);
    if (!requested_headers.empty()) {
        exchange.request.set(http::field::access_control_request_headers, requested_headers);
    }
    return exchange;
}

// What the client sees for an actual request: the chain runs on_request_head,
// the upstream answers, then on_response.
Exchange run_actual_request(const pipeline::Stage& stage, std::string_view origin) {
    auto exchange = cors_request(origin);
    EXPECT_EQ(stage.on_request_head(exchange), Verdict::proceed);
    set_upstream_response(exchange, http::status::ok);
    stage.on_response(exchange);
    return exchange;
}

TEST(Cors, OffByDefaultStripsUpstreamGrantsAndRefusesPreflights) {
    auto stage = build(pipeline::cors_stage_factory(), "");
    ASSERT_TRUE(stage);
    auto exchange = cors_request("https://evil.example");
    set_upstream_response(exchange, http::status::ok);
    exchange.response.set(http::field::access_control_allow_origin, "*");
    exchange.response.set("access-control-allow-credentials", "true");
    stage->on_response(exchange);
    EXPECT_FALSE(has_access_control_header(exchange));

    auto refused = preflight("https://evil.example", "GET");
    EXPECT_EQ(stage->on_request_head(refused), Verdict::respond);
    EXPECT_EQ(refused.response.result(), http::status::forbidden);
    stage->on_response(refused);
    EXPECT_FALSE(has_access_control_header(refused));
}

TEST(Cors, AllowedOriginIsEchoedWithVary) {
    auto stage = build(pipeline::cors_stage_factory(), allowlist_cors);
    auto exchange = run_actual_request(*stage, "https://allowed.example");
    EXPECT_EQ(header(exchange, "Access-Control-Allow-Origin"), "https://allowed.example");
    EXPECT_EQ(header(exchange, "Access-Control-Allow-Credentials"), "true");
    EXPECT_EQ(header(exchange, "Access-Control-Expose-Headers"), "X-Request-Id");
    EXPECT_EQ(header(exchange, "Vary"), "Origin");
    // Normalised at load: upper case and the default port are what a browser never sends.
    EXPECT_EQ(
        header(run_actual_request(*stage, "https://app.example"), "Access-Control-Allow-Origin"),
        "https://app.example");
    EXPECT_EQ(
        header(run_actual_request(*stage, "http://localhost:3000"), "Access-Control-Allow-Origin"),
        "http://localhost:3000");
    EXPECT_EQ(
        header(run_actual_request(*stage, "http://[::1]:8080"), "Access-Control-Allow-Origin"),
        "http://[::1]:8080");
}

TEST(Cors, LookAlikeOriginsGetNothing) {
    auto stage = build(pipeline::cors_stage_factory(), allowlist_cors);
    for (auto origin :
         {"https://evil.example", "null", "https://allowed.example.evil.com",
          "https://evilallowed.example", "http://allowed.example", "https://allowed.example:8443",
          "https://allowed.example/", "https://ALLOWED.example", "http://localhost:3001", ""}) {
        auto exchange = run_actual_request(*stage, origin);
        EXPECT_FALSE(has_access_control_header(exchange)) << origin;
        EXPECT_EQ(header(exchange, "Vary"), "Origin") << origin;
        auto refused = preflight(origin, "GET");
        EXPECT_EQ(stage->on_request_head(refused), Verdict::respond) << origin;
        EXPECT_EQ(refused.response.result(), http::status::forbidden) << origin;
        EXPECT_FALSE(has_access_control_header(refused)) << origin;
    }
}

TEST(Cors, UpstreamGrantsAreReplacedAndVaryMerged) {
    auto stage = build(pipeline::cors_stage_factory(), allowlist_cors);
    auto exchange = cors_request("https://evil.example");
    set_upstream_response(exchange, http::status::ok);
    exchange.response.set(http::field::access_control_allow_origin, "https://evil.example");
    exchange.response.set(http::field::access_control_allow_methods, "DELETE");
    exchange.response.set(http::field::vary, "Accept-Encoding");
    stage->on_response(exchange);
    EXPECT_FALSE(has_access_control_header(exchange));
    EXPECT_EQ(header(exchange, "Vary"), "Accept-Encoding, Origin");

    auto already = cors_request("https://allowed.example");
    set_upstream_response(already, http::status::ok);
    already.response.set(http::field::vary, "origin, Accept");
    stage->on_response(already);
    EXPECT_EQ(header(already, "Vary"), "origin, Accept");
    EXPECT_EQ(header(already, "Access-Control-Allow-Origin"), "https://allowed.example");
}

TEST(Cors, GatewayErrorsCarryTheGrantToo) {
    auto stage = build(pipeline::cors_stage_factory(), allowlist_cors);
    auto exchange = cors_request("https://allowed.example");
    pipeline::set_problem(exchange, http::status::unauthorized);
    stage->on_response(exchange);
    EXPECT_EQ(header(exchange, "Access-Control-Allow-Origin"), "https://allowed.example");
}

TEST(Cors, PreflightAnsweredByTheGateway) {
    auto stage = build(pipeline::cors_stage_factory(), allowlist_cors);
    auto exchange = preflight("https://allowed.example", "PUT", "content-type , X-REQUEST-ID");
    ASSERT_EQ(stage->on_request_head(exchange), Verdict::respond);
    stage->on_response(exchange);
    EXPECT_EQ(exchange.response.result(), http::status::no_content);
    EXPECT_EQ(header(exchange, "Access-Control-Allow-Origin"), "https://allowed.example");
    EXPECT_EQ(header(exchange, "Access-Control-Allow-Methods"), "GET, PUT");
    EXPECT_EQ(header(exchange, "Access-Control-Allow-Headers"), "Content-Type, X-Request-Id");
    EXPECT_EQ(header(exchange, "Access-Control-Max-Age"), "600");
    EXPECT_EQ(header(exchange, "Access-Control-Allow-Credentials"), "true");
    EXPECT_EQ(header(exchange, "Vary"), "Origin");
    EXPECT_FALSE(has_header(exchange, "Content-Length"));
    EXPECT_FALSE(exchange.response_from_upstream);
}

TEST(Cors, PreflightRefusesUnlistedMethodsAndHeaders) {
    auto stage = build(pipeline::cors_stage_factory(), allowlist_cors);
    for (auto refused : {preflight("https://allowed.example", "DELETE"),
                         preflight("https://allowed.example", "put"),
                         preflight("https://allowed.example", "GET", "Content-Type, X-Admin"),
                         preflight("https://allowed.example", "GET", "Authorization")}) {
        EXPECT_EQ(stage->on_request_head(refused), Verdict::respond);
        stage->on_response(refused);
        EXPECT_EQ(refused.response.result(), http::status::forbidden);
        EXPECT_EQ(header(refused, "Content-Type"), "application/problem+json");
        EXPECT_FALSE(has_access_control_header(refused));
    }
}

TEST(Cors, WildcardWithoutCredentials) {
    auto stage =
        build(pipeline::cors_stage_factory(), "cors:\n  allowed_origins: ['*']\n  max_age: 2h\n");
    auto exchange = run_actual_request(*stage, "https://anyone.example");
    EXPECT_EQ(header(exchange, "Access-Control-Allow-Origin"), "*");
    EXPECT_FALSE(has_header(exchange, "Access-Control-Allow-Credentials"));
    auto answered = preflight("https://anyone.example", "POST");
    EXPECT_EQ(stage->on_request_head(answered), Verdict::respond);
    EXPECT_EQ(answered.response.result(), http::status::no_content);
    EXPECT_EQ(header(answered, "Access-Control-Allow-Methods"), "GET, HEAD, POST");
    EXPECT_EQ(header(answered, "Access-Control-Max-Age"), "7200");
}

TEST(Cors, PreflightDetection) {
    EXPECT_TRUE(pipeline::is_cors_preflight(preflight("https://a.example", "GET").request));
    auto plain_options = make_exchange(http::verb::options);
    plain_options.request.set(http::field::origin, "https://a.example");
    EXPECT_FALSE(pipeline::is_cors_preflight(plain_options.request));
    auto post = cors_request("https://a.example");
    post.request.set(http::field::access_control_request_method, "GET");
    EXPECT_FALSE(pipeline::is_cors_preflight(post.request));
}

TEST(Cors, ConfigErrorsNameLineAndKey) {
    auto factory = pipeline::cors_stage_factory();
    auto wildcard =
        config_error(factory, "cors:\n  allowed_origins: ['*']\n  allow_credentials: true\n");
    EXPECT_TRUE(contains(wildcard, "stages.yaml:3:")) << wildcard;
    EXPECT_TRUE(contains(wildcard, "cors.allow_credentials")) << wildcard;

    for (auto origin :
         {"https://allowed.example/", "https://allowed.example/api", "null", "allowed.example",
          "https://user@allowed.example", "https://a.example:99999", "https://a.example?x=1"}) {
        auto error = config_error(factory,
                                  "cors:\n  allowed_origins:\n    - https://ok.example\n"
                                  "    - '" +
                                      std::string(origin) + "'\n");
        EXPECT_TRUE(contains(error, "stages.yaml:4:")) << origin << ": " << error;
        EXPECT_TRUE(contains(error, "cors.allowed_origins[1]")) << origin << ": " << error;
    }

    auto method = config_error(factory, "cors:\n  allowed_origins: []\n  allowed_methods: ['*']\n");
    EXPECT_TRUE(contains(method, "cors.allowed_methods[0]")) << method;
    auto unknown = config_error(factory, "cors:\n  allowed_origin: [https://a.example]\n");
    EXPECT_TRUE(contains(unknown, "stages.yaml:2:")) << unknown;
    EXPECT_TRUE(contains(unknown, "cors.allowed_origin: unknown key")) << unknown;
}

// ---------------------------------------------------------------- deprecated

using std::chrono::sys_seconds;

sys_seconds unix_seconds(long long seconds) {
    return sys_seconds{std::chrono::seconds{seconds}};
}

TEST(Deprecation, ParsesDatesAndRfc3339DateTimes) {
    const auto new_year_2025 = unix_seconds(1735689600);
    EXPECT_EQ(pipeline::parse_config_instant("2025-01-01"), new_year_2025);
    EXPECT_EQ(pipeline::parse_config_instant("2025-01-01T00:00:00Z"), new_year_2025);
    EXPECT_EQ(pipeline::parse_config_instant("2025-01-01t00:00:00.999z"), new_year_2025);
    EXPECT_EQ(pipeline::parse_config_instant("2025-01-01T02:30:00+02:30"), new_year_2025);
    EXPECT_EQ(pipeline::parse_config_instant("2024-12-31T19:00:00-05:00"), new_year_2025);
    for (auto bad : {"2025-02-29", "2025-1-01", "2025-01-01T24:00:00Z", "2025-01-01T00:00:00",
                     "2025-01-01 00:00:00Z", "1969-12-31", "2025-01-01T00:00:00.Z",
                     "2025-01-01T00:00:00+0200", "2025-01-01Z", "tomorrow", ""}) {
        EXPECT_FALSE(pipeline::parse_config_instant(bad)) << bad;
    }
}

TEST(Deprecation, FormatsImfFixdate) {
    EXPECT_EQ(pipeline::format_imf_fixdate(unix_seconds(784111777)),
              "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(pipeline::format_imf_fixdate(unix_seconds(1735689600)),
              "Wed, 01 Jan 2025 00:00:00 GMT");
}

const std::string deprecated_v1 =
    "deprecated:\n"
    "  since: 2025-01-01\n"
    "  sunset: 2025-07-01T12:00:00Z\n"
    "  link: https://docs.example/deprecations/v1\n"
    "  successor: https://api.example/v2\n";
const auto sunset_v1 = unix_seconds(1751371200);  // 2025-07-01T12:00:00Z

TEST(Deprecation, HeadersBeforeSunset) {
    auto stage = build(pipeline::deprecation_stage_factory(), deprecated_v1);
    ASSERT_TRUE(stage);
    auto exchange = make_exchange();
    exchange.wall_clock_start = sunset_v1 - std::chrono::seconds{1};
    EXPECT_EQ(stage->on_request_head(exchange), Verdict::proceed);
    set_upstream_response(exchange, http::status::ok);
    exchange.response.set(http::field::link, "<https://api.example/v1/x?page=2>; rel=\"next\"");
    stage->on_response(exchange);
    EXPECT_EQ(header(exchange, "Deprecation"), "@1735689600");
    EXPECT_EQ(header(exchange, "Sunset"), "Tue, 01 Jul 2025 12:00:00 GMT");
    EXPECT_EQ(exchange.response.count(http::field::link), 1u);
    EXPECT_EQ(header(exchange, "Link"),
              "<https://api.example/v1/x?page=2>; rel=\"next\", "
              "<https://docs.example/deprecations/v1>; rel=\"deprecation\", "
              "<https://api.example/v2>; rel=\"successor-version\"");
    EXPECT_EQ(exchange.response.body(), "{}");
}

TEST(Deprecation, GoneFromTheSunsetOn) {
    auto stage = build(pipeline::deprecation_stage_factory(), deprecated_v1);
    for (auto now : {sunset_v1, sunset_v1 + std::chrono::hours{24 * 400}}) {
        auto exchange = make_exchange();
        exchange.wall_clock_start = now;
        EXPECT_EQ(stage->on_request_head(exchange), Verdict::respond);
        stage->on_response(exchange);
        EXPECT_EQ(exchange.response.result(), http::status::gone);
        EXPECT_EQ(header(exchange, "Content-Type"), "application/problem+json");
        EXPECT_TRUE(contains(header(exchange, "Link"),
                             "<https://api.example/v2>; rel=\"successor-version\""));
        EXPECT_FALSE(exchange.response_from_upstream);
    }
}

TEST(Deprecation, WithoutSunsetOrSuccessor) {
    auto stage =
        build(pipeline::deprecation_stage_factory(),
              "deprecated: {since: '2030-01-01T00:00:00Z', link: 'http://docs.example/v1'}\n");
    auto exchange = make_exchange();
    exchange.wall_clock_start = unix_seconds(4'000'000'000);
    EXPECT_EQ(stage->on_request_head(exchange), Verdict::proceed);
    set_upstream_response(exchange, http::status::ok);
    stage->on_response(exchange);
    EXPECT_EQ(header(exchange, "Deprecation"), "@1893456000");
    EXPECT_FALSE(has_header(exchange, "Sunset"));
    EXPECT_EQ(header(exchange, "Link"), "<http://docs.example/v1>; rel=\"deprecation\"");
    EXPECT_FALSE(build(pipeline::deprecation_stage_factory(), ""));
}

TEST(Deprecation, ConfigErrorsNameLineAndKey) {
    auto factory = pipeline::deprecation_stage_factory();
    auto early = config_error(factory,
                              "deprecated:\n  since: 2025-06-01\n  sunset: 2025-05-31\n"
                              "  link: https://docs.example/v1\n");
    EXPECT_TRUE(contains(early, "stages.yaml:3:")) << early;
    EXPECT_TRUE(contains(early, "deprecated.sunset")) << early;

    auto missing = config_error(factory, "deprecated:\n  link: https://docs.example/v1\n");
    EXPECT_TRUE(contains(missing, "deprecated.since")) << missing;
    auto bad_date = config_error(factory,
                                 "deprecated:\n  since: 2025-13-01\n"
                                 "  link: https://docs.example/v1\n");
    EXPECT_TRUE(contains(bad_date, "stages.yaml:2:")) << bad_date;
    EXPECT_TRUE(contains(bad_date, "deprecated.since")) << bad_date;
    auto bad_link = config_error(factory,
                                 "deprecated:\n  since: 2025-01-01\n"
                                 "  link: 'javascript:alert(1)'\n");
    EXPECT_TRUE(contains(bad_link, "stages.yaml:3:")) << bad_link;
    EXPECT_TRUE(contains(bad_link, "deprecated.link")) << bad_link;
    auto bad_successor = config_error(factory,
                                      "deprecated:\n  since: 2025-01-01\n"
                                      "  link: https://d.example/\n"
                                      "  successor: 'https://a.example/<x>'\n");
    EXPECT_TRUE(contains(bad_successor, "deprecated.successor")) << bad_successor;
    auto unknown = config_error(factory,
                                "deprecated:\n  since: 2025-01-01\n"
                                "  link: https://d.example/\n  sunet: 2026-01-01\n");
    EXPECT_TRUE(contains(unknown, "stages.yaml:4:")) << unknown;
    EXPECT_TRUE(contains(unknown, "deprecated.sunet: unknown key")) << unknown;
}

// ---------------------------------------------------------------- together

// The stages of this file in chain order, without those other files register.
std::vector<std::shared_ptr<const pipeline::Stage>> stages_of_this_file(
    const config::Settings& settings) {
    std::vector<std::shared_ptr<const pipeline::Stage>> ours;
    for (const auto& stage : pipeline::build_stages(settings, nullptr, pipeline::StageServices{})) {
        auto name = stage->name();
        if (name == "security_headers" || name == "ip_filter" || name == "cors" ||
            name == "deprecated" || name == "error_masking") {
            ours.push_back(stage);
        }
    }
    return ours;
}

TEST(Stages, RegisteredInTheirOrder) {
    config::Settings settings;
    settings.global_stage_section =
        config::load_yaml_text("ip_filter: {deny: [192.0.2.0/24]}\n" + deprecated_v1, test_file);
    std::vector<std::string_view> names;
    for (const auto& stage : stages_of_this_file(settings)) {
        names.push_back(stage->name());
    }
    EXPECT_EQ(names, (std::vector<std::string_view>{"security_headers", "ip_filter", "cors",
                                                    "deprecated", "error_masking"}));
}

// The response path runs last stage first: the masked upstream error still
// gets the security headers, no-store and the deprecation headers.
TEST(Stages, MaskedUpstreamErrorIsDecoratedOnTheWayOut) {
    config::Settings settings;
    settings.global_stage_section =
        config::load_yaml_text(allowlist_cors + deprecated_v1, test_file);
    auto stages = stages_of_this_file(settings);
    auto exchange = cors_request("https://allowed.example");
    exchange.wall_clock_start = sunset_v1 - std::chrono::hours{1};
    set_upstream_response(exchange, http::status::internal_server_error, "Traceback");
    exchange.response.set(http::field::server, "gunicorn/20.0");
    exchange.response.set(http::field::cache_control, "public, max-age=600");
    for (auto stage = stages.rbegin(); stage != stages.rend(); ++stage) {
        (*stage)->on_response(exchange);
    }
    EXPECT_FALSE(contains(exchange.response.body(), "Traceback"));
    EXPECT_EQ(header(exchange, "Cache-Control"), "no-store");
    EXPECT_FALSE(has_header(exchange, "Server"));
    EXPECT_EQ(header(exchange, "Strict-Transport-Security"), "max-age=63072000");
    EXPECT_EQ(header(exchange, "Deprecation"), "@1735689600");
    EXPECT_EQ(header(exchange, "Access-Control-Allow-Origin"), "https://allowed.example");
}

}  // namespace
