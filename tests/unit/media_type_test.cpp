// Content-Type and Accept matching (validate/media_type.hpp), INP-01.
#include <gtest/gtest.h>

#include "validate/media_type.hpp"

namespace {

using namespace rampart::validate;

const std::vector<MediaType> json_types{{"application", "json"}, {"application", "*+json"}};

bool allowed(std::string_view header, const std::vector<MediaType>& types = json_types) {
    auto parsed = parse_content_type(header);
    return parsed && content_type_allowed(*parsed, types);
}

}  // namespace

TEST(MediaType, ParsesConfiguredTypes) {
    auto json = parse_configured_media_type("Application/JSON");
    ASSERT_TRUE(json);
    EXPECT_EQ(json->text(), "application/json");
    EXPECT_TRUE(json->is_json());
    auto suffix = parse_configured_media_type("application/*+json");
    ASSERT_TRUE(suffix);
    EXPECT_TRUE(suffix->is_json());
    auto form = parse_configured_media_type("multipart/form-data");
    ASSERT_TRUE(form);
    EXPECT_FALSE(form->is_json());
    EXPECT_FALSE(parse_configured_media_type("json"));
    EXPECT_FALSE(parse_configured_media_type("*/*"));
    EXPECT_FALSE(parse_configured_media_type("application/*"));
    EXPECT_FALSE(parse_configured_media_type("application/json; charset=utf-8"));
    EXPECT_FALSE(parse_configured_media_type("application/*+"));
}

TEST(MediaType, AcceptsJsonWithAnUtf8CharsetOnly) {
    EXPECT_TRUE(allowed("application/json"));
    EXPECT_TRUE(allowed("APPLICATION/Json"));
    EXPECT_TRUE(allowed("application/json; charset=utf-8"));
    EXPECT_TRUE(allowed("application/json;charset=\"UTF-8\""));
    EXPECT_TRUE(allowed("application/merge-patch+json"));
    EXPECT_FALSE(allowed("application/json; charset=iso-8859-1"));
    EXPECT_FALSE(allowed("application/json; charset=utf-8; x=y"));
    EXPECT_FALSE(allowed("application/json; charset"));
    EXPECT_FALSE(allowed("application/+json"));
    EXPECT_FALSE(allowed("text/plain"));
    EXPECT_FALSE(allowed("application/xml"));
    EXPECT_FALSE(allowed("application/jsonx"));
    EXPECT_FALSE(allowed(""));
    EXPECT_FALSE(allowed("application"));
    EXPECT_FALSE(allowed("application/json/x"));
}

TEST(MediaType, OtherConfiguredTypesKeepTheirParameters) {
    std::vector<MediaType> form{{"multipart", "form-data"}};
    EXPECT_TRUE(allowed("multipart/form-data; boundary=abc", form));
    EXPECT_FALSE(allowed("multipart/form-data; boundary=\"abc", form));
    EXPECT_FALSE(allowed("application/json", form));
}

TEST(MediaType, AcceptIsSatisfiedByAnyCoveringRange) {
    std::vector<MediaType> produced{{"application", "json"}};
    EXPECT_TRUE(accept_allows("", produced));
    EXPECT_TRUE(accept_allows("application/json", produced));
    EXPECT_TRUE(accept_allows("*/*", produced));
    EXPECT_TRUE(accept_allows("application/*;q=0.5", produced));
    EXPECT_TRUE(accept_allows("text/html, application/json;q=0.9", produced));
    EXPECT_FALSE(accept_allows("application/xml", produced));
    EXPECT_FALSE(accept_allows("text/*", produced));
    EXPECT_FALSE(accept_allows("application/json;q=0", produced));
    EXPECT_FALSE(accept_allows("application/json;q=0.000, text/html", produced));
    EXPECT_FALSE(accept_allows("*/json", produced));
    EXPECT_TRUE(accept_allows("application/xml", {}));
}
