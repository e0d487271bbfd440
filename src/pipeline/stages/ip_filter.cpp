#include "pipeline/stages/ip_filter.hpp"

#include <string>
#include <vector>

#include "net/cidr.hpp"
#include "pipeline/problem.hpp"
#include "pipeline/stages/stage_events.hpp"

namespace rampart::pipeline {

namespace {

constexpr std::string_view stage_key = "ip_filter";
constexpr std::string_view refusal_event = "ip_refused";

class IpFilterStage final : public Stage {
  public:
    IpFilterStage(std::vector<net::Cidr> allowed, std::vector<net::Cidr> denied)
        : allowed_(std::move(allowed)), denied_(std::move(denied)) {}

    std::string_view name() const override { return stage_key; }

    Verdict on_request_head(Exchange& exchange) const override {
        if (net::any_contains(denied_, exchange.client_address)) {
            return refuse(exchange, "deny_list");
        }
        if (!allowed_.empty() && !net::any_contains(allowed_, exchange.client_address)) {
            return refuse(exchange, "not_in_allow_list");
        }
        return Verdict::proceed;
    }

  private:
    // The client learns only that it is refused, not which list refused it.
    static Verdict refuse(Exchange& exchange, std::string_view reason) {
        set_problem(exchange, http::status::forbidden,
                    "Requests from this network address are not allowed.");
        report_security_event(exchange, refusal_event, reason);
        return Verdict::respond;
    }

    std::vector<net::Cidr> allowed_;
    std::vector<net::Cidr> denied_;
};

std::vector<net::Cidr> read_networks(const config::Section& stage, std::string_view key) {
    std::vector<net::Cidr> networks;
    auto texts = stage.strings(key);
    for (std::size_t index = 0; index < texts.size(); ++index) {
        auto network = net::Cidr::parse(texts[index]);
        if (!network) {
            stage.fail_at(stage.node()[std::string(key)][index],
                          stage.child_path(key) + "[" + std::to_string(index) + "]",
                          "must be an IPv4 or IPv6 address or network such as 10.0.0.0/8 or "
                          "2001:db8::/32 (got \"" +
                              texts[index] + "\")");
        }
        networks.push_back(*network);
    }
    return networks;
}

}  // namespace

StageFactory ip_filter_stage_factory() {
    return {stage_key, 10, [](const StageBuildContext& context) -> std::shared_ptr<const Stage> {
                if (!context.section) {
                    return nullptr;
                }
                auto allowed = read_networks(*context.section, "allow");
                auto denied = read_networks(*context.section, "deny");
                context.section->finish();
                if (allowed.empty() && denied.empty()) {
                    return nullptr;
                }
                return std::make_shared<IpFilterStage>(std::move(allowed), std::move(denied));
            }};
}

}  // namespace rampart::pipeline
