#include "validate/validation_policy.hpp"

#include <algorithm>

#include "util/ascii.hpp"
#include "validate/schema_source.hpp"

namespace rampart::validate {

namespace {

constexpr std::uint64_t default_max_json_bytes = 1024 * 1024;

std::string lowercase(std::string_view text) {
    std::string lower(text);
    std::transform(lower.begin(), lower.end(), lower.begin(), util::ascii_lower);
    return lower;
}

std::string uppercase(std::string_view text) {
    std::string upper(text);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c; });
    return upper;
}

std::vector<MediaType> read_media_types(const config::Section& section, std::string_view key,
                                        std::vector<MediaType> fallback) {
    if (!section.has(key)) {
        section.claim(key);
        return fallback;
    }
    auto texts = section.strings(key);
    std::vector<MediaType> types;
    for (std::size_t index = 0; index < texts.size(); ++index) {
        auto type = parse_configured_media_type(texts[index]);
        if (!type) {
            section.fail_at(section.node()[std::string(key)][index],
                            section.child_path(key) + "[" + std::to_string(index) + "]",
                            "must be a media type such as application/json or "
                            "application/*+json (got \"" +
                                texts[index] + "\")");
        }
        types.push_back(*type);
    }
    return types;
}

std::vector<MediaType> default_content_types() {
    return {{"application", "json"}, {"application", "*+json"}};
}

std::vector<std::string> read_methods(const config::Section& section) {
    std::string_view key = "bodyless_methods";
    if (!section.has(key)) {
        section.claim(key);
        return {"GET", "HEAD", "DELETE", "OPTIONS", "TRACE"};
    }
    auto methods = section.strings(key);
    for (std::size_t index = 0; index < methods.size(); ++index) {
        if (!util::is_token(methods[index])) {
            section.fail_at(section.node()[std::string(key)][index],
                            section.child_path(key) + "[" + std::to_string(index) + "]",
                            "must be an HTTP method name");
        }
        methods[index] = uppercase(methods[index]);
    }
    return methods;
}

util::StrictJsonLimits read_json_limits(const LayeredSection& validation) {
    util::StrictJsonLimits limits;
    limits.max_bytes = default_max_json_bytes;
    auto json = validation.child("json");
    if (json.empty()) {
        return limits;
    }
    limits.max_depth =
        static_cast<std::size_t>(json.for_key("max_depth").integer("max_depth", 32, 1, 1024));
    limits.max_bytes =
        json.for_key("max_bytes").size("max_bytes", default_max_json_bytes, 2, 1ULL << 30);
    limits.max_members = static_cast<std::size_t>(
        json.for_key("max_members").integer("max_members", 10'000, 1, 10'000'000));
    limits.max_string_bytes =
        json.for_key("max_string_length").size("max_string_length", 65'536, 1, 1ULL << 30);
    limits.max_number_chars = static_cast<std::size_t>(
        json.for_key("max_number_length").integer("max_number_length", 32, 1, 1024));
    json.finish();
    return limits;
}

std::vector<std::string> read_names(const config::Section& section, std::string_view key) {
    return section.strings(key);
}

// `parameters: {name: schema, ...}` and `required: [name, ...]`.
ParameterRules read_parameter_rules(const config::Section& section, bool lower_case_names) {
    ParameterRules rules;
    auto parameters = section.node()["parameters"];
    section.claim("parameters");
    if (parameters.IsDefined() && !parameters.IsNull()) {
        if (!parameters.IsMap()) {
            section.fail("parameters", "must be a map of parameter names to schemas");
        }
        for (auto it = parameters.begin(); it != parameters.end(); ++it) {
            if (!it->first.IsScalar() || it->first.Scalar().empty()) {
                section.fail_at(it->first, section.child_path("parameters"),
                                "parameter names must be plain strings");
            }
            auto name = it->first.Scalar();
            auto path = section.child_path("parameters") + "." + name;
            ParameterRule rule;
            rule.name = lower_case_names ? lowercase(name) : name;
            if (rules.find(rule.name) != nullptr) {
                section.fail_at(it->first, path, "is given twice");
            }
            rule.schema = load_schema(section, it->second, path);
            rule.shape = shape_of(rule.schema->document());
            rules.parameters.push_back(std::move(rule));
        }
    }
    auto required = read_names(section, "required");
    for (std::size_t index = 0; index < required.size(); ++index) {
        auto name = lower_case_names ? lowercase(required[index]) : required[index];
        auto* rule = const_cast<ParameterRule*>(rules.find(name));
        if (rule == nullptr) {
            section.fail_at(section.node()["required"][index],
                            section.child_path("required") + "[" + std::to_string(index) + "]",
                            "\"" + required[index] + "\" is not one of the parameters");
        }
        rule->required = true;
    }
    return rules;
}

QueryRules read_query_rules(const LayeredSection& validation) {
    QueryRules query;
    auto section = validation.child("query");
    if (section.empty()) {
        return query;
    }
    // The parameters and which of them are required come as one, from one layer.
    query.rules = read_parameter_rules(section.for_key("parameters"), false);
    for (const auto& layer : {section.own(), section.outer()}) {
        if (layer) {
            layer->claim("parameters");
            layer->claim("required");
        }
    }
    query.rules.reject_unknown =
        section.for_key("unknown").choice("unknown", {{"allow", false}, {"reject", true}}, false);
    query.duplicates = section.for_key("duplicates")
                           .choice("duplicates",
                                   {{"reject", DuplicatePolicy::reject},
                                    {"first", DuplicatePolicy::first},
                                    {"last", DuplicatePolicy::last}},
                                   DuplicatePolicy::reject);
    query.limits.max_parameters = static_cast<std::size_t>(
        section.for_key("max_parameters").integer("max_parameters", 64, 1, 10'000));
    query.limits.max_length =
        section.for_key("max_length").size("max_length", 4096, 1, 1024 * 1024);
    section.finish();
    return query;
}

bool template_names(const std::string& route_path, const std::string& name) {
    return route_path.find("{" + name + "}") != std::string::npos ||
           route_path.find("{" + name + "...}") != std::string::npos;
}

ParameterRules read_path_rules(const config::Section& validation, const std::string& route_path) {
    auto section = validation.optional_section("path");
    if (!section) {
        return {};
    }
    auto rules = read_parameter_rules(*section, false);
    for (auto& rule : rules.parameters) {
        if (!template_names(route_path, rule.name)) {
            section->fail_at(section->node()["parameters"][rule.name],
                             section->child_path("parameters") + "." + rule.name,
                             "the route's path \"" + route_path + "\" has no {" + rule.name + "}");
        }
        rule.required = true;  // a matched template always has it
    }
    section->finish();
    return rules;
}

ParameterRules read_header_rules(const config::Section& validation) {
    auto section = validation.optional_section("headers");
    if (!section) {
        return {};
    }
    auto rules = read_parameter_rules(*section, true);
    for (const auto& rule : rules.parameters) {
        if (!util::is_token(rule.name)) {
            section->fail_at(section->node()["parameters"], section->child_path("parameters"),
                             "\"" + rule.name + "\" is not a header name");
        }
        if (rule.shape.is_array) {
            section->fail_at(section->node()["parameters"], section->child_path("parameters"),
                             "header \"" + rule.name +
                                 "\" cannot be an array: repeated headers "
                                 "are refused");
        }
    }
    section->finish();
    return rules;
}

void read_body(const config::Section& validation, ValidationPolicy& policy) {
    auto body = validation.optional_section("body");
    if (!body) {
        return;
    }
    auto schema = body->node()["schema"];
    body->claim("schema");
    if (schema.IsDefined() && !schema.IsNull()) {
        policy.body_schema = load_schema(*body, schema, body->child_path("schema"));
        auto not_json = std::find_if(policy.content_types.begin(), policy.content_types.end(),
                                     [](const MediaType& type) { return !type.is_json(); });
        if (not_json != policy.content_types.end()) {
            body->fail("schema", "a body schema needs JSON content_types only, not \"" +
                                     not_json->text() + "\"");
        }
    }
    policy.body_required = body->boolean("required", policy.body_schema != nullptr);
    body->finish();
}

}  // namespace

const ParameterRule* ParameterRules::find(std::string_view name) const {
    for (const auto& rule : parameters) {
        if (rule.name == name) {
            return &rule;
        }
    }
    return nullptr;
}

bool ValidationPolicy::takes_body(std::string_view method) const {
    return std::none_of(bodyless_methods.begin(), bodyless_methods.end(),
                        [method](const std::string& name) { return name == method; });
}

ValidationPolicy read_validation_policy(const config::Section& section,
                                        const std::string& route_path) {
    return read_validation_policy(LayeredSection(section), route_path);
}

ValidationPolicy read_validation_policy(const LayeredSection& section,
                                        const std::string& route_path) {
    ValidationPolicy policy;
    const auto& content_types = section.for_key("content_types");
    policy.content_types =
        read_media_types(content_types, "content_types", default_content_types());
    if (policy.content_types.empty()) {
        content_types.fail("content_types", "must list at least one media type");
    }
    policy.response_types = read_media_types(section.for_key("response_types"), "response_types",
                                             {{"application", "json"}});
    policy.bodyless_methods = read_methods(section.for_key("bodyless_methods"));
    policy.json_limits = read_json_limits(section);
    read_body(section.for_key("body"), policy);
    policy.query = read_query_rules(section);
    policy.path = read_path_rules(section.for_key("path"), route_path);
    policy.headers = read_header_rules(section.for_key("headers"));
    policy.response = read_response_contract(section.child("response"));
    section.finish();
    return policy;
}

}  // namespace rampart::validate
