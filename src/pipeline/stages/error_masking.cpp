#include "pipeline/stages/error_masking.hpp"

#include <optional>
#include <string>

#include "pipeline/problem.hpp"

namespace rampart::pipeline {

namespace {

constexpr std::string_view stage_key = "error_masking";
// ERR-03: upstream 4xx bodies are masked too unless a route opts out with
// `client_errors: false`.
constexpr bool mask_client_errors_by_default = true;

// The one upstream header each masked status keeps, because the status means
// little without it (RFC 9110 §15.5.2, §15.5.6, §15.6.4; RFC 6585 §4).
std::optional<http::field> header_kept_with(http::status status) {
    switch (status) {
        case http::status::unauthorized:
            return http::field::www_authenticate;
        case http::status::method_not_allowed:
            return http::field::allow;
        case http::status::too_many_requests:
        case http::status::service_unavailable:
            return http::field::retry_after;
        default:
            return std::nullopt;
    }
}

// Statuses Beast has no reason phrase for (520, 499, ...) become the generic
// status of their class, so the problem's title is never "<unknown-status>".
http::status masked_status(unsigned upstream_status) {
    auto status = http::int_to_status(upstream_status);
    if (status != http::status::unknown) {
        return status;
    }
    return upstream_status >= 500 ? http::status::bad_gateway : http::status::bad_request;
}

class ErrorMaskingStage final : public Stage {
  public:
    ErrorMaskingStage(bool mask_server_errors, bool mask_client_errors)
        : mask_server_errors_(mask_server_errors), mask_client_errors_(mask_client_errors) {}

    std::string_view name() const override { return stage_key; }

    void on_response(Exchange& exchange) const override {
        if (!exchange.response_from_upstream || !masks(exchange.response.result_int())) {
            return;
        }
        auto status = masked_status(exchange.response.result_int());
        std::optional<std::string> kept_value;
        auto kept_header = header_kept_with(status);
        if (kept_header) {
            if (auto found = exchange.response.find(*kept_header);
                found != exchange.response.end()) {
                kept_value = std::string(found->value());
            }
        }
        // A masked 404 reads like Rampart's own: whether a route, an object or an owner was
        // missing is not the client's to learn.
        set_problem(exchange, status,
                    status == http::status::not_found ? not_found_detail : std::string_view{});
        if (kept_value) {
            exchange.response.set(*kept_header, *kept_value);
        }
    }

  private:
    bool masks(unsigned status) const {
        if (status >= 500 && status <= 599) {
            return mask_server_errors_;
        }
        return status >= 400 && status <= 499 && mask_client_errors_;
    }

    bool mask_server_errors_;
    bool mask_client_errors_;
};

}  // namespace

StageFactory error_masking_stage_factory() {
    return {stage_key, 1000, [](const StageBuildContext& context) -> std::shared_ptr<const Stage> {
                bool mask_server_errors = true;
                bool mask_client_errors = mask_client_errors_by_default;
                if (context.section) {
                    mask_server_errors = context.section->boolean("server_errors", true);
                    mask_client_errors =
                        context.section->boolean("client_errors", mask_client_errors_by_default);
                    context.section->finish();
                }
                if (!mask_server_errors && !mask_client_errors) {
                    return nullptr;
                }
                return std::make_shared<ErrorMaskingStage>(mask_server_errors, mask_client_errors);
            }};
}

}  // namespace rampart::pipeline
