#include "pipeline/stages/validation.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <string>
#include <vector>

#include "observe/metrics.hpp"
#include "observe/security_events.hpp"
#include "pipeline/problem.hpp"
#include "pipeline/request_body.hpp"
#include "pipeline/route.hpp"
#include "pipeline/stages/stage_events.hpp"
#include "util/ascii.hpp"
#include "validate/validation_policy.hpp"

namespace rampart::pipeline {

namespace {

namespace json = boost::json;
using validate::DuplicatePolicy;
using validate::ParameterRule;
using validate::ParameterRules;
using validate::SchemaViolation;

constexpr std::string_view stage_key = "validation";
constexpr std::string_view event = "request_invalid";
constexpr std::string_view response_event = "response_contract_violation";
constexpr std::size_t max_reported_errors = 16;
// A pointer names keys the client chose; a long one is cut, not echoed whole.
constexpr std::size_t max_pointer_bytes = 256;

// One failed check, for the `errors` list of the problem body.
struct ValidationError {
    std::string_view in;  // body, query, path, header
    std::string pointer;  // empty when the check concerns the whole part
    std::string_view keyword;
};

std::string cut_pointer(std::string pointer) {
    if (pointer.size() <= max_pointer_bytes) {
        return pointer;
    }
    std::size_t end = max_pointer_bytes;
    // Back to the start of a UTF-8 sequence: the body stays valid UTF-8.
    while (end > 0 && (static_cast<unsigned char>(pointer[end]) & 0xC0) == 0x80) {
        --end;
    }
    pointer.resize(end);
    return pointer;
}

std::string pointer_token(std::string_view name) {
    std::string token = "/";
    for (char c : name) {
        token += c == '~' ? std::string("~0") : c == '/' ? std::string("~1") : std::string(1, c);
    }
    return token;
}

json::object error_member(const ValidationError& error) {
    json::object member;
    member["in"] = error.in;
    if (!error.pointer.empty()) {
        member["pointer"] = cut_pointer(error.pointer);
    }
    member["keyword"] = error.keyword;
    return member;
}

Verdict refuse(Exchange& exchange, http::status status, std::string_view detail,
               const std::vector<ValidationError>& errors, std::string_view reason) {
    json::array list;
    for (const auto& error : errors) {
        if (list.size() == max_reported_errors) {
            break;
        }
        list.push_back(error_member(error));
    }
    json::object extension;
    if (!list.empty()) {
        extension["errors"] = std::move(list);
    }
    set_problem(exchange, status, detail, std::move(extension));
    report_security_event(exchange, event, reason);
    return Verdict::respond;
}

Verdict refuse(Exchange& exchange, http::status status, std::string_view detail,
               const ValidationError& error, std::string_view reason) {
    return refuse(exchange, status, detail, std::vector<ValidationError>{error}, reason);
}

std::string_view keyword_of(util::StrictJsonError error) {
    using util::StrictJsonError;
    switch (error) {
        case StrictJsonError::too_large:
            return "max_bytes";
        case StrictJsonError::too_deep:
            return "max_depth";
        case StrictJsonError::too_many_members:
            return "max_members";
        case StrictJsonError::string_too_long:
            return "max_string_length";
        case StrictJsonError::number_too_long:
            return "max_number_length";
        case StrictJsonError::number_out_of_range:
            return "number_range";
        case StrictJsonError::duplicate_key:
            return "duplicate_key";
        case StrictJsonError::invalid_utf8:
            return "utf8";
        case StrictJsonError::trailing_data:
            return "trailing_data";
        case StrictJsonError::syntax:
        case StrictJsonError::incomplete:
            return "syntax";
    }
    return "syntax";
}

// Validates one parameter's value (already coerced) and appends what failed,
// each pointer prefixed with the parameter's name.
void check_value(const ParameterRule& rule, std::string_view in, const json::value& value,
                 std::vector<ValidationError>& errors) {
    for (auto& violation : rule.schema->validate(value, max_reported_errors)) {
        errors.push_back({in, pointer_token(rule.name) + violation.pointer, violation.keyword});
    }
}

void check_text(const ParameterRule& rule, std::string_view in, std::string_view text,
                std::vector<ValidationError>& errors) {
    auto value = validate::coerce(text, rule.shape.scalar_types);
    if (!value) {
        errors.push_back({in, pointer_token(rule.name), "type"});
        return;
    }
    check_value(rule, in, *value, errors);
}

class ValidationStage final : public Stage {
  public:
    ValidationStage(validate::ValidationPolicy policy, std::string route_name)
        : policy_(std::move(policy)), route_name_(std::move(route_name)) {}

    std::string_view name() const override { return stage_key; }

    Verdict on_request_head(Exchange& exchange) const override {
        const auto& request = exchange.request;
        bool has_body = announces_body(request);
        bool takes_body = policy_.takes_body(request.method_string());
        if (has_body && !takes_body) {
            return refuse(exchange, http::status::bad_request,
                          "This method does not take a request body.", {"body", "", "not"},
                          "body_not_allowed");
        }
        if (!validate::accept_allows(request[http::field::accept], policy_.response_types)) {
            return refuse(exchange, http::status::not_acceptable,
                          "No representation of this resource is acceptable to the client.",
                          {"header", "/accept", "media_type"}, "not_acceptable");
        }
        if (has_body && !content_type_allowed(request[http::field::content_type])) {
            return refuse(exchange, http::status::unsupported_media_type,
                          "The request body's media type is not supported here.",
                          {"header", "/content-type", "media_type"}, "content_type");
        }
        if (!has_body && takes_body && policy_.body_required) {
            return refuse(exchange, http::status::bad_request, "A request body is required.",
                          {"body", "", "required"}, "body_missing");
        }
        std::vector<ValidationError> errors;
        check_path(exchange, errors);
        if (auto verdict = check_query(exchange, errors)) {
            return *verdict;
        }
        check_headers(exchange, errors);
        if (!errors.empty()) {
            return refuse(exchange, http::status::bad_request,
                          "The request's parameters are not valid.", errors, "parameters");
        }
        return Verdict::proceed;
    }

    Verdict on_request_body(Exchange& exchange) const override {
        auto content_type =
            validate::parse_content_type(exchange.request[http::field::content_type]);
        if (!content_type || !content_type->is_json()) {
            return Verdict::proceed;  // a non-JSON type this route lists: not ours to parse
        }
        auto document = util::parse_strict_json(exchange.request.body(), policy_.json_limits);
        if (!document) {
            auto keyword = keyword_of(document.error());
            auto status = document.error() == util::StrictJsonError::too_large
                              ? http::status::payload_too_large
                              : http::status::bad_request;
            return refuse(exchange, status, util::describe(document.error()), {"body", "", keyword},
                          keyword);
        }
        if (!policy_.body_schema) {
            return Verdict::proceed;
        }
        auto violations = policy_.body_schema->validate(*document, max_reported_errors);
        if (violations.empty()) {
            return Verdict::proceed;
        }
        std::vector<ValidationError> errors;
        for (auto& violation : violations) {
            errors.push_back({"body", std::move(violation.pointer), violation.keyword});
        }
        return refuse(exchange, http::status::bad_request,
                      "The request body does not match the schema of this resource.", errors,
                      "body_schema");
    }

    // Log-only: reads the upstream's answer, reports, and never changes it.
    void on_response(Exchange& exchange) const override {
        const auto* contract = policy_.response.get();
        // A response Rampart made (error masking's included) is not the upstream's to check.
        if (contract == nullptr || !exchange.response_from_upstream ||
            exchange.request.method() == http::verb::head) {
            return;
        }
        const auto& response = exchange.response;
        const auto* schema = contract->schema_for(response.result_int());
        if (schema == nullptr) {
            return;
        }
        auto result =
            contract->check(*schema, {response.result_int(), response[http::field::content_type],
                                      response[http::field::content_encoding], response.body()});
        if (exchange.route != nullptr && exchange.route->metrics != nullptr) {
            exchange.route->metrics->record_response_validation(
                exchange.worker_index, validate::outcome_label(result.outcome));
        }
        if (result.outcome == validate::ResponseOutcome::violation ||
            result.outcome == validate::ResponseOutcome::invalid) {
            report_contract_violation(exchange, *schema, result);
        }
    }

  private:
    // One event per response: where and which keyword, never a value.
    void report_contract_violation(Exchange& exchange, const validate::ResponseSchema& schema,
                                   const validate::ResponseCheck& result) const {
        if (exchange.security_events == nullptr) {
            return;
        }
        std::string violations;
        for (const auto& violation : result.violations) {
            violations += violations.empty() ? "" : "; ";
            violations += violation.keyword;
            violations += ' ';
            violations +=
                violation.pointer.empty() ? std::string("(root)") : cut_pointer(violation.pointer);
        }
        auto status = std::to_string(exchange.response.result_int());
        exchange.security_events->emit(response_event, &exchange,
                                       {{"route", route_name_},
                                        {"status", status},
                                        {"schema", schema.status_key},
                                        {"reason", result.reason},
                                        {"violations", violations}});
    }

    bool content_type_allowed(std::string_view header) const {
        auto content_type = validate::parse_content_type(header);
        return content_type && validate::content_type_allowed(*content_type, policy_.content_types);
    }

    void check_path(const Exchange& exchange, std::vector<ValidationError>& errors) const {
        for (const auto& rule : policy_.path.parameters) {
            for (const auto& [name, value] : exchange.path_parameters) {
                if (name == rule.name) {
                    check_text(rule, "path", value, errors);
                }
            }
        }
    }

    // Nullopt to go on; a verdict when the query itself is refused.
    std::optional<Verdict> check_query(Exchange& exchange,
                                       std::vector<ValidationError>& errors) const {
        const auto& query = policy_.query;
        auto parsed = validate::parse_query_string(exchange.query, query.limits);
        if (!parsed) {
            auto status = parsed.error() == validate::QueryError::too_long
                              ? http::status::uri_too_long
                              : http::status::bad_request;
            return refuse(exchange, status, validate::describe(parsed.error()),
                          {"query", "", "query"}, "query_malformed");
        }
        auto& parameters = *parsed;
        std::vector<bool> kept(parameters.size(), true);
        bool dropped_any = false;
        for (std::size_t index = 0; index < parameters.size(); ++index) {
            const auto* rule = query.rules.find(parameters[index].name);
            if (rule == nullptr && query.rules.reject_unknown) {
                errors.push_back({"query", pointer_token(parameters[index].name), "unknown"});
            }
            if (rule != nullptr && rule->shape.is_array) {
                continue;
            }
            auto repeated = repetition_of(parameters, index);
            if (repeated.empty()) {
                continue;
            }
            if (query.duplicates == DuplicatePolicy::reject) {
                if (repeated.front() == index) {
                    errors.push_back({"query", pointer_token(parameters[index].name), "duplicate"});
                }
                continue;
            }
            auto keep =
                query.duplicates == DuplicatePolicy::first ? repeated.front() : repeated.back();
            if (index != keep) {
                kept[index] = false;
                dropped_any = true;
            }
        }
        for (const auto& rule : query.rules.parameters) {
            check_query_parameter(rule, parameters, kept, errors);
        }
        if (dropped_any && errors.empty()) {
            rewrite_query(exchange, parameters, kept);
        }
        return std::nullopt;
    }

    // Indexes of every parameter named like parameters[index], when there is more than one.
    static std::vector<std::size_t> repetition_of(
        const std::vector<validate::QueryParameter>& parameters, std::size_t index) {
        std::vector<std::size_t> same;
        for (std::size_t other = 0; other < parameters.size(); ++other) {
            if (parameters[other].name == parameters[index].name) {
                same.push_back(other);
            }
        }
        if (same.size() < 2) {
            same.clear();
        }
        return same;
    }

    void check_query_parameter(const ParameterRule& rule,
                               const std::vector<validate::QueryParameter>& parameters,
                               const std::vector<bool>& kept,
                               std::vector<ValidationError>& errors) const {
        json::array items;
        bool present = false;
        for (std::size_t index = 0; index < parameters.size(); ++index) {
            if (parameters[index].name != rule.name || !kept[index]) {
                continue;
            }
            present = true;
            if (!rule.shape.is_array) {
                check_text(rule, "query", parameters[index].value, errors);
                continue;
            }
            auto item = validate::coerce(parameters[index].value, rule.shape.item_types);
            if (!item) {
                errors.push_back({"query",
                                  pointer_token(rule.name) + "/" + std::to_string(items.size()),
                                  "type"});
                return;
            }
            items.push_back(std::move(*item));
        }
        if (!present && rule.required) {
            errors.push_back({"query", pointer_token(rule.name), "required"});
        }
        if (present && rule.shape.is_array) {
            check_value(rule, "query", json::value(std::move(items)), errors);
        }
    }

    // The upstream gets exactly the occurrence Rampart validated.
    static void rewrite_query(Exchange& exchange,
                              const std::vector<validate::QueryParameter>& parameters,
                              const std::vector<bool>& kept) {
        std::string query;
        for (std::size_t index = 0; index < parameters.size(); ++index) {
            if (kept[index]) {
                query += query.empty() ? "" : "&";
                query += parameters[index].encoded;
            }
        }
        auto path_end = exchange.upstream_target.find('?');
        exchange.upstream_target.resize(
            path_end == std::string::npos ? exchange.upstream_target.size() : path_end);
        if (!query.empty()) {
            exchange.upstream_target += '?';
            exchange.upstream_target += query;
        }
        exchange.query = std::move(query);
    }

    void check_headers(const Exchange& exchange, std::vector<ValidationError>& errors) const {
        for (const auto& rule : policy_.headers.parameters) {
            auto [first, last] = exchange.request.equal_range(rule.name);
            if (first == last) {
                if (rule.required) {
                    errors.push_back({"header", pointer_token(rule.name), "required"});
                }
                continue;
            }
            if (std::next(first) != last) {
                errors.push_back({"header", pointer_token(rule.name), "duplicate"});
                continue;
            }
            check_text(rule, "header", first->value(), errors);
        }
    }

    validate::ValidationPolicy policy_;
    std::string route_name_;
};

// For a route imported from an OpenAPI document that has its own
// `validation`: the next outer section with one (its group's, an outer
// group's, the top level's), whose keys fill in what the document cannot
// say. Written routes keep "the innermost wins, whole".
std::optional<config::Section> outer_validation_of_imported(const StageBuildContext& context) {
    const auto& sections = context.route->stage_sections;
    // Imported routes are YAML made from the document: their nodes have no mark.
    if (sections.empty() || !sections.front().node().Mark().is_null() ||
        !sections.front().has(stage_key)) {
        return std::nullopt;
    }
    for (std::size_t index = 1; index < sections.size(); ++index) {
        if (sections[index].has(stage_key)) {
            return sections[index].section(stage_key);
        }
    }
    const auto& global = context.settings.global_stage_section;
    if (global && global->has(stage_key)) {
        return global->section(stage_key);
    }
    return std::nullopt;
}

}  // namespace

StageFactory validation_stage_factory() {
    return {stage_key, 50, [](const StageBuildContext& context) -> std::shared_ptr<const Stage> {
                if (!context.section || context.route == nullptr) {
                    return nullptr;
                }
                // The token service's endpoints (built-in handlers) read
                // their input with their own strict parsers; a top-level
                // section is meant for the proxied routes.
                if (!context.route->handler.empty()) {
                    return nullptr;
                }
                validate::LayeredSection section(context.section,
                                                 outer_validation_of_imported(context));
                return std::make_shared<ValidationStage>(
                    validate::read_validation_policy(section, context.route->path),
                    context.route->name);
            }};
}

}  // namespace rampart::pipeline
