#include "pipeline/stages/deprecation.hpp"

#include <boost/url/parse.hpp>

#include <array>
#include <charconv>
#include <cstdio>

#include "pipeline/problem.hpp"

namespace rampart::pipeline {

namespace {

using namespace std::chrono;

constexpr std::string_view stage_key = "deprecated";
constexpr std::string_view gone_detail =
    "This API version has been retired. The Link header points to its documentation and "
    "successor.";

struct DeprecationHeaders {
    std::optional<sys_seconds> sunset;
    std::string deprecation_value;            // "@1735689600"
    std::optional<std::string> sunset_value;  // IMF-fixdate
    std::string link_value;  // <doc>; rel="deprecation"[, <next>; rel="successor-version"]
};

class DeprecationStage final : public Stage {
  public:
    explicit DeprecationStage(DeprecationHeaders headers) : headers_(std::move(headers)) {}

    std::string_view name() const override { return stage_key; }

    Verdict on_request_head(Exchange& exchange) const override {
        if (headers_.sunset && exchange.wall_clock_start >= *headers_.sunset) {
            // on_response adds the Link to the successor to this refusal too.
            set_problem(exchange, http::status::gone, gone_detail);
            return Verdict::respond;
        }
        return Verdict::proceed;
    }

    void on_response(Exchange& exchange) const override {
        auto& response = exchange.response;
        response.set("Deprecation", headers_.deprecation_value);
        if (headers_.sunset_value) {
            response.set("Sunset", *headers_.sunset_value);
        }
        add_link(response);
    }

  private:
    // One Link field: the upstream's links first, then ours.
    void add_link(Response& response) const {
        std::string merged;
        auto [first_link, end_of_links] = response.equal_range(http::field::link);
        for (auto field = first_link; field != end_of_links; ++field) {
            merged.append(field->value().data(), field->value().size());
            merged += ", ";
        }
        merged += headers_.link_value;
        response.set(http::field::link, merged);
    }

    DeprecationHeaders headers_;
};

// Reads `count` decimal digits at `position`; null unless all are digits.
std::optional<int> read_digits(std::string_view text, std::size_t position, std::size_t count) {
    if (position + count > text.size()) {
        return std::nullopt;
    }
    int value = 0;
    for (std::size_t index = position; index < position + count; ++index) {
        if (text[index] < '0' || text[index] > '9') {
            return std::nullopt;
        }
        value = value * 10 + (text[index] - '0');
    }
    return value;
}

bool has_character_at(std::string_view text, std::size_t position, std::string_view allowed) {
    return position < text.size() && allowed.find(text[position]) != std::string_view::npos;
}

std::optional<sys_days> parse_date(std::string_view text) {
    auto year_number = read_digits(text, 0, 4);
    auto month_number = read_digits(text, 5, 2);
    auto day_number = read_digits(text, 8, 2);
    if (!year_number || !month_number || !day_number || !has_character_at(text, 4, "-") ||
        !has_character_at(text, 7, "-") || *year_number < 1970) {
        return std::nullopt;
    }
    year_month_day date{year{*year_number}, month{static_cast<unsigned>(*month_number)},
                        day{static_cast<unsigned>(*day_number)}};
    if (!date.ok()) {
        return std::nullopt;
    }
    return sys_days{date};
}

// "HH:MM" at `position` as a duration; null when out of range.
std::optional<minutes> parse_hours_minutes(std::string_view text, std::size_t position) {
    auto hour = read_digits(text, position, 2);
    auto minute = read_digits(text, position + 3, 2);
    if (!hour || !minute || !has_character_at(text, position + 2, ":") || *hour > 23 ||
        *minute > 59) {
        return std::nullopt;
    }
    return hours{*hour} + minutes{*minute};
}

// The time zone suffix at `position` ("Z", "+02:00", "-05:30") as the offset
// to subtract from local time; null unless it ends the text.
std::optional<minutes> parse_utc_offset(std::string_view text, std::size_t position) {
    if (has_character_at(text, position, "Zz")) {
        return position + 1 == text.size() ? std::optional<minutes>(0) : std::nullopt;
    }
    if (!has_character_at(text, position, "+-") || position + 6 != text.size()) {
        return std::nullopt;
    }
    auto offset = parse_hours_minutes(text, position + 1);
    if (!offset) {
        return std::nullopt;
    }
    return text[position] == '-' ? -*offset : *offset;
}

std::string link_header_value(const std::string& documentation,
                              const std::optional<std::string>& successor) {
    auto value = "<" + documentation + ">; rel=\"deprecation\"";
    if (successor) {
        value += ", <" + *successor + ">; rel=\"successor-version\"";
    }
    return value;
}

// http(s) URLs with a host and no user information. A parsed URI never
// contains "<", ">" or whitespace, so it is safe inside a Link field.
std::optional<std::string> read_link_url(const config::Section& stage, std::string_view key) {
    auto text = stage.optional_string(key);
    if (!text) {
        return std::nullopt;
    }
    auto url = boost::urls::parse_absolute_uri(*text);
    bool usable = url && (url->scheme() == "https" || url->scheme() == "http") &&
                  url->has_authority() && !url->encoded_host().empty() && !url->has_userinfo();
    if (!usable) {
        stage.fail(key, "must be an https:// or http:// URL (got \"" + *text + "\")");
    }
    return text;
}

std::optional<sys_seconds> read_optional_instant(const config::Section& stage,
                                                 std::string_view key) {
    auto text = stage.optional_string(key);
    if (!text) {
        return std::nullopt;
    }
    auto instant = parse_config_instant(*text);
    if (!instant) {
        stage.fail(key,
                   "must be a date such as 2025-06-30 or an RFC 3339 date-time such as "
                   "2025-06-30T12:00:00Z (got \"" +
                       *text + "\")");
    }
    return instant;
}

DeprecationHeaders read_headers(const config::Section& stage) {
    DeprecationHeaders headers;
    auto since = read_optional_instant(stage, "since");
    if (!since) {
        stage.fail("since", "is required: the date the version was deprecated");
    }
    headers.sunset = read_optional_instant(stage, "sunset");
    if (headers.sunset) {
        if (*headers.sunset < *since) {
            stage.fail("sunset", "must not be earlier than since (RFC 9745)");
        }
    }
    auto documentation = read_link_url(stage, "link");
    if (!documentation) {
        stage.fail("link", "is required: the URL of the deprecation notice");
    }
    auto successor = read_link_url(stage, "successor");
    stage.finish();
    headers.deprecation_value = "@" + std::to_string(since->time_since_epoch().count());
    if (headers.sunset) {
        headers.sunset_value = format_imf_fixdate(*headers.sunset);
    }
    headers.link_value = link_header_value(*documentation, successor);
    return headers;
}

}  // namespace

std::optional<sys_seconds> parse_config_instant(std::string_view text) {
    auto date = parse_date(text);
    if (!date || text.size() < 10) {
        return std::nullopt;
    }
    if (text.size() == 10) {
        return sys_seconds{*date};
    }
    auto time_of_day = parse_hours_minutes(text, 11);
    auto second = read_digits(text, 17, 2);
    if (!has_character_at(text, 10, "Tt") || !time_of_day || !has_character_at(text, 16, ":") ||
        !second || *second > 59) {
        return std::nullopt;
    }
    std::size_t position = 19;
    if (has_character_at(text, position, ".")) {
        ++position;
        auto first_digit = position;
        while (has_character_at(text, position, "0123456789")) {
            ++position;
        }
        if (position == first_digit) {
            return std::nullopt;
        }
    }
    auto offset = parse_utc_offset(text, position);
    if (!offset) {
        return std::nullopt;
    }
    return sys_seconds{*date} + *time_of_day + seconds{*second} - *offset;
}

std::string format_imf_fixdate(sys_seconds instant) {
    static constexpr std::array<const char*, 7> weekday_names = {"Sun", "Mon", "Tue", "Wed",
                                                                 "Thu", "Fri", "Sat"};
    static constexpr std::array<const char*, 12> month_names = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    auto day_start = floor<days>(instant);
    year_month_day date{day_start};
    hh_mm_ss time{instant - day_start};
    std::array<char, 32> buffer{};
    std::snprintf(buffer.data(), buffer.size(), "%s, %02u %s %04d %02d:%02d:%02d GMT",
                  weekday_names[weekday{day_start}.c_encoding()], static_cast<unsigned>(date.day()),
                  month_names[static_cast<unsigned>(date.month()) - 1],
                  static_cast<int>(date.year()), static_cast<int>(time.hours().count()),
                  static_cast<int>(time.minutes().count()),
                  static_cast<int>(time.seconds().count()));
    return buffer.data();
}

StageFactory deprecation_stage_factory() {
    return {stage_key, 40, [](const StageBuildContext& context) -> std::shared_ptr<const Stage> {
                if (!context.section) {
                    return nullptr;
                }
                return std::make_shared<DeprecationStage>(read_headers(*context.section));
            }};
}

}  // namespace rampart::pipeline
