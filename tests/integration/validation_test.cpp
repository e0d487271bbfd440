// Input validation (INP-01..INP-09) through the real binary over real TLS in front of a
// recording upstream: JSON safety limits and strict syntax, media types, body schemas with
// JSON-pointer errors, and typed, bounded path and query parameters. Every refused request
// must leave the upstream untouched; every accepted body must reach it byte for byte.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <boost/json/value_to.hpp>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "support/gateway.hpp"
#include "support/problem_assertions.hpp"
#include "support/raw_connection.hpp"
#include "support/recording_upstream.hpp"

namespace rampart::test {
namespace {

using namespace std::chrono_literals;
namespace json = boost::json;

const std::string routes = R"(  - path: /users/me
    methods: [GET, PATCH]
    upstream: app
    auth: none
    validation:
      body:
        schema:
          type: object
          additionalProperties: false
          properties:
            name: {type: string, maxLength: 256}
            role: {enum: [user]}
            amount: {type: number}
            counts: {type: array, items: {type: integer}}
  - path: /orders/{id}
    methods: [GET]
    upstream: app
    auth: none
    validation:
      path:
        parameters:
          id: {type: string, format: uuid}
      query:
        parameters:
          limit: {type: integer, minimum: 1, maximum: 100}
  - path: /search
    methods: [GET]
    upstream: app
    auth: none
    validation:
      query:
        parameters:
          q: {type: string, maxLength: 10}
        duplicates: first
  - path: /raw
    methods: [POST]
    upstream: app
    auth: none
    max_body_bytes: 2MiB
    validation:
      json: {max_members: 100000, max_bytes: 2MiB}
  - path: /notes
    methods: [POST]
    upstream: app
    auth: none
    max_body_bytes: 2MiB
    validation:
      json: {max_bytes: 2MiB, max_string_length: 2MiB}
      body:
        schema: {type: object, properties: {text: {type: string, maxLength: 256}}}
)";

const std::string uuid = "123e4567-e89b-12d3-a456-426614174000";

class Validation : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { stack = new GatewayStack(routes); }
    static void TearDownTestSuite() {
        delete stack;
        stack = nullptr;
    }

    static ParsedResponse send(std::string_view method, std::string_view target,
                               std::string_view body = {},
                               HeaderList headers = {{"Content-Type", "application/json"}}) {
        if (body.empty()) {
            headers.clear();
        }
        return https_request(stack->port, method, target, headers, body);
    }

    // Sends the request, expects `status` as problem+json, and that the upstream saw nothing.
    static json::value refused(std::string_view method, std::string_view target,
                               std::string_view body, unsigned status,
                               HeaderList headers = {{"Content-Type", "application/json"}}) {
        auto before = stack->upstream.request_count();
        auto response = https_request(stack->port, method, target, headers, body);
        EXPECT_EQ(response.status, status) << target << ": " << response.body;
        expect_problem(response);
        EXPECT_EQ(stack->upstream.request_count(), before) << "the upstream saw " << target;
        try {
            return response.json();
        } catch (const std::exception&) {
            return nullptr;
        }
    }

    static std::string first_error(const json::value& problem) {
        if (!problem.is_object() || !problem.as_object().contains("errors")) {
            return "(no errors member)";
        }
        const auto& error = problem.at("errors").at(0).as_object();
        std::string text(error.at("in").as_string());
        if (error.contains("pointer")) {
            text += " " + std::string(error.at("pointer").as_string());
        }
        return text + " " + std::string(error.at("keyword").as_string());
    }

    static GatewayStack* stack;
};

GatewayStack* Validation::stack = nullptr;

// INP-07: mass assignment is blocked and the error names the JSON pointer only.
TEST_F(Validation, AdditionalPropertyIsNamedByPointerWithoutEchoingOrQuoting) {
    auto problem = refused("PATCH", "/users/me", R"({"name":"x","isAdmin":true})", 400);
    EXPECT_EQ(first_error(problem), "body /isAdmin additionalProperties");
    auto text = json::serialize(problem);
    EXPECT_EQ(text.find("true"), std::string::npos) << text;
    EXPECT_EQ(text.find("256"), std::string::npos) << "no schema limit quoted: " << text;
    auto accepted = send("PATCH", "/users/me", R"({"name":"x"})");
    EXPECT_EQ(accepted.status, 200u) << accepted.body;
}

// INP-03: the schema allows role "user"; a duplicate key could smuggle "admin" past it.
TEST_F(Validation, DuplicateKeysAreRefusedBeforeTheSchema) {
    auto problem = refused("PATCH", "/users/me", R"({"role":"user","role":"admin"})", 400);
    EXPECT_EQ(first_error(problem), "body duplicate_key");
    refused("POST", "/raw", R"({"a":"b","a":"c"})", 400);  // y_object_duplicated_key.json
}

// INP-05: the upstream gets the body's bytes exactly, numbers and escapes included.
TEST_F(Validation, AcceptedBodiesAreForwardedByteForByte) {
    const std::string body =
        "{\"amount\":9007199254740993, \"name\" : \"\\u00e9\\n\",\"counts\":[1e2,-0,1.50]}";
    auto before = stack->upstream.request_count();
    auto response = send("PATCH", "/users/me", body);
    // 1e2 is a number, not an integer: refused by the schema, so try it on /raw as well.
    EXPECT_EQ(response.status, 400u);
    EXPECT_EQ(first_error(response.json()), "body /counts/0 type");
    auto raw = send("POST", "/raw", body);
    ASSERT_EQ(raw.status, 200u) << raw.body;
    ASSERT_TRUE(stack->upstream.wait_for_request_count(before + 1));
    EXPECT_EQ(stack->upstream.requests().back().body, body);
    const std::string exact = R"({"amount":9007199254740993,"counts":[1,-0]})";
    ASSERT_EQ(send("PATCH", "/users/me", exact).status, 200u);
    EXPECT_EQ(stack->upstream.requests().back().body, exact);
}

// INP-02: JSONTestSuite's i_string_* cases of bad UTF-8 and lone surrogate escapes.
TEST_F(Validation, InvalidUtf8AndLoneSurrogatesAreRefused) {
    const std::vector<std::string> bodies{
        "[\"\xe6\x97\xa5\xd1\x88\xfa\"]",         // UTF-8_invalid_sequence
        "[\"\xc0\xaf\"]",                         // overlong_sequence_2_bytes
        "[\"\x81\"]",                             // lone_utf8_continuation_byte
        std::string("[\0\"\0\xe9\0\"\0]\0", 10),  // utf16LE_no_BOM
        R"(["\uDFAA"])",                          // lone_second_surrogate
        R"(["\uDADA"])",                          // 1st_surrogate_but_2nd_missing
    };
    for (const auto& body : bodies) {
        auto problem = refused("POST", "/raw", body, 400);
        auto error = first_error(problem);
        EXPECT_TRUE(error == "body utf8" || error == "body syntax") << error;
    }
    EXPECT_EQ(first_error(refused("POST", "/raw", R"(["\uDFAA"])", 400)), "body utf8");
}

// INP-09: non-JSON syntax.
TEST_F(Validation, NonJsonSyntaxIsRefused) {
    EXPECT_EQ(first_error(refused("POST", "/raw", R"({"a":1}xyz)", 400)), "body trailing_data");
    for (std::string body : {R"({"a":1,})", R"({'a':1})", R"({"a":1 /*c*/})", "\xef\xbb\xbf{}",
                             "[1,2,]", "{\"a\":NaN}", "[Infinity]", "[-Infinity]", "// c\n{}"}) {
        EXPECT_EQ(first_error(refused("POST", "/raw", body, 400)), "body syntax") << body;
    }
}

// INP-04: deep nesting is refused fast, the process survives, and the next request works.
TEST_F(Validation, DeepNestingIsRefusedFastAndTheGatewayCarriesOn) {
    const std::vector<std::string> bodies{
        std::string(100'000, '['),  // n_structure_100000_opening_arrays
        [] {                        // n_structure_open_array_object
            std::string text;
            for (int i = 0; i < 50'000; ++i) {
                text += "[{\"\":";
            }
            return text;
        }(),
        std::string(10'000, '[') + std::string(10'000, ']'),  // valid, 10 000 deep
        std::string(500, '[') + std::string(500, ']'),        // i_structure_500_nested_arrays
    };
    for (const auto& body : bodies) {
        auto fastest = std::chrono::steady_clock::duration::max();
        for (int attempt = 0; attempt < 3; ++attempt) {
            RawConnection connection(stack->port, TlsOptions{});
            ASSERT_TRUE(connection.connect(3s)) << connection.error();
            auto started = std::chrono::steady_clock::now();
            ASSERT_TRUE(connection.send(format_request(
                "POST", "/raw", {{"Content-Type", "application/json"}}, body, true)));
            auto response = connection.read_response(5s);
            auto took = std::chrono::steady_clock::now() - started;
            ASSERT_TRUE(response) << connection.error();
            EXPECT_EQ(response->status, 400u);
            EXPECT_EQ(first_error(response->json()), "body max_depth");
            fastest = std::min(fastest, took);
        }
        // Measured on a loaded shared machine: the fastest of three, TLS handshake excluded.
        EXPECT_LT(fastest, 100ms) << body.size() << " bytes";
    }
    EXPECT_EQ(send("POST", "/raw", "[[[1]]]").status, 200u);
    EXPECT_TRUE(stack->gateway->process().running());
}

// INP-05: numbers a double cannot hold, and integers beyond integer under a numeric schema.
TEST_F(Validation, NumbersOutOfRangeAreRefused) {
    EXPECT_EQ(first_error(refused("POST", "/raw", "[123123e100000]", 400)), "body number_range");
    EXPECT_EQ(first_error(refused("POST", "/raw", "[1.23e100000]", 400)), "body number_range");
    // i_number_huge_exp.json
    EXPECT_EQ(first_error(refused("POST", "/raw", "[0.4e" + std::string(400, '9') + "]", 400)),
              "body number_range");
    EXPECT_EQ(first_error(refused("POST", "/raw", "[1" + std::string(40, '0') + "]", 400)),
              "body max_number_length");
    EXPECT_EQ(
        first_error(refused("PATCH", "/users/me", R"({"counts":[100000000000000000000]})", 400)),
        "body /counts/0 type");
}

// INP-06: caps on strings, array items and object members.
TEST_F(Validation, SizeCapsApply) {
    std::string huge_string = R"({"text":")" + std::string(1 << 20, 'x') + "\"}";
    EXPECT_EQ(first_error(refused("POST", "/notes", huge_string, 400)), "body /text maxLength");
    std::string items = "[";
    for (int i = 0; i <= 100'000; ++i) {
        items += i ? ",1" : "1";
    }
    items += "]";
    EXPECT_EQ(first_error(refused("POST", "/raw", items, 400)), "body max_members");
    std::string members = "{";
    for (int i = 0; i < 50'000; ++i) {
        members += (i ? ",\"k" : "\"k") + std::to_string(i) + "\":0";
    }
    members += "}";
    EXPECT_EQ(first_error(refused("PATCH", "/users/me", members, 400)), "body max_members");
}

// INP-01: media types.
TEST_F(Validation, ContentTypeAndAcceptAreEnforced) {
    refused("PATCH", "/users/me", R"({"name":"x"})", 415, {{"Content-Type", "text/plain"}});
    refused("PATCH", "/users/me", "<name>x</name>", 415, {{"Content-Type", "application/xml"}});
    refused("PATCH", "/users/me", R"({"name":"x"})", 415, {});
    refused("PATCH", "/users/me", R"({"name":"x"})", 415,
            {{"Content-Type", "application/json; charset=utf-16"}});
    refused("GET", "/users/me", "", 406, {{"Accept", "application/xml"}});
    EXPECT_EQ(
        https_request(stack->port, "GET", "/users/me", {{"Accept", "application/json"}}).status,
        200u);
    EXPECT_EQ(send("PATCH", "/users/me", R"({"name":"x"})",
                   {{"Content-Type", "application/json; charset=UTF-8"}})
                  .status,
              200u);
    // A body on a method that takes none.
    refused("GET", "/users/me", "{}", 400);
}

// INP-08: typed, bounded path and query parameters; no parameter pollution.
TEST_F(Validation, ParametersAreTypedAndBounded) {
    EXPECT_EQ(first_error(refused("GET", "/orders/1%20OR%201=1", "", 400)), "path /id format");
    EXPECT_EQ(first_error(refused("GET", "/orders/" + uuid + "?limit=10&limit=100000", "", 400)),
              "query /limit duplicate");
    EXPECT_EQ(first_error(refused("GET", "/orders/" + uuid + "?limit=100000", "", 400)),
              "query /limit maximum");
    EXPECT_EQ(first_error(refused("GET", "/orders/" + uuid + "?limit=1e2", "", 400)),
              "query /limit type");
    auto before = stack->upstream.request_count();
    auto accepted = send("GET", "/orders/" + uuid + "?limit=100&other=x");
    ASSERT_EQ(accepted.status, 200u) << accepted.body;
    ASSERT_TRUE(stack->upstream.wait_for_request_count(before + 1));
    EXPECT_EQ(stack->upstream.requests().back().target, "/orders/" + uuid + "?limit=100&other=x");
}

// duplicates: first: the upstream reads exactly the occurrence Rampart validated.
TEST_F(Validation, DuplicatePolicyFirstForwardsOnlyTheValidatedOccurrence) {
    auto before = stack->upstream.request_count();
    auto response = send("GET", "/search?q=ok&filter[name]=x&q=much-too-long-value&q=");
    ASSERT_EQ(response.status, 200u) << response.body;
    ASSERT_TRUE(stack->upstream.wait_for_request_count(before + 1));
    EXPECT_EQ(stack->upstream.requests().back().target, "/search?q=ok&filter[name]=x");
    EXPECT_EQ(first_error(refused("GET", "/search?q=much-too-long-value&q=ok", "", 400)),
              "query /q maxLength");
}

TEST_F(Validation, RefusalsAreSecurityEvents) {
    refused("GET", "/orders/" + uuid + "?limit=777777", "", 400);
    refused("PATCH", "/users/me", R"({"name":"x","secret":"hunter2-hunter2"})", 400);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"parameters\""));
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"body_schema\""));
    auto log = stack->gateway->security_log();
    EXPECT_NE(log.find("request_invalid"), std::string::npos);
    EXPECT_EQ(log.find("777777"), std::string::npos) << "no parameter value in the log";
    EXPECT_EQ(log.find("hunter2"), std::string::npos) << "no payload in the log";
}

}  // namespace
}  // namespace rampart::test
