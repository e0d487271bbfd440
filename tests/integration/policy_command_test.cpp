// `rampart policy test` through the real binary: one request prints the route, the decision
// and the requirement or rule that decided it (with its file:line); --cases checks a YAML or
// JSON list of requests and exits 1 on a mismatch, naming it; bad arguments exit non-zero with
// a clear message. No server is started and nothing listens.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "support/process.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace rampart::test;

// The upstream's host does not resolve: the command must not need it (nothing is resolved,
// nothing is fetched).
const std::string configuration = R"(data_directory: {{dir}}/data
listeners:
  - port: 18443
    tls: {self_signed: true}
upstreams:
  app:
    targets: [http://orders.invalid:9000]
token_service: {}
roles:
  admin: ["*"]
  clerk: [orders:read]
routes:
  - path: /users/{user_id}
    methods: [GET, PATCH]
    upstream: app
    auth: jwt
    require:
      rule: "path.user_id == subject.sub || 'admin' in subject.roles"
  - path: /tenants/{tenant}/reports
    methods: [GET]
    upstream: app
    auth: jwt
    require: {permissions: [orders:read], rule: "subject.tenant == path.tenant"}
  - path: /orders/{order_id}
    methods: [GET, DELETE]
    upstream: app
    auth: jwt
    authorize: authenticated
    ownership: {field: /owner_id}
  - path: /health
    methods: [GET]
    upstream: app
    auth: none
)";

struct Result {
    int status = -1;
    std::string output;
    std::string errors;
};

class PolicyCommand : public ::testing::Test {
  protected:
    void SetUp() override {
        auto text = configuration;
        text.replace(text.find("{{dir}}"), 7, directory.path());
        config_file = directory.write("rampart.yaml", text);
    }

    Result rampart(std::vector<std::string> arguments) {
        Process process(rampart_binary(), arguments, directory.path());
        auto status = process.wait_for_exit(std::chrono::seconds(20));
        EXPECT_TRUE(status.has_value()) << "still running";
        return {status.value_or(-1), process.output(), process.errors()};
    }

    Result test_request(const std::string& request) {
        return rampart({"policy", "test", "--config", config_file, "--request", request});
    }

    TempDir directory;
    std::string config_file;
};

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST_F(PolicyCommand, OneRequestPrintsTheRouteTheDecisionAndWhatDecided) {
    auto denied = test_request(
        R"({"method":"GET","path":"/users/usr_bob","claims":{"sub":"usr_alice","roles":["customer"]}})");
    EXPECT_EQ(denied.status, 0) << denied.errors;
    EXPECT_TRUE(contains(denied.output, "route: GET,PATCH /users/{user_id}")) << denied.output;
    EXPECT_TRUE(contains(denied.output, "decision: deny (403)")) << denied.output;
    EXPECT_TRUE(contains(denied.output,
                         "reason: rule_denied: path.user_id == subject.sub || 'admin' in "
                         "subject.roles"))
        << denied.output;
    EXPECT_TRUE(contains(denied.output, "decided by: " + config_file + ":13 routes[0].require"))
        << denied.output;

    auto allowed = test_request(
        R"({"method":"PATCH","path":"/users/usr_alice","claims":{"sub":"usr_alice"}})");
    EXPECT_TRUE(contains(allowed.output, "decision: allow (200)")) << allowed.output;

    // A tenant claim against the path's, after the permission from the roles map.
    auto other_tenant = test_request(
        R"({"method":"GET","path":"/tenants/t2/reports","claims":{"sub":"c","roles":["clerk"],"tenant":"t1"}})");
    EXPECT_TRUE(contains(other_tenant.output, "decision: deny (403)")) << other_tenant.output;
    EXPECT_TRUE(contains(other_tenant.output, "rule_denied")) << other_tenant.output;
    auto no_permission = test_request(
        R"({"method":"GET","path":"/tenants/t1/reports","claims":{"sub":"c","tenant":"t1"}})");
    EXPECT_TRUE(contains(no_permission.output, "reason: missing_permission: orders:read"))
        << no_permission.output;

    auto owned = test_request(R"({"method":"DELETE","path":"/orders/o1","claims":{"sub":"a"}})");
    EXPECT_TRUE(contains(owned.output, "decision: allow")) << owned.output;
    EXPECT_TRUE(contains(owned.output, "note: ownership is checked")) << owned.output;

    // With the resource the upstream would answer, the ownership check decides too.
    auto not_owner = test_request(
        R"({"method":"DELETE","path":"/orders/o2","claims":{"sub":"a"},"resource":{"owner_id":"b"}})");
    EXPECT_TRUE(contains(not_owner.output, "decision: deny (404)")) << not_owner.output;
    EXPECT_TRUE(contains(not_owner.output, "reason: ownership: not_owner")) << not_owner.output;
    auto owner = test_request(
        R"({"method":"GET","path":"/orders/o1","claims":{"sub":"a"},"resource":{"owner_id":"a"}})");
    EXPECT_TRUE(contains(owner.output, "decision: allow (200)")) << owner.output;
    EXPECT_TRUE(contains(owner.output, "ownership: owner")) << owner.output;
    auto unverifiable = test_request(
        R"({"method":"GET","path":"/orders/o1","claims":{"sub":"a"},"resource":{"id":"o1"}})");
    EXPECT_TRUE(contains(unverifiable.output, "decision: deny (502)")) << unverifiable.output;

    auto anonymous = test_request(R"({"method":"GET","path":"/users/usr_alice"})");
    EXPECT_TRUE(contains(anonymous.output, "decision: deny (401)")) << anonymous.output;
    auto public_route = test_request(R"({"method":"GET","path":"/health"})");
    EXPECT_TRUE(contains(public_route.output, "decision: allow (200)")) << public_route.output;
    auto no_route = test_request(R"({"method":"GET","path":"/nowhere","claims":{"sub":"a"}})");
    EXPECT_TRUE(contains(no_route.output, "route: (none)")) << no_route.output;
    EXPECT_TRUE(contains(no_route.output, "decision: deny (404)")) << no_route.output;
    auto wrong_method = test_request(R"({"method":"DELETE","path":"/users/x","claims":{}})");
    EXPECT_TRUE(contains(wrong_method.output, "decision: deny (405)")) << wrong_method.output;
    auto dot_segment =
        test_request(R"({"method":"GET","path":"/users/%2e%2e/health","claims":{"sub":"a"}})");
    EXPECT_TRUE(contains(dot_segment.output, "decision: deny (400)")) << dot_segment.output;
}

TEST_F(PolicyCommand, CasesPassOrFailWithTheExitCode) {
    auto passing = directory.write("cases.yaml", R"(# policy tests for CI
- name: alice reads herself
  method: GET
  path: /users/usr_alice
  claims: {sub: usr_alice}
  expect: allow
- name: alice cannot read bob
  method: GET
  path: /users/usr_bob
  claims: {sub: usr_alice, roles: [customer]}
  expect: deny
- name: an admin reads bob
  method: GET
  path: /users/usr_bob
  claims: {sub: root, roles: [admin]}
  expect: allow
- name: tenant t1 cannot read t2
  method: GET
  path: /tenants/t2/reports
  claims: {sub: c, roles: [clerk], tenant: t1}
  expect: deny
- name: alice cannot delete bob's order
  method: DELETE
  path: /orders/o2
  claims: {sub: usr_alice}
  resource: {id: o2, owner_id: usr_bob}
  expect: deny
)");
    auto pass = rampart({"policy", "test", "--config", config_file, "--cases", passing});
    EXPECT_EQ(pass.status, 0) << pass.output << pass.errors;
    EXPECT_TRUE(contains(pass.output, "ok    alice cannot read bob: deny")) << pass.output;
    EXPECT_TRUE(contains(pass.output, "5 cases, 0 mismatches")) << pass.output;

    auto failing =
        directory.write("cases.json",
                        R"([{"name":"right","method":"GET","path":"/health","expect":"allow"},
            {"name":"wrong","method":"GET","path":"/users/usr_bob","claims":{"sub":"usr_alice"},"expect":"allow"}])");
    auto fail = rampart({"policy", "test", "--config", config_file, "--cases", failing});
    EXPECT_EQ(fail.status, 1) << fail.output << fail.errors;
    EXPECT_TRUE(contains(fail.output, "FAIL  wrong: expected allow, got deny")) << fail.output;
    EXPECT_TRUE(contains(fail.output, "rule_denied")) << fail.output;
    EXPECT_TRUE(contains(fail.output, "2 cases, 1 mismatch")) << fail.output;
}

TEST_F(PolicyCommand, BadArgumentsAreRefusedClearly) {
    auto neither = rampart({"policy", "test", "--config", config_file});
    EXPECT_NE(neither.status, 0);
    EXPECT_TRUE(contains(neither.errors, "exactly one of --request JSON or --cases FILE"))
        << neither.errors;

    auto not_json = test_request("{\"method\":");
    EXPECT_NE(not_json.status, 0);
    EXPECT_TRUE(contains(not_json.errors, "--request is not valid JSON")) << not_json.errors;

    auto no_path = test_request(R"({"method":"GET"})");
    EXPECT_NE(no_path.status, 0);
    EXPECT_TRUE(contains(no_path.errors, "\"path\" is required")) << no_path.errors;

    auto unknown_key = test_request(R"({"method":"GET","path":"/health","claim":{}})");
    EXPECT_NE(unknown_key.status, 0);
    EXPECT_TRUE(contains(unknown_key.errors, "unknown key \"claim\"")) << unknown_key.errors;

    auto bad_expectation =
        directory.write("bad.yaml", "- {method: GET, path: /health, expect: maybe}\n");
    auto bad = rampart({"policy", "test", "--config", config_file, "--cases", bad_expectation});
    EXPECT_NE(bad.status, 0);
    EXPECT_TRUE(contains(bad.errors, "case 1: \"expect\" must be allow or deny")) << bad.errors;

    auto missing_file =
        rampart({"policy", "test", "--config", config_file, "--cases", "/nonexistent.yaml"});
    EXPECT_NE(missing_file.status, 0);
}

}  // namespace
