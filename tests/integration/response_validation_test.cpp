// Response validation in log-only mode (issue 5 item 3) through the real binary over real TLS:
// an upstream answering with an undeclared field and a wrong type, with a body that is not
// JSON, and with broken JSON. The client must get every answer byte for byte; the security
// log must name the route, the status and the JSON pointers with their keywords, never a
// value; the admin /metrics must count each outcome per route. Also a route imported from an
// OpenAPI group with `validate_responses: true`.
#include <gtest/gtest.h>

#include <string>

#include "support/gateway.hpp"
#include "support/raw_connection.hpp"
#include "support/recording_upstream.hpp"
#include "support/temp_dir.hpp"

namespace rampart::test {
namespace {

const std::string routes = R"(  - path: /users/{id}
    name: user-read
    methods: [GET]
    upstream: app
    auth: none
    validation:
      response:
        mode: log
        schemas:
          200:
            type: object
            properties:
              id: {type: integer}
              name: {type: string}
              address:
                type: object
                properties: {city: {type: string}}
  - path: /plain
    methods: [GET]
    upstream: app
    auth: none
)";

const std::string notes_spec = R"(openapi: 3.0.3
info: {title: Notes, version: "1"}
security: []
paths:
  /notes/{noteId}:
    get:
      parameters:
        - {name: noteId, in: path, required: true, schema: {type: integer}}
      responses:
        "200":
          description: the note
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Note"}
components:
  schemas:
    Note:
      type: object
      properties:
        id: {type: integer}
        title: {type: string}
        tags: {type: array, items: {$ref: "#/components/schemas/Tag"}}
    Tag:
      type: object
      properties: {label: {type: string}}
)";

// Spacing, order and escapes that a re-serialisation would change.
const std::string leaky_user =
    "{ \"id\" : \"u-1\",\"name\":\"Ann\\u00e9\", \"password_hash\": \"$2b$12$SECRETHASHVALUE\",\n"
    "  \"address\": {\"city\": \"Oslo\", \"gate_code\": \"GATECODE4711\"} }";
const std::string leaky_note =
    R"({"id": 7, "title": "t", "tags": [{"label": "a", "colour": "SECRETCOLOUR"}], "owner_email": "x@example.com"})";

UpstreamResponse json_answer(std::string body, std::string type = "application/json") {
    UpstreamResponse response;
    response.headers = {{"Content-Type", type}};
    response.body = std::move(body);
    return response;
}

class ResponseValidation : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        specs = new TempDir();
        auto notes = specs->write("notes.yaml", notes_spec);
        stack = new GatewayStack(routes +
                                 "  - prefix: /api\n"
                                 "    upstream: app\n"
                                 "    openapi: {file: " +
                                 notes + ", validate_responses: true}\n");
        stack->upstream.set_handler([](const RecordedRequest& request) {
            if (request.target == "/users/1" || request.target == "/plain") {
                return json_answer(leaky_user);
            }
            if (request.target == "/users/2") {
                return json_answer(R"({"id": 2, "name": "Bo", "address": {"city": "Rome"}})");
            }
            if (request.target == "/users/3") {
                return json_answer("<html>SECRETPAGE</html>", "text/html");
            }
            if (request.target == "/users/4") {
                return json_answer(R"({"id": 4, "name": "SECRETBROKEN")");
            }
            return json_answer(leaky_note);
        });
    }
    static void TearDownTestSuite() {
        delete stack;
        delete specs;
    }

    static std::string metrics() { return http_request(stack->admin_port, "GET", "/metrics").body; }

    static TempDir* specs;
    static GatewayStack* stack;
};

TempDir* ResponseValidation::specs = nullptr;
GatewayStack* ResponseValidation::stack = nullptr;

TEST_F(ResponseValidation, AViolatingAnswerReachesTheClientUnchangedAndIsLoggedWithoutValues) {
    auto response = https_request(stack->port, "GET", "/users/1");
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.body, leaky_user) << "byte for byte";
    EXPECT_EQ(response.get("Content-Type"), "application/json");
    const std::string event =
        R"("route":"user-read","status":"200","schema":"200","reason":"schema",)"
        R"("violations":"type /id; undeclared /password_hash; undeclared /address/gate_code")";
    ASSERT_TRUE(stack->gateway->wait_for_security_log(event)) << stack->gateway->security_log();
    auto log = stack->gateway->security_log();
    EXPECT_NE(log.find(R"("event":"response_contract_violation")"), std::string::npos) << log;
    for (const auto* value : {"SECRETHASHVALUE", "u-1", "GATECODE", "Oslo", "Ann"}) {
        EXPECT_EQ(log.find(value), std::string::npos) << value << " leaked into\n" << log;
    }
}

TEST_F(ResponseValidation, EveryOutcomeIsCountedPerRouteAndNothingBecomesAnError) {
    auto valid = https_request(stack->port, "GET", "/users/2");
    EXPECT_EQ(valid.status, 200u);
    auto html = https_request(stack->port, "GET", "/users/3");
    EXPECT_EQ(html.status, 200u);
    EXPECT_EQ(html.body, "<html>SECRETPAGE</html>");
    auto broken = https_request(stack->port, "GET", "/users/4");
    EXPECT_EQ(broken.status, 200u);
    EXPECT_EQ(broken.body, R"({"id": 4, "name": "SECRETBROKEN")");
    auto unchecked = https_request(stack->port, "GET", "/plain");
    EXPECT_EQ(unchecked.body, leaky_user);

    ASSERT_TRUE(stack->gateway->wait_for_security_log(
        R"("path":"/users/4","route":"user-read","status":"200","schema":"200","reason":"invalid_json")"))
        << stack->gateway->security_log();
    auto text = metrics();
    for (const auto* series :
         {R"(rampart_response_validation_total{route="user-read",outcome="valid"} 1)",
          R"(rampart_response_validation_total{route="user-read",outcome="invalid"} 1)",
          R"(rampart_response_validation_total{route="user-read",outcome="skipped"} 1)"}) {
        EXPECT_NE(text.find(series), std::string::npos) << series << " in\n" << text;
    }
    EXPECT_EQ(text.find(R"(rampart_response_validation_total{route="/plain")"), std::string::npos)
        << "a route without response validation pays nothing and counts nothing";
    auto log = stack->gateway->security_log();
    EXPECT_EQ(log.find("SECRETPAGE"), std::string::npos) << log;
    EXPECT_EQ(log.find("SECRETBROKEN"), std::string::npos) << log;
    EXPECT_EQ(log.find(R"("path":"/users/2")"), std::string::npos) << "a valid answer is no event";
    EXPECT_EQ(log.find(R"("path":"/users/3")"), std::string::npos)
        << "skipped is counted, not logged";
    EXPECT_EQ(log.find(R"("path":"/plain")"), std::string::npos) << log;
}

TEST_F(ResponseValidation, AnOpenApiGroupChecksAnswersAgainstTheDocumentsResponseSchemas) {
    auto response = https_request(stack->port, "GET", "/api/notes/7");
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.body, leaky_note);
    const std::string event =
        R"("route":"/api/notes/{noteId}","status":"200","schema":"200","reason":"schema",)"
        R"("violations":"undeclared /tags/0/colour; undeclared /owner_email")";
    ASSERT_TRUE(stack->gateway->wait_for_security_log(event)) << stack->gateway->security_log();
    EXPECT_EQ(stack->gateway->security_log().find("SECRETCOLOUR"), std::string::npos);
}

}  // namespace
}  // namespace rampart::test
