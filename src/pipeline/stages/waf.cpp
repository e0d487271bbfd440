#include "pipeline/stages/waf.hpp"

#include <algorithm>
#include <string>

#include "observe/security_events.hpp"
#include "pipeline/problem.hpp"
#include "pipeline/request_body.hpp"
#include "validate/waf_engine.hpp"

namespace rampart::pipeline {

namespace {

constexpr std::string_view stage_key = "waf";
constexpr std::string_view refused_detail = "The request was refused by the injection filter.";
constexpr std::string_view unreadable_detail =
    "The request body could not be read as its declared content type.";

class WafStage final : public Stage {
  public:
    WafStage(std::shared_ptr<const validate::WafEngine> engine, std::string route_name)
        : engine_(std::move(engine)), route_name_(std::move(route_name)) {}

    std::string_view name() const override { return stage_key; }

    // A request without a body is inspected at once; one with a body after it has arrived,
    // with everything in one transaction.
    Verdict on_request_head(Exchange& exchange) const override {
        return announces_body(exchange.request) ? Verdict::proceed : inspect(exchange);
    }

    Verdict on_request_body(Exchange& exchange) const override { return inspect(exchange); }

  private:
    Verdict inspect(Exchange& exchange) const {
        auto client = exchange.client_address.to_string();
        auto verdict =
            engine_->inspect({exchange.request.method_string(), exchange.upstream_target, client,
                              &exchange.request.base(), exchange.request.body()});
        switch (verdict.outcome) {
            case validate::WafOutcome::clean:
                return Verdict::proceed;
            case validate::WafOutcome::matched:
                report(exchange, verdict.would_refuse ? "waf_would_refuse" : "waf_matched",
                       verdict.rule_ids);
                return Verdict::proceed;
            case validate::WafOutcome::unreadable:
                set_problem(exchange, http::status::bad_request, unreadable_detail);
                report(exchange, "waf_refused", verdict.rule_ids);
                return Verdict::respond;
            case validate::WafOutcome::refused:
                set_problem(exchange, http::status::forbidden, refused_detail);
                report(exchange, "waf_refused", verdict.rule_ids);
                return Verdict::respond;
        }
        return Verdict::proceed;
    }

    // The rule ids only: never the matched data, which may be the very payload or a secret.
    void report(Exchange& exchange, std::string_view event, std::string_view rule_ids) const {
        if (exchange.security_events != nullptr) {
            exchange.security_events->emit(
                event, &exchange,
                {{"route", route_name_},
                 {"rules", rule_ids},
                 {"mode",
                  engine_->settings().mode == validate::WafMode::block ? "block" : "detect"}});
        }
    }

    std::shared_ptr<const validate::WafEngine> engine_;
    std::string route_name_;
};

std::vector<std::uint32_t> read_exclusions(const config::Section& section) {
    std::vector<std::uint32_t> exclusions;
    section.claim("exclusions");
    if (!section.has("exclusions")) {
        return exclusions;
    }
    const auto& list = section.node()["exclusions"];
    auto path = section.child_path("exclusions");
    if (!list.IsSequence()) {
        section.fail_at(list, path, "must be a list of rule ids such as [942100, 920350]");
    }
    for (std::size_t index = 0; index < list.size(); ++index) {
        auto item_path = path + "[" + std::to_string(index) + "]";
        auto text = section.scalar_text(list[index], item_path);
        std::uint32_t id = 0;
        bool digits =
            !text.empty() && text.size() <= 9 &&
            std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
        if (digits) {
            id = static_cast<std::uint32_t>(std::stoul(text));
        }
        if (!digits || id == 0) {
            section.fail_at(list[index], item_path,
                            "must be a ModSecurity rule id, a whole number from 1 to 999999999 "
                            "(got \"" +
                                text + "\")");
        }
        exclusions.push_back(id);
    }
    std::sort(exclusions.begin(), exclusions.end());
    exclusions.erase(std::unique(exclusions.begin(), exclusions.end()), exclusions.end());
    return exclusions;
}

std::optional<validate::WafSettings> read_settings(const config::Section& section) {
    bool enabled = section.boolean("enabled", true);
    validate::WafSettings settings;
    settings.mode = section.choice<validate::WafMode>(
        "mode", {{"block", validate::WafMode::block}, {"detect", validate::WafMode::detect}},
        validate::WafMode::block);
    settings.paranoia = static_cast<int>(section.integer("paranoia", 1, 1, 4));
    settings.anomaly_threshold = static_cast<int>(section.integer("anomaly_threshold", 5, 1, 1000));
    settings.exclusions = read_exclusions(section);
    section.finish();
    if (!enabled) {
        return std::nullopt;
    }
    return settings;
}

std::string route_name_of(const StageBuildContext& context) {
    return context.route != nullptr ? context.route->name : std::string();
}

}  // namespace

StageFactory waf_stage_factory() {
    return {stage_key, 60, [](const StageBuildContext& context) -> std::shared_ptr<const Stage> {
                if (!context.section) {
                    return nullptr;
                }
                auto settings = read_settings(*context.section);
                if (!settings) {
                    return nullptr;
                }
                try {
                    return std::make_shared<WafStage>(validate::WafEngine::shared_for(*settings),
                                                      route_name_of(context));
                } catch (const std::runtime_error& error) {
                    context.section->fail(error.what());
                }
            }};
}

}  // namespace rampart::pipeline
