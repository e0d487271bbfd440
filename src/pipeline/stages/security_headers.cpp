#include "pipeline/stages/security_headers.hpp"
#include "util/ascii.hpp"

#include <boost/beast/core/string.hpp>

#include <algorithm>
#include <array>
#include <bitset>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rampart::pipeline {

namespace {

using namespace std::chrono_literals;

constexpr std::string_view stage_key = "security_headers";

// Two years, Mozilla's recommendation quoted by TLS-06 (ASVS asks for at least one).
constexpr config::Duration default_hsts_max_age = 63'072'000s;
// hstspreload.org refuses shorter lifetimes.
constexpr config::Duration minimum_preload_max_age = 31'536'000s;
constexpr config::Duration maximum_hsts_max_age = 3650 * 86'400s;
constexpr std::string_view default_content_security_policy =
    "default-src 'none'; frame-ancestors 'none'";
constexpr std::string_view no_store = "no-store";

// Upstream headers that advertise server software and versions (ERR-02).
constexpr std::array<std::string_view, 5> banner_headers = {
    "Server", "X-Powered-By", "X-AspNet-Version", "X-AspNetMvc-Version", "X-Runtime"};

// Headers this stage sets itself: `add` may not fight over them.
constexpr std::array<std::string_view, 6> managed_headers = {
    "Strict-Transport-Security", "X-Content-Type-Options", "Content-Security-Policy",
    "X-Frame-Options",           "Referrer-Policy",        "Cache-Control"};

// Headers that frame the message or the connection: adding or removing them
// would corrupt the response, so configuration may not name them.
constexpr std::array<std::string_view, 9> framing_headers = {
    "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Upgrade", "TE", "Trailer",
    "Host",           "Proxy-Connection"};

struct SecurityHeadersPolicy {
    std::optional<std::string> strict_transport_security;  // unset: HSTS disabled
    std::string content_security_policy;
    std::string default_cache_control;  // empty: upstream responses keep having none
    std::vector<std::string> stripped_headers;
    std::vector<std::pair<std::string, std::string>> added_headers;
};

// Field names the stage removes from every response: Beast's known fields by
// their enum (one bit each, tested without touching the name), others by
// their spelling.
class RemovedFields {
  public:
    void add(std::string_view spelling) {
        auto known = http::string_to_field(spelling);
        if (known == http::field::unknown) {
            unknown_.emplace_back(spelling);
        } else {
            known_.set(static_cast<std::size_t>(known));
        }
    }

    bool contains(const http::fields::value_type& field) const {
        auto name = field.name();
        if (name != http::field::unknown) {
            return known_.test(static_cast<std::size_t>(name));
        }
        return std::any_of(unknown_.begin(), unknown_.end(), [&field](const std::string& spelling) {
            return util::equals_ignoring_case(field.name_string(), spelling);
        });
    }

  private:
    // Beast's field enum ends with xref, about 360 names.
    static constexpr std::size_t known_names = static_cast<std::size_t>(http::field::xref) + 1;
    std::bitset<known_names> known_;
    std::vector<std::string> unknown_;
};

std::string field_line(std::string_view name, std::string_view value) {
    return std::string(name) + ": " + std::string(value) + "\r\n";
}

// The stage's fields are text made at load: each response gets views of it
// as field lines (pipeline/field_lines.hpp), in this order: HSTS,
// X-Content-Type-Options, Content-Security-Policy, X-Frame-Options,
// Referrer-Policy, Cache-Control, then the configured `add`.
class SecurityHeadersStage final : public Stage {
  public:
    explicit SecurityHeadersStage(const SecurityHeadersPolicy& policy)
        : default_cache_control_line_(
              policy.default_cache_control.empty()
                  ? std::string()
                  : field_line("Cache-Control", policy.default_cache_control)) {
        if (policy.strict_transport_security) {
            hsts_line_ = field_line("Strict-Transport-Security", *policy.strict_transport_security);
        }
        const std::pair<std::string_view, std::string_view> fixed[] = {
            {"X-Content-Type-Options", "nosniff"},
            {"Content-Security-Policy", policy.content_security_policy},
            {"X-Frame-Options", "DENY"},
            {"Referrer-Policy", "no-referrer"}};
        for (const auto& [name, value] : fixed) {
            fixed_lines_ += field_line(name, value);
            removed_.add(name);  // replaced: whatever the upstream said goes
        }
        for (const auto& [name, value] : policy.added_headers) {
            added_lines_ += field_line(name, value);
            removed_.add(name);
        }
        for (const auto& header : policy.stripped_headers) {
            removed_.add(header);
        }
    }

    std::string_view name() const override { return stage_key; }

    // One pass removes every field the stage strips or replaces.
    void on_response(Exchange& exchange) const override {
        auto& response = exchange.response;
        bool with_hsts = exchange.over_tls && !hsts_line_.empty();
        bool store_forbidden = must_not_be_stored(exchange);
        bool has_cache_control = false;
        for (auto field = response.begin(); field != response.end();) {
            auto name = field->name();
            if (removed_.contains(*field) ||
                (with_hsts && name == http::field::strict_transport_security) ||
                (store_forbidden && name == http::field::cache_control)) {
                field = response.erase(field);
                continue;
            }
            has_cache_control = has_cache_control || name == http::field::cache_control;
            ++field;
        }
        auto& lines = exchange.response_field_lines;
        if (with_hsts) {
            lines.append(hsts_line_);
        }
        lines.append(fixed_lines_);
        if (store_forbidden) {
            lines.append(no_store_line);
        } else if (!has_cache_control && !default_cache_control_line_.empty()) {
            lines.append(default_cache_control_line_);
        }
        if (!added_lines_.empty()) {
            lines.append(added_lines_);
        }
    }

  private:
    static constexpr std::string_view no_store_line = "Cache-Control: no-store\r\n";

    // Credentialed and Rampart-generated responses are never cacheable,
    // whatever the upstream said (HDR-03); other upstream responses keep
    // their own caching policy.
    static bool must_not_be_stored(const Exchange& exchange) {
        bool generated = !exchange.response_from_upstream && !exchange.response_is_public_document;
        return exchange.carries_credentials || generated;
    }

    std::string hsts_line_;  // empty: HSTS disabled
    std::string fixed_lines_;
    std::string default_cache_control_line_;  // empty: none added
    std::string added_lines_;
    RemovedFields removed_;  // stripped, or replaced by the stage's own
};

bool is_header_name(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), util::is_token_character);
}

// RFC 9110 field-value: visible characters, spaces and tabs inside; no CR or
// LF, which would let a configured value inject headers.
bool is_header_value(std::string_view text) {
    if (text.empty() || text.front() == ' ' || text.front() == '\t' || text.back() == ' ' ||
        text.back() == '\t') {
        return false;
    }
    return std::all_of(text.begin(), text.end(), [](char character) {
        auto byte = static_cast<unsigned char>(character);
        return byte == '\t' || (byte >= 0x20 && byte != 0x7f);
    });
}

template <std::size_t size>
bool names_one_of(std::string_view header, const std::array<std::string_view, size>& names) {
    return std::any_of(names.begin(), names.end(), [header](std::string_view name) {
        return util::equals_ignoring_case(header, name);
    });
}

// An unconfigured map reads as all defaults, so the defaults live in one place.
config::Section empty_section(std::string path) {
    static const auto source = std::make_shared<const std::string>("(defaults)");
    return config::Section(source, YAML::Node(YAML::NodeType::Map), std::move(path));
}

std::optional<std::string> read_strict_transport_security(const config::Section& stage) {
    auto hsts = stage.optional_section("hsts").value_or(empty_section(stage.child_path("hsts")));
    bool enabled = hsts.boolean("enabled", true);
    auto max_age = hsts.duration("max_age", default_hsts_max_age, 0s, maximum_hsts_max_age);
    bool include_subdomains = hsts.boolean("include_subdomains", false);
    bool preload = hsts.boolean("preload", false);
    if (preload && (!include_subdomains || max_age < minimum_preload_max_age)) {
        hsts.fail("preload", "needs include_subdomains: true and max_age of at least 365d");
    }
    hsts.finish();
    if (!enabled) {
        return std::nullopt;
    }
    auto value = "max-age=" + std::to_string(max_age.count() / 1000);
    value += include_subdomains ? "; includeSubDomains" : "";
    value += preload ? "; preload" : "";
    return value;
}

std::string read_header_value(const config::Section& stage, std::string_view key,
                              std::string_view fallback, bool may_be_empty) {
    auto value = stage.string(key, fallback);
    if (!(may_be_empty && value.empty()) && !is_header_value(value)) {
        stage.fail(key, "must be a valid header value (printable, no line breaks)");
    }
    return value;
}

std::vector<std::string> read_stripped_headers(const config::Section& stage) {
    std::vector<std::string> stripped(banner_headers.begin(), banner_headers.end());
    auto configured = stage.strings("strip_response_headers");
    for (std::size_t index = 0; index < configured.size(); ++index) {
        const auto& header = configured[index];
        auto element_path =
            stage.child_path("strip_response_headers") + "[" + std::to_string(index) + "]";
        const auto& element = stage.node()["strip_response_headers"][index];
        if (!is_header_name(header)) {
            stage.fail_at(element, element_path, "must be a header name");
        }
        if (names_one_of(header, framing_headers)) {
            stage.fail_at(element, element_path,
                          "cannot remove the message framing header " + header);
        }
        stripped.push_back(header);
    }
    return stripped;
}

std::vector<std::pair<std::string, std::string>> read_added_headers(const config::Section& stage) {
    std::vector<std::pair<std::string, std::string>> added;
    auto add = stage.optional_section("add");
    if (!add) {
        return added;
    }
    for (auto entry = add->node().begin(); entry != add->node().end(); ++entry) {
        if (!entry->first.IsScalar()) {
            continue;  // finish() below names it
        }
        const std::string header = entry->first.Scalar();
        auto header_path = add->child_path(header);
        if (!is_header_name(header)) {
            add->fail_at(entry->first, header_path, "must be a header name");
        }
        if (names_one_of(header, managed_headers) || names_one_of(header, framing_headers)) {
            add->fail_at(entry->first, header_path,
                         "is managed by Rampart and cannot be added here");
        }
        for (const auto& [previous, unused] : added) {
            if (util::equals_ignoring_case(previous, header)) {
                add->fail_at(entry->first, header_path, "is listed twice");
            }
        }
        added.emplace_back(header, read_header_value(*add, header, {}, false));
    }
    add->finish();
    return added;
}

SecurityHeadersPolicy read_policy(const config::Section& stage) {
    SecurityHeadersPolicy policy;
    policy.strict_transport_security = read_strict_transport_security(stage);
    policy.content_security_policy =
        read_header_value(stage, "content_security_policy", default_content_security_policy, false);
    policy.default_cache_control =
        read_header_value(stage, "default_cache_control", no_store, true);
    policy.stripped_headers = read_stripped_headers(stage);
    policy.added_headers = read_added_headers(stage);
    stage.finish();
    return policy;
}

}  // namespace

StageFactory security_headers_stage_factory() {
    return {stage_key, 0, [](const StageBuildContext& context) -> std::shared_ptr<const Stage> {
                auto policy =
                    read_policy(context.section.value_or(empty_section(std::string(stage_key))));
                return std::make_shared<SecurityHeadersStage>(policy);
            }};
}

}  // namespace rampart::pipeline
