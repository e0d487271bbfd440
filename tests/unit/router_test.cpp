// Routing by path template: precedence, hosts, methods (HTTP-13), conflicts.
#include <gtest/gtest.h>

#include <array>
#include <string>

#include "config/yaml_reader.hpp"
#include "pipeline/router.hpp"

namespace rampart::pipeline {
// Only addresses matter to the router; the real type lives in pipeline/route.hpp.
struct CompiledRoute;
}  // namespace rampart::pipeline

namespace {

using rampart::config::ConfigError;
using rampart::pipeline::CompiledRoute;
using rampart::pipeline::PathParameters;
using rampart::pipeline::RouteEntry;
using rampart::pipeline::Router;
using Kind = Router::Result::Kind;

// Distinct addresses standing for routes; never dereferenced.
std::array<char, 32> route_storage;
const CompiledRoute* route_number(int n) {
    return reinterpret_cast<const CompiledRoute*>(&route_storage[n]);
}

RouteEntry entry(int n, std::string path, std::vector<std::string> methods = {"GET"},
                 std::optional<std::string> host = std::nullopt) {
    return RouteEntry{route_number(n), std::move(path), std::move(host), std::move(methods),
                      "rampart.yaml:" + std::to_string(10 + n)};
}

struct Lookup {
    Router::Result result;
    PathParameters parameters;
};

Lookup find(const Router& router, std::string_view path, std::string_view method = "GET",
            std::string_view host = "a") {
    Lookup lookup;
    lookup.result = router.find(host, path, method, lookup.parameters);
    return lookup;
}

std::string add_error(Router& router, RouteEntry route) {
    try {
        router.add(std::move(route));
    } catch (const ConfigError& error) {
        return error.what();
    }
    return "";
}

TEST(Router, MatchesLiteralTemplatesExactlyAndCaseSensitively) {
    Router router;
    router.add(entry(1, "/"));
    router.add(entry(2, "/admin"));
    router.add(entry(3, "/admin/users/"));
    EXPECT_EQ(find(router, "/").result.route, route_number(1));
    EXPECT_EQ(find(router, "/admin").result.route, route_number(2));
    EXPECT_EQ(find(router, "/admin/users/").result.route, route_number(3));
    EXPECT_EQ(find(router, "/ADMIN").result.kind, Kind::not_found);
    EXPECT_EQ(find(router, "/admin/").result.kind, Kind::not_found);
    EXPECT_EQ(find(router, "/admin/users").result.kind, Kind::not_found);
    EXPECT_EQ(find(router, "/adminx").result.kind, Kind::not_found);
    EXPECT_EQ(find(router, "").result.kind, Kind::not_found);
    EXPECT_EQ(find(router, "admin").result.kind, Kind::not_found);
}

// Siblings are kept sorted by length, then text: every one must stay reachable
// whichever order the routes were added in.
TEST(Router, FindsEveryLiteralSiblingWhateverTheirLengthsAndOrder) {
    Router router;
    const std::vector<std::string> names{"users", "a", "carts",  "orders",
                                         "ab",    "b", "usersx", "zz"};
    for (std::size_t index = 0; index < names.size(); ++index) {
        router.add(entry(static_cast<int>(index + 1), "/v1/" + names[index]));
    }
    for (std::size_t index = 0; index < names.size(); ++index) {
        EXPECT_EQ(find(router, "/v1/" + names[index]).result.route,
                  route_number(static_cast<int>(index + 1)))
            << names[index];
    }
    for (const char* missing : {"/v1/user", "/v1/c", "/v1/usersy", "/v1/", "/v1/abc"}) {
        EXPECT_EQ(find(router, missing).result.kind, Kind::not_found) << missing;
    }
}

// Extension methods (WebDAV, PURGE) are matched by name beside the usual ones.
TEST(Router, ExtensionMethodsAreMatchedBesideKnownOnes) {
    Router router;
    router.add(entry(1, "/cache", {"PURGE", "GET"}));
    router.add(entry(2, "/files", {"PROPFIND"}));
    EXPECT_EQ(find(router, "/cache", "PURGE").result.route, route_number(1));
    EXPECT_EQ(find(router, "/cache", "HEAD").result.route, route_number(1));
    EXPECT_EQ(find(router, "/cache", "PROPFIND").result.kind, Kind::method_not_allowed);
    EXPECT_EQ(find(router, "/cache", "purge").result.kind, Kind::method_not_allowed);
    EXPECT_EQ(find(router, "/files", "PROPFIND").result.route, route_number(2));
    EXPECT_EQ(find(router, "/files", "GET").result.kind, Kind::method_not_allowed);
    EXPECT_EQ(find(router, "/cache", "DELETE").result.allow, "GET, HEAD, PURGE");
}

TEST(Router, CapturesParameters) {
    Router router;
    router.add(entry(1, "/users/{user_id}/orders/{order_id}"));
    auto lookup = find(router, "/users/42/orders/a b");
    ASSERT_EQ(lookup.result.kind, Kind::found);
    EXPECT_EQ(lookup.result.route, route_number(1));
    ASSERT_EQ(lookup.parameters.size(), 2u);
    EXPECT_EQ(lookup.parameters[0].first, "user_id");
    EXPECT_EQ(lookup.parameters[0].second, "42");
    EXPECT_EQ(lookup.parameters[1].first, "order_id");
    EXPECT_EQ(lookup.parameters[1].second, "a b");
    EXPECT_EQ(find(router, "/users/42/orders").result.kind, Kind::not_found);
    EXPECT_EQ(find(router, "/users/42/orders/").result.kind, Kind::not_found);
    EXPECT_EQ(find(router, "/users/42/orders/7/x").result.kind, Kind::not_found);
}

TEST(Router, CatchAllTakesOneOrMoreSegments) {
    Router router;
    router.add(entry(1, "/files/{rest...}"));
    auto lookup = find(router, "/files/a/b/c.txt");
    ASSERT_EQ(lookup.result.kind, Kind::found);
    ASSERT_EQ(lookup.parameters.size(), 1u);
    EXPECT_EQ(lookup.parameters[0].first, "rest");
    EXPECT_EQ(lookup.parameters[0].second, "a/b/c.txt");
    EXPECT_EQ(find(router, "/files/x").parameters.at(0).second, "x");
    EXPECT_EQ(find(router, "/files/x/").parameters.at(0).second, "x/");
    EXPECT_EQ(find(router, "/files/").result.kind, Kind::not_found);
    EXPECT_EQ(find(router, "/files").result.kind, Kind::not_found);
}

TEST(Router, LiteralBeatsParameterBeatsCatchAllAtEachSegment) {
    Router router;
    router.add(entry(1, "/users/{id}"));
    router.add(entry(2, "/users/me"));
    router.add(entry(3, "/users/{rest...}"));
    router.add(entry(4, "/{section}/me/settings"));
    router.add(entry(5, "/users/{id}/settings"));
    EXPECT_EQ(find(router, "/users/me").result.route, route_number(2));
    EXPECT_EQ(find(router, "/users/42").result.route, route_number(1));
    EXPECT_EQ(find(router, "/users/42/x").result.route, route_number(3));
    // The literal "users" wins at the first segment, so /users/{id}/settings
    // is preferred to /{section}/me/settings.
    EXPECT_EQ(find(router, "/users/me/settings").result.route, route_number(5));
    EXPECT_EQ(find(router, "/groups/me/settings").result.route, route_number(4));
}

TEST(Router, BacktracksWhenTheMoreSpecificBranchDeadEnds) {
    Router router;
    router.add(entry(1, "/a/b/c"));
    router.add(entry(2, "/a/{x}/d"));
    router.add(entry(3, "/{y...}"));
    auto lookup = find(router, "/a/b/d");
    EXPECT_EQ(lookup.result.route, route_number(2));
    ASSERT_EQ(lookup.parameters.size(), 1u);
    EXPECT_EQ(lookup.parameters[0].first, "x");
    EXPECT_EQ(lookup.parameters[0].second, "b");
    auto fallback = find(router, "/a/b/e");
    EXPECT_EQ(fallback.result.route, route_number(3));
    ASSERT_EQ(fallback.parameters.size(), 1u);
    EXPECT_EQ(fallback.parameters[0].first, "y");
    EXPECT_EQ(fallback.parameters[0].second, "a/b/e");
}

TEST(Router, ParameterNamesComeFromTheMatchedRoute) {
    Router router;
    router.add(entry(1, "/items/{item_id}", {"GET"}));
    router.add(entry(2, "/items/{id}", {"DELETE"}));
    auto get = find(router, "/items/7", "GET");
    ASSERT_EQ(get.parameters.size(), 1u);
    EXPECT_EQ(get.parameters[0].first, "item_id");
    auto del = find(router, "/items/7", "DELETE");
    EXPECT_EQ(del.result.route, route_number(2));
    ASSERT_EQ(del.parameters.size(), 1u);
    EXPECT_EQ(del.parameters[0].first, "id");
}

TEST(Router, MethodMismatchGives405WithAllow) {
    Router router;
    router.add(entry(1, "/orders", {"POST", "GET"}));
    router.add(entry(2, "/orders", {"PATCH"}));
    auto lookup = find(router, "/orders", "DELETE");
    EXPECT_EQ(lookup.result.kind, Kind::method_not_allowed);
    EXPECT_EQ(lookup.result.route, nullptr);
    EXPECT_EQ(lookup.result.allow, "GET, HEAD, POST, PATCH");
    EXPECT_EQ(find(router, "/orders", "PATCH").result.route, route_number(2));
}

TEST(Router, GetAlsoAnswersHead) {
    Router router;
    router.add(entry(1, "/a", {"GET"}));
    router.add(entry(2, "/b", {"POST"}));
    EXPECT_EQ(find(router, "/a", "HEAD").result.route, route_number(1));
    EXPECT_EQ(find(router, "/b", "HEAD").result.kind, Kind::method_not_allowed);
    EXPECT_EQ(find(router, "/b", "HEAD").result.allow, "POST");
}

TEST(Router, TraceAndTrackNeverMatch) {
    Router router;
    router.add(entry(1, "/", {"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}));
    for (const char* method : {"TRACE", "TRACK"}) {
        auto lookup = find(router, "/", method);
        EXPECT_EQ(lookup.result.kind, Kind::method_not_allowed) << method;
        EXPECT_EQ(lookup.result.allow, "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS");
    }
    EXPECT_NE(add_error(router, entry(2, "/t", {"TRACE"})).find("TRACE"), std::string::npos);
    EXPECT_NE(add_error(router, entry(3, "/t", {"GET", "TRACK"})).find("TRACK"), std::string::npos);
}

TEST(Router, MethodsAreMatchedCaseSensitively) {
    Router router;
    router.add(entry(1, "/", {"GET"}));
    EXPECT_EQ(find(router, "/", "get").result.kind, Kind::method_not_allowed);
    EXPECT_FALSE(add_error(router, entry(2, "/x", {"get"})).empty());
    EXPECT_FALSE(add_error(router, entry(3, "/y", {})).empty());
}

TEST(Router, MethodFallsThroughToALessSpecificTemplate) {
    Router router;
    router.add(entry(1, "/users/me", {"GET"}));
    router.add(entry(2, "/users/{id}", {"DELETE"}));
    EXPECT_EQ(find(router, "/users/me", "DELETE").result.route, route_number(2));
    // The Allow list names the most specific template matching the path.
    auto lookup = find(router, "/users/me", "PUT");
    EXPECT_EQ(lookup.result.kind, Kind::method_not_allowed);
    EXPECT_EQ(lookup.result.allow, "GET, HEAD");
}

TEST(Router, HostRoutesComeFirstAndIgnoreCaseAndPort) {
    Router router;
    router.add(entry(1, "/x"));
    router.add(entry(2, "/x", {"GET"}, "API.example.com"));
    router.add(entry(3, "/only-api", {"GET"}, "api.example.com:8443"));
    router.add(entry(4, "/v6", {"GET"}, "[::1]"));
    EXPECT_EQ(find(router, "/x", "GET", "api.example.com").result.route, route_number(2));
    EXPECT_EQ(find(router, "/x", "GET", "Api.Example.Com:443").result.route, route_number(2));
    EXPECT_EQ(find(router, "/x", "GET", "other.example.com").result.route, route_number(1));
    EXPECT_EQ(find(router, "/only-api", "GET", "api.example.com").result.route, route_number(3));
    EXPECT_EQ(find(router, "/only-api", "GET", "other.example.com").result.kind, Kind::not_found);
    EXPECT_EQ(find(router, "/v6", "GET", "[::1]:8443").result.route, route_number(4));
}

TEST(Router, HostRouteFallsBackToHostlessRoutesForOtherPaths) {
    Router router;
    router.add(entry(1, "/health"));
    router.add(entry(2, "/x", {"POST"}, "api.example.com"));
    EXPECT_EQ(find(router, "/health", "GET", "api.example.com").result.route, route_number(1));
    auto lookup = find(router, "/x", "GET", "api.example.com");
    EXPECT_EQ(lookup.result.kind, Kind::method_not_allowed);
    EXPECT_EQ(lookup.result.allow, "POST");
}

TEST(Router, RefusesConflictsNamingBothLocations) {
    Router router;
    router.add(entry(1, "/users/{id}", {"GET", "PUT"}));
    std::string error = add_error(router, entry(2, "/users/{user}", {"PUT"}));
    EXPECT_NE(error.find("rampart.yaml:11"), std::string::npos) << error;
    EXPECT_NE(error.find("rampart.yaml:12"), std::string::npos) << error;
    EXPECT_NE(error.find("PUT"), std::string::npos) << error;
    // HEAD overlaps GET's implicit HEAD.
    EXPECT_FALSE(add_error(router, entry(3, "/users/{x}", {"HEAD"})).empty());
    // Disjoint methods, another host, or another shape are fine.
    EXPECT_EQ(add_error(router, entry(4, "/users/{x}", {"DELETE"})), "");
    EXPECT_EQ(add_error(router, entry(5, "/users/{x}", {"GET"}, "b.example")), "");
    EXPECT_EQ(add_error(router, entry(6, "/users/{x}/", {"GET"})), "");
    EXPECT_EQ(add_error(router, entry(7, "/users/{x...}", {"GET"})), "");
    EXPECT_EQ(add_error(router, entry(8, "/users/me", {"GET"})), "");
    EXPECT_FALSE(add_error(router, entry(9, "/users/{y...}", {"GET"})).empty());
    EXPECT_FALSE(add_error(router, entry(10, "/users/{z}", {"GET"}, "B.EXAMPLE:80")).empty());
}

struct BadTemplate {
    const char* name;
    const char* path_template;
};

class RouterTemplates : public testing::TestWithParam<BadTemplate> {};

TEST_P(RouterTemplates, AreRefusedWithTheLocation) {
    Router router;
    std::string error = add_error(router, entry(1, GetParam().path_template));
    EXPECT_NE(error.find("rampart.yaml:11"), std::string::npos) << error;
}

const BadTemplate bad_templates[] = {
    {"empty", ""},
    {"relative", "users"},
    {"empty_segment", "/users//x"},
    {"partial_parameter", "/users/id{id}"},
    {"unclosed_parameter", "/users/{id"},
    {"stray_brace", "/users/}"},
    {"empty_name", "/users/{}"},
    {"name_with_dash", "/users/{user-id}"},
    {"name_starting_with_digit", "/users/{1d}"},
    {"catch_all_not_last", "/files/{rest...}/x"},
    {"catch_all_without_name", "/files/{...}"},
    {"duplicate_name", "/a/{id}/b/{id}"},
    {"dot_segment", "/a/./b"},
    {"dot_dot_segment", "/a/../b"},
    {"control_character", "/a\tb"},
    {"too_many_parameters", "/{a}/{b}/{c}/{d}/{e}/{f}/{g}/{h}/{i}/{j}/{k}/{l}/{m}/{n}/{o}/{p}/{q}"},
};
INSTANTIATE_TEST_SUITE_P(Bad, RouterTemplates, testing::ValuesIn(bad_templates),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Router, SurvivesAMove) {
    Router original;
    original.add(entry(1, "/users/{user_id}"));
    Router moved = std::move(original);
    auto lookup = find(moved, "/users/5");
    ASSERT_EQ(lookup.result.kind, Kind::found);
    EXPECT_EQ(lookup.parameters.at(0).first, "user_id");
}

}  // namespace
