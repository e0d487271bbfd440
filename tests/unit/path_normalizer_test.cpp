// Path normalisation (HTTP-12, HTTP-14's absolute-form) under each policy.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "net/path_normalizer.hpp"

namespace {

using boost::beast::http::status;
using rampart::config::DotSegmentPolicy;
using rampart::config::PathPolicy;
using rampart::config::SlashPolicy;
using rampart::net::normalize_target;

const PathPolicy default_policy{};
const PathPolicy resolving_policy{SlashPolicy::merge, DotSegmentPolicy::resolve, false, false};
const PathPolicy keeping_policy{SlashPolicy::keep, DotSegmentPolicy::resolve, false, false};
const PathPolicy strict_slashes_policy{SlashPolicy::reject, DotSegmentPolicy::reject, false, false};
const PathPolicy permissive_policy{SlashPolicy::merge, DotSegmentPolicy::resolve, true, true};

struct TargetCase {
    const char* name;
    std::string target;
    const PathPolicy* policy;
    // Expected path and upstream target when accepted; empty path: refused with 400.
    std::string path;
    std::string upstream_target;
};

void PrintTo(const TargetCase& c, std::ostream* out) {
    *out << c.name;
}

class TargetNormalisation : public testing::TestWithParam<TargetCase> {};

TEST_P(TargetNormalisation, GivesTheExpectedPath) {
    const TargetCase& c = GetParam();
    auto normalized = normalize_target(c.target, "api.example.com", *c.policy);
    if (c.path.empty()) {
        ASSERT_FALSE(normalized) << "accepted as " << normalized->path;
        EXPECT_EQ(normalized.error().status, status::bad_request);
        EXPECT_FALSE(normalized.error().detail.empty());
        return;
    }
    ASSERT_TRUE(normalized) << normalized.error().detail;
    EXPECT_EQ(normalized->path, c.path);
    EXPECT_EQ(normalized->upstream_target, c.upstream_target);
}

const TargetCase accepted[] = {
    {"root", "/", &default_policy, "/", "/"},
    {"plain", "/api/v1/users", &default_policy, "/api/v1/users", "/api/v1/users"},
    {"trailing_slash_kept", "/admin/x/", &default_policy, "/admin/x/", "/admin/x/"},
    {"case_preserved", "/ADMIN/X", &default_policy, "/ADMIN/X", "/ADMIN/X"},
    {"query_raw", "/search?q=a%2Fb&x=1", &default_policy, "/search", "/search?q=a%2Fb&x=1"},
    {"empty_query_kept", "/a?", &default_policy, "/a", "/a?"},
    {"query_with_question_marks", "/a?b?c=/..", &default_policy, "/a", "/a?b?c=/.."},
    {"unreserved_escape_decoded", "/%61dmin/x", &default_policy, "/admin/x", "/admin/x"},
    {"space_reencoded", "/a%20b", &default_policy, "/a b", "/a%20b"},
    {"double_encoded_is_single_decoded", "/a%252F", &default_policy, "/a%2F", "/a%252F"},
    {"percent_reencoded", "/100%25", &default_policy, "/100%", "/100%25"},
    {"question_mark_reencoded", "/what%3F", &default_policy, "/what?", "/what%3F"},
    {"hash_reencoded", "/c%23", &default_policy, "/c#", "/c%23"},
    {"utf8_reencoded", "/caf%C3%A9", &default_policy, "/caf\xc3\xa9", "/caf%C3%A9"},
    {"lower_case_escape_upper_cased", "/caf%c3%a9", &default_policy, "/caf\xc3\xa9", "/caf%C3%A9"},
    {"sub_delims_kept", "/a:b@c!$&'()*+,=", &default_policy,
     "/a:b@c!$&'()*+,=", "/a:b@c!$&'()*+,="},
    {"raw_brace_reencoded", "/a{b}", &default_policy, "/a{b}", "/a%7Bb%7D"},
    {"dot_inside_segment", "/a.b/..c/c..", &default_policy, "/a.b/..c/c..", "/a.b/..c/c.."},
    {"absolute_form_same_host", "http://api.example.com/x?y=1", &default_policy, "/x", "/x?y=1"},
    {"absolute_form_https_upper_case", "HTTPS://API.EXAMPLE.COM/x", &default_policy, "/x", "/x"},
    {"absolute_form_without_path", "http://api.example.com", &default_policy, "/", "/"},
    {"absolute_form_query_only", "http://api.example.com?q", &default_policy, "/", "/?q"},
    // Repeated slashes.
    {"merge_leading", "//admin/x", &default_policy, "/admin/x", "/admin/x"},
    {"merge_inner", "/a///b", &default_policy, "/a/b", "/a/b"},
    {"merge_trailing", "/a//", &default_policy, "/a/", "/a/"},
    {"merge_only_slashes", "///", &default_policy, "/", "/"},
    {"keep_leading", "//admin/x", &keeping_policy, "//admin/x", "//admin/x"},
    {"keep_trailing", "/a//", &keeping_policy, "/a//", "/a//"},
    // Dot segments, resolved (RFC 3986 §5.2.4).
    {"resolve_dot", "/./admin/x", &resolving_policy, "/admin/x", "/admin/x"},
    {"resolve_dot_dot", "/api/../admin/x", &resolving_policy, "/admin/x", "/admin/x"},
    {"resolve_encoded_dots", "/api/%2E%2e/admin", &resolving_policy, "/admin", "/admin"},
    {"resolve_trailing_dot", "/a/b/.", &resolving_policy, "/a/b/", "/a/b/"},
    {"resolve_trailing_dot_dot", "/a/b/..", &resolving_policy, "/a/", "/a/"},
    {"resolve_to_root", "/a/..", &resolving_policy, "/", "/"},
    {"resolve_dot_at_root", "/.", &resolving_policy, "/", "/"},
    {"resolve_with_merge", "/a//../b", &resolving_policy, "/b", "/b"},
    {"resolve_with_keep", "/a//../b", &keeping_policy, "/a/b", "/a/b"},
    {"resolve_keep_to_root", "//..", &keeping_policy, "/", "/"},
    // Policies that allow ';' and '\'.
    {"semicolon_allowed", "/admin;a=b/x", &permissive_policy, "/admin;a=b/x", "/admin;a=b/x"},
    {"encoded_semicolon_allowed", "/a%3Bb", &permissive_policy, "/a;b", "/a;b"},
    {"backslash_allowed", "/a\\b", &permissive_policy, "/a\\b", "/a%5Cb"},
    {"encoded_backslash_allowed", "/a%5Cb", &permissive_policy, "/a\\b", "/a%5Cb"},
};
INSTANTIATE_TEST_SUITE_P(Accepted, TargetNormalisation, testing::ValuesIn(accepted),
                         [](const auto& info) { return std::string(info.param.name); });

const TargetCase refused[] = {
    // HTTP-12 bypass attempts that cannot be normalised safely.
    {"dot_segment_reject_policy", "/./admin/x", &default_policy, "", ""},
    {"dot_dot_reject_policy", "/api/../admin/x", &default_policy, "", ""},
    {"encoded_dot_dot_reject_policy", "/api/%2e%2E/admin", &default_policy, "", ""},
    {"encoded_dot_reject_policy", "/%2E/admin", &default_policy, "", ""},
    {"trailing_dot_dot_reject_policy", "/admin/..", &default_policy, "", ""},
    {"encoded_slash_upper", "/admin%2Fx", &default_policy, "", ""},
    {"encoded_slash_lower", "/admin%2fx", &permissive_policy, "", ""},
    {"semicolon", "/admin;a=b/x", &default_policy, "", ""},
    {"encoded_semicolon", "/admin%3Bx", &default_policy, "", ""},
    {"encoded_nul", "/admin/x%00", &permissive_policy, "", ""},
    {"encoded_newline", "/a%0Ab", &permissive_policy, "", ""},
    {"encoded_cr", "/a%0db", &permissive_policy, "", ""},
    {"encoded_tab", "/a%09b", &permissive_policy, "", ""},
    {"encoded_del", "/a%7Fb", &permissive_policy, "", ""},
    {"backslash", "/admin\\x", &default_policy, "", ""},
    {"encoded_backslash", "/admin%5Cx", &default_policy, "", ""},
    {"dot_dot_above_root", "/..", &resolving_policy, "", ""},
    {"dot_dot_above_root_later", "/a/../..", &resolving_policy, "", ""},
    {"dot_dot_above_root_with_dot", "/./../a", &resolving_policy, "", ""},
    {"encoded_dot_dot_above_root", "/%2e%2e/etc/passwd", &permissive_policy, "", ""},
    {"repeated_slashes_reject_policy", "//admin/x", &strict_slashes_policy, "", ""},
    {"trailing_repeated_slashes_reject_policy", "/a//", &strict_slashes_policy, "", ""},
    // Malformed escapes and invalid UTF-8.
    {"truncated_escape", "/a%2", &default_policy, "", ""},
    {"escape_at_end", "/a%", &default_policy, "", ""},
    {"non_hex_escape", "/a%zz", &default_policy, "", ""},
    {"overlong_slash", "/a%C0%AFb", &permissive_policy, "", ""},
    {"overlong_dot", "/%C0%AE%C0%AE/x", &permissive_policy, "", ""},
    {"lone_continuation_byte", "/a%80", &default_policy, "", ""},
    {"truncated_sequence", "/caf%C3", &default_policy, "", ""},
    {"surrogate", "/%ED%A0%80", &default_policy, "", ""},
    {"above_unicode_range", "/%F4%90%80%80", &default_policy, "", ""},
    {"invalid_lead_byte", "/%FF", &default_policy, "", ""},
    // Target forms.
    {"empty", "", &default_policy, "", ""},
    {"relative", "admin/x", &default_policy, "", ""},
    {"asterisk", "*", &default_policy, "", ""},
    {"authority_form", "api.example.com:443", &default_policy, "", ""},
    {"other_scheme", "ftp://api.example.com/x", &default_policy, "", ""},
    {"absolute_form_other_host", "https://other.host/", &default_policy, "", ""},
    {"absolute_form_host_suffix", "http://api.example.com.evil/x", &default_policy, "", ""},
    {"absolute_form_userinfo", "http://user@api.example.com/x", &default_policy, "", ""},
    {"absolute_form_other_port", "http://api.example.com:8080/x", &default_policy, "", ""},
    {"absolute_form_empty_authority", "http:///x", &default_policy, "", ""},
    {"absolute_form_dot_dot", "http://api.example.com/a/../../x", &resolving_policy, "", ""},
    {"raw_space", "/a b", &default_policy, "", ""},
    {"raw_nul", std::string("/a\0b", 4), &default_policy, "", ""},
    {"raw_non_ascii", "/caf\xc3\xa9", &default_policy, "", ""},
    {"raw_fragment", "/a#b", &default_policy, "", ""},
    {"fragment_in_query", "/a?b#c", &default_policy, "", ""},
    {"control_in_query", "/a?b\x01", &default_policy, "", ""},
};
INSTANTIATE_TEST_SUITE_P(Refused, TargetNormalisation, testing::ValuesIn(refused),
                         [](const auto& info) { return std::string(info.param.name); });

// HTTP-12: every variant of /admin/x either normalises to exactly the path a
// route for /admin/... would see, or is refused; none becomes another path
// that could dodge the /admin rule yet reach /admin upstream.
TEST(PathBypass, EveryAdminVariantIsRefusedOrStaysUnderAdmin) {
    const std::string variants[] = {"/ADMIN/x",        "//admin/x",   "/./admin/x",
                                    "/api/../admin/x", "/%61dmin/x",  "/admin%2fx",
                                    "/admin;a=b/x",    "/admin/x%00", "/admin/x/"};
    for (const PathPolicy* policy :
         {&default_policy, &resolving_policy, &keeping_policy, &strict_slashes_policy}) {
        for (const auto& variant : variants) {
            auto normalized = normalize_target(variant, "a", *policy);
            if (!normalized) {
                continue;
            }
            const std::string& path = normalized->path;
            bool under_admin = path.rfind("/admin/", 0) == 0;
            bool distinct_case = path.rfind("/ADMIN/", 0) == 0;  // another route, case-sensitive
            bool kept_double_slash = policy == &keeping_policy && path == "//admin/x";
            EXPECT_TRUE(under_admin || distinct_case || kept_double_slash)
                << variant << " -> " << path;
            // Whatever is routed is what goes upstream.
            auto again = normalize_target(normalized->upstream_target, "a", *policy);
            ASSERT_TRUE(again) << normalized->upstream_target;
            EXPECT_EQ(again->path, path);
        }
    }
}

TEST(PathBypass, UpstreamTargetRoundTripsThroughNormalisation) {
    for (const char* target : {"/a%20b/c%25d/%E2%82%AC", "/x%3Fy%23z", "/a%5Cb", "/a;b/c:d@e"}) {
        auto first = normalize_target(target, "a", permissive_policy);
        ASSERT_TRUE(first) << target;
        auto second = normalize_target(first->upstream_target, "a", permissive_policy);
        ASSERT_TRUE(second) << first->upstream_target;
        EXPECT_EQ(second->path, first->path);
        EXPECT_EQ(second->upstream_target, first->upstream_target);
    }
}

TEST(PathBypass, QueryIsReturnedWithoutTheQuestionMark) {
    auto normalized = normalize_target("/a?x=%20&y", "a", default_policy);
    ASSERT_TRUE(normalized);
    EXPECT_EQ(normalized->query, "x=%20&y");
    auto without = normalize_target("/a", "a", default_policy);
    ASSERT_TRUE(without);
    EXPECT_EQ(without->query, "");
    EXPECT_EQ(without->upstream_target, "/a");
}

}  // namespace

namespace {

// Exactly-sized buffers, so that an ASan build catches a comparison reading
// past the end (Boost 1.81's beast::iequals does, on a case-only difference).
TEST(PathBypass, CaseInsensitiveSchemeAndHostStayInsideTheirBuffers) {
    const std::string_view target_text = "hTtp://API.example.coM";
    std::vector<char> target(target_text.begin(), target_text.end());
    const std::string_view host_text = "api.example.com";
    std::vector<char> host(host_text.begin(), host_text.end());
    auto normalized = normalize_target(std::string_view(target.data(), target.size()),
                                       std::string_view(host.data(), host.size()), default_policy);
    ASSERT_TRUE(normalized);
    EXPECT_EQ(normalized->path, "/");
    std::vector<char> scheme_only{'H', 't', 'T', 'p', ':', '/', '/'};
    EXPECT_FALSE(normalize_target(std::string_view(scheme_only.data(), scheme_only.size()),
                                  "api.example.com", default_policy));
}

}  // namespace
