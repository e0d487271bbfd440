// The rate_limit stages (pipeline/stages/rate_limit.hpp) built from YAML
// through their factories, as the registry does, over a shared in-process
// store: configuration errors with file:line:column and key, the split
// before and after authentication, keys by identity, per-role policies and
// the RateLimit header fields.
#include <gtest/gtest.h>

#include <string>

#include "config/loader.hpp"
#include "config/yaml_reader.hpp"
#include "config_error.hpp"
#include "limit/in_process_store.hpp"
#include "limit/limit_definition.hpp"
#include "pipeline/problem.hpp"
#include "pipeline/stage_registry.hpp"
#include "pipeline/stages/stage_factories.hpp"

namespace {

using namespace rampart;
using pipeline::Exchange;
using pipeline::Verdict;
namespace http = pipeline::http;

const std::string test_file = "limits.yaml";

struct Built {
    std::shared_ptr<const pipeline::Stage> before;  // order 20
    std::shared_ptr<const pipeline::Stage> after;   // order 37
};

class RateLimitStage : public ::testing::Test {
  protected:
    Built build(const std::string& yaml) {
        static const config::Settings settings;
        auto root = config::load_yaml_text(yaml, test_file);
        std::optional<config::Section> section;
        if (root.has("rate_limit")) {
            section = root.section("rate_limit");
        }
        pipeline::StageServices services;
        services.rate_limits = &store_;
        pipeline::StageBuildContext context{settings, nullptr, section, services};
        return {pipeline::rate_limit_before_authentication_stage_factory().build(context),
                pipeline::rate_limit_after_authentication_stage_factory().build(context)};
    }

    std::string error_of(const std::string& yaml) {
        try {
            build(yaml);
        } catch (const config::ConfigError& error) {
            return error.what();
        }
        return "(no error)";
    }

    limit::InProcessStore store_;
};

Exchange make_exchange(std::string_view address = "203.0.113.5") {
    Exchange exchange;
    exchange.request = pipeline::Request{http::verb::get, "/v1/items", 11};
    exchange.request_id = "req-7";
    exchange.client_address = boost::asio::ip::make_address(address);
    return exchange;
}

pipeline::Identity identity(
    std::string subject, std::vector<std::string> roles = {},
    pipeline::CredentialKind credential = pipeline::CredentialKind::access_token) {
    pipeline::Identity who;
    who.credential = credential;
    who.subject = std::move(subject);
    who.issuer_name = "rampart";
    who.roles = std::move(roles);
    return who;
}

std::string header(const Exchange& exchange, std::string_view name) {
    auto found = exchange.response.find(name);
    return found == exchange.response.end() ? std::string("<absent>") : std::string(found->value());
}

// Runs one request through the stages as the chain does; returns whether it was admitted and
// leaves the final response (200 or the 429) with its headers in `exchange`.
bool run(const Built& stages, Exchange& exchange) {
    bool admitted = true;
    for (const auto& stage : {stages.before, stages.after}) {
        if (stage && admitted && stage->on_request_head(exchange) == Verdict::respond) {
            admitted = false;
        }
    }
    if (admitted) {
        exchange.response = pipeline::Response{http::status::ok, 11};
    }
    for (const auto& stage : {stages.after, stages.before}) {
        if (stage) {
            stage->on_response(exchange);
        }
    }
    return admitted;
}

int admitted_of(const Built& stages, int count, const std::optional<pipeline::Identity>& who = {},
                std::string_view address = "203.0.113.5") {
    int admitted = 0;
    for (int index = 0; index < count; ++index) {
        auto exchange = make_exchange(address);
        exchange.identity = who;
        admitted += run(stages, exchange) ? 1 : 0;
    }
    return admitted;
}

TEST_F(RateLimitStage, ConfigErrorsNameFileLineColumnAndKey) {
    EXPECT_EQ(error_of("rate_limit:\n  limits: []\n"),
              "limits.yaml:2:11: rate_limit.limits: must list at least one limit, e.g. "
              "[{name: per_ip, key: [client_ip], rate: 10, period: 1s}]");
    EXPECT_EQ(error_of("rate_limit:\n  limits:\n    - {name: a, key: [client_ip, cookie], "
                       "rate: 1}\n"),
              "limits.yaml:3:34: rate_limit.limits[0].key[1]: must be one of client_ip, route, "
              "subject, consumer, api_key, client_id or header:<Name> (got \"cookie\")");
    EXPECT_EQ(error_of("rate_limit:\n  limits:\n    - {name: a, key: [client_ip]}\n"),
              "limits.yaml:3:7: rate_limit.limits[0].rate: is required");
    EXPECT_NE(error_of("rate_limit:\n  limits:\n    - {name: Bad Name, key: [client_ip], "
                       "rate: 1}\n")
                  .find("limits.yaml:3:14: rate_limit.limits[0].name: must be 1 to 64"),
              std::string::npos);
    EXPECT_EQ(error_of("rate_limit:\n  limits:\n    - {name: a, key: [client_ip], rate: 1}\n"
                       "    - {name: a, key: [subject], rate: 2}\n"),
              "limits.yaml:4:14: rate_limit.limits[1].name: \"a\" is already the name of "
              "another limit here");
    EXPECT_EQ(error_of("rate_limit:\n  limits:\n    - {name: a, key: [client_ip], rate: 2, "
                       "period: 1ms, burst: 1}\n    - {name: b, key: [client_ip], rate: "
                       "2000000000}\n"),
              "limits.yaml:4:41: rate_limit.limits[1].rate: must be between 1 and 1000000000 (got "
              "2000000000)");
    EXPECT_EQ(error_of("rate_limit:\n  limits:\n    - {name: a, key: [client_ip], rate: 1, "
                       "period: 1d, burst: 400}\n"),
              "limits.yaml:3:41: rate_limit.limits[0].rate: cannot be represented: the period "
              "divided by the rate must be at least 1ns, and burst * period / rate at most a "
              "year");
    EXPECT_EQ(error_of("rate_limit:\n  headers: always\n  limits:\n    - {name: a, key: "
                       "[client_ip], rate: 1}\n"),
              "limits.yaml:2:12: rate_limit.headers: must be one of: on_limit, on_all_responses "
              "(got \"always\")");
    EXPECT_EQ(error_of("rate_limit:\n  limits:\n    - {name: a, key: [client_ip], rate: 1, "
                       "by_role: {gold: {rate: 5, brust: 9}}}\n"),
              "limits.yaml:3:70: rate_limit.limits[0].by_role.gold.brust: unknown key");
}

TEST_F(RateLimitStage, ProcessSettingsAreReadAtTheTopLevelOnly) {
    auto process_of = [](const std::string& text) {
        auto settings = config::load_settings_text(text, "t.yaml");
        return limit::read_process_rate_limits(*settings.global_stage_section);
    };
    auto configured = process_of(test::minimal_configuration +
                                 "rate_limit:\n  max_keys: 5000\n"
                                 "  connections_per_ip: {rate: 5, burst: 7}\n");
    EXPECT_EQ(configured.max_keys, 5000u);
    ASSERT_TRUE(configured.connections_per_ip);
    EXPECT_EQ(configured.connections_per_ip->burst, 7);
    EXPECT_EQ(configured.connections_per_ip->emission_interval, 200'000'000);
    auto defaults = process_of(test::minimal_configuration);
    EXPECT_EQ(defaults.max_keys, 100'000u);
    ASSERT_TRUE(defaults.connections_per_ip);
    EXPECT_EQ(defaults.connections_per_ip->burst, 1000);
    EXPECT_FALSE(
        process_of(test::minimal_configuration + "rate_limit:\n  connections_per_ip: {rate: 0}\n")
            .connections_per_ip);
    EXPECT_EQ(test::config_error_of(test::minimal_configuration + "rate_limit:\n  max_keys: 0\n"),
              "test.yaml:13:13: rate_limit.max_keys: must be between 1 and 100000000 (got 0)");
    EXPECT_EQ(test::config_error_of(test::minimal_configuration +
                                    "rate_limit:\n  connections_per_ip: {rate: 5, brust: 7}\n"),
              "test.yaml:13:33: rate_limit.connections_per_ip.brust: unknown key");
    auto on_route = R"(listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://127.0.0.1:9000]
routes:
  - path: /items
    methods: [GET]
    upstream: app
    auth: none
    rate_limit:
      max_keys: 10
      limits: [{name: a, key: [client_ip], rate: 1}]
)";
    auto settings = config::load_settings_text(on_route, "route.yaml");
    auto section = settings.routes[0].stage_sections[0].section("rate_limit");
    pipeline::StageServices services;
    pipeline::StageBuildContext context{settings, &settings.routes[0], section, services};
    try {
        pipeline::rate_limit_before_authentication_stage_factory().build(context);
        ADD_FAILURE() << "max_keys on a route was accepted";
    } catch (const config::ConfigError& error) {
        EXPECT_EQ(std::string(error.what()),
                  "route.yaml:13:17: routes[0].rate_limit.max_keys: is a setting of the "
                  "top-level rate_limit only (it holds for the whole process)");
    }
}

TEST_F(RateLimitStage, LimitsByAddressRunBeforeAuthenticationAndByIdentityAfter) {
    auto both = build(R"(rate_limit:
  limits:
    - {name: per_ip, key: [client_ip], rate: 10}
    - {name: per_subject, key: [subject], rate: 10}
)");
    ASSERT_TRUE(both.before);
    ASSERT_TRUE(both.after);
    auto address_only = build(
        "rate_limit:\n  limits:\n    - {name: a, key: [client_ip, "
        "header:X-Tenant], rate: 1}\n");
    EXPECT_TRUE(address_only.before);
    EXPECT_FALSE(address_only.after);
    auto by_role = build(
        "rate_limit:\n  limits:\n    - {name: a, key: [client_ip], rate: 1, "
        "by_role: {gold: {rate: 2}}}\n");
    EXPECT_FALSE(by_role.before);  // the role is known after authentication only
    EXPECT_TRUE(by_role.after);
    EXPECT_FALSE(build("").before);
}

TEST_F(RateLimitStage, RefusesWith429RetryAfterAndTheDraftHeaders) {
    auto stages = build(R"(rate_limit:
  headers: on_all_responses
  limits:
    - {name: default, key: [client_ip], rate: 100, period: 60s}
)");
    for (int expected = 99; expected >= 0; --expected) {
        auto exchange = make_exchange();
        ASSERT_TRUE(run(stages, exchange));
        EXPECT_EQ(header(exchange, "RateLimit-Policy"), "\"default\";q=100;w=60");
        auto remaining = std::string("\"default\";r=") + std::to_string(expected) + ";t=";
        EXPECT_TRUE(header(exchange, "RateLimit").starts_with(remaining))
            << header(exchange, "RateLimit");
        EXPECT_EQ(header(exchange, "Retry-After"), "<absent>");
    }
    auto exchange = make_exchange();
    EXPECT_FALSE(run(stages, exchange));
    EXPECT_EQ(exchange.response.result(), http::status::too_many_requests);
    EXPECT_EQ(header(exchange, "Content-Type"), "application/problem+json");
    EXPECT_EQ(header(exchange, "RateLimit"), "\"default\";r=0;t=1");
    EXPECT_EQ(header(exchange, "Retry-After"), "1");
    EXPECT_NE(exchange.response.body().find("\"request_id\":\"req-7\""), std::string::npos);
    // Another address has its own budget.
    EXPECT_EQ(admitted_of(stages, 5, {}, "203.0.113.6"), 5);
}

TEST_F(RateLimitStage, HeadersOnlyOnRefusalsByDefault) {
    auto stages = build("rate_limit:\n  limits:\n    - {name: a, key: [client_ip], rate: 1}\n");
    auto admitted = make_exchange();
    ASSERT_TRUE(run(stages, admitted));
    EXPECT_EQ(header(admitted, "RateLimit"), "<absent>");
    auto refused = make_exchange();
    ASSERT_FALSE(run(stages, refused));
    EXPECT_EQ(header(refused, "RateLimit"), "\"a\";r=0;t=1");
    EXPECT_EQ(header(refused, "RateLimit-Policy"), "\"a\";q=1;w=1");
}

TEST_F(RateLimitStage, SeveralLimitsNameTheLowestRemainingAndTheExhaustedOne) {
    auto stages = build(R"(rate_limit:
  headers: on_all_responses
  limits:
    - {name: per_second, key: [client_ip], rate: 10, period: 1s}
    - {name: per_minute, key: [client_ip], rate: 3, period: 1m}
)");
    auto first = make_exchange();
    ASSERT_TRUE(run(stages, first));
    EXPECT_EQ(header(first, "RateLimit-Policy"),
              "\"per_second\";q=10;w=1, \"per_minute\";q=3;w=60");
    EXPECT_TRUE(header(first, "RateLimit").starts_with("\"per_minute\";r=2;"));
    ASSERT_EQ(admitted_of(stages, 5), 2);
    auto refused = make_exchange();
    ASSERT_FALSE(run(stages, refused));
    EXPECT_EQ(header(refused, "RateLimit"), "\"per_minute\";r=0;t=20");
    EXPECT_EQ(header(refused, "Retry-After"), "20");
}

TEST_F(RateLimitStage, KeysBySubjectAndApiKeyApplyOnlyToCallersThatHaveThem) {
    auto stages = build(R"(rate_limit:
  limits:
    - {name: per_subject, key: [subject], rate: 2, period: 1m}
    - {name: per_key, key: [api_key], rate: 1, period: 1m}
)");
    EXPECT_EQ(admitted_of(stages, 5, identity("alice")), 2);
    EXPECT_EQ(admitted_of(stages, 5, identity("bob")), 2);
    // An API key is limited by the stricter key limit, and by its subject.
    EXPECT_EQ(admitted_of(stages, 5, identity("key-1", {}, pipeline::CredentialKind::api_key)), 1);
    // Anonymous requests carry neither key part: these limits do not apply.
    EXPECT_EQ(admitted_of(stages, 5), 5);
}

TEST_F(RateLimitStage, TheFirstHeldRoleChoosesThePolicy) {
    auto stages = build(R"(rate_limit:
  headers: on_all_responses
  limits:
    - name: hourly
      key: [subject]
      rate: 2
      period: 1h
      by_role: {premium: {rate: 5}, partner: {rate: 3}}
)");
    EXPECT_EQ(admitted_of(stages, 10, identity("basic-user", {"customer"})), 2);
    EXPECT_EQ(admitted_of(stages, 10, identity("premium-user", {"partner", "premium"})), 5);
    EXPECT_EQ(admitted_of(stages, 10, identity("partner-user", {"partner"})), 3);
    auto exchange = make_exchange();
    exchange.identity = identity("another-premium", {"premium"});
    ASSERT_TRUE(run(stages, exchange));
    EXPECT_EQ(header(exchange, "RateLimit-Policy"), "\"hourly\";q=5;w=3600");
}

TEST_F(RateLimitStage, AHeaderKeyCountsPerValueAndAbsentIsOneValue) {
    auto stages = build(
        "rate_limit:\n  limits:\n    - {name: tenant, key: [header:X-Tenant], "
        "rate: 1, period: 1m}\n");
    auto with_tenant = [&](std::string_view tenant) {
        auto exchange = make_exchange();
        if (!tenant.empty()) {
            exchange.request.set("X-Tenant", tenant);
        }
        return run(stages, exchange);
    };
    EXPECT_TRUE(with_tenant("a"));
    EXPECT_FALSE(with_tenant("a"));
    EXPECT_TRUE(with_tenant("b"));
    EXPECT_TRUE(with_tenant(""));
    EXPECT_FALSE(with_tenant(""));
}

TEST_F(RateLimitStage, IPv6ClientsAreCountedPerSlash64) {
    auto stages = build(
        "rate_limit:\n  limits:\n    - {name: a, key: [client_ip], rate: 2, "
        "period: 1m}\n");
    EXPECT_EQ(admitted_of(stages, 1, {}, "2001:db8:1:2::1"), 1);
    EXPECT_EQ(admitted_of(stages, 1, {}, "2001:db8:1:2:ffff::9"), 1);
    EXPECT_EQ(admitted_of(stages, 1, {}, "2001:db8:1:2::77"), 0);
    EXPECT_EQ(admitted_of(stages, 1, {}, "2001:db8:1:3::1"), 1);
}

TEST_F(RateLimitStage, ALimitDeclaredOnceIsSharedAcrossRebuilds) {
    const std::string yaml =
        "rate_limit:\n  limits:\n    - {name: a, key: [client_ip], rate: 3, period: 1m}\n";
    EXPECT_EQ(admitted_of(build(yaml), 2), 2);
    // A reload compiles the stage again over the same store: the count goes on.
    EXPECT_EQ(admitted_of(build(yaml), 5), 1);
}

}  // namespace
