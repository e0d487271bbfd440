// Reading multipart/form-data bodies for the upload limits: parts, their media types and sizes,
// and the bodies that are refused as malformed.
#include <gtest/gtest.h>

#include <string>

#include "validate/multipart_reader.hpp"

namespace {

using rampart::validate::MultipartProblem;
using rampart::validate::read_multipart;

const std::string form_type = "multipart/form-data; boundary=XyZ";

std::string field(const std::string& name, const std::string& value) {
    return "--XyZ\r\nContent-Disposition: form-data; name=\"" + name + "\"\r\n\r\n" + value +
           "\r\n";
}

std::string file(const std::string& name, const std::string& type, const std::string& content) {
    return "--XyZ\r\nContent-Disposition: form-data; name=\"" + name +
           "\"; filename=\"a.bin\"\r\nContent-Type: " + type + "\r\n\r\n" + content + "\r\n";
}

const std::string closing = "--XyZ--\r\n";

TEST(MultipartReader, ReadsFieldsAndFilesWithTypesAndSizes) {
    auto body =
        field("title", "holiday") + file("photo", "Image/PNG", std::string(1000, 'p')) + closing;
    auto upload = read_multipart(form_type, body, 16);
    ASSERT_EQ(upload.problem, MultipartProblem::none);
    ASSERT_EQ(upload.parts.size(), 2u);
    EXPECT_EQ(upload.parts[0].media_type, "text/plain");
    EXPECT_EQ(upload.parts[0].field_name, "title");
    EXPECT_FALSE(upload.parts[0].is_file);
    EXPECT_EQ(upload.parts[0].bytes, 7u);
    EXPECT_EQ(upload.parts[1].media_type, "image/png");
    EXPECT_TRUE(upload.parts[1].is_file);
    EXPECT_EQ(upload.parts[1].bytes, 1000u);
}

TEST(MultipartReader, CountsPartsAgainstTheMaximum) {
    std::string body;
    for (int index = 0; index < 5; ++index) {
        body += field("f" + std::to_string(index), "v");
    }
    body += closing;
    EXPECT_EQ(read_multipart(form_type, body, 5).problem, MultipartProblem::none);
    EXPECT_EQ(read_multipart(form_type, body, 4).problem, MultipartProblem::too_many_parts);
}

TEST(MultipartReader, RefusesWhatIsNotAWellFormedForm) {
    auto body = field("a", "1") + closing;
    EXPECT_EQ(read_multipart("multipart/mixed; boundary=XyZ", body, 16).problem,
              MultipartProblem::not_multipart);
    EXPECT_EQ(read_multipart("multipart/form-data", body, 16).problem,
              MultipartProblem::missing_boundary);
    EXPECT_EQ(read_multipart(form_type, field("a", "1"), 16).problem, MultipartProblem::malformed)
        << "no closing delimiter";
    EXPECT_EQ(read_multipart(form_type, closing, 16).problem, MultipartProblem::malformed)
        << "no part at all";
    auto nested = std::string("--XyZ\r\nContent-Disposition: form-data; name=\"files\"\r\n") +
                  "Content-Type: multipart/mixed; boundary=Inner\r\n\r\n" +
                  "--Inner\r\nContent-Type: text/plain\r\n\r\nx\r\n--Inner--\r\n\r\n" + closing;
    EXPECT_EQ(read_multipart(form_type, nested, 16).problem, MultipartProblem::nested);
}

}  // namespace
