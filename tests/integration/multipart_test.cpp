// Upload limits through the real binary (issue 5, item 5): the number of parts, the size of a
// part and of the whole upload, and the media types a part may have, refused before anything is
// forwarded; a well-formed upload within the limits reaches the upstream byte for byte.
#include <gtest/gtest.h>

#include <string>

#include "support/gateway.hpp"
#include "support/problem_assertions.hpp"
#include "support/raw_connection.hpp"

namespace rampart::test {
namespace {

const std::string form_type = "multipart/form-data; boundary=----rampart7MA4YWxk";
const std::string delimiter = "------rampart7MA4YWxk";

std::string field(const std::string& name, const std::string& value) {
    return delimiter + "\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value +
           "\r\n";
}

std::string file(const std::string& type, const std::string& content) {
    return delimiter +
           "\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"p\"\r\nContent-Type: " +
           type + "\r\n\r\n" + content + "\r\n";
}

std::string closed(const std::string& parts) {
    return parts + delimiter + "--\r\n";
}

const std::string routes =
    "  - path: /uploads\n    methods: [POST]\n    upstream: app\n    auth: none\n"
    "    max_body_bytes: 64KiB\n"
    "    multipart: {max_parts: 3, max_part_bytes: 4KiB, max_total_bytes: 16KiB,\n"
    "                allowed_types: [text/plain, image/*]}\n";

ParsedResponse upload(const GatewayStack& stack, const std::string& body,
                      const std::string& type = form_type) {
    return https_request(stack.port, "POST", "/uploads", {{"Content-Type", type}}, body);
}

TEST(Multipart, UploadWithinTheLimitsIsForwardedUnchanged) {
    GatewayStack stack(routes);
    auto body = closed(field("title", "holiday") + file("image/jpeg", std::string(3000, 'j')));
    EXPECT_EQ(upload(stack, body).status, 200u);
    ASSERT_EQ(stack.upstream.request_count(), 1u);
    EXPECT_EQ(stack.upstream.requests().at(0).body, body);
}

TEST(Multipart, EachLimitRefusesBeforeForwarding) {
    GatewayStack stack(routes);
    struct Case {
        std::string what;
        std::string body;
        std::string type;
        unsigned status;
    };
    std::string four_fields;
    for (int index = 0; index < 4; ++index) {
        four_fields += field("f" + std::to_string(index), "v");
    }
    std::string three_big;
    for (int index = 0; index < 3; ++index) {
        three_big += file("image/png", std::string(4000, 'x'));
    }
    std::vector<Case> cases = {
        {"too many parts", closed(four_fields), form_type, 400},
        {"a part too large", closed(file("image/png", std::string(5000, 'x'))), form_type, 413},
        {"a type not allowed", closed(file("application/x-msdownload", "MZ")), form_type, 415},
        {"no closing delimiter", field("a", "1"), form_type, 400},
        {"no boundary", closed(field("a", "1")), "multipart/form-data", 400},
        {"not form-data", closed(field("a", "1")), "multipart/mixed; boundary=----rampart7MA4YWxk",
         415},
    };
    for (const auto& refused : cases) {
        auto response = upload(stack, refused.body, refused.type);
        EXPECT_EQ(response.status, refused.status) << refused.what;
        if (response.status == refused.status) {
            expect_problem(response);
        }
    }
    // 12 KiB of parts is within every part's limit, but three of them plus a fourth would not
    // be: the total limit (16 KiB) counts the whole body.
    auto too_much = closed(three_big + file("image/png", std::string(4000, 'y')) +
                           file("image/png", std::string(1000, 'z')));
    EXPECT_EQ(upload(stack, too_much).status, 413u) << "the total limit";
    EXPECT_EQ(stack.upstream.request_count(), 0u) << "a refused upload reached the upstream";
    EXPECT_TRUE(stack.gateway->wait_for_security_log("\"event\":\"multipart_refused\""));
}

TEST(Multipart, OnlyTextFieldsByDefault) {
    GatewayStack stack(
        "  - path: /uploads\n    methods: [POST]\n    upstream: app\n"
        "    auth: none\n    multipart: {}\n");
    EXPECT_EQ(upload(stack, closed(field("a", "1"))).status, 200u);
    EXPECT_EQ(upload(stack, closed(file("image/png", "x"))).status, 415u);
}

}  // namespace
}  // namespace rampart::test
