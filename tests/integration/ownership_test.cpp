// Object-level authorization by the owner in the upstream's answer (AUTHZ-01, OWASP API1:2023),
// through the real binary and a recording upstream that holds orders with owners: enumerating
// order ids reaches only one's own (404 for the others, the same body as Rampart's ordinary
// 404), an admin bypasses the check, a write to another owner's order is refused after a GET
// and never reaches the upstream, the pre-fetch fails closed, and rules read the claims of an
// external issuer's token (a tenant in the path, an email).
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <chrono>
#include <map>
#include <mutex>
#include <span>

#include "auth/jose/jwk.hpp"
#include "auth/jose/jws.hpp"
#include "support/gateway.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/raw_connection.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace rampart::test;
using namespace std::chrono_literals;
namespace json = boost::json;
namespace jose = rampart::auth::jose;

const std::string secret(40, 'k');

const std::string issuers =
    "issuers:\n"
    "  - name: idp\n    issuer: https://idp.test\n    audiences: [api://orders]\n"
    "    hs256_secret: " +
    secret + "\n";

const std::string routes =
    "  - path: /orders/{order_id}\n"
    "    methods: [GET, PUT, PATCH, DELETE]\n"
    "    upstream: app\n"
    "    auth: jwt\n"
    "    authorize: authenticated\n"
    "    ownership:\n"
    "      field: /owner_id\n"
    "      bypass: {roles: [admin]}\n"
    "  - path: /orders/{order_id}/cancel\n"
    "    methods: [POST]\n"
    "    upstream: app\n"
    "    auth: jwt\n"
    "    authorize: authenticated\n"
    "    ownership:\n"
    "      field: /owner/email\n"
    "      claim: email\n"
    "      resource_path: /orders/{order_id}\n"
    "  - path: /tenants/{tenant}/reports\n"
    "    methods: [GET]\n"
    "    upstream: app\n"
    "    auth: jwt\n"
    "    require: {rule: \"subject.tenant == path.tenant\"}\n"
    "  - path: /staff\n"
    "    methods: [GET]\n"
    "    upstream: app\n"
    "    auth: jwt\n"
    "    require: {rule: \"has(subject.email) && subject.email.endsWith('@example.com')\"}\n";

std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string bearer(const std::string& subject, json::object extra = {}) {
    auto key = jose::Key::from_hmac_secret(
        std::span(reinterpret_cast<const unsigned char*>(secret.data()), secret.size()), "idp");
    json::object claims{{"iss", "https://idp.test"},
                        {"sub", subject},
                        {"aud", "api://orders"},
                        {"iat", now()},
                        {"exp", now() + 300}};
    for (const auto& claim : extra) {
        claims[claim.key()] = claim.value();
    }
    return "Bearer " + jose::sign_compact({}, claims, key.value()).value();
}

UpstreamResponse json_answer(unsigned status, std::string body) {
    UpstreamResponse response;
    response.status = status;
    response.headers = {{"Content-Type", "application/json"}};
    response.body = std::move(body);
    return response;
}

std::string without_request_id(const ParsedResponse& response) {
    auto body = response.json().as_object();
    body.erase("request_id");
    return json::serialize(body);
}

class Ownership : public ::testing::Test {
  protected:
    void SetUp() override {
        stack = std::make_unique<GatewayStack>(routes, issuers);
        stack->upstream.set_handler([this](const RecordedRequest& request) {
            auto target = request.target;
            if (target.ends_with("/cancel")) {
                return json_answer(200, R"({"cancelled":true})");
            }
            if (!target.starts_with("/orders/")) {
                return json_answer(200, R"({"reports":[]})");
            }
            {
                std::lock_guard lock(mutex);
                if (auto special = special_answers.find(target); special != special_answers.end()) {
                    return special->second;
                }
            }
            auto id = target.substr(target.rfind('/') + 1);
            auto owner = owners.find(id);
            if (owner == owners.end()) {
                return json_answer(404, R"({"error":"no such order"})");
            }
            return json_answer(200, R"({"id":")" + id + R"(","owner_id":")" + owner->second +
                                        R"(","owner":{"email":")" + owner->second +
                                        R"(@example.com"},"total":12})");
        });
        alice = bearer("alice", {{"email", "alice@example.com"}});
        root = bearer("root", {{"roles", json::array{"admin"}}});
    }

    ParsedResponse call(const std::string& method, const std::string& path,
                        const std::string& authorization, const std::string& body = {}) {
        HeaderList headers{{"Authorization", authorization}};
        if (!body.empty()) {
            headers.push_back({"Content-Type", "application/json"});
        }
        return https_request(stack->port, method, path, headers, body);
    }

    // What reached the upstream since `from`: "METHOD target" each.
    std::vector<std::string> seen_since(std::size_t from) const {
        std::vector<std::string> seen;
        auto requests = stack->upstream.requests();
        for (std::size_t i = from; i < requests.size(); ++i) {
            seen.push_back(requests[i].method + " " + requests[i].target);
        }
        return seen;
    }

    std::map<std::string, std::string> owners{{"o1", "alice"}, {"o2", "bob"}, {"o3", "bob"}};
    // Answers that replace an order's, set by a test while the upstream's thread reads them.
    void answer(const std::string& target, UpstreamResponse response) {
        std::lock_guard lock(mutex);
        special_answers[target] = std::move(response);
    }

    std::mutex mutex;
    std::map<std::string, UpstreamResponse> special_answers;
    std::unique_ptr<GatewayStack> stack;
    std::string alice;
    std::string root;
};

TEST_F(Ownership, EnumeratingOrdersReachesOnlyOnesOwn) {
    auto own = call("GET", "/orders/o1", alice);
    EXPECT_EQ(own.status, 200u);
    EXPECT_NE(own.body.find("\"owner_id\":\"alice\""), std::string::npos);

    auto ordinary_404 = call("GET", "/no-such-route", alice);
    ASSERT_EQ(ordinary_404.status, 404u);
    for (const auto* id : {"o2", "o3"}) {
        auto other = call("GET", std::string("/orders/") + id, alice);
        EXPECT_EQ(other.status, 404u) << id;
        // Existence is not confirmed: the same problem as for a path that is no route at all.
        EXPECT_EQ(without_request_id(other), without_request_id(ordinary_404)) << id;
        EXPECT_EQ(other.body.find("bob"), std::string::npos);
        EXPECT_EQ(other.get("Content-Type"), "application/problem+json");
    }
    // An order that does not exist: the upstream's 404, masked, indistinguishable as well.
    auto missing = call("GET", "/orders/o9", alice);
    EXPECT_EQ(missing.status, 404u);
    EXPECT_EQ(without_request_id(missing), without_request_id(ordinary_404));
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"ownership_denied\""));
    auto log = stack->gateway->security_log();
    EXPECT_NE(log.find("\"reason\":\"not_owner\""), std::string::npos);
    EXPECT_NE(log.find("\"field\":\"/owner_id\""), std::string::npos);
    EXPECT_EQ(log.find("\"bob\""), std::string::npos) << "the owner's value was logged";

    // HEAD has no body to check: it is checked by a fetch first.
    auto head = https_request(stack->port, "HEAD", "/orders/o2", {{"Authorization", alice}});
    EXPECT_EQ(head.status, 404u);
}

TEST_F(Ownership, AnAdminRoleBypassesTheCheck) {
    EXPECT_EQ(call("GET", "/orders/o2", root).status, 200u);
    auto before = stack->upstream.request_count();
    EXPECT_EQ(call("DELETE", "/orders/o2", root).status, 200u);
    EXPECT_EQ(seen_since(before), std::vector<std::string>{"DELETE /orders/o2"})
        << "a bypassing role costs no fetch";
}

TEST_F(Ownership, WritesToAnotherOwnersOrderNeverReachTheUpstream) {
    for (const auto* method : {"PUT", "PATCH", "DELETE"}) {
        auto before = stack->upstream.request_count();
        auto refused = call(method, "/orders/o2", alice, R"({"total":0})");
        EXPECT_EQ(refused.status, 404u) << method;
        EXPECT_EQ(seen_since(before), std::vector<std::string>{"GET /orders/o2"}) << method;
    }
    auto before = stack->upstream.request_count();
    auto allowed = call("PATCH", "/orders/o1", alice, R"({"total":13})");
    EXPECT_EQ(allowed.status, 200u);
    ASSERT_EQ(seen_since(before), (std::vector<std::string>{"GET /orders/o1", "PATCH /orders/o1"}));
    auto requests = stack->upstream.requests();
    const auto& fetch = requests[before];
    const auto& write = requests[before + 1];
    // The fetch carries the identity the write would, and nothing of the client's body.
    EXPECT_EQ(fetch.get("X-User-Id"), "alice");
    EXPECT_EQ(fetch.get("X-User-Id"), write.get("X-User-Id"));
    EXPECT_TRUE(fetch.body.empty());
    EXPECT_FALSE(fetch.has("Content-Type"));
    EXPECT_EQ(write.body, R"({"total":13})");
}

// A 304 or a range of the answer could not be checked and would confirm that the object
// exists: conditional and range fields never reach the upstream on a checked GET or a fetch,
// and still go with the write itself.
TEST_F(Ownership, ConditionalAndRangeFieldsCannotDodgeTheCheck) {
    auto before = stack->upstream.request_count();
    auto conditional =
        https_request(stack->port, "GET", "/orders/o2",
                      {{"Authorization", alice}, {"If-None-Match", "*"}, {"Range", "bytes=0-3"}});
    EXPECT_EQ(conditional.status, 404u);
    auto write = https_request(stack->port, "DELETE", "/orders/o1",
                               {{"Authorization", alice}, {"If-Match", "\"v1\""}});
    EXPECT_EQ(write.status, 200u);
    auto requests = stack->upstream.requests();
    ASSERT_EQ(requests.size(), before + 3);
    for (std::size_t i = before; i < before + 2; ++i) {
        EXPECT_EQ(requests[i].method, "GET");
        EXPECT_FALSE(requests[i].has("If-None-Match"));
        EXPECT_FALSE(requests[i].has("If-Match"));
        EXPECT_FALSE(requests[i].has("Range"));
    }
    EXPECT_EQ(requests[before + 2].method, "DELETE");
    EXPECT_EQ(requests[before + 2].get("If-Match"), "\"v1\"");
}

TEST_F(Ownership, AResourceElsewhereIsFetchedAndMatchedOnAnotherClaim) {
    auto before = stack->upstream.request_count();
    EXPECT_EQ(call("POST", "/orders/o2/cancel", alice).status, 404u);
    EXPECT_EQ(seen_since(before), std::vector<std::string>{"GET /orders/o2"});
    before = stack->upstream.request_count();
    EXPECT_EQ(call("POST", "/orders/o1/cancel", alice).status, 200u);
    EXPECT_EQ(seen_since(before),
              (std::vector<std::string>{"GET /orders/o1", "POST /orders/o1/cancel"}));
    // The route's parameters are encoded again into resource_path: a value cannot add a segment.
    before = stack->upstream.request_count();
    EXPECT_EQ(call("POST", "/orders/o%201%3F%23/cancel", alice).status, 404u);
    EXPECT_EQ(seen_since(before), std::vector<std::string>{"GET /orders/o%201%3F%23"});
    // Without the claim there is no owner to be.
    EXPECT_EQ(call("POST", "/orders/o1/cancel", bearer("alice")).status, 404u);
}

TEST_F(Ownership, APrefetchThatFailsWritesNothing) {
    answer("/orders/o1", json_answer(500, R"({"trace":"db down"})"));
    auto before = stack->upstream.request_count();
    auto failed = call("DELETE", "/orders/o1", alice);
    EXPECT_EQ(failed.status, 502u);
    EXPECT_EQ(failed.body.find("db down"), std::string::npos);
    EXPECT_EQ(seen_since(before), std::vector<std::string>{"GET /orders/o1"});

    auto slow = json_answer(200, R"({"owner_id":"alice"})");
    slow.delay = 5500ms;  // beyond the upstream's response timeout (5 s) in the test configuration
    answer("/orders/o1", slow);
    before = stack->upstream.request_count();
    // A GET is retried once: two timeouts before the answer, so more than https_request waits.
    RawConnection connection(stack->port, TlsOptions{});
    ASSERT_TRUE(connection.connect()) << connection.error();
    ASSERT_TRUE(connection.send(
        format_request("DELETE", "/orders/o1", {{"Authorization", alice}}, {}, true)));
    auto timed_out = connection.read_response(20s);
    ASSERT_TRUE(timed_out.has_value()) << connection.error();
    EXPECT_EQ(timed_out->status, 503u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"fetch_timed_out\""));
    for (const auto& seen : seen_since(before)) {
        EXPECT_EQ(seen, "GET /orders/o1");
    }
}

TEST_F(Ownership, AnAnswerThatCannotBeCheckedFailsClosed) {
    answer("/orders/o1", json_answer(200, "<html>not json</html>"));
    EXPECT_EQ(call("GET", "/orders/o1", alice).status, 502u);
    answer("/orders/o1", json_answer(200, R"({"id":"o1"})"));
    EXPECT_EQ(call("GET", "/orders/o1", alice).status, 502u);
    // Two owners in one document: which one would the client read?
    answer("/orders/o1", json_answer(200, R"({"owner_id":"alice","owner_id":"bob"})"));
    EXPECT_EQ(call("GET", "/orders/o1", alice).status, 502u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"owner_missing\""));
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"reason\":\"not_json\""));
}

TEST_F(Ownership, RulesReadTheClaimsOfAnExternalToken) {
    auto t1 = bearer("carol", {{"tenant", "t1"}});
    EXPECT_EQ(call("GET", "/tenants/t1/reports", t1).status, 200u);
    auto before = stack->upstream.request_count();
    EXPECT_EQ(call("GET", "/tenants/t2/reports", t1).status, 403u);
    EXPECT_EQ(call("GET", "/tenants/t1/reports", bearer("dave")).status, 403u) << "no tenant claim";
    EXPECT_EQ(call("GET", "/tenants/t1/reports", bearer("erin", {{"tenant", 1}})).status, 403u)
        << "a number is not the string t1";
    EXPECT_EQ(stack->upstream.request_count(), before);

    EXPECT_EQ(call("GET", "/staff", alice).status, 200u);
    EXPECT_EQ(call("GET", "/staff", bearer("mallory", {{"email", "m@example.com.evil"}})).status,
              403u);
}

// The same through the demo upstream, whose orders have owners (o1 and o2 are u1's, o3 and o4
// u2's, o5 u3's) and which itself lets anybody read or delete any of them.
class OwnershipWithTheDemoUpstream : public ::testing::Test {
  protected:
    void SetUp() override {
        ASSERT_TRUE(demo.wait_for_port(demo_port));
        const std::string demo_routes =
            "  - path: /api/v2/orders/{order_id}\n"
            "    methods: [GET, PUT, DELETE]\n"
            "    upstream: app\n"
            "    auth: jwt\n"
            "    authorize: authenticated\n"
            "    ownership: {field: /owner_id, bypass: {roles: [admin]}}\n";
        while (admin_port == port) {
            admin_port = free_port();
        }
        gateway = std::make_unique<Gateway>(
            port, admin_port, gateway_config(port, admin_port, demo_port, demo_routes, issuers));
    }

    unsigned call(const std::string& method, const std::string& path,
                  const std::string& authorization) {
        return https_request(port, method, path, {{"Authorization", authorization}}).status;
    }

    TempDir directory;
    std::uint16_t demo_port = free_port();
    Process demo{demo_upstream_binary(),
                 {"--address", "127.0.0.1", "--port", std::to_string(demo_port)},
                 directory.path()};
    std::uint16_t port = free_port();
    std::uint16_t admin_port = free_port();
    std::unique_ptr<Gateway> gateway;
};

TEST_F(OwnershipWithTheDemoUpstream, AliceReachesHerOrdersOnly) {
    auto alice = bearer("u1");
    EXPECT_EQ(call("GET", "/api/v2/orders/o1", alice), 200u);
    EXPECT_EQ(call("GET", "/api/v2/orders/o2", alice), 200u);
    for (const auto* id : {"o3", "o4", "o5", "o6", "nope"}) {
        EXPECT_EQ(call("GET", std::string("/api/v2/orders/") + id, alice), 404u) << id;
    }
    // Her DELETE of bob's order never reaches the demo: the order is still there for an admin.
    EXPECT_EQ(call("DELETE", "/api/v2/orders/o3", alice), 404u);
    auto admin = bearer("u3", {{"roles", json::array{"admin"}}});
    EXPECT_EQ(call("GET", "/api/v2/orders/o3", admin), 200u);
    // Her own goes.
    EXPECT_EQ(call("DELETE", "/api/v2/orders/o1", alice), 204u);
    EXPECT_EQ(call("GET", "/api/v2/orders/o1", admin), 404u);
}

}  // namespace
