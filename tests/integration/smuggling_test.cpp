// Request smuggling and strict HTTP/1.1 grammar (security requirements HTTP-01 .. HTTP-07 and
// HTTP-14): raw bytes over real TLS to the real binary in front of a recording upstream. Every
// malformed request must be refused with a problem+json error, the connection closed, nothing
// forwarded, and whatever was smuggled behind it never answered.
#include <gtest/gtest.h>

#include <boost/json/value_to.hpp>

#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "support/gateway.hpp"
#include "support/ports.hpp"
#include "support/problem_assertions.hpp"
#include "support/raw_connection.hpp"
#include "support/recording_upstream.hpp"

namespace rampart::test {
namespace {

using namespace std::string_literals;

const std::string echo_route = simple_route("/echo", "[GET, POST]");

// Sent after every attack on the same connection: if the gateway kept the connection open or
// took smuggled bytes for a new request, a second status line comes back.
constexpr std::string_view follow_up = "GET /echo HTTP/1.1\r\nHost: a\r\n\r\n";

struct RawOutcome {
    std::optional<ParsedResponse> response;
    std::string error;
    bool closed = false;
    std::string after;  // bytes that arrived after the first response
};

RawOutcome send_raw(std::uint16_t port, std::string_view bytes) {
    RawOutcome outcome;
    RawConnection connection(port, TlsOptions{});
    if (!connection.connect(3s)) {
        outcome.error = connection.error();
        return outcome;
    }
    // The gateway may refuse and stop reading before a large request is written: that is fine.
    connection.send(bytes, 3s);
    outcome.response = connection.read_response(3s);
    if (!outcome.response) {
        outcome.error = connection.error();
    }
    outcome.closed = connection.closed_within(1s);
    outcome.after = connection.read_all_until_close(0ms);
    return outcome;
}

std::string printable(std::string_view bytes) {
    std::string out;
    for (char c : bytes.substr(0, 300)) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '\r') {
            out += "\\r";
        } else if (c == '\n') {
            out += "\\n";
        } else if (byte < 0x20 || byte >= 0x7f) {
            static constexpr char hex[] = "0123456789abcdef";
            out += "\\x";
            out += hex[byte >> 4];
            out += hex[byte & 0xf];
        } else {
            out += c;
        }
    }
    return bytes.size() > 300 ? out + "...(" + std::to_string(bytes.size()) + " bytes)" : out;
}

struct Attack {
    std::string name;
    std::string bytes;
    std::set<unsigned> allowed{400};
};

std::ostream& operator<<(std::ostream& out, const Attack& attack) {
    return out << attack.name << ": " << printable(attack.bytes);
}

Attack head_attack(std::string name, std::string head, std::set<unsigned> allowed = {400}) {
    return {std::move(name), std::move(head), std::move(allowed)};
}

// A POST to /echo whose head carries `fields` (each ending in CRLF) and then `body`.
Attack post_attack(std::string name, const std::string& fields, const std::string& body,
                   std::set<unsigned> allowed = {400}) {
    return {std::move(name), "POST /echo HTTP/1.1\r\nHost: a\r\n" + fields + "\r\n" + body,
            std::move(allowed)};
}

Attack chunked_attack(std::string name, const std::string& body) {
    return post_attack(std::move(name), "Transfer-Encoding: chunked\r\n", body);
}

std::vector<Attack> attacks() {
    std::vector<Attack> list;
    // HTTP-01 / HTTP-02: both framings at once, in both orders.
    list.push_back(
        post_attack("ClTe", "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n", "0\r\n\r\nG"));
    list.push_back(post_attack("TeCl", "Transfer-Encoding: chunked\r\nContent-Length: 3\r\n",
                               "8\r\nSMUGGLED\r\n0\r\n\r\n"));
    list.push_back(post_attack("ClZeroTe", "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n",
                               "5\r\nhello\r\n0\r\n\r\n"));

    // HTTP-03: obfuscated Transfer-Encoding, with and without a Content-Length beside it.
    struct TeCase {
        std::string name;
        std::string fields;
        std::set<unsigned> allowed_alone;
    };
    std::vector<TeCase> te_cases{
        {"Xchunked", "Transfer-Encoding: xchunked\r\n", {400, 501}},
        {"ChunkedIdentity", "Transfer-Encoding: chunked, identity\r\n", {400, 501}},
        {"LeadingComma", "Transfer-Encoding: , chunked\r\n", {400}},
        {"TwoTeLines",
         "Transfer-Encoding:\tchunked\r\nTransfer-Encoding: identity\r\n",
         {400, 501}},
        {"TwoIdenticalTeLines",
         "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n",
         {400}},
        {"SpaceBeforeColon", "Transfer-Encoding : chunked\r\n", {400}},
        {"VerticalTab",
         "Transfer-Encoding: \x0b"
         "chunked\r\n",
         {400}},
        {"Empty", "Transfer-Encoding: \r\n", {400}},
        {"ChunkedChunked", "Transfer-Encoding: chunked, chunked\r\n", {400, 501}},
        {"QuotedChunked", "Transfer-Encoding: \"chunked\"\r\n", {400, 501}},
    };
    for (const auto& te : te_cases) {
        list.push_back(post_attack("Te" + te.name + "WithCl", te.fields + "Content-Length: 5\r\n",
                                   "5\r\nhello\r\n0\r\n\r\n"));
        list.push_back(
            post_attack("Te" + te.name, te.fields, "5\r\nhello\r\n0\r\n\r\n", te.allowed_alone));
    }
    list.push_back(
        head_attack("TeOnHttp10",
                    "POST /echo HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5\r\nhello\r\n0\r\n\r\n"));
    list.push_back(head_attack("TeOnHttp10WithCl",
                               "POST /echo HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                               "Content-Length: 5\r\n\r\n5\r\nhello\r\n0\r\n\r\n"));

    // HTTP-04: Content-Length.
    list.push_back(
        post_attack("ClTwoDifferent", "Content-Length: 5\r\nContent-Length: 6\r\n", "hello!"));
    list.push_back(
        post_attack("ClTwoIdenticalLines", "Content-Length: 5\r\nContent-Length: 5\r\n", "hello"));
    list.push_back(post_attack("ClList", "Content-Length: 5, 6\r\n", "hello!"));
    list.push_back(post_attack("ClIdenticalList", "Content-Length: 5, 5\r\n", "hello"));
    list.push_back(post_attack("ClPlus", "Content-Length: +5\r\n", "hello"));
    list.push_back(post_attack("ClMinusOne", "Content-Length: -1\r\n", "hello"));
    list.push_back(post_attack("ClMinusZero", "Content-Length: -0\r\n", ""));
    list.push_back(post_attack("ClHex", "Content-Length: 0x5\r\n", "hello"));
    list.push_back(post_attack("ClTwoNumbers", "Content-Length: 5 5\r\n", "hello"));
    list.push_back(post_attack("ClUnderscore", "Content-Length: 5_0\r\n", "hello"));
    list.push_back(post_attack("ClOverflow", "Content-Length: 18446744073709551616\r\n", "hello"));
    list.push_back(post_attack("ClEmpty", "Content-Length: \r\n", "hello"));
    list.push_back(post_attack("ClSpaceBeforeColon", "Content-Length : 5\r\n", "hello"));

    // HTTP-05: field lines.
    list.push_back(head_attack("ObsFold", "GET /echo HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n b\r\n\r\n"));
    list.push_back(
        head_attack("ObsFoldTab", "GET /echo HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n\tb\r\n\r\n"));
    list.push_back(head_attack("HostSpaceBeforeColon", "GET /echo HTTP/1.1\r\nHost : a\r\n\r\n"));
    list.push_back(
        head_attack("BareCrInValue", "GET /echo HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n"));
    list.push_back(head_attack("BareCrInRequestLine", "GET /echo\r HTTP/1.1\r\nHost: a\r\n\r\n"));
    list.push_back(head_attack("BareCrEndingHead", "GET /echo HTTP/1.1\r\nHost: a\r\n\r\r\n\r\n"));
    list.push_back(
        head_attack("BareLfInValue", "GET /echo HTTP/1.1\r\nHost: a\r\nX-A: a\nb\r\n\r\n"));
    list.push_back(head_attack("BareLfLines", "GET /echo HTTP/1.1\nHost: a\n\n"));
    list.push_back(
        head_attack("NulInValue", "GET /echo HTTP/1.1\r\nHost: a\r\nX-A: a\0b\r\n\r\n"s));
    list.push_back(head_attack("BracketName", "GET /echo HTTP/1.1\r\nHost: a\r\n[bad]: 1\r\n\r\n"));
    list.push_back(head_attack("EmptyName", "GET /echo HTTP/1.1\r\nHost: a\r\n: 1\r\n\r\n"));
    list.push_back(head_attack("NoColon", "GET /echo HTTP/1.1\r\nHost: a\r\nX-A 1\r\n\r\n"));
    list.push_back(head_attack("SpaceBeforeFirstField", "GET /echo HTTP/1.1\r\n Host: a\r\n\r\n"));
    list.push_back(head_attack("DelInValue",
                               "GET /echo HTTP/1.1\r\nHost: a\r\nX-A: a\x7f"
                               "b\r\n\r\n"));

    // HTTP-06: Host.
    list.push_back(head_attack("HostMissing", "GET /echo HTTP/1.1\r\nX-A: 1\r\n\r\n"));
    list.push_back(head_attack("HostTwice", "GET /echo HTTP/1.1\r\nHost: a\r\nHost: a\r\n\r\n"));
    list.push_back(
        head_attack("HostTwoDifferent", "GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"));
    list.push_back(head_attack("HostList", "GET /echo HTTP/1.1\r\nHost: a, b\r\n\r\n"));
    list.push_back(head_attack("HostUserinfo", "GET /echo HTTP/1.1\r\nHost: user@a\r\n\r\n"));
    list.push_back(head_attack("HostPath", "GET /echo HTTP/1.1\r\nHost: a/path\r\n\r\n"));
    list.push_back(head_attack("HostEmpty", "GET /echo HTTP/1.1\r\nHost:\r\n\r\n"));
    list.push_back(head_attack("HostBadPort", "GET /echo HTTP/1.1\r\nHost: a:99999\r\n\r\n"));

    // HTTP-07: chunked framing.
    list.push_back(chunked_attack("ChunkSizeHexPrefix", "0x5\r\nhello\r\n0\r\n\r\n"));
    list.push_back(chunked_attack("ChunkSizeNegative", "-5\r\nhello\r\n0\r\n\r\n"));
    list.push_back(chunked_attack("ChunkSizeLeadingSpace", " 5\r\nhello\r\n0\r\n\r\n"));
    list.push_back(chunked_attack("ChunkSizeUnderscore", "5_0\r\nhello\r\n0\r\n\r\n"));
    list.push_back(chunked_attack("ChunkSizeOverflow", "FFFFFFFFFFFFFFFFF\r\nhello\r\n0\r\n\r\n"));
    list.push_back(
        chunked_attack("ChunkSizeOverflowTo5", "10000000000000005\r\nhello\r\n0\r\n\r\n"));
    list.push_back(chunked_attack("ChunkLongerThanDeclared", "5\r\nhello!!\r\n0\r\n\r\n"));
    list.push_back(chunked_attack("ChunkMissingCrlf", "5\r\nhello0\r\n\r\n"));
    list.push_back(chunked_attack("ChunkBareSemicolon", "5;\r\nhello\r\n0\r\n\r\n"));
    list.push_back(chunked_attack("ChunkSizeBareLf", "5\nhello\r\n0\r\n\r\n"));
    list.push_back(chunked_attack(
        "ChunkHugeExtension", "5;a=" + std::string(100 * 1024, 'b') + "\r\nhello\r\n0\r\n\r\n"));
    {
        // Many small extensions: each line is harmless, their total is 100 KiB.
        std::string body;
        for (int i = 0; i < 2000; ++i) {
            body += "1;ext=" + std::string(44, 'x') + "\r\nz\r\n";
        }
        list.push_back(chunked_attack("ChunkManyExtensions", body + "0\r\n\r\n"));
    }

    // HTTP-14: request line.
    list.push_back(
        head_attack("VersionNoMinor", "GET /echo HTTP/1\r\nHost: a\r\n\r\n", {400, 505}));
    list.push_back(
        head_attack("VersionLeadingZero", "GET /echo HTTP/01.1\r\nHost: a\r\n\r\n", {400, 505}));
    list.push_back(
        head_attack("VersionTrailingSpace", "GET /echo HTTP/1.1 \r\nHost: a\r\n\r\n", {400, 505}));
    list.push_back(
        head_attack("VersionLowerCase", "GET /echo http/1.1\r\nHost: a\r\n\r\n", {400, 505}));
    list.push_back(head_attack("VersionTwo", "GET /echo HTTP/2.0\r\nHost: a\r\n\r\n", {400, 505}));
    list.push_back(head_attack("TwoSpacesAfterMethod", "GET  /echo HTTP/1.1\r\nHost: a\r\n\r\n"));
    list.push_back(head_attack("AsteriskGet", "GET * HTTP/1.1\r\nHost: a\r\n\r\n"));
    list.push_back(head_attack("AsteriskOptions", "OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n"));
    list.push_back(head_attack("Fragment", "GET /a#frag HTTP/1.1\r\nHost: a\r\n\r\n"));
    list.push_back(head_attack("EchoFragment", "GET /echo#frag HTTP/1.1\r\nHost: a\r\n\r\n"));
    list.push_back(head_attack("AbsoluteFormOtherHost",
                               "GET https://other.host/echo HTTP/1.1\r\nHost: a\r\n\r\n",
                               {400, 421}));
    list.push_back(head_attack("AbsoluteFormUserinfo",
                               "GET https://a@other.host/echo HTTP/1.1\r\nHost: a\r\n\r\n",
                               {400, 421}));
    list.push_back(head_attack("AuthorityForm", "CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n",
                               {400, 405, 501}));
    return list;
}

class Smuggling : public ::testing::TestWithParam<Attack> {
  protected:
    GatewayStack stack{echo_route};
};

TEST_P(Smuggling, IsRefusedClosedAndNeverForwarded) {
    const Attack& attack = GetParam();
    auto outcome = send_raw(stack.port, attack.bytes + std::string(follow_up));
    ASSERT_TRUE(outcome.response) << "no response: " << outcome.error;
    EXPECT_TRUE(attack.allowed.contains(outcome.response->status))
        << "status " << outcome.response->status << ", body " << outcome.response->body;
    expect_problem(*outcome.response);
    EXPECT_TRUE(outcome.closed) << "the connection stayed open after the refusal";
    EXPECT_EQ(outcome.after.find("HTTP/"), std::string::npos)
        << "a second response came back: " << printable(outcome.after);
    EXPECT_EQ(stack.upstream.request_count(), 0u)
        << "the upstream saw " << stack.upstream.requests().at(0).method << " "
        << stack.upstream.requests().at(0).target;
}

INSTANTIATE_TEST_SUITE_P(Http, Smuggling, ::testing::ValuesIn(attacks()),
                         [](const ::testing::TestParamInfo<Attack>& info) {
                             return info.param.name;
                         });

// The harness above would notice a second response: two pipelined valid requests get two.
TEST(SmugglingControl, PipelinedValidRequestsAreBothAnsweredAndForwarded) {
    GatewayStack stack(echo_route);
    RawConnection connection(stack.port, TlsOptions{});
    ASSERT_TRUE(connection.connect(3s)) << connection.error();
    ASSERT_TRUE(
        connection.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\n\r\n0\r\n\r\nG" +
                        std::string(follow_up)));
    auto first = connection.read_response(3s);
    ASSERT_TRUE(first) << connection.error();
    EXPECT_EQ(first->status, 200u);
    auto second = connection.read_response(3s);
    ASSERT_TRUE(second) << connection.error();
    EXPECT_EQ(second->status, 200u);
    ASSERT_TRUE(stack.upstream.wait_for_request_count(2, 2s));
    auto requests = stack.upstream.requests();
    EXPECT_EQ(requests[0].method, "POST");
    EXPECT_EQ(requests[0].body, "0\r\n\r\nG");
    EXPECT_EQ(requests[1].method, "GET");
    EXPECT_FALSE(connection.closed_within(200ms)) << "a keep-alive connection was closed";
}

// A chunked body that is valid is accepted and forwarded with one unambiguous framing.
TEST(SmugglingControl, ValidChunkedBodyIsForwardedWithConsistentFraming) {
    GatewayStack stack(echo_route);
    auto outcome =
        send_raw(stack.port,
                 "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                 "Connection: close\r\n\r\n5;name=value\r\nhello\r\n3\r\nabc\r\n0\r\n\r\n");
    ASSERT_TRUE(outcome.response) << outcome.error;
    EXPECT_EQ(outcome.response->status, 200u);
    ASSERT_EQ(stack.upstream.request_count(), 1u);
    auto request = stack.upstream.requests().at(0);
    EXPECT_EQ(request.body, "helloabc");
    bool has_length = request.has("content-length");
    bool has_chunked = request.has("transfer-encoding");
    EXPECT_NE(has_length, has_chunked) << "exactly one framing must reach the upstream";
    if (has_length) {
        EXPECT_EQ(request.get_all("content-length"), std::vector<std::string>{"8"});
    }
}

// HTTP-14: absolute-form naming the gateway's own host is accepted and goes upstream in
// origin-form.
TEST(SmugglingControl, AbsoluteFormForTheSameHostIsForwardedInOriginForm) {
    GatewayStack stack(echo_route);
    auto outcome =
        send_raw(stack.port,
                 "GET https://a/echo?x=1&y=%2F HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    ASSERT_TRUE(outcome.response) << outcome.error;
    EXPECT_EQ(outcome.response->status, 200u) << outcome.response->body;
    ASSERT_EQ(stack.upstream.request_count(), 1u);
    auto request = stack.upstream.requests().at(0);
    EXPECT_EQ(request.target, "/echo?x=1&y=%2F");
    EXPECT_EQ(request.get_all("host"), std::vector<std::string>{"a"});
}

// HTTP-13: method-override fields never reach the upstream, which sees the real method.
TEST(SmugglingControl, MethodOverrideFieldsAreStripped) {
    GatewayStack stack(echo_route);
    auto response = https_request(stack.port, "POST", "/echo",
                                  {{"X-HTTP-Method-Override", "DELETE"},
                                   {"X-HTTP-Method", "DELETE"},
                                   {"X-Method-Override", "PUT"},
                                   {"x-http-method-override", "PATCH"}},
                                  "{}");
    if (response.status == 400) {
        expect_problem(response);  // refusing is allowed too; then nothing may be forwarded
        EXPECT_EQ(stack.upstream.request_count(), 0u);
        return;
    }
    EXPECT_EQ(response.status, 200u);
    ASSERT_EQ(stack.upstream.request_count(), 1u);
    auto request = stack.upstream.requests().at(0);
    EXPECT_EQ(request.method, "POST");
    EXPECT_EQ(request.body, "{}");
    EXPECT_FALSE(request.has("x-http-method-override"));
    EXPECT_FALSE(request.has("x-http-method"));
    EXPECT_FALSE(request.has("x-method-override"));
}

}  // namespace
}  // namespace rampart::test

namespace rampart::test {
namespace {

// Trailer fields arrive after the head was checked: they must not become header fields of the
// forwarded request (a late Content-Length, Host or identity field would bypass every check).
TEST(SmugglingControl, TrailerFieldsAreNotMergedIntoTheForwardedHead) {
    GatewayStack stack(echo_route);
    auto outcome = send_raw(stack.port,
                            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n"
                            "Connection: close\r\n\r\n5\r\nhello\r\n0\r\n"
                            "Content-Length: 1000\r\nHost: evil.example\r\nX-Injected: 1\r\n"
                            "X-HTTP-Method-Override: DELETE\r\n\r\n");
    ASSERT_TRUE(outcome.response) << outcome.error;
    if (outcome.response->status == 400) {
        expect_problem(*outcome.response);
        EXPECT_EQ(stack.upstream.request_count(), 0u);
        return;
    }
    EXPECT_EQ(outcome.response->status, 200u);
    ASSERT_EQ(stack.upstream.request_count(), 1u);
    auto request = stack.upstream.requests().at(0);
    EXPECT_EQ(request.body, "hello");
    EXPECT_EQ(request.get_all("host"), std::vector<std::string>{"a"});
    EXPECT_FALSE(request.has("x-injected"));
    EXPECT_FALSE(request.has("x-http-method-override"));
    for (const auto& length : request.get_all("content-length")) {
        EXPECT_EQ(length, "5");
    }
    EXPECT_LE(request.get_all("content-length").size(), 1u);
}

}  // namespace
}  // namespace rampart::test
