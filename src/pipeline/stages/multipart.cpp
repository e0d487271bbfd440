#include "pipeline/stages/multipart.hpp"

#include <string>
#include <vector>

#include "pipeline/problem.hpp"
#include "pipeline/stages/stage_events.hpp"
#include "util/ascii.hpp"
#include "validate/multipart_reader.hpp"

namespace rampart::pipeline {

namespace {

constexpr std::string_view stage_key = "multipart";
constexpr std::string_view refusal_event = "multipart_refused";

// A media type a part may have: "image/png", or "image/*" for every image type.
struct AllowedType {
    std::string type;
    std::string subtype;  // "*" for any

    bool covers(std::string_view media_type) const {
        auto slash = media_type.find('/');
        if (slash == std::string_view::npos || media_type.substr(0, slash) != type) {
            return false;
        }
        return subtype == "*" || media_type.substr(slash + 1) == subtype;
    }
};

struct MultipartLimits {
    std::size_t max_parts = 16;
    std::uint64_t max_part_bytes = 1024 * 1024;
    std::uint64_t max_total_bytes = 0;  // 0: the route's body limit alone
    std::vector<AllowedType> allowed_types;
};

class MultipartStage final : public Stage {
  public:
    explicit MultipartStage(MultipartLimits limits) : limits_(std::move(limits)) {}

    std::string_view name() const override { return stage_key; }

    Verdict on_request_body(Exchange& exchange) const override {
        auto content_type = exchange.request[http::field::content_type];
        if (!util::starts_with_ignoring_case(content_type, "multipart/")) {
            return Verdict::proceed;  // not an upload: the validation stage judges its type
        }
        const auto& body = exchange.request.body();
        if (limits_.max_total_bytes != 0 && body.size() > limits_.max_total_bytes) {
            return refuse(exchange, http::status::payload_too_large,
                          "The upload is larger than this resource accepts.", "max_total_bytes");
        }
        auto upload = validate::read_multipart(content_type, body, limits_.max_parts);
        switch (upload.problem) {
            case validate::MultipartProblem::none:
                return check_parts(exchange, upload.parts);
            case validate::MultipartProblem::not_multipart:
                return refuse(exchange, http::status::unsupported_media_type,
                              "Uploads must be multipart/form-data.", "not_form_data");
            case validate::MultipartProblem::too_many_parts:
                return refuse(exchange, http::status::bad_request,
                              "The upload has more parts than this resource accepts.", "max_parts");
            case validate::MultipartProblem::nested:
                return refuse(exchange, http::status::bad_request,
                              "Nested multipart parts are not accepted.", "nested");
            case validate::MultipartProblem::missing_boundary:
            case validate::MultipartProblem::malformed:
                break;
        }
        return refuse(exchange, http::status::bad_request,
                      "The upload is not a well-formed multipart/form-data body.", "malformed");
    }

  private:
    Verdict check_parts(Exchange& exchange,
                        const std::vector<validate::MultipartPart>& parts) const {
        for (const auto& part : parts) {
            if (part.bytes > limits_.max_part_bytes) {
                return refuse(exchange, http::status::payload_too_large,
                              "A part of the upload is larger than this resource accepts.",
                              "max_part_bytes");
            }
            if (!type_allowed(part.media_type)) {
                return refuse(exchange, http::status::unsupported_media_type,
                              "A part of the upload has a media type this resource does not "
                              "accept.",
                              "part_type");
            }
        }
        return Verdict::proceed;
    }

    bool type_allowed(std::string_view media_type) const {
        for (const auto& allowed : limits_.allowed_types) {
            if (allowed.covers(media_type)) {
                return true;
            }
        }
        return false;
    }

    // The detail names the limit, never the client's values or names.
    static Verdict refuse(Exchange& exchange, http::status status, std::string_view detail,
                          std::string_view reason) {
        set_problem(exchange, status, detail);
        report_security_event(exchange, refusal_event, reason);
        return Verdict::respond;
    }

    MultipartLimits limits_;
};

bool is_token(std::string_view text) {
    return !text.empty() && util::is_token(text);
}

std::vector<AllowedType> read_allowed_types(const config::Section& section) {
    section.claim("allowed_types");
    if (!section.has("allowed_types")) {
        return {{"text", "plain"}};  // form fields only: file uploads name their types
    }
    std::vector<AllowedType> allowed;
    auto texts = section.strings("allowed_types");
    for (std::size_t index = 0; index < texts.size(); ++index) {
        std::string text;
        for (char character : texts[index]) {
            text += util::ascii_lower(character);
        }
        auto slash = text.find('/');
        bool valid = slash != std::string::npos && is_token(text.substr(0, slash)) &&
                     text.substr(0, slash) != "*" &&
                     (text.substr(slash + 1) == "*" || is_token(text.substr(slash + 1)));
        if (!valid) {
            section.fail_at(section.node()["allowed_types"][index],
                            section.child_path("allowed_types") + "[" + std::to_string(index) + "]",
                            "must be a media type such as image/png, or image/* for every image "
                            "type (got \"" +
                                texts[index] + "\")");
        }
        allowed.push_back({text.substr(0, slash), text.substr(slash + 1)});
    }
    if (allowed.empty()) {
        section.fail("allowed_types", "must list at least one media type");
    }
    return allowed;
}

MultipartLimits read_limits(const config::Section& section) {
    MultipartLimits limits;
    limits.max_parts = static_cast<std::size_t>(section.integer("max_parts", 16, 1, 10'000));
    limits.max_part_bytes = section.size("max_part_bytes", 1024 * 1024, 1, 1ULL << 40);
    limits.max_total_bytes = section.size("max_total_bytes", 0, 0, 1ULL << 40);
    limits.allowed_types = read_allowed_types(section);
    section.finish();
    return limits;
}

}  // namespace

StageFactory multipart_stage_factory() {
    return {stage_key, 55, [](const StageBuildContext& context) -> std::shared_ptr<const Stage> {
                if (!context.section) {
                    return nullptr;
                }
                return std::make_shared<MultipartStage>(read_limits(*context.section));
            }};
}

}  // namespace rampart::pipeline
