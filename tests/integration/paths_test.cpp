// Path normalisation, routing and method policy (security requirements HTTP-12, HTTP-13 and
// VER-03): whatever spelling a client uses, a path is either refused or routed as its normalised
// form, and the normalised form is exactly what the upstream receives.
#include <gtest/gtest.h>

#include <boost/json/value_to.hpp>

#include <algorithm>
#include <cctype>
#include <memory>
#include <ostream>
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

// /api/{name} is proxied; /admin/... stands for a protected area: its route refuses every
// client on loopback (the "user without role admin" of HTTP-12) with 403.
const std::string routes =
    simple_route("/api/{name}", "[GET]") + simple_route("/api/{name}/items", "[GET, POST]") +
    simple_route("/admin/{rest...}", "[GET]", "    ip_filter: {deny: [127.0.0.0/8, '::1/128']}\n") +
    simple_route("/admin", "[GET]", "    ip_filter: {deny: [127.0.0.0/8, '::1/128']}\n");

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// One request with the target sent byte for byte (https_request would too, but this also
// allows targets such as "//admin/x" and NUL escapes without any client-side rewriting).
ParsedResponse raw_get(std::uint16_t port, const std::string& target,
                       const std::string& method = "GET") {
    RawConnection connection(port, TlsOptions{});
    if (!connection.connect(3s)) {
        throw std::runtime_error("connect: " + connection.error());
    }
    connection.send(method + " " + target +
                    " HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    auto response = connection.read_response(3s, method == "HEAD");
    if (!response) {
        throw std::runtime_error("no response to " + target + ": " + connection.error());
    }
    return std::move(*response);
}

class AdminBypass : public ::testing::TestWithParam<std::string> {
  protected:
    GatewayStack stack{routes};
};

TEST_P(AdminBypass, NeverReachesTheUpstream) {
    const std::string& target = GetParam();
    auto response = raw_get(stack.port, target);
    EXPECT_TRUE(std::set<unsigned>({400, 403, 404}).contains(response.status))
        << target << " -> " << response.status << " " << response.body;
    expect_problem(response);
    for (const auto& request : stack.upstream.requests()) {
        ADD_FAILURE() << target << " reached the upstream as " << request.method << " "
                      << request.target;
    }
}

INSTANTIATE_TEST_SUITE_P(
    Http12, AdminBypass,
    ::testing::Values("/admin", "/admin/x", "/ADMIN/x", "/Admin/x", "//admin/x", "///admin/x",
                      "/./admin/x", "/api/../admin/x", "/api/x/../../admin/x", "/%61dmin/x",
                      "/%41DMIN/x", "/admin%2fx", "/admin%2Fx", "/admin;a=b/x", "/admin/x;a=b",
                      "/admin/x%00", "/admin%00/x", "/admin/x/", "/admin/", "/admin/./x",
                      "/api/..%2fadmin", "/api/..%2Fadmin/x", "/api/%2e%2e/admin",
                      "/api/%2E%2E/admin/x", "/api/.%2e/admin/x", "/%2e/admin/x", "/admin\\x",
                      "/api\\..\\admin\\x", "/%5cadmin/x", "/%2561dmin/x", "/%c0%afadmin/x",
                      "/api/%c0%ae%c0%ae/admin/x", "/admin%20/x", "/admin%09/x", "/%0aadmin/x",
                      "/api/x/%2e%2e/%2e%2e/admin/x", "/admin?x=1", "/admin/x?y=/../api/x",
                      "https://localhost/admin/x", "http://localhost//admin/x",
                      "/api/../../admin/x"),
    [](const ::testing::TestParamInfo<std::string>& info) {
        return "Case" + std::to_string(info.index);
    });

// The baseline: the protected area itself is refused by its route (403), not by chance.
TEST(Paths, ProtectedAreaIsRefusedByItsRoute) {
    GatewayStack stack(routes);
    auto response = raw_get(stack.port, "/admin/x");
    EXPECT_EQ(response.status, 403u);
    auto via_merge = raw_get(stack.port, "//admin//x");
    EXPECT_EQ(via_merge.status, 403u) << "a merged path must get the decision of its normal form";
    auto via_encoding = raw_get(stack.port, "/%61dmin/x");
    EXPECT_EQ(via_encoding.status, 403u)
        << "a decoded path must get the decision of its normal form";
    EXPECT_EQ(stack.upstream.request_count(), 0u);
}

struct Forwarded {
    std::string sent;
    std::string upstream_target;
};

void PrintTo(const Forwarded& forwarded, std::ostream* out) {
    *out << forwarded.sent << " -> " << forwarded.upstream_target;
}

class NormalisedForwarding : public ::testing::TestWithParam<Forwarded> {
  protected:
    GatewayStack stack{routes};
};

TEST_P(NormalisedForwarding, UpstreamReceivesTheRoutedPath) {
    const auto& [sent, expected] = GetParam();
    auto response = raw_get(stack.port, sent);
    EXPECT_EQ(response.status, 200u) << sent << " -> " << response.body;
    ASSERT_EQ(stack.upstream.request_count(), 1u) << sent;
    auto request = stack.upstream.requests().at(0);
    EXPECT_EQ(request.target, expected) << "sent " << sent;
    auto path = request.target.substr(0, request.target.find('?'));
    EXPECT_EQ(lower(path).find("admin"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(
    Http12, NormalisedForwarding,
    ::testing::Values(Forwarded{"/api/x", "/api/x"}, Forwarded{"/api//x", "/api/x"},
                      Forwarded{"//api/x", "/api/x"}, Forwarded{"/api///x//items", "/api/x/items"},
                      Forwarded{"/api/caf%C3%A9", "/api/caf%C3%A9"},
                      Forwarded{"/api/caf%c3%a9", "/api/caf%C3%A9"},
                      Forwarded{"/api/%78", "/api/x"}, Forwarded{"/api/a%20b", "/api/a%20b"},
                      Forwarded{"/api/x%3Fy", "/api/x%3Fy"}, Forwarded{"/api/x%23y", "/api/x%23y"},
                      Forwarded{"/api/x%25y", "/api/x%25y"},
                      Forwarded{"/api/x?a=%2F&b=..%2f&c=1+2&d&e=/../admin",
                                "/api/x?a=%2F&b=..%2f&c=1+2&d&e=/../admin"},
                      Forwarded{"/api/x?", "/api/x?"}, Forwarded{"/api//x?q=//a", "/api/x?q=//a"},
                      Forwarded{"https://localhost/api/x?y=1", "/api/x?y=1"}),
    [](const ::testing::TestParamInfo<Forwarded>& info) {
        return "Case" + std::to_string(info.index);
    });

// HTTP-13: a method the route does not allow.
TEST(Paths, WrongMethodIs405WithAllow) {
    GatewayStack stack(routes);
    auto response = raw_get(stack.port, "/api/x", "DELETE");
    EXPECT_EQ(response.status, 405u);
    expect_problem(response);
    EXPECT_EQ(response.get("allow"), "GET, HEAD");

    auto items = raw_get(stack.port, "/api/x/items", "PUT");
    EXPECT_EQ(items.status, 405u);
    EXPECT_EQ(items.get("allow"), "GET, HEAD, POST");
    EXPECT_EQ(stack.upstream.request_count(), 0u);

    // HEAD is implied by GET and is proxied.
    auto head = raw_get(stack.port, "/api/x", "HEAD");
    EXPECT_EQ(head.status, 200u);
    ASSERT_EQ(stack.upstream.request_count(), 1u);
    EXPECT_EQ(stack.upstream.requests().at(0).method, "HEAD");
}

TEST(Paths, TraceAndTrackAre405OnARoute) {
    GatewayStack stack(routes);
    for (std::string method : {"TRACE", "TRACK"}) {
        auto response = raw_get(stack.port, "/api/x", method);
        EXPECT_EQ(response.status, 405u) << method;
        expect_problem(response);
        EXPECT_TRUE(response.has("allow")) << method;
        EXPECT_EQ(response.body.find("Host: localhost"), std::string::npos)
            << "the request was echoed";
    }
    EXPECT_EQ(stack.upstream.request_count(), 0u);
}

// The spec says TRACE and TRACK are 405 "always", `TRACE /` included, also where no route is.
TEST(Paths, TraceIs405EvenWithoutARoute) {
    GatewayStack stack(routes);
    for (std::string method : {"TRACE", "TRACK"}) {
        auto response = raw_get(stack.port, "/", method);
        EXPECT_EQ(response.status, 405u) << method << " / -> " << response.status;
        expect_problem(response);
        EXPECT_TRUE(response.has("allow")) << method;
    }
    EXPECT_EQ(stack.upstream.request_count(), 0u);
}

// VER-03: unknown paths, old versions and internal endpoints are 404 and never proxied.
TEST(Paths, UnknownPathsAre404AndNeverProxied) {
    GatewayStack stack(routes);
    for (std::string target : {"/v0/users", "/internal/metrics", "/swagger.json", "/", "/api",
                               "/api/", "/api/x/y", "/apix/x", "/metrics", "/.env"}) {
        auto response = raw_get(stack.port, target);
        EXPECT_EQ(response.status, 404u) << target;
        expect_problem(response);
    }
    EXPECT_EQ(stack.upstream.request_count(), 0u);
}

// With repeated_slashes: reject, "//" is refused rather than merged.
TEST(Paths, RepeatedSlashesCanBeRejected) {
    GatewayStack stack(routes, "paths: {repeated_slashes: reject}");
    auto response = raw_get(stack.port, "/api//x");
    EXPECT_EQ(response.status, 400u);
    expect_problem(response);
    EXPECT_EQ(raw_get(stack.port, "/api/x").status, 200u);
    ASSERT_EQ(stack.upstream.request_count(), 1u);
    EXPECT_EQ(stack.upstream.requests().at(0).target, "/api/x");
}

// With dot_segments: resolve, "/api/../admin/x" is resolved and then gets /admin's decision.
TEST(Paths, ResolvedDotSegmentsGetTheDecisionOfTheirTarget) {
    GatewayStack stack(routes, "paths: {dot_segments: resolve}");
    EXPECT_EQ(raw_get(stack.port, "/api/../admin/x").status, 403u);
    EXPECT_EQ(raw_get(stack.port, "/api/%2e%2e/admin/x").status, 403u);
    auto climbing = raw_get(stack.port, "/api/../../admin/x");
    EXPECT_TRUE(climbing.status == 400u || climbing.status == 403u) << climbing.status;
    EXPECT_EQ(stack.upstream.request_count(), 0u);

    EXPECT_EQ(raw_get(stack.port, "/api/y/../x").status, 200u);
    ASSERT_EQ(stack.upstream.request_count(), 1u);
    EXPECT_EQ(stack.upstream.requests().at(0).target, "/api/x");
}

}  // namespace
}  // namespace rampart::test
