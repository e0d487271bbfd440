// The injection filter through the real binary (INP-10): the OWASP Core Rule Set at paranoia 1
// with Rampart's own rules blocks a corpus of SQL, NoSQL, command injection, path traversal,
// XSS and JNDI payloads in the query, the JSON body and the headers, while a corpus of
// realistic API requests passes (the false-positive rate is printed). Refusals never reach the
// upstream and are logged by rule id, never by payload. Detect mode refuses nothing; exclusions
// and routes without the filter behave as configured.
#include <gtest/gtest.h>

#include <atomic>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "support/gateway.hpp"
#include "support/problem_assertions.hpp"
#include "support/raw_connection.hpp"

namespace rampart::test {
namespace {

struct Probe {
    std::string name;
    std::string method;
    std::string target;
    HeaderList headers;
    std::string body;
};

Probe json_probe(std::string name, std::string method, std::string target, std::string body) {
    return {std::move(name),
            std::move(method),
            std::move(target),
            {{"Content-Type", "application/json"}},
            std::move(body)};
}

const std::vector<Probe> attacks = {
    {"sqli tautology in the query", "GET", "/api/items?q=%27%20OR%20%271%27%3D%271", {}, ""},
    {"sqli union in the query",
     "GET",
     "/api/items?q=1%20UNION%20SELECT%20username,password%20FROM%20users",
     {},
     ""},
    {"sqli comment-obfuscated union", "GET", "/api/items?q=1/**/UNION/**/SELECT/**/1,2", {}, ""},
    json_probe("sqli in a JSON member", "POST", "/api/items",
               R"({"name":"x' OR 1=1 -- ","price":3})"),
    {"sqli in a header",
     "GET",
     "/api/items",
     {{"X-Customer", "1' UNION SELECT password FROM users--"}},
     ""},
    json_probe("nosql operator in a JSON body", "POST", "/api/login",
               R"({"username":{"$ne":null},"password":{"$ne":null}})"),
    {"nosql operator in the query", "GET", "/api/items?owner[$ne]=alice", {}, ""},
    {"command injection in the query",
     "GET",
     "/api/items?host=127.0.0.1;cat%20/etc/passwd",
     {},
     ""},
    json_probe("command injection in a JSON member", "POST", "/api/items",
               R"json({"name":"a","callback":"$(curl 127.0.0.1:1/x | sh)"})json"),
    {"path traversal in the query", "GET", "/api/items?file=../../../../etc/passwd", {}, ""},
    json_probe("xss in a JSON member", "POST", "/api/items",
               R"({"comment":"<script>alert(1)</script>"})"),
    {"xss in the query", "GET", "/api/items?q=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E", {}, ""},
    {"jndi lookup in a header",
     "GET",
     "/api/items",
     {{"X-Api-Version", "${jndi:ldap://127.0.0.1:1/a}"}},
     ""},
    json_probe("jndi lookup in a JSON member", "POST", "/api/items",
               R"({"name":"${${lower:j}ndi:ldap://127.0.0.1:1/a}"})"),
};

const std::vector<Probe> benign = {
    {"list", "GET", "/api/items", {}, ""},
    {"page and sort", "GET", "/api/items?limit=20&offset=40&sort=-created_at", {}, ""},
    {"filter by status", "GET", "/api/items?status=shipped&status_in=pending,paid", {}, ""},
    {"search words", "GET", "/api/items?q=select%20the%20best%20union%20jack%20flag", {}, ""},
    {"search with apostrophe", "GET", "/api/items?q=O%27Reilly%20books", {}, ""},
    {"date range", "GET", "/api/items?from=2026-01-01T00:00:00Z&to=2026-12-31T23:59:59Z", {}, ""},
    {"uuid lookup", "GET", "/api/items/3f2b8c1e-9a4d-4e2f-b6c7-1d2e3f4a5b6c", {}, ""},
    {"email filter", "GET", "/api/items?email=alice.smith%2Btag%40example.com", {}, ""},
    {"bearer-like header",
     "GET",
     "/api/items",
     {{"X-Trace", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}},
     ""},
    json_probe("create user", "POST", "/api/items",
               R"({"name":"Séan O'Brien","email":"sean@example.com","phone":"+353 1 234 5678"})"),
    json_probe("address", "POST", "/api/items",
               R"({"street":"12 Rue de l'Église","city":"Saint-Étienne","zip":"42000"})"),
    json_probe("order", "POST", "/api/items",
               R"({"items":[{"sku":"A-100","qty":2},{"sku":"B-7","qty":1}],"total":49.90})"),
    json_probe("free text", "POST", "/api/items",
               R"({"bio":"I select furniture for a living; my union pays well. Drop by!"})"),
    json_probe("markdown comment", "POST", "/api/items",
               R"({"comment":"Use **bold** and _italics_. See https://example.com/docs?id=3"})"),
    json_probe("nested settings", "PATCH", "/api/items/42",
               R"({"settings":{"theme":"dark","notifications":{"email":true,"sms":false}}})"),
    json_probe("numbers and nulls", "PUT", "/api/items/42",
               R"({"price":10.5,"discount":null,"tags":["new","sale"],"rating":4})"),
    json_probe(
        "password change", "POST", "/api/items",
        R"({"current_password":"correct horse battery staple","new_password":"Tr0ub4dor&3x!"})"),
    json_probe("url field", "POST", "/api/items",
               R"({"callback_url":"https://hooks.example.com/rampart?token=abc123"})"),
    json_probe("mongo-like but data", "POST", "/api/items",
               R"({"currency":"USD","note":"costs $5 and $10"})"),
    {"form body",
     "POST",
     "/api/items",
     {{"Content-Type", "application/x-www-form-urlencoded"}},
     "name=widget&price=9.99&tag=a+b"},
    {"delete", "DELETE", "/api/items/42", {}, ""},
    {"accept language",
     "GET",
     "/api/items",
     {{"Accept-Language", "fr-FR,fr;q=0.9,en;q=0.8"}, {"User-Agent", "MyApp/2.1 (Android 14)"}},
     ""},
};

ParsedResponse send(std::uint16_t port, const Probe& probe) {
    return https_request(port, probe.method, probe.target, probe.headers, probe.body);
}

std::string filtered_routes(const std::string& waf) {
    return "  - path: /api/items\n    methods: [GET, POST]\n    upstream: app\n    auth: none\n" +
           waf +
           "  - path: /api/items/{id}\n    methods: [GET, PUT, PATCH, DELETE]\n    upstream: app\n"
           "    auth: none\n" +
           waf + "  - path: /api/login\n    methods: [POST]\n    upstream: app\n    auth: none\n" +
           waf + "  - path: /open/items\n    methods: [GET]\n    upstream: app\n    auth: none\n";
}

const std::string blocking = "    waf: {mode: block, paranoia: 1}\n";

TEST(Waf, BlocksTheAttackCorpusAtParanoiaOneWithoutReachingTheUpstream) {
    GatewayStack stack(filtered_routes(blocking));
    for (const auto& attack : attacks) {
        auto response = send(stack.port, attack);
        EXPECT_EQ(response.status, 403u) << attack.name;
        if (response.status == 403u) {
            expect_problem(response);
        }
    }
    EXPECT_EQ(stack.upstream.request_count(), 0u) << "an attack reached the upstream";
    ASSERT_TRUE(stack.gateway->wait_for_security_log("\"event\":\"waf_refused\""));
    auto log = stack.gateway->security_log();
    EXPECT_NE(log.find("949110"), std::string::npos) << "the blocking rule id is not logged";
    EXPECT_NE(log.find("10010"), std::string::npos) << "the NoSQL rule id is not logged";
    for (auto payload : {"UNION", "passwd", "script", "jndi", "$ne", "curl"}) {
        EXPECT_EQ(log.find(payload), std::string::npos) << "the log holds the payload " << payload;
    }
}

TEST(Waf, LetsTheBenignCorpusThroughAndReportsTheFalsePositiveRate) {
    GatewayStack stack(filtered_routes(blocking));
    std::size_t refused = 0;
    for (const auto& request : benign) {
        auto response = send(stack.port, request);
        EXPECT_EQ(response.status, 200u) << request.name << " was refused";
        refused += response.status == 403u ? 1 : 0;
    }
    std::cout << "[ waf      ] false positives at paranoia 1: " << refused << " of "
              << benign.size() << " benign requests\n";
    EXPECT_EQ(stack.upstream.request_count(), benign.size());
}

TEST(Waf, UnparseableJsonBodyIsRefusedAs400) {
    GatewayStack stack(filtered_routes(blocking));
    auto response = https_request(stack.port, "POST", "/api/items",
                                  {{"Content-Type", "application/json"}}, R"({"name": "x",)");
    EXPECT_EQ(response.status, 400u);
    expect_problem(response);
    EXPECT_EQ(stack.upstream.request_count(), 0u);
}

TEST(Waf, DetectModeRefusesNothingAndLogsWhatItWouldHaveRefused) {
    GatewayStack stack(filtered_routes("    waf: {mode: detect}\n"));
    auto response = send(stack.port, attacks.at(1));
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(stack.upstream.request_count(), 1u);
    EXPECT_TRUE(stack.gateway->wait_for_security_log("\"event\":\"waf_would_refuse\""));
    EXPECT_EQ(stack.gateway->security_log().find("waf_refused"), std::string::npos);
}

TEST(Waf, ExcludedRuleNoLongerCountsAndRoutesWithoutTheFilterAreUntouched) {
    // ' OR '1'='1 matches rule 942100 alone; with it excluded the request passes.
    GatewayStack stack(filtered_routes("    waf: {exclusions: [942100]}\n"));
    EXPECT_EQ(send(stack.port, attacks.at(0)).status, 200u);
    EXPECT_EQ(send(stack.port, attacks.at(1)).status, 403u) << "other rules still count";
    auto unfiltered = https_request(stack.port, "GET", "/open/items?q=%27%20OR%20%271%27%3D%271");
    EXPECT_EQ(unfiltered.status, 200u) << "a route without the filter was filtered";
    EXPECT_EQ(stack.upstream.request_count(), 2u);
}

TEST(Waf, GroupFilterCanBeTurnedOffOnOneRoute) {
    std::string routes =
        "  - prefix: /api\n    waf: {mode: block}\n    routes:\n"
        "      - path: /items\n        methods: [GET]\n        upstream: app\n        auth: none\n"
        "      - path: /export\n        methods: [GET]\n        upstream: app\n        auth: none\n"
        "        waf: {enabled: false}\n";
    GatewayStack stack(routes);
    const std::string attack = "?q=1%20UNION%20SELECT%20username,password%20FROM%20users";
    EXPECT_EQ(https_request(stack.port, "GET", "/api/items" + attack).status, 403u);
    EXPECT_EQ(https_request(stack.port, "GET", "/api/export" + attack).status, 200u);
}

// Workers share one loaded rule set; parallel transactions on it stay correct.
TEST(Waf, ParallelRequestsOnBothWorkersAreJudgedCorrectly) {
    GatewayStack stack(filtered_routes(blocking));
    std::atomic<int> wrong{0};
    std::vector<std::thread> clients;
    for (int client = 0; client < 6; ++client) {
        clients.emplace_back([&, client] {
            for (int round = 0; round < 10; ++round) {  // bounded: 60 requests in all
                const auto& probe = (round + client) % 2 == 0
                                        ? attacks[(round + client) % attacks.size()]
                                        : benign[(round + client) % benign.size()];
                bool is_attack = (round + client) % 2 == 0;
                auto status = send(stack.port, probe).status;
                if (status != (is_attack ? 403u : 200u)) {
                    ++wrong;
                }
            }
        });
    }
    for (auto& client : clients) {
        client.join();
    }
    EXPECT_EQ(wrong.load(), 0);
}

}  // namespace
}  // namespace rampart::test
