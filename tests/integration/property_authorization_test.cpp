// Property-level authorization (AUTHZ-03) and shadow mode, through the real binary with a
// recording upstream: mass assignment of `role` and `balance` is refused with 400 naming the
// fields and never reaches the upstream; nested pointers are allowed or refused; denied fields
// never leave the gateway, in single objects, lists and a chunked answer, with a Content-Length
// a client can frame by; an admin reads more than a customer; a shadow rule enforces nothing
// and is logged.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <string>

#include "store/open_store.hpp"
#include "support/gateway.hpp"
#include "support/problem_assertions.hpp"
#include "support/raw_connection.hpp"
#include "support/store_records.hpp"

namespace {

using namespace rampart::test;
namespace json = boost::json;

const std::string routes = R"(  - name: user
    path: /users/{user_id}
    methods: [GET, PATCH]
    upstream: app
    auth: jwt
    require:
      roles: [customer, admin]
      shadow: {rule: "path.user_id == subject.sub || 'admin' in subject.roles"}
    properties:
      request:
        writable:
          customer: [/name, /address/city]
          admin: ["*"]
      response:
        deny: [/password_hash]
        readable:
          customer: [/id, /name, /address]
          admin: ["*"]
  - name: users
    path: /users
    methods: [GET]
    upstream: app
    auth: jwt
    authorize: authenticated
    properties:
      response: {select: /items, deny: [/password_hash, /internal_notes]}
)";

const std::string password = "correct horse battery staple";

const std::string user_record =
    R"({"id":"usr_alice","name":"Alice","email":"alice@example.com","role":"customer",)"
    R"("balance":10,"password_hash":"$argon2id$v=19$secret","internal_notes":"vip",)"
    R"("address":{"city":"Oslo","street":"Main St 1"}})";

class PropertyAuthorization : public ::testing::Test {
  protected:
    void SetUp() override {
        stack = std::make_unique<GatewayStack>(routes, "token_service: {}\n");
        auto store = rampart::store::open_store(stack->gateway->directory().path() + "/data");
        ASSERT_TRUE(store->create_user(make_user("usr_alice", "alice", password, {"customer"})));
        ASSERT_TRUE(store->create_user(make_user("usr_root", "root", password, {"admin"})));
        stack->upstream.set_handler([](const RecordedRequest& request) {
            UpstreamResponse response;
            response.headers = {{"Content-Type", "application/json"}};
            if (request.target == "/users") {
                response.body =
                    R"({"items":[)" + user_record + "," + user_record + R"(],"next":null})";
            } else {
                response.body = user_record;
            }
            return response;
        });
    }

    std::string bearer(const std::string& username) {
        json::object body{{"username", username}, {"password", password}};
        auto response =
            https_request(stack->port, "POST", "/auth/login",
                          {{"Content-Type", "application/json"}}, json::serialize(body));
        EXPECT_EQ(response.status, 200u) << response.body;
        return "Bearer " + std::string(json::parse(response.body).at("access_token").as_string());
    }

    ParsedResponse patch(const std::string& authorization, const std::string& body,
                         const std::string& content_type = "application/json") {
        return https_request(stack->port, "PATCH", "/users/usr_alice",
                             {{"Authorization", authorization}, {"Content-Type", content_type}},
                             body);
    }

    std::unique_ptr<GatewayStack> stack;
};

TEST_F(PropertyAuthorization, MassAssignmentIsRefusedNamingTheFields) {
    auto alice = bearer("alice");
    auto seen = stack->upstream.request_count();
    auto refused = patch(alice, R"({"name":"Alice B","role":"admin","balance":1000000})");
    EXPECT_EQ(refused.status, 400u);
    expect_problem(refused);
    EXPECT_EQ(refused.json().at("fields"), json::parse(R"(["/role","/balance"])"));
    EXPECT_EQ(refused.body.find("1000000"), std::string::npos) << "values are never echoed";
    auto nested = patch(alice, R"({"address":{"city":"Bergen","street":"x"}})");
    EXPECT_EQ(nested.status, 400u);
    EXPECT_EQ(nested.json().at("fields"), json::parse(R"(["/address/street"])"));
    auto form = patch(alice, "name=x&role=admin", "application/x-www-form-urlencoded");
    EXPECT_EQ(form.status, 415u);
    auto scalar = patch(alice, R"(["role"])");
    EXPECT_EQ(scalar.status, 400u);
    EXPECT_EQ(stack->upstream.request_count(), seen) << "a refused write reached the upstream";
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"property_write_refused\""));
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"fields\":\"/role /balance\""));
    EXPECT_EQ(stack->gateway->security_log().find("1000000"), std::string::npos);

    auto allowed = patch(alice, R"({"name":"Alice B","address":{"city":"Bergen"}})");
    EXPECT_EQ(allowed.status, 200u) << allowed.body;
    ASSERT_TRUE(stack->upstream.wait_for_request_count(seen + 1));
    EXPECT_EQ(json::parse(stack->upstream.requests().back().body),
              json::parse(R"({"name":"Alice B","address":{"city":"Bergen"}})"));

    auto root = bearer("root");
    EXPECT_EQ(patch(root, R"({"role":"admin","balance":5})").status, 200u);
}

TEST_F(PropertyAuthorization, DeniedFieldsNeverLeaveAndAdminsReadMore) {
    auto alice = https_request(stack->port, "GET", "/users/usr_alice",
                               {{"Authorization", bearer("alice")}, {"Accept-Encoding", "gzip"}});
    ASSERT_EQ(alice.status, 200u) << alice.body;
    EXPECT_EQ(alice.json(), json::parse(R"({"id":"usr_alice","name":"Alice",)"
                                        R"("address":{"city":"Oslo","street":"Main St 1"}})"));
    EXPECT_EQ(alice.get("Content-Length"), std::to_string(alice.body.size()));
    EXPECT_FALSE(stack->upstream.requests().back().has("Accept-Encoding"))
        << "the answer must come uncompressed to be filtered";

    auto root =
        https_request(stack->port, "GET", "/users/usr_alice", {{"Authorization", bearer("root")}});
    ASSERT_EQ(root.status, 200u);
    auto seen_by_admin = root.json().as_object();
    EXPECT_EQ(seen_by_admin.at("email"), "alice@example.com");
    EXPECT_EQ(seen_by_admin.at("internal_notes"), "vip");
    EXPECT_FALSE(seen_by_admin.contains("password_hash")) << "deny applies to admins too";

    auto list = https_request(stack->port, "GET", "/users", {{"Authorization", bearer("alice")}});
    ASSERT_EQ(list.status, 200u);
    EXPECT_EQ(list.body.find("password_hash"), std::string::npos);
    EXPECT_EQ(list.body.find("internal_notes"), std::string::npos);
    EXPECT_EQ(list.body.find("$argon2id"), std::string::npos);
    EXPECT_EQ(list.json().at("items").as_array().size(), 2u);
    EXPECT_EQ(list.json().at("items").at(0).at("email"), "alice@example.com");
}

// A client that frames by Content-Length reads exactly the filtered JSON, then the next
// response on the same connection, also when the upstream sent its answer chunked.
TEST_F(PropertyAuthorization, ContentLengthFramesTheFilteredBody) {
    stack->upstream.set_handler([](const RecordedRequest&) {
        UpstreamResponse response;
        response.raw =
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
            "Transfer-Encoding: chunked\r\n\r\n" +
            [] {
                char size[16];
                std::snprintf(size, sizeof size, "%zx", user_record.size());
                return std::string(size);
            }() +
            "\r\n" + user_record + "\r\n0\r\n\r\n";
        return response;
    });
    auto token = bearer("alice");
    RawConnection connection(stack->port, TlsOptions{});
    ASSERT_TRUE(connection.connect()) << connection.error();
    auto request = format_request("GET", "/users/usr_alice",
                                  {{"Host", "localhost"}, {"Authorization", token}});
    for (int round = 0; round < 2; ++round) {
        ASSERT_TRUE(connection.send(request));
        auto response = connection.read_response();
        ASSERT_TRUE(response) << connection.error();
        EXPECT_EQ(response->status, 200u);
        EXPECT_FALSE(response->has("Transfer-Encoding"));
        EXPECT_EQ(response->get("Content-Length"), std::to_string(response->body.size()));
        EXPECT_EQ(response->json().at("name"), "Alice");
        EXPECT_FALSE(response->json().as_object().contains("password_hash"));
    }
}

TEST_F(PropertyAuthorization, AnAnswerThatCannotBeFilteredIsA502) {
    stack->upstream.set_handler([](const RecordedRequest&) {
        UpstreamResponse response;
        response.headers = {{"Content-Type", "text/plain"}};
        response.body = "password_hash=$argon2id$v=19$secret";
        return response;
    });
    auto response =
        https_request(stack->port, "GET", "/users/usr_alice", {{"Authorization", bearer("alice")}});
    EXPECT_EQ(response.status, 502u);
    expect_problem(response);
    EXPECT_EQ(response.body.find("argon2id"), std::string::npos);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"property_filter_failed\""));
}

TEST_F(PropertyAuthorization, ShadowRuleEnforcesNothingAndIsLogged) {
    auto alice = bearer("alice");
    auto seen = stack->upstream.request_count();
    auto other = https_request(stack->port, "GET", "/users/usr_root", {{"Authorization", alice}});
    EXPECT_EQ(other.status, 200u) << "shadow mode enforces nothing";
    EXPECT_EQ(stack->upstream.request_count(), seen + 1);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"authorization_shadow_denied\""));
    auto log = stack->gateway->security_log();
    EXPECT_NE(log.find("\"reason\":\"rule_denied\""), std::string::npos) << log;
    EXPECT_NE(log.find("routes[0].require.shadow"), std::string::npos) << log;
    EXPECT_EQ(log.find("\"event\":\"authorization_denied\""), std::string::npos) << log;
}

}  // namespace
