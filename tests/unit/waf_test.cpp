// The injection filter's engine (validate/waf_engine) and the `waf` stage's settings: engines
// are shared per distinct setting, requests are judged by the Core Rule Set with Rampart's own
// rules, and configuration mistakes name the file, line and key.
#include <gtest/gtest.h>

#include <boost/beast/http/fields.hpp>

#include <string>

#include "config/yaml_reader.hpp"
#include "pipeline/stage_registry.hpp"
#include "pipeline/stages/stage_factories.hpp"
#include "validate/waf_engine.hpp"

namespace {

using namespace rampart;
using validate::WafEngine;
using validate::WafMode;
using validate::WafOutcome;
using validate::WafSettings;

validate::WafVerdict inspect(const WafEngine& engine, std::string_view target,
                             std::string_view body = {}, std::string_view content_type = {}) {
    boost::beast::http::fields headers;
    headers.set("Host", "api.example.com");
    if (!content_type.empty()) {
        headers.set("Content-Type", content_type);
        headers.set("Content-Length", std::to_string(body.size()));
    }
    return engine.inspect({body.empty() ? "GET" : "POST", target, "127.0.0.1", &headers, body});
}

TEST(WafEngine, OneEnginePerDistinctSetting) {
    WafSettings blocking;
    auto first = WafEngine::shared_for(blocking);
    auto second = WafEngine::shared_for(blocking);
    EXPECT_EQ(first.get(), second.get());
    WafSettings stricter = blocking;
    stricter.paranoia = 2;
    EXPECT_NE(WafEngine::shared_for(stricter).get(), first.get());
}

TEST(WafEngine, JudgesRequestsByRuleIdsAndNeverByPayload) {
    auto engine = WafEngine::shared_for({});
    EXPECT_EQ(inspect(*engine, "/orders?limit=20&sort=-created_at").outcome, WafOutcome::clean);
    auto refused = inspect(*engine, "/orders?q=1%20UNION%20SELECT%20password%20FROM%20users");
    EXPECT_EQ(refused.outcome, WafOutcome::refused);
    EXPECT_NE(refused.rule_ids.find("949110"), std::string::npos) << refused.rule_ids;
    EXPECT_EQ(refused.rule_ids.find("UNION"), std::string::npos);
    auto nosql = inspect(*engine, "/login", R"({"user":{"$gt":""}})", "application/json");
    EXPECT_EQ(nosql.outcome, WafOutcome::refused);
    EXPECT_NE(nosql.rule_ids.find("10010"), std::string::npos) << nosql.rule_ids;
    auto broken = inspect(*engine, "/orders", R"({"a":)", "application/json");
    EXPECT_EQ(broken.outcome, WafOutcome::unreadable);
}

TEST(WafEngine, DetectModeReportsWhatBlockModeWouldRefuse) {
    WafSettings detecting;
    detecting.mode = WafMode::detect;
    auto engine = WafEngine::shared_for(detecting);
    auto verdict = inspect(*engine, "/orders?q=1%20UNION%20SELECT%20password%20FROM%20users");
    EXPECT_EQ(verdict.outcome, WafOutcome::matched);
    EXPECT_TRUE(verdict.would_refuse);
}

TEST(WafEngine, ExclusionsRemoveRules) {
    WafSettings excluding;
    excluding.exclusions = {942100};
    auto engine = WafEngine::shared_for(excluding);
    EXPECT_EQ(inspect(*engine, "/orders?q=%27%20OR%20%271%27%3D%271").outcome, WafOutcome::clean);
}

std::string config_error(const std::string& yaml) {
    static const config::Settings settings;
    static const pipeline::StageServices services;
    try {
        auto root = config::load_yaml_text(yaml, "waf.yaml");
        std::optional<config::Section> section;
        if (root.has("waf")) {
            section = root.section("waf");
        }
        pipeline::waf_stage_factory().build({settings, nullptr, section, services});
    } catch (const config::ConfigError& error) {
        return error.what();
    }
    return "";
}

TEST(WafSettings, MistakesNameTheFileLineAndKey) {
    EXPECT_EQ(config_error("waf: {mode: block, paranoia: 2, exclusions: [920350, 942100]}\n"), "");
    EXPECT_NE(config_error("waf: {paranoia: 5}\n").find("waf.yaml:1:"), std::string::npos);
    EXPECT_NE(config_error("waf: {paranoia: 5}\n").find("waf.paranoia"), std::string::npos);
    EXPECT_NE(config_error("waf: {mode: log}\n").find("waf.mode: must be one of: block, detect"),
              std::string::npos);
    auto bad_id = config_error("waf:\n  exclusions: [942100, drop-sqli]\n");
    EXPECT_NE(bad_id.find("waf.yaml:2:"), std::string::npos) << bad_id;
    EXPECT_NE(bad_id.find("waf.exclusions[1]: must be a ModSecurity rule id"), std::string::npos)
        << bad_id;
    EXPECT_NE(config_error("waf: {paranoia_level: 2}\n").find("waf.paranoia_level: unknown key"),
              std::string::npos);
}

TEST(WafSettings, DisabledFilterBuildsNoStage) {
    static const config::Settings settings;
    static const pipeline::StageServices services;
    auto root = config::load_yaml_text("waf: {enabled: false}\n", "waf.yaml");
    auto stage =
        pipeline::waf_stage_factory().build({settings, nullptr, root.section("waf"), services});
    EXPECT_EQ(stage, nullptr);
}

}  // namespace
