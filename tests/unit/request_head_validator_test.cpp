// Byte-level request-head checks: HTTP-03 (space before the colon, \x0b),
// HTTP-05, HTTP-09 (414/431 for the head) and HTTP-14.
#include <gtest/gtest.h>

#include <string>

#include "net/request_head_validator.hpp"

namespace {

using boost::beast::http::status;
using rampart::net::classify_incomplete_head;
using rampart::net::HeadLimits;
using rampart::net::validate_request_head;

constexpr HeadLimits default_limits{8 * 1024, 16 * 1024, 100};

struct HeadCase {
    const char* name;
    std::string head;
    std::optional<status> expected;  // nullopt: accepted
};

void PrintTo(const HeadCase& c, std::ostream* out) {
    *out << c.name;
}

std::string with_host(std::string request_line, std::string fields = "") {
    return request_line + "\r\nHost: a\r\n" + fields + "\r\n";
}

class HeadValidation : public testing::TestWithParam<HeadCase> {};

TEST_P(HeadValidation, GivesTheExpectedVerdict) {
    const HeadCase& c = GetParam();
    auto rejection = validate_request_head(c.head, default_limits);
    if (!c.expected) {
        EXPECT_FALSE(rejection) << "refused with " << rejection->detail;
        return;
    }
    ASSERT_TRUE(rejection) << "accepted";
    EXPECT_EQ(rejection->status, *c.expected) << rejection->detail;
    EXPECT_FALSE(rejection->detail.empty());
}

const HeadCase accepted_heads[] = {
    {"simple_get", "GET / HTTP/1.1\r\nHost: example.com\r\n\r\n", std::nullopt},
    {"http_1_0_without_host", "GET /index.html HTTP/1.0\r\n\r\n", std::nullopt},
    {"real_browser_like",
     "GET /api/v1/users?page=2&sort=-created HTTP/1.1\r\n"
     "Host: api.example.com:8443\r\n"
     "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/115.0\r\n"
     "Accept: application/json, text/plain;q=0.9, */*;q=0.8\r\n"
     "Accept-Language: en-GB,en;q=0.5\r\n"
     "Authorization: Bearer eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln\r\n"
     "Cookie: session=abc; theme=dark\r\n"
     "Connection: keep-alive\r\n\r\n",
     std::nullopt},
    {"post_with_length",
     "POST /orders HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
     "Content-Length: 17\r\n\r\n",
     std::nullopt},
    {"chunked_post", "POST /upload HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n",
     std::nullopt},
    {"absolute_form", "GET http://a/x HTTP/1.1\r\nHost: a\r\n\r\n", std::nullopt},
    {"empty_value", with_host("GET / HTTP/1.1", "X-Empty:\r\n"), std::nullopt},
    {"value_with_inner_tab_and_obs_text", with_host("GET / HTTP/1.1", "X-A: a\tb \xc3\xa9\r\n"),
     std::nullopt},
    {"ows_around_value", with_host("GET / HTTP/1.1", "X-A: \t v \t\r\n"), std::nullopt},
    {"token_chars_in_name", with_host("GET / HTTP/1.1", "X-!#$%&'*+-.^_`|~: 1\r\n"), std::nullopt},
    {"extension_method", with_host("PROPFIND /dav HTTP/1.1"), std::nullopt},
    {"percent_escapes_in_target", with_host("GET /a%20b?q=%2F HTTP/1.1"), std::nullopt},
};
INSTANTIATE_TEST_SUITE_P(Accepted, HeadValidation, testing::ValuesIn(accepted_heads),
                         [](const auto& info) { return std::string(info.param.name); });

const HeadCase request_line_cases[] = {
    // HTTP-14: version grammar.
    {"version_without_minor", with_host("GET / HTTP/1"), status::bad_request},
    {"version_with_leading_zero", with_host("GET / HTTP/01.1"), status::bad_request},
    {"version_trailing_space", with_host("GET / HTTP/1.1 "), status::bad_request},
    {"version_lower_case", with_host("GET / http/1.1"), status::bad_request},
    {"version_missing", with_host("GET /"), status::bad_request},
    {"version_two_digit_minor", with_host("GET / HTTP/1.10"), status::bad_request},
    {"version_2_0", with_host("GET / HTTP/2.0"), status::http_version_not_supported},
    {"version_0_9", with_host("GET / HTTP/0.9"), status::http_version_not_supported},
    {"version_1_2", with_host("GET / HTTP/1.2"), status::http_version_not_supported},
    {"version_3_0_trailing_space", with_host("GET / HTTP/3.0 "), status::bad_request},
    // HTTP-14: target grammar.
    {"asterisk_form", with_host("GET * HTTP/1.1"), status::bad_request},
    {"fragment", with_host("GET /a#frag HTTP/1.1"), status::bad_request},
    {"empty_target", with_host("GET  HTTP/1.1"), status::bad_request},
    {"double_space_after_method", with_host("GET  / HTTP/1.1"), status::bad_request},
    {"double_space_before_version", with_host("GET /  HTTP/1.1"), status::bad_request},
    {"tab_separator", with_host("GET\t/ HTTP/1.1"), status::bad_request},
    {"nul_in_target", with_host(std::string("GET /a\0b HTTP/1.1", 17)), status::bad_request},
    {"non_ascii_in_target", with_host("GET /caf\xc3\xa9 HTTP/1.1"), status::bad_request},
    {"del_in_target", with_host("GET /a\x7f HTTP/1.1"), status::bad_request},
    {"empty_method", with_host(" / HTTP/1.1"), status::bad_request},
    {"method_not_a_token", with_host("G(T / HTTP/1.1"), status::bad_request},
    {"leading_empty_line", "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", status::bad_request},
    {"request_line_ends_with_bare_lf", "GET / HTTP/1.1\nHost: a\r\n\r\n", status::bad_request},
    {"request_line_ends_with_bare_cr", "GET / HTTP/1.1\rHost: a\r\n\r\n", status::bad_request},
    {"target_over_limit", with_host("GET /" + std::string(8 * 1024, 'a') + " HTTP/1.1"),
     status::uri_too_long},
};
INSTANTIATE_TEST_SUITE_P(RequestLine, HeadValidation, testing::ValuesIn(request_line_cases),
                         [](const auto& info) { return std::string(info.param.name); });

const HeadCase field_line_cases[] = {
    // HTTP-05.
    {"obs_fold", with_host("GET / HTTP/1.1", "X-A: 1\r\n b\r\n"), status::bad_request},
    {"obs_fold_tab", with_host("GET / HTTP/1.1", "X-A: 1\r\n\tb\r\n"), status::bad_request},
    {"whitespace_after_request_line", "GET / HTTP/1.1\r\n Host: a\r\n\r\n", status::bad_request},
    {"space_before_colon", "GET / HTTP/1.1\r\nHost : a\r\n\r\n", status::bad_request},
    {"tab_before_colon", "GET / HTTP/1.1\r\nHost\t: a\r\n\r\n", status::bad_request},
    {"te_space_before_colon",
     with_host("POST / HTTP/1.1", "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n"),
     status::bad_request},
    {"bare_cr_in_value", with_host("GET / HTTP/1.1", "X-A: a\rb\r\n"), status::bad_request},
    {"bare_lf_in_value", with_host("GET / HTTP/1.1", "X-A: a\nb\r\n"), status::bad_request},
    {"bare_lf_line_end", with_host("GET / HTTP/1.1", "X-A: a\n"), status::bad_request},
    {"nul_in_value", with_host("GET / HTTP/1.1", std::string("X-A: a\0b\r\n", 10)),
     status::bad_request},
    {"vertical_tab_in_te_value",
     with_host("POST / HTTP/1.1",
               "Transfer-Encoding: \x0b"
               "chunked\r\n"),
     status::bad_request},
    {"del_in_value", with_host("GET / HTTP/1.1", "X-A: a\x7f\r\n"), status::bad_request},
    {"escape_in_value", with_host("GET / HTTP/1.1", "X-A: \x1b[31m\r\n"), status::bad_request},
    {"bracketed_name", with_host("GET / HTTP/1.1", "[bad]: 1\r\n"), status::bad_request},
    {"empty_name", with_host("GET / HTTP/1.1", ": 1\r\n"), status::bad_request},
    {"no_colon", with_host("GET / HTTP/1.1", "NoColonHere\r\n"), status::bad_request},
    {"non_ascii_name", with_host("GET / HTTP/1.1", "X-\xc3\xa9: 1\r\n"), status::bad_request},
    {"missing_final_empty_line", "GET / HTTP/1.1\r\nHost: a\r\n", status::bad_request},
    {"final_line_bare_lf", "GET / HTTP/1.1\r\nHost: a\r\n\n", status::bad_request},
    {"final_line_bare_cr", "GET / HTTP/1.1\r\nHost: a\r\n\r", status::bad_request},
    {"data_after_head", "GET / HTTP/1.1\r\nHost: a\r\n\r\nX", status::bad_request},
    {"truncated_in_name", "GET / HTTP/1.1\r\nHos", status::bad_request},
    {"truncated_in_value", "GET / HTTP/1.1\r\nHost: a", status::bad_request},
};
INSTANTIATE_TEST_SUITE_P(FieldLines, HeadValidation, testing::ValuesIn(field_line_cases),
                         [](const auto& info) { return std::string(info.param.name); });

std::string many_fields(int count) {
    std::string fields;
    for (int i = 0; i < count; ++i) {
        fields += "X-Field-" + std::to_string(i) + ": v\r\n";
    }
    return fields;
}

TEST(HeadLimits, TargetAtTheLimitPassesAndOneMoreByteIs414) {
    HeadLimits limits{16, 1024, 10};
    std::string target = "/" + std::string(15, 'a');
    EXPECT_FALSE(validate_request_head(with_host("GET " + target + " HTTP/1.1"), limits));
    auto rejection = validate_request_head(with_host("GET " + target + "b HTTP/1.1"), limits);
    ASSERT_TRUE(rejection);
    EXPECT_EQ(rejection->status, status::uri_too_long);
}

TEST(HeadLimits, HeaderSectionOverTheLimitIs431) {
    std::string head = with_host("GET / HTTP/1.1");  // section: "Host: a\r\n\r\n", 11 bytes
    EXPECT_FALSE(validate_request_head(head, HeadLimits{64, 11, 10}));
    auto rejection = validate_request_head(head, HeadLimits{64, 10, 10});
    ASSERT_TRUE(rejection);
    EXPECT_EQ(rejection->status, status::request_header_fields_too_large);
}

TEST(HeadLimits, OneHugeFieldIs431) {
    std::string head =
        with_host("GET / HTTP/1.1", "X-Big: " + std::string(64 * 1024, 'x') + "\r\n");
    auto rejection = validate_request_head(head, default_limits);
    ASSERT_TRUE(rejection);
    EXPECT_EQ(rejection->status, status::request_header_fields_too_large);
}

TEST(HeadLimits, FieldCountAtTheLimitPassesAndOneMoreIs431) {
    HeadLimits limits{1024, 64 * 1024, 100};
    EXPECT_FALSE(validate_request_head(with_host("GET / HTTP/1.1", many_fields(99)), limits));
    auto rejection = validate_request_head(with_host("GET / HTTP/1.1", many_fields(100)), limits);
    ASSERT_TRUE(rejection);
    EXPECT_EQ(rejection->status, status::request_header_fields_too_large);
}

TEST(HeadLimits, ThreeHundredFieldsAre431) {
    auto rejection = validate_request_head(with_host("GET / HTTP/1.1", many_fields(300)),
                                           HeadLimits{1024, 1024 * 1024, 100});
    ASSERT_TRUE(rejection);
    EXPECT_EQ(rejection->status, status::request_header_fields_too_large);
}

TEST(IncompleteHead, LongRequestLineWithoutEndIs414) {
    HeadLimits limits{100, 1000, 10};
    std::string partial = "GET /" + std::string(200, 'a');
    auto rejection = classify_incomplete_head(partial, limits);
    ASSERT_TRUE(rejection);
    EXPECT_EQ(rejection->status, status::uri_too_long);
}

TEST(IncompleteHead, SixteenKibUriIs414) {
    std::string partial = "GET /" + std::string(16 * 1024, 'a') + " HTTP/1.1\r\nHost: a\r\n";
    auto rejection = classify_incomplete_head(partial, default_limits);
    ASSERT_TRUE(rejection);
    EXPECT_EQ(rejection->status, status::uri_too_long);
}

TEST(IncompleteHead, ShortRequestLineWithEndlessFieldsIs431) {
    HeadLimits limits{100, 1000, 10};
    std::string partial = "GET /a HTTP/1.1\r\nX-A: " + std::string(2000, 'b');
    auto rejection = classify_incomplete_head(partial, limits);
    ASSERT_TRUE(rejection);
    EXPECT_EQ(rejection->status, status::request_header_fields_too_large);
}

TEST(IncompleteHead, RequestLineJustWithinTheAllowanceIs431) {
    HeadLimits limits{100, 1000, 10};
    std::string partial(164, 'a');
    auto rejection = classify_incomplete_head(partial, limits);
    ASSERT_TRUE(rejection);
    EXPECT_EQ(rejection->status, status::request_header_fields_too_large);
    rejection = classify_incomplete_head(partial + "a", limits);
    ASSERT_TRUE(rejection);
    EXPECT_EQ(rejection->status, status::uri_too_long);
}

TEST(IncompleteHead, CompleteHeadIsNotClassified) {
    EXPECT_FALSE(classify_incomplete_head("GET / HTTP/1.1\r\nHost: a\r\n\r\n", default_limits));
}

}  // namespace
