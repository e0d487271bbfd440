// OpenAPI import (issue 5 item 3) through the real binary: a realistic multi-path spec
// (tests/integration/data/shop-openapi.yaml: users, orders, items, components, references, a
// recursive category tree, security schemes) imported with `rampart import-openapi`, the output
// passing `rampart check`; the same spec and a smaller one referenced from route groups with
// `openapi:` and served: requests that break the contract refused 400 with JSON pointers and
// never forwarded, valid ones proxied, security imported, operations left out not routed.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "support/gateway.hpp"
#include "support/problem_assertions.hpp"
#include "support/raw_connection.hpp"
#include "support/recording_upstream.hpp"

namespace rampart::test {
namespace {

namespace json = boost::json;

std::string shop_spec() {
    return source_dir() + "/tests/integration/data/shop-openapi.yaml";
}

// Runs rampart with `arguments` to its end; its exit status.
int run_rampart(const std::vector<std::string>& arguments, const TempDir& directory,
                std::string* output = nullptr, std::string* errors = nullptr) {
    Process process(rampart_binary(), arguments, directory.path());
    auto status = process.wait_for_exit(std::chrono::seconds(20));
    if (output != nullptr) {
        *output = process.output();
    }
    if (errors != nullptr) {
        *errors = process.errors();
    }
    return status.value_or(-1);
}

const std::string base_configuration = R"(data_directory: {{dir}}/data
listeners:
  - name: public
    address: 127.0.0.1
    port: 18444
    tls: {self_signed: true}
token_service:
  issuer: https://127.0.0.1:18444
api_keys:
  header: X-API-Key
)";

TEST(OpenApiImport, ImportedShopSpecPassesCheckAndRefusesToOverwrite) {
    TempDir directory;
    auto fragment = directory.path() + "/shop-routes.yaml";
    std::string output;
    std::string errors;
    ASSERT_EQ(run_rampart({"import-openapi", shop_spec(), "--upstream", "http://127.0.0.1:9000",
                           "--upstream-name", "shop", "--out", fragment},
                          directory, &output, &errors),
              0)
        << errors;
    EXPECT_NE(errors.find("paths./orders.post.requestBody.content.application/xml: not imported"),
              std::string::npos)
        << errors;
    EXPECT_NE(errors.find("paths./reports/{file}.csv: a path parameter must be a whole segment"),
              std::string::npos)
        << errors;
    std::ifstream in(fragment);
    std::stringstream text;
    text << in.rdbuf();
    auto config = directory.write("rampart.yaml",
                                  in_directory(base_configuration, directory.path()) + text.str());
    ASSERT_EQ(run_rampart({"check", "-c", config}, directory, &output, &errors), 0) << errors;
    for (const auto* route :
         {"GET /v1/health -> shop", "POST /v1/users -> shop", "DELETE /v1/users/{user_id} -> shop",
          "POST /v1/orders -> shop", "GET /v1/orders/{orderId} -> shop",
          "PUT /v1/categories -> shop", "PUT /v1/items/{itemId}/photo -> shop"}) {
        EXPECT_NE(output.find(route), std::string::npos) << route << " in\n" << output;
    }
    EXPECT_EQ(output.find("reports"), std::string::npos) << output;

    EXPECT_NE(run_rampart({"import-openapi", shop_spec(), "--upstream", "http://127.0.0.1:9000",
                           "--out", fragment},
                          directory, &output, &errors),
              0);
    EXPECT_NE(errors.find("exists: give --force"), std::string::npos) << errors;
}

TEST(OpenApiImport, ABadSpecIsRefusedWithItsLocation) {
    TempDir directory;
    auto spec = directory.write("swagger.yaml", "swagger: '2.0'\npaths: {}\n");
    std::string errors;
    EXPECT_NE(run_rampart({"import-openapi", spec, "--upstream", "http://127.0.0.1:9000"},
                          directory, nullptr, &errors),
              0);
    EXPECT_NE(errors.find("Swagger 2.0 is not supported"), std::string::npos) << errors;
    auto broken = directory.write("broken.yaml", "openapi: 3.0.0\npaths:\n  /a: [\n");
    EXPECT_NE(run_rampart({"import-openapi", broken, "--upstream", "http://127.0.0.1:9000"},
                          directory, nullptr, &errors),
              0);
    EXPECT_NE(errors.find("broken.yaml:"), std::string::npos) << errors;
}

const std::string notes_spec = R"(openapi: 3.1.0
info: {title: Notes, version: "1"}
security: []
paths:
  /notes/{noteId}:
    put:
      parameters:
        - {name: noteId, in: path, required: true, schema: {type: integer, minimum: 1}}
        - {name: dry_run, in: query, schema: {type: boolean}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Note"}
      responses:
        "204": {description: stored}
components:
  schemas:
    Note:
      type: object
      additionalProperties: false
      required: [title]
      properties:
        title: {type: string, maxLength: 20}
        owner: {type: [string, "null"], format: email}
        parent: {$ref: "#/components/schemas/Note"}
)";

class OpenApiGroup : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        specs = new TempDir();
        auto notes = specs->write("notes.yaml", notes_spec);
        stack = new GatewayStack(
            "  - prefix: /shop\n"
            "    upstream: app\n"
            "    openapi: {file: " +
                shop_spec() +
                "}\n"
                "  - prefix: /api\n"
                "    upstream: app\n"
                "    openapi: " +
                notes + "\n",
            "token_service:\n  issuer: https://localhost\n");
    }
    static void TearDownTestSuite() {
        delete stack;
        delete specs;
    }

    static std::string first_error(const ParsedResponse& response) {
        auto problem = response.json();
        const auto& error = problem.at("errors").at(0).as_object();
        std::string text(error.at("in").as_string());
        if (error.contains("pointer")) {
            text += " " + std::string(error.at("pointer").as_string());
        }
        return text + " " + std::string(error.at("keyword").as_string());
    }

    static ParsedResponse put_note(std::string_view target, std::string_view body) {
        return https_request(stack->port, "PUT", target, {{"Content-Type", "application/json"}},
                             body);
    }

    static TempDir* specs;
    static GatewayStack* stack;
};

TempDir* OpenApiGroup::specs = nullptr;
GatewayStack* OpenApiGroup::stack = nullptr;

TEST_F(OpenApiGroup, ABodyBreakingTheSpecIsRefusedWithPointersAndNotForwarded) {
    auto before = stack->upstream.request_count();
    auto response = put_note("/api/notes/7", R"({"title":"ok","parent":{"title":"ok","x":1}})");
    EXPECT_EQ(response.status, 400u) << response.body;
    expect_problem(response);
    EXPECT_EQ(first_error(response), "body /parent/x additionalProperties");
    response = put_note("/api/notes/7", R"({"title":"ok","owner":"not an address"})");
    EXPECT_EQ(response.status, 400u) << response.body;
    EXPECT_EQ(first_error(response), "body /owner format");
    response = put_note("/api/notes/0", R"({"title":"ok"})");
    EXPECT_EQ(response.status, 400u) << response.body;
    EXPECT_EQ(first_error(response), "path /noteId minimum");
    response = put_note("/api/notes/7?dry_run=maybe", R"({"title":"ok"})");
    EXPECT_EQ(response.status, 400u) << response.body;
    EXPECT_EQ(first_error(response), "query /dry_run type");
    response = https_request(stack->port, "PUT", "/api/notes/7");
    EXPECT_EQ(response.status, 400u) << "the body is required: " << response.body;
    EXPECT_EQ(stack->upstream.request_count(), before);
}

TEST_F(OpenApiGroup, AValidRequestIsProxied) {
    auto before = stack->upstream.request_count();
    auto response = put_note("/api/notes/7?dry_run=true",
                             R"({"title":"ok","owner":null,"parent":{"title":"p"}})");
    EXPECT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(stack->upstream.request_count(), before + 1);
    EXPECT_EQ(https_request(stack->port, "GET", "/api/notes/7").status, 405u)
        << "only the operations of the spec are routed";
}

TEST_F(OpenApiGroup, TheShopSpecSecurityAndLeftOutOperationsAreEnforced) {
    auto before = stack->upstream.request_count();
    EXPECT_EQ(https_request(stack->port, "GET", "/shop/health").status, 200u);
    EXPECT_EQ(stack->upstream.request_count(), before + 1);
    auto response = https_request(stack->port, "POST", "/shop/users",
                                  {{"Content-Type", "application/json"}}, R"({"email":"a"})");
    EXPECT_EQ(response.status, 401u) << "security: oauth users:write: " << response.body;
    EXPECT_EQ(https_request(stack->port, "GET", "/shop/reports/x.csv").status, 404u);
    EXPECT_EQ(https_request(stack->port, "GET", "/shop/v1/health").status, 404u)
        << "in a group, the group's prefix replaces the servers' path";
    EXPECT_EQ(stack->upstream.request_count(), before + 1);
}

}  // namespace
}  // namespace rampart::test

namespace rampart::test {
namespace {

// Response schemas (log-only response validation) are written switched off unless asked for,
// and switched on they still pass `rampart check`.
TEST(OpenApiImport, ResponseSchemasAreWrittenSwitchedOffUnlessAsked) {
    TempDir directory;
    std::string output;
    std::string errors;
    ASSERT_EQ(run_rampart({"import-openapi", shop_spec(), "--upstream", "http://127.0.0.1:9000"},
                          directory, &output, &errors),
              0)
        << errors;
    EXPECT_NE(output.find("response:"), std::string::npos) << output;
    EXPECT_NE(output.find("enabled: false"), std::string::npos) << output;
    EXPECT_NE(output.find("mode: log"), std::string::npos) << output;

    auto fragment = directory.path() + "/checked.yaml";
    ASSERT_EQ(run_rampart({"import-openapi", shop_spec(), "--upstream", "http://127.0.0.1:9000",
                           "--validate-responses", "--out", fragment},
                          directory, &output, &errors),
              0)
        << errors;
    std::ifstream in(fragment);
    std::stringstream text;
    text << in.rdbuf();
    EXPECT_NE(text.str().find("mode: log"), std::string::npos) << text.str();
    EXPECT_EQ(text.str().find("enabled: false"), std::string::npos) << text.str();
    auto config = directory.write("rampart.yaml",
                                  in_directory(base_configuration, directory.path()) + text.str());
    EXPECT_EQ(run_rampart({"check", "-c", config}, directory, &output, &errors), 0) << errors;
}

}  // namespace
}  // namespace rampart::test
