#include "validate/response_contract.hpp"

#include <algorithm>

#include "util/ascii.hpp"
#include "util/strict_json.hpp"
#include "validate/media_type.hpp"
#include "validate/schema_source.hpp"

namespace rampart::validate {

namespace {

// The upstream is trusted to be well-formed, not to be small or shallow: its
// answer is bounded by max_body_bytes, the rest only by sanity.
util::StrictJsonLimits response_limits(std::uint64_t max_body_bytes) {
    util::StrictJsonLimits limits;
    limits.max_bytes = static_cast<std::size_t>(max_body_bytes);
    limits.max_depth = 64;
    limits.max_members = 1'000'000;
    limits.max_string_bytes = static_cast<std::size_t>(max_body_bytes);
    limits.max_number_chars = 128;
    return limits;
}

bool is_json(std::string_view content_type) {
    auto parsed = parse_content_type(content_type);
    return parsed && parsed->is_json();
}

// "200" -> 0 (exact), "2XX" -> 1 (class), "default" -> 2; -1 when not a status key.
int rank_of(const std::string& key) {
    if (key == "default") {
        return 2;
    }
    if (key.size() != 3 || key[0] < '1' || key[0] > '5') {
        return -1;
    }
    if (key[1] == 'X' && key[2] == 'X') {
        return 1;
    }
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    return digit(key[1]) && digit(key[2]) ? 0 : -1;
}

std::string normalized_status_key(std::string key) {
    if (key.size() == 3) {
        std::transform(key.begin(), key.end(), key.begin(),
                       [](char c) { return c == 'x' ? 'X' : c; });
    }
    return key;
}

std::vector<ResponseSchema> read_schemas(const config::Section& response, bool report_undeclared) {
    const auto& node = response.node()["schemas"];
    response.claim("schemas");
    if (!node.IsDefined() || !node.IsMap() || node.size() == 0) {
        response.fail("schemas",
                      "is required: a map of status codes (200, 2XX or default) to JSON Schemas");
    }
    std::vector<ResponseSchema> schemas;
    for (auto it = node.begin(); it != node.end(); ++it) {
        auto key = it->first.IsScalar() ? normalized_status_key(it->first.Scalar()) : "";
        auto path = response.child_path("schemas") + "." + key;
        if (rank_of(key) < 0) {
            response.fail_at(it->first, path,
                             "must be a status code (100 to 599), a class such as 2XX, or "
                             "default");
        }
        auto same = [&key](const ResponseSchema& known) { return known.status_key == key; };
        if (std::any_of(schemas.begin(), schemas.end(), same)) {
            response.fail_at(it->first, path, "is given twice");
        }
        ResponseSchema schema{key, load_schema(response, it->second, path), nullptr};
        if (report_undeclared) {
            schema.undeclared =
                std::make_shared<const UndeclaredMembers>(schema.schema->document());
        }
        schemas.push_back(std::move(schema));
    }
    std::stable_sort(schemas.begin(), schemas.end(),
                     [](const ResponseSchema& a, const ResponseSchema& b) {
                         return rank_of(a.status_key) < rank_of(b.status_key);
                     });
    return schemas;
}

}  // namespace

std::string_view outcome_label(ResponseOutcome outcome) {
    switch (outcome) {
        case ResponseOutcome::valid:
            return "valid";
        case ResponseOutcome::violation:
            return "violation";
        case ResponseOutcome::invalid:
            return "invalid";
        case ResponseOutcome::skipped:
            return "skipped";
    }
    return "skipped";
}

const ResponseSchema* ResponseContract::schema_for(unsigned status) const {
    auto exact = std::to_string(status);
    std::string status_class = exact.substr(0, 1) + "XX";
    for (const auto& wanted : {exact, status_class, std::string("default")}) {
        for (const auto& schema : schemas) {
            if (schema.status_key == wanted) {
                return &schema;
            }
        }
    }
    return nullptr;
}

ResponseCheck ResponseContract::check(const ResponseSchema& schema,
                                      const ResponseView& response) const {
    if (response.body.empty()) {
        return {ResponseOutcome::skipped, "empty", {}};
    }
    if (response.body.size() > max_body_bytes) {
        return {ResponseOutcome::skipped, "too_large", {}};
    }
    if (!response.content_encoding.empty() &&
        !util::equals_ignoring_case(response.content_encoding, "identity")) {
        return {ResponseOutcome::skipped, "encoded", {}};
    }
    if (!is_json(response.content_type)) {
        return {ResponseOutcome::skipped, "not_json", {}};
    }
    auto document = util::parse_strict_json(response.body, response_limits(max_body_bytes));
    if (!document) {
        return {ResponseOutcome::invalid, "invalid_json", {}};
    }
    ResponseCheck result;
    result.violations = schema.schema->validate(*document, max_reported_violations);
    if (schema.undeclared && result.violations.size() < max_reported_violations) {
        auto undeclared =
            schema.undeclared->find(*document, max_reported_violations - result.violations.size());
        for (auto& violation : undeclared) {
            result.violations.push_back(std::move(violation));
        }
    }
    if (result.violations.empty()) {
        return {ResponseOutcome::valid, "valid", {}};
    }
    result.outcome = ResponseOutcome::violation;
    result.reason = "schema";
    return result;
}

std::shared_ptr<const ResponseContract> read_response_contract(const LayeredSection& response) {
    if (response.empty()) {
        return nullptr;
    }
    for (const auto& layer : {response.own(), response.outer()}) {
        if (layer && !layer->node().IsMap()) {
            layer->fail("must be a map: {mode: log, schemas: {200: <schema>, ...}}");
        }
    }
    bool enabled = response.for_key("enabled").boolean("enabled", true);
    // Log-only by design: a contract drift must never turn into an outage.
    response.for_key("mode").choice("mode", {{"log", true}}, true);
    auto contract = std::make_shared<ResponseContract>();
    contract->report_undeclared =
        response.for_key("undeclared_properties")
            .choice("undeclared_properties", {{"report", true}, {"allow", false}}, true);
    contract->max_body_bytes = response.for_key("max_body_bytes")
                                   .size("max_body_bytes", ResponseContract::default_max_body_bytes,
                                         2, 64ULL * 1024 * 1024);
    contract->schemas = read_schemas(response.for_key("schemas"), contract->report_undeclared);
    response.finish();
    if (!enabled) {
        return nullptr;
    }
    return contract;
}

}  // namespace rampart::validate
