// Framing and Host checks on parsed headers (HTTP-01..HTTP-04, HTTP-06,
// HTTP-13's override fields), and what Beast 1.81's own parser accepts: the
// session relies on check_framing, not on Beast, for every case below.
#include <gtest/gtest.h>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "net/framing.hpp"
#include "net/request_head_validator.hpp"

namespace {

namespace http = boost::beast::http;
using http::status;
using rampart::net::check_framing;
using rampart::net::is_method_override_header;

struct FramingCase {
    const char* name;
    unsigned version;
    std::vector<std::pair<std::string, std::string>> fields;
    std::optional<status> expected;  // nullopt: accepted
};

void PrintTo(const FramingCase& c, std::ostream* out) {
    *out << c.name;
}

// Built field by field rather than parsed, so that check_framing is tested on
// exactly these fields even where Beast's parser would refuse them itself.
http::request_header<> make_header(const FramingCase& c) {
    http::request_header<> header;
    header.method(http::verb::post);
    header.target("/echo");
    header.version(c.version);
    for (const auto& [name, value] : c.fields) {
        header.insert(name, value);
    }
    return header;
}

class Framing : public testing::TestWithParam<FramingCase> {};

TEST_P(Framing, GivesTheExpectedVerdict) {
    const FramingCase& c = GetParam();
    auto rejection = check_framing(make_header(c));
    if (!c.expected) {
        EXPECT_FALSE(rejection) << "refused with " << rejection->detail;
        return;
    }
    ASSERT_TRUE(rejection) << "accepted";
    EXPECT_EQ(rejection->status, *c.expected) << rejection->detail;
}

const FramingCase accepted[] = {
    {"get_with_host", 11, {{"Host", "a"}}, std::nullopt},
    {"host_with_port", 11, {{"Host", "api.example.com:8443"}}, std::nullopt},
    {"host_ipv4", 11, {{"Host", "127.0.0.1:8080"}}, std::nullopt},
    {"host_ipv6", 11, {{"Host", "[::1]:8443"}}, std::nullopt},
    {"host_ipv6_without_port", 11, {{"Host", "[2001:db8::1]"}}, std::nullopt},
    {"host_with_underscore", 11, {{"Host", "my_service.internal"}}, std::nullopt},
    {"content_length", 11, {{"Host", "a"}, {"Content-Length", "17"}}, std::nullopt},
    {"content_length_zero", 11, {{"Host", "a"}, {"Content-Length", "0"}}, std::nullopt},
    {"content_length_max_uint64",
     11,
     {{"Host", "a"}, {"Content-Length", "18446744073709551615"}},
     std::nullopt},
    {"chunked", 11, {{"Host", "a"}, {"Transfer-Encoding", "chunked"}}, std::nullopt},
    {"chunked_upper_case", 11, {{"Host", "a"}, {"Transfer-Encoding", "CHUNKED"}}, std::nullopt},
    {"http_1_0_without_host", 10, {}, std::nullopt},
    {"http_1_0_with_length", 10, {{"Content-Length", "3"}}, std::nullopt},
};
INSTANTIATE_TEST_SUITE_P(Accepted, Framing, testing::ValuesIn(accepted),
                         [](const auto& info) { return std::string(info.param.name); });

const FramingCase smuggling[] = {
    // HTTP-01 / HTTP-02: CL.TE and TE.CL, in both field orders.
    {"cl_then_te",
     11,
     {{"Host", "a"}, {"Content-Length", "6"}, {"Transfer-Encoding", "chunked"}},
     status::bad_request},
    {"te_then_cl",
     11,
     {{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Content-Length", "3"}},
     status::bad_request},
    // HTTP-03: obfuscated or invalid Transfer-Encoding (each with a Content-Length).
    {"te_xchunked",
     11,
     {{"Host", "a"}, {"Transfer-Encoding", "xchunked"}, {"Content-Length", "5"}},
     status::bad_request},
    {"te_chunked_identity",
     11,
     {{"Host", "a"}, {"Transfer-Encoding", "chunked, identity"}, {"Content-Length", "5"}},
     status::bad_request},
    {"te_leading_comma",
     11,
     {{"Host", "a"}, {"Transfer-Encoding", ", chunked"}, {"Content-Length", "5"}},
     status::bad_request},
    {"te_twice_different",
     11,
     {{"Host", "a"},
      {"Transfer-Encoding", "chunked"},
      {"Transfer-Encoding", "identity"},
      {"Content-Length", "5"}},
     status::bad_request},
    {"te_vertical_tab",
     11,
     {{"Host", "a"},
      {"Transfer-Encoding",
       "\x0b"
       "chunked"},
      {"Content-Length", "5"}},
     status::bad_request},
    {"te_on_http_1_0",
     10,
     {{"Transfer-Encoding", "chunked"}, {"Content-Length", "5"}},
     status::bad_request},
    {"te_empty",
     11,
     {{"Host", "a"}, {"Transfer-Encoding", ""}, {"Content-Length", "5"}},
     status::bad_request},
    // Without a Content-Length.
    {"te_chunked_identity_alone",
     11,
     {{"Host", "a"}, {"Transfer-Encoding", "chunked, identity"}},
     status::bad_request},
    {"te_gzip_chunked",
     11,
     {{"Host", "a"}, {"Transfer-Encoding", "gzip, chunked"}},
     status::bad_request},
    {"te_twice_chunked",
     11,
     {{"Host", "a"}, {"Transfer-Encoding", "chunked"}, {"Transfer-Encoding", "chunked"}},
     status::bad_request},
    {"te_chunked_on_http_1_0_alone", 10, {{"Transfer-Encoding", "chunked"}}, status::bad_request},
    {"te_empty_alone", 11, {{"Host", "a"}, {"Transfer-Encoding", ""}}, status::bad_request},
    {"te_quoted", 11, {{"Host", "a"}, {"Transfer-Encoding", "\"chunked\""}}, status::bad_request},
    {"te_unknown_coding",
     11,
     {{"Host", "a"}, {"Transfer-Encoding", "gzip"}},
     status::not_implemented},
    // HTTP-04: invalid or conflicting Content-Length.
    {"cl_two_lines_different",
     11,
     {{"Host", "a"}, {"Content-Length", "5"}, {"Content-Length", "6"}},
     status::bad_request},
    {"cl_two_lines_same",
     11,
     {{"Host", "a"}, {"Content-Length", "5"}, {"Content-Length", "5"}},
     status::bad_request},
    {"cl_list_different", 11, {{"Host", "a"}, {"Content-Length", "5, 6"}}, status::bad_request},
    {"cl_list_same", 11, {{"Host", "a"}, {"Content-Length", "5, 5"}}, status::bad_request},
    {"cl_plus", 11, {{"Host", "a"}, {"Content-Length", "+5"}}, status::bad_request},
    {"cl_minus_one", 11, {{"Host", "a"}, {"Content-Length", "-1"}}, status::bad_request},
    {"cl_minus_zero", 11, {{"Host", "a"}, {"Content-Length", "-0"}}, status::bad_request},
    {"cl_hex", 11, {{"Host", "a"}, {"Content-Length", "0x5"}}, status::bad_request},
    {"cl_inner_space", 11, {{"Host", "a"}, {"Content-Length", "5 5"}}, status::bad_request},
    {"cl_underscore", 11, {{"Host", "a"}, {"Content-Length", "5_0"}}, status::bad_request},
    {"cl_overflow",
     11,
     {{"Host", "a"}, {"Content-Length", "18446744073709551616"}},
     status::bad_request},
    {"cl_huge_overflow",
     11,
     {{"Host", "a"}, {"Content-Length", "99999999999999999999999"}},
     status::bad_request},
    {"cl_empty", 11, {{"Host", "a"}, {"Content-Length", ""}}, status::bad_request},
    {"cl_decimal_point", 11, {{"Host", "a"}, {"Content-Length", "5.0"}}, status::bad_request},
    // HTTP-06: Host.
    {"no_host", 11, {}, status::bad_request},
    {"two_hosts_same", 11, {{"Host", "a"}, {"Host", "a"}}, status::bad_request},
    {"two_hosts_http_1_0", 10, {{"Host", "a"}, {"Host", "b"}}, status::bad_request},
    {"host_list", 11, {{"Host", "a, b"}}, status::bad_request},
    {"host_comma_no_space", 11, {{"Host", "a,b"}}, status::bad_request},
    {"host_userinfo", 11, {{"Host", "user@a"}}, status::bad_request},
    {"host_path", 11, {{"Host", "a/path"}}, status::bad_request},
    {"host_empty", 11, {{"Host", ""}}, status::bad_request},
    {"host_space", 11, {{"Host", "a b"}}, status::bad_request},
    {"host_empty_port", 11, {{"Host", "a:"}}, status::bad_request},
    {"host_port_not_digits", 11, {{"Host", "a:http"}}, status::bad_request},
    {"host_port_too_big", 11, {{"Host", "a:65536"}}, status::bad_request},
    {"host_only_port", 11, {{"Host", ":80"}}, status::bad_request},
    {"host_two_ports", 11, {{"Host", "a:80:90"}}, status::bad_request},
    {"host_signed_port", 11, {{"Host", "a:+80"}}, status::bad_request},
    {"host_ipv4_with_userinfo", 11, {{"Host", "x@127.0.0.1:80"}}, status::bad_request},
    {"host_unclosed_ipv6", 11, {{"Host", "[::1"}}, status::bad_request},
    {"host_ipvfuture", 11, {{"Host", "[v1.x]"}}, status::bad_request},
    {"host_percent_encoded", 11, {{"Host", "a%2Fb"}}, status::bad_request},
    {"host_backslash", 11, {{"Host", "a\\b"}}, status::bad_request},
    {"host_invalid_on_http_1_0", 10, {{"Host", "user@a"}}, status::bad_request},
};
INSTANTIATE_TEST_SUITE_P(Refused, Framing, testing::ValuesIn(smuggling),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(MethodOverride, RecognisesTheThreeFieldsInAnyCase) {
    EXPECT_TRUE(is_method_override_header("X-HTTP-Method-Override"));
    EXPECT_TRUE(is_method_override_header("x-http-method-override"));
    EXPECT_TRUE(is_method_override_header("X-HTTP-Method"));
    EXPECT_TRUE(is_method_override_header("X-METHOD-OVERRIDE"));
    EXPECT_FALSE(is_method_override_header("X-HTTP-Methods"));
    EXPECT_FALSE(is_method_override_header("X-Method"));
    EXPECT_FALSE(is_method_override_header("Method"));
    EXPECT_FALSE(is_method_override_header(""));
}

// ---------------------------------------------------------------------------
// What Beast 1.81's request_parser does on its own. These pin the library's
// behaviour: if an upgrade changes it, the test says so. Rampart's safety
// never depends on the "accepts" cases, which the checks above refuse.

struct BeastOutcome {
    boost::beast::error_code error;
    bool header_done = false;
    bool done = false;
    std::string body;
};

BeastOutcome parse_with_beast(std::string_view bytes) {
    http::request_parser<http::string_body> parser;
    parser.eager(true);
    parser.header_limit(64 * 1024);
    parser.body_limit(1024 * 1024);
    BeastOutcome outcome;
    parser.put(boost::asio::buffer(bytes.data(), bytes.size()), outcome.error);
    outcome.header_done = parser.is_header_done();
    outcome.done = parser.is_done();
    if (outcome.done) {
        outcome.body = parser.get().body();
    }
    return outcome;
}

TEST(BeastParser, RefusesClThenChunked) {
    auto outcome = parse_with_beast(
        "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n"
        "\r\n0\r\n\r\nG");
    EXPECT_EQ(outcome.error, http::error::bad_transfer_encoding);
}

TEST(BeastParser, RefusesChunkedThenCl) {
    auto outcome = parse_with_beast(
        "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n"
        "\r\n8\r\nSMUGGLED\r\n0\r\n\r\n");
    EXPECT_EQ(outcome.error, http::error::bad_content_length);
}

TEST(BeastParser, AcceptsUnknownCodingNextToContentLengthAndUsesTheLength) {
    // Beast only refuses CL+TE when TE is "chunked" last; "gzip" + CL passes.
    auto outcome = parse_with_beast(
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\nContent-Length: 3\r\n\r\nabc");
    EXPECT_FALSE(outcome.error);
    EXPECT_TRUE(outcome.done);
}

TEST(BeastParser, TreatsChunkedNotLastAsNoBodyAtAll) {
    // "chunked, identity": Beast sees no chunked framing and no length, so the
    // request ends at the head and the "body" is the next request.
    auto outcome = parse_with_beast(
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n");
    EXPECT_FALSE(outcome.error);
    EXPECT_TRUE(outcome.done);
}

TEST(BeastParser, AcceptsIdenticalDuplicateContentLengths) {
    auto two_lines = parse_with_beast(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc");
    EXPECT_FALSE(two_lines.error);
    auto list = parse_with_beast("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 3\r\n\r\nabc");
    EXPECT_FALSE(list.error);
}

TEST(BeastParser, RefusesDifferentDuplicateContentLengths) {
    auto outcome = parse_with_beast(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n");
    EXPECT_EQ(outcome.error, http::error::multiple_content_length);
}

TEST(BeastParser, RefusesSignedAndHexContentLengths) {
    for (const char* value : {"+5", "-1", "0x5", "5_0", "18446744073709551616"}) {
        auto outcome = parse_with_beast(
            std::string("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: ") + value + "\r\n\r\n");
        EXPECT_EQ(outcome.error, http::error::bad_content_length) << value;
    }
}

TEST(BeastParser, AcceptsChunkedOnHttp10) {
    auto outcome = parse_with_beast(
        "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
    EXPECT_FALSE(outcome.error);
    EXPECT_EQ(outcome.body, "abc");
}

TEST(BeastParser, AcceptsObsFoldAndMissingOrDuplicateHost) {
    EXPECT_FALSE(parse_with_beast("GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n b\r\n\r\n").error);
    EXPECT_FALSE(parse_with_beast("GET / HTTP/1.1\r\nX-A: 1\r\n\r\n").error);
    EXPECT_FALSE(parse_with_beast("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n").error);
}

TEST(BeastParser, RefusesEveryVersionButOnePointZeroAndOnePointOne) {
    // Beast says bad_version for HTTP/2.0 as for garbage, so the 505 for a
    // well-formed other version can only come from validate_request_head.
    for (const char* version : {"HTTP/2.0", "HTTP/1.2", "HTTP/0.9", "HTTP/1", "HTTP/1.1 "}) {
        auto outcome = parse_with_beast(std::string("GET / ") + version + "\r\nHost: a\r\n\r\n");
        EXPECT_EQ(outcome.error, http::error::bad_version) << version;
    }
}

TEST(BeastParser, AcceptsAsteriskFormAndFragmentsInTheTarget) {
    EXPECT_FALSE(parse_with_beast("GET * HTTP/1.1\r\nHost: a\r\n\r\n").error);
    EXPECT_FALSE(parse_with_beast("GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n").error);
}

TEST(BeastParser, RefusesWhitespaceBeforeTheFirstField) {
    EXPECT_EQ(parse_with_beast("GET / HTTP/1.1\r\n Host: a\r\n\r\n").error, http::error::bad_field);
}

TEST(BeastParser, RefusesSpaceBeforeColonAndBareCr) {
    EXPECT_TRUE(parse_with_beast("GET / HTTP/1.1\r\nHost : a\r\n\r\n").error);
    EXPECT_TRUE(parse_with_beast("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n").error);
}

TEST(BeastParser, TrimsWhitespaceAroundFieldValues) {
    http::request_parser<http::empty_body> parser;
    boost::beast::error_code error;
    std::string_view head = "GET / HTTP/1.1\r\nHost: \t a \t\r\n\r\n";
    parser.put(boost::asio::buffer(head.data(), head.size()), error);
    ASSERT_FALSE(error);
    EXPECT_EQ(parser.get()[http::field::host], "a");
}

// HTTP-07: strict chunked framing is Beast's job once the head passed.
TEST(BeastParser, RefusesMalformedChunkSizes) {
    const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (const char* chunk :
         {"0x5\r\nhello\r\n0\r\n\r\n", "-5\r\nhello\r\n0\r\n\r\n", " 5\r\nhello\r\n0\r\n\r\n",
          "5_0\r\nhello\r\n0\r\n\r\n", "FFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n"}) {
        auto outcome = parse_with_beast(head + chunk);
        // "0x5" and "5_0" read as size 0 / 5 followed by a malformed extension.
        EXPECT_TRUE(outcome.error == http::error::bad_chunk ||
                    outcome.error == http::error::bad_chunk_extension ||
                    outcome.error == http::error::body_limit)
            << chunk << ": " << outcome.error.message();
    }
}

TEST(BeastParser, RefusesChunkLongerThanDeclaredAndMissingCrlf) {
    const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    EXPECT_EQ(parse_with_beast(head + "5\r\nhello!!\r\n0\r\n\r\n").error, http::error::bad_chunk);
    EXPECT_EQ(parse_with_beast(head + "5\r\nhello0\r\n\r\n").error, http::error::bad_chunk);
}

TEST(BeastParser, RefusesBareSemicolonChunkExtension) {
    const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    EXPECT_EQ(parse_with_beast(head + "5;\r\nhello\r\n0\r\n\r\n").error,
              http::error::bad_chunk_extension);
}

TEST(BeastParser, DoesNotBoundChunkExtensionsItself) {
    // 100 KiB of well-formed extensions: Beast accepts them, header_limit does
    // not apply to chunk lines. The session must bound its read buffer.
    const std::string head = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n";
    std::string extensions;
    while (extensions.size() < 100 * 1024) {
        extensions += ";name=value";
    }
    auto outcome = parse_with_beast(head + "5" + extensions + "\r\nhello\r\n0\r\n\r\n");
    EXPECT_FALSE(outcome.error) << outcome.error.message();
    EXPECT_EQ(outcome.body, "hello");
}

// The validator and Beast together: anything the validator accepts Beast can
// parse, so the session never sees a Beast error for a validated head.
TEST(ValidatorThenBeast, ValidatedHeadsParse) {
    const rampart::net::HeadLimits limits{8192, 16384, 100};
    for (const char* head : {"GET / HTTP/1.1\r\nHost: a\r\n\r\n", "GET /x?y=1 HTTP/1.0\r\n\r\n",
                             "POST /o HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\nX-E:\r\n\r\n",
                             "GET / HTTP/1.1\r\nHost: a\r\nX-A: caf\xc3\xa9\r\n\r\n"}) {
        ASSERT_FALSE(rampart::net::validate_request_head(head, limits)) << head;
        http::request_parser<http::empty_body> parser;
        boost::beast::error_code error;
        parser.put(boost::asio::buffer(head, std::strlen(head)), error);
        EXPECT_FALSE(error) << head << ": " << error.message();
        EXPECT_TRUE(parser.is_header_done()) << head;
        EXPECT_FALSE(check_framing(parser.get().base())) << head;
    }
}

}  // namespace

namespace {

TEST(MethodOverride, ComparesInsideExactlySizedBuffers) {
    const std::string_view text = "x-method-overridE";
    std::vector<char> name(text.begin(), text.end());
    EXPECT_TRUE(is_method_override_header(std::string_view(name.data(), name.size())));
}

}  // namespace
