#include "pipeline/stages/properties.hpp"

#include <boost/container/small_vector.hpp>
#include <boost/json/array.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "config/authorization_loader.hpp"
#include "observe/security_events.hpp"
#include "pipeline/field_set.hpp"
#include "pipeline/problem.hpp"
#include "util/ascii.hpp"
#include "util/json_pointer.hpp"
#include "util/strict_json.hpp"

namespace rampart::pipeline {

namespace {

namespace json = boost::json;

constexpr std::string_view stage_key = "properties";
constexpr std::string_view write_refused_event = "property_write_refused";
constexpr std::string_view filter_failed_event = "property_filter_failed";
// A refusal names this many fields at most, each cut to this many bytes: the
// names come from the client, and the answer must stay small.
constexpr std::size_t max_refused_names = 16;
constexpr std::size_t max_refused_name_bytes = 128;

// A caller holds few roles: their sets fit inline, without allocating.
using Nodes = boost::container::small_vector<const FieldSet::Node*, 4>;

// Field sets keyed by role, and the set of a role without an entry.
struct RoleFieldSets {
    std::map<std::string, FieldSet, std::less<>> by_role;
    std::optional<FieldSet> fallback;  // absent: such a role adds nothing

    bool empty() const { return by_role.empty() && !fallback; }

    // The sets that apply to `identity`: its roles' (union), and the fallback
    // for a role without an entry, or when there is no identity or no role.
    Nodes applicable(const std::optional<Identity>& identity) const {
        Nodes nodes;
        bool needs_fallback = !identity || identity->roles.empty();
        if (identity) {
            for (const auto& role : identity->roles) {
                auto found = by_role.find(role);
                if (found == by_role.end()) {
                    needs_fallback = true;
                } else {
                    nodes.push_back(&found->second.root());
                }
            }
        }
        if (needs_fallback && fallback) {
            nodes.push_back(&fallback->root());
        }
        return nodes;
    }
};

struct RequestRules {
    RoleFieldSets writable;
};

struct ResponseRules {
    std::vector<std::string> select;  // the records' place; empty: the whole body
    std::optional<FieldSet> denied;
    std::optional<RoleFieldSets> readable;  // absent: everything not denied
};

bool covers_whole(const Nodes& nodes) {
    return std::any_of(nodes.begin(), nodes.end(),
                       [](const FieldSet::Node* node) { return node->whole; });
}

// application/json, or any application/<something>+json, with parameters.
bool is_json_media_type(std::string_view content_type) {
    auto type = content_type.substr(0, content_type.find(';'));
    while (!type.empty() && (type.back() == ' ' || type.back() == '\t')) {
        type.remove_suffix(1);
    }
    if (util::equals_ignoring_case(type, "application/json")) {
        return true;
    }
    return type.size() > 17 && util::equals_ignoring_case(type.substr(0, 12), "application/") &&
           util::equals_ignoring_case(type.substr(type.size() - 5), "+json");
}

// A client's field name as it may appear in an answer and the log: cut on a
// character boundary (strict JSON guarantees UTF-8).
std::string shortened(const std::string& name) {
    if (name.size() <= max_refused_name_bytes) {
        return name;
    }
    auto length = max_refused_name_bytes;
    while (length > 0 && (static_cast<unsigned char>(name[length]) & 0xC0) == 0x80) {
        --length;
    }
    return name.substr(0, length);
}

std::string joined(const std::vector<std::string>& names) {
    std::string text;
    for (const auto& name : names) {
        text += (text.empty() ? "" : " ") + name;
    }
    return text;
}

class PropertiesStage final : public Stage {
  public:
    PropertiesStage(std::string route_name, std::optional<RequestRules> request,
                    std::optional<ResponseRules> response)
        : route_name_(std::move(route_name)),
          request_(std::move(request)),
          response_(std::move(response)) {}

    std::string_view name() const override { return stage_key; }

    Verdict on_request_head(Exchange& exchange) const override {
        if (response_) {
            // The answer must arrive as JSON text the stage can read: not
            // compressed, not a byte range of it.
            exchange.request.erase(http::field::accept_encoding);
            exchange.request.erase(http::field::range);
            exchange.request.erase(http::field::if_range);
        }
        return Verdict::proceed;
    }

    Verdict on_request_body(Exchange& exchange) const override {
        if (!request_ || exchange.request.body().empty()) {
            return Verdict::proceed;
        }
        auto writable = request_->writable.applicable(exchange.identity);
        if (covers_whole(writable)) {
            return Verdict::proceed;
        }
        if (!is_json_media_type(exchange.request[http::field::content_type])) {
            report(exchange, write_refused_event, "not_json", {});
            set_problem(exchange, http::status::unsupported_media_type,
                        "This resource accepts JSON request bodies only.");
            return Verdict::respond;
        }
        const auto& body = exchange.request.body();
        util::StrictJsonLimits limits;
        limits.max_bytes = std::max(limits.max_bytes, body.size());
        auto document = util::parse_strict_json(body, limits);
        if (!document) {
            return refuse_body(exchange, "invalid_json", "The request body is not valid JSON.");
        }
        if (!is_object_or_array_of_objects(*document)) {
            return refuse_body(exchange, "not_an_object",
                               "The request body must be a JSON object or an array of objects.");
        }
        auto refused = unwritable_fields(*document, std::span(writable.data(), writable.size()),
                                         max_refused_names);
        if (refused.empty()) {
            return Verdict::proceed;
        }
        json::array names;
        for (auto& name : refused) {
            name = shortened(name);
            names.emplace_back(name);
        }
        report(exchange, write_refused_event, "unwritable_fields", joined(refused));
        set_problem(exchange, http::status::bad_request,
                    "The request writes fields this caller may not change.",
                    json::object{{"fields", std::move(names)}});
        return Verdict::respond;
    }

    void on_response(Exchange& exchange) const override {
        if (!response_ || !exchange.response_from_upstream) {
            return;
        }
        auto& response = exchange.response;
        if (exchange.request.method() == http::verb::head) {
            // The upstream's length is that of the unfiltered body.
            response.erase(http::field::content_length);
            return;
        }
        if (response.body().empty()) {
            return;
        }
        if (auto encoding = response[http::field::content_encoding];
            !encoding.empty() && !util::equals_ignoring_case(encoding, "identity")) {
            return fail_closed(exchange, "encoded");
        }
        if (!is_json_media_type(response[http::field::content_type])) {
            return fail_closed(exchange, "not_json");
        }
        auto document = util::parse_strict_json(response.body(), response_limits(exchange));
        if (!document) {
            return fail_closed(exchange, "invalid_json");
        }
        auto records = select_records(*document);
        if (!records) {
            return fail_closed(exchange, "unexpected_shape");
        }
        if (*records == nullptr) {
            return;
        }
        filter(**records, exchange);
        response.body() = json::serialize(*document);
        // The upstream's validators and digests describe the unfiltered body.
        response.erase(http::field::etag);
        response.erase(http::field::content_md5);
        response.erase("Digest");
        response.erase("Content-Digest");
        response.erase("Repr-Digest");
        response.prepare_payload();
    }

  private:
    static bool is_object_or_array_of_objects(const json::value& document) {
        if (document.is_object()) {
            return true;
        }
        const auto* array = document.if_array();
        return array != nullptr &&
               std::all_of(array->begin(), array->end(),
                           [](const json::value& element) { return element.is_object(); });
    }

    static util::StrictJsonLimits response_limits(const Exchange& exchange) {
        // The upstream is trusted to be well-formed, not to be small: its
        // answer is bounded by max_response_bytes already.
        util::StrictJsonLimits limits;
        limits.max_bytes = exchange.response.body().size();
        limits.max_depth = 64;
        limits.max_members = 1'000'000;
        limits.max_string_bytes = exchange.response.body().size();
        return limits;
    }

    // Where the records are. Null when the document has none there (the
    // member is absent or null: nothing to filter); nullopt when it has
    // another shape than the route says.
    std::optional<json::value*> select_records(json::value& document) const {
        json::value* current = &document;
        for (const auto& segment : response_->select) {
            auto* object = current->if_object();
            if (object == nullptr) {
                return std::nullopt;
            }
            current = object->if_contains(segment);
            if (current == nullptr || current->is_null()) {
                return nullptr;
            }
        }
        if (!current->is_object() && !current->is_array()) {
            return std::nullopt;
        }
        return current;
    }

    void filter(json::value& records, const Exchange& exchange) const {
        if (response_->readable) {
            auto readable = response_->readable->applicable(exchange.identity);
            keep_readable_fields(records, std::span(readable.data(), readable.size()));
        }
        if (response_->denied) {
            remove_fields(records, response_->denied->root());
        }
    }

    Verdict refuse_body(Exchange& exchange, std::string_view reason,
                        std::string_view detail) const {
        report(exchange, write_refused_event, reason, {});
        set_problem(exchange, http::status::bad_request, detail);
        return Verdict::respond;
    }

    // Rather a 502 than fields the route says must not leave.
    void fail_closed(Exchange& exchange, std::string_view reason) const {
        report(exchange, filter_failed_event, reason, {});
        set_problem(exchange, http::status::bad_gateway,
                    "The upstream service answered in a form this resource cannot return.");
    }

    void report(Exchange& exchange, std::string_view event, std::string_view reason,
                std::string_view fields) const {
        if (exchange.security_events == nullptr) {
            return;
        }
        std::string_view subject;
        if (exchange.identity) {
            subject = exchange.identity->subject;
        }
        exchange.security_events->emit(
            event, &exchange,
            {{"route", route_name_}, {"reason", reason}, {"fields", fields}, {"subject", subject}});
    }

    std::string route_name_;
    std::optional<RequestRules> request_;
    std::optional<ResponseRules> response_;
};

// ---------------------------------------------------------------- configuration

std::string element_path(const config::Section& section, std::string_view key, std::size_t index) {
    return section.child_path(key) + "[" + std::to_string(index) + "]";
}

std::vector<std::string> read_pointer(const config::Section& section, const YAML::Node& node,
                                      const std::string& path, const std::string& text) {
    auto segments = util::parse_json_pointer(text);
    if (!segments) {
        section.fail_at(node, path,
                        "\"" + text + "\" " + std::string(util::describe(segments.error())));
    }
    return std::move(*segments);
}

// A list of JSON pointers, or ["*"] for every field.
FieldSet read_field_set(const config::Section& section, std::string_view key, bool allow_all) {
    const auto list = section.node()[std::string(key)];
    if (!list.IsSequence()) {
        section.fail(key, "must be a list of JSON pointers, such as [/name, /address/city]");
    }
    auto texts = section.strings(key);
    FieldSet set;
    for (std::size_t index = 0; index < texts.size(); ++index) {
        auto path = element_path(section, key, index);
        auto earlier = texts.begin() + static_cast<std::ptrdiff_t>(index);
        if (std::find(texts.begin(), earlier, texts[index]) != earlier) {
            section.fail_at(list[index], path, "\"" + texts[index] + "\" is listed twice");
        }
        if (texts[index] == "*") {
            if (!allow_all) {
                section.fail_at(list[index], path,
                                "\"*\" is not allowed here: list the fields, as JSON pointers");
            }
            if (texts.size() != 1) {
                section.fail_at(list[index], path, "\"*\" (every field) must be alone in its list");
            }
            return FieldSet::everything();
        }
        set.add(read_pointer(section, list[index], path, texts[index]));
    }
    return set;
}

// `key: {role: [pointers]}` and `<key>_default: [pointers]`.
RoleFieldSets read_role_field_sets(const config::Section& section, std::string_view key) {
    RoleFieldSets sets;
    auto default_key = std::string(key) + "_default";
    if (section.has(key)) {
        if (!section.node()[std::string(key)].IsMap()) {
            section.fail(key,
                         "must map role names to lists of JSON pointers, such as "
                         "{customer: [/name], admin: [\"*\"]}");
        }
        auto roles = section.section(key);
        for (auto it = roles.node().begin(); it != roles.node().end(); ++it) {
            auto role = it->first.Scalar();
            if (!config::is_role_name(role)) {
                roles.fail_at(it->first, roles.child_path(role),
                              "role name \"" + role +
                                  "\" is not valid: use 1 to 128 letters, digits and . _ : / -");
            }
            sets.by_role.emplace(role, read_field_set(roles, role, true));
        }
        roles.finish();
    }
    if (section.has(default_key)) {
        sets.fallback = read_field_set(section, default_key, true);
    }
    return sets;
}

std::optional<RequestRules> read_request_rules(const config::Section& properties) {
    auto request = properties.optional_section("request");
    if (!request) {
        return std::nullopt;
    }
    RequestRules rules{read_role_field_sets(*request, "writable")};
    request->finish();
    if (rules.writable.empty()) {
        request->fail("writable",
                      "is required: the fields each role may write, such as "
                      "{customer: [/name], admin: [\"*\"]}");
    }
    return rules;
}

std::optional<ResponseRules> read_response_rules(const config::Section& properties) {
    auto response = properties.optional_section("response");
    if (!response) {
        return std::nullopt;
    }
    ResponseRules rules;
    if (auto select = response->optional_string("select")) {
        rules.select = read_pointer(*response, response->node()["select"],
                                    response->child_path("select"), *select);
    }
    if (response->has("deny")) {
        rules.denied = read_field_set(*response, "deny", false);
    }
    if (response->has("readable") || response->has("readable_default")) {
        rules.readable = read_role_field_sets(*response, "readable");
    }
    response->finish();
    if (!rules.denied && !rules.readable) {
        response->fail(
            "deny or readable: one is required: the fields to drop for everyone "
            "(deny), or the fields each role may read (readable)");
    }
    return rules;
}

// Without an authenticated identity there are no roles to key on: a public
// route may only say what applies to everyone.
void refuse_per_role_keys(const config::Section& properties) {
    for (auto [part, key] : {std::pair{"request", "writable"}, std::pair{"response", "readable"}}) {
        auto section = properties.optional_section(part);
        if (section && section->has(key)) {
            section->fail(key, std::string("is per role, and this route has `auth: none`: use ") +
                                   key + "_default for every caller");
        }
    }
}

std::shared_ptr<const Stage> build_properties_stage(const StageBuildContext& context) {
    if (!context.section) {
        return nullptr;
    }
    const auto& properties = *context.section;
    if (!properties.node().IsMap()) {
        properties.fail("must be a map: {request: {writable: ...}, response: {deny: ...}}");
    }
    if (context.route == nullptr) {
        properties.fail(
            "belongs on a route or a group: the fields differ from one resource "
            "to another");
    }
    if (context.route->auth.is_none()) {
        refuse_per_role_keys(properties);
    }
    auto request = read_request_rules(properties);
    auto response = read_response_rules(properties);
    properties.finish();
    if (!request && !response) {
        properties.fail("needs request or response (or both)");
    }
    return std::make_shared<PropertiesStage>(context.route->name, std::move(request),
                                             std::move(response));
}

}  // namespace

StageFactory properties_stage_factory() {
    return {stage_key, 45, build_properties_stage};
}

}  // namespace rampart::pipeline
