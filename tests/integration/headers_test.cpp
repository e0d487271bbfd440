// Response headers, error bodies, request ids, CORS, deprecation and IP filtering (spec
// sections 14 ERR, 15 HDR and 16 VER) against the real rampart binary and a recording
// upstream on loopback.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <iomanip>
#include <memory>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "support/gateway.hpp"
#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/raw_connection.hpp"
#include "support/recording_upstream.hpp"
#include "support/temp_dir.hpp"

using namespace rampart::test;
using namespace std::chrono_literals;

namespace {

bool contains(const std::string& text, std::string_view part) {
    return text.find(part) != std::string::npos;
}

std::string lowercase(std::string text) {
    for (auto& character : text) {
        character = static_cast<char>(std::tolower(static_cast<unsigned char>(character)));
    }
    return text;
}


struct Upstream {
    std::string name;
    std::uint16_t port;
    std::string settings = "";  // more YAML lines, indented four spaces
};

// A complete configuration: the self-signed HTTPS listener, the admin listener, the given
// upstreams, `extra` top-level YAML, and `routes` (list entries indented two spaces).
std::string config_text(std::uint16_t port, std::uint16_t admin_port,
                        const std::vector<Upstream>& upstreams, const std::string& routes,
                        const std::string& extra = "") {
    std::ostringstream config;
    config << "data_directory: {{dir}}/data\n"
           << "workers: 2\n"
           << "listeners:\n"
           << "  - name: public\n"
           << "    address: 127.0.0.1\n"
           << "    port: " << port << "\n"
           << "    tls: {self_signed: true}\n"
           << "admin:\n"
           << "  address: 127.0.0.1\n"
           << "  port: " << admin_port << "\n"
           << "  token: " << test_admin_token << "\n"
           << "logging:\n"
           << "  access_log: {path: '{{dir}}/access.log'}\n"
           << "  security_log: {path: '{{dir}}/security.log'}\n"
           << "drain_timeout: 5s\n"
           << extra << "\n"
           << "upstreams:\n";
    for (const auto& upstream : upstreams) {
        config << "  " << upstream.name << ":\n"
               << "    targets: [http://127.0.0.1:" << upstream.port << "]\n"
               << "    connect_timeout: 1s\n";
        if (!contains(upstream.settings, "response_timeout")) {
            config << "    response_timeout: 5s\n";
        }
        config << upstream.settings;
    }
    config << "routes:\n" << routes;
    return config.str();
}

std::string route(const std::string& path, const std::string& methods, const std::string& upstream,
                  const std::string& more = "") {
    return "  - path: " + path + "\n    methods: " + methods + "\n    upstream: " + upstream +
           "\n    auth: none\n" + more;
}

std::unique_ptr<Gateway> start_gateway(const std::vector<Upstream>& upstreams,
                                       const std::string& routes, const std::string& extra = "") {
    auto port = free_port();
    auto admin_port = free_port();
    return std::make_unique<Gateway>(port, admin_port,
                                     config_text(port, admin_port, upstreams, routes, extra));
}

// A port nothing listens on (bound a moment ago, then closed).
std::uint16_t closed_port() { return free_port(); }

void expect_security_headers(const ParsedResponse& response) {
    EXPECT_EQ(response.get("Strict-Transport-Security"), "max-age=63072000");
    EXPECT_EQ(response.get("X-Content-Type-Options"), "nosniff");
    EXPECT_TRUE(contains(response.get("Content-Security-Policy"), "frame-ancestors 'none'"))
        << "CSP: " << response.get("Content-Security-Policy");
    EXPECT_EQ(response.get("X-Frame-Options"), "DENY");
    EXPECT_EQ(response.get("Referrer-Policy"), "no-referrer");
    EXPECT_EQ(response.get_all("Strict-Transport-Security").size(), 1u);
    // ERR-02: no server software or version.
    EXPECT_FALSE(contains(response.get("Server"), "/")) << "Server: " << response.get("Server");
    EXPECT_FALSE(response.has("X-Powered-By"));
}

// The RFC 9110 reason phrase of the statuses these tests provoke (413 was renamed in 9110).
std::vector<std::string> reason_phrases(unsigned status) {
    switch (status) {
        case 400: return {"Bad Request"};
        case 403: return {"Forbidden"};
        case 404: return {"Not Found"};
        case 405: return {"Method Not Allowed"};
        case 410: return {"Gone"};
        case 413: return {"Content Too Large", "Payload Too Large"};
        case 414: return {"URI Too Long"};
        case 431: return {"Request Header Fields Too Large"};
        case 500: return {"Internal Server Error"};
        case 502: return {"Bad Gateway"};
        case 504: return {"Gateway Timeout"};
        default: return {};
    }
}

// ERR-01: an RFC 9457 problem whose status is the HTTP status and whose request id is the
// X-Request-Id header.
void expect_problem(const ParsedResponse& response, unsigned status) {
    EXPECT_EQ(response.status, status) << response.body;
    EXPECT_EQ(response.get("Content-Type"), "application/problem+json");
    auto request_id = response.get("X-Request-Id");
    EXPECT_FALSE(request_id.empty());
    boost::json::value parsed;
    try {
        parsed = response.json();
    } catch (const std::exception& error) {
        ADD_FAILURE() << "body is not JSON (" << error.what() << "): " << response.body;
        return;
    }
    ASSERT_TRUE(parsed.is_object()) << response.body;
    const auto& body = parsed.as_object();
    ASSERT_TRUE(body.contains("type") && body.at("type").is_string()) << response.body;
    ASSERT_TRUE(body.contains("title") && body.at("title").is_string()) << response.body;
    EXPECT_FALSE(body.at("title").as_string().empty());
    if (body.at("type").as_string() == "about:blank") {
        // RFC 9457 section 4.2.1: with about:blank the title is the status phrase.
        auto phrases = reason_phrases(status);
        std::string title(body.at("title").as_string());
        EXPECT_TRUE(phrases.empty() ||
                    std::find(phrases.begin(), phrases.end(), title) != phrases.end())
            << "title \"" << title << "\" for status " << status;
    }
    ASSERT_TRUE(body.contains("status") && body.at("status").is_int64()) << response.body;
    EXPECT_EQ(body.at("status").as_int64(), static_cast<std::int64_t>(status));
    ASSERT_TRUE(body.contains("request_id") && body.at("request_id").is_string()) << response.body;
    EXPECT_EQ(body.at("request_id").as_string(), request_id);
    if (body.contains("detail")) {
        EXPECT_TRUE(body.at("detail").is_string()) << response.body;
    }
}

// Sends raw bytes over TLS and reads one response.
ParsedResponse raw_exchange(std::uint16_t port, const std::string& bytes) {
    RawConnection connection(port, TlsOptions{});
    if (!connection.connect(5s) || !connection.send(bytes, 5s)) {
        throw std::runtime_error("raw exchange failed: " + connection.error());
    }
    auto response = connection.read_response(5s);
    if (!response) {
        throw std::runtime_error("no response: " + connection.error());
    }
    return std::move(*response);
}

UpstreamResponse respond_with(unsigned status, HeaderList headers, std::string body) {
    UpstreamResponse response;
    response.status = status;
    response.headers = std::move(headers);
    response.body = std::move(body);
    return response;
}

bool has_any_access_control_header(const ParsedResponse& response) {
    for (const auto& [name, value] : response.headers) {
        if (lowercase(name).starts_with("access-control-")) {
            return true;
        }
    }
    return false;
}

bool varies_by_origin(const ParsedResponse& response) {
    for (const auto& value : response.get_all("Vary")) {
        if (contains(lowercase(value), "origin")) {
            return true;
        }
    }
    return false;
}

struct CheckResult {
    std::optional<int> exit_status;
    std::string output;
};

CheckResult run_check(const std::string& config) {
    TempDir directory;
    std::string text = config;
    for (auto position = text.find("{{dir}}"); position != std::string::npos;
         position = text.find("{{dir}}")) {
        text.replace(position, 7, directory.path());
    }
    auto path = directory.write("rampart.yaml", text);
    Process check(rampart_binary(), {"check", "--config", path}, directory.path());
    CheckResult result;
    result.exit_status = check.wait_for_exit(10s);
    result.output = check.errors() + check.output();
    return result;
}

const std::string upstream_stack_trace =
    "Traceback (most recent call last):\n"
    "  File \"/srv/app.py\", line 42, in list_orders\n"
    "    cursor.execute(\"SELECT * FROM orders WHERE owner = %s\", (owner,))\n"
    "psycopg2.errors.UndefinedTable: relation \"orders\" does not exist\n";

}  // namespace

// ---------------------------------------------------------------- HDR-01 security headers

TEST(SecurityHeaders, PresentOn200FromTheUpstream) {
    RecordingUpstream upstream;
    auto gateway = start_gateway({{"app", upstream.port()}}, route("/api/orders", "[GET, POST]", "app"));
    auto response = https_request(gateway->port(), "GET", "/api/orders");
    EXPECT_EQ(response.status, 200u);
    expect_security_headers(response);
}

TEST(SecurityHeaders, PresentOnGatewayErrors404405413And502) {
    RecordingUpstream upstream;
    auto gateway = start_gateway(
        {{"app", upstream.port()}, {"down", closed_port()}},
        route("/api/orders", "[GET, POST]", "app") + route("/api/down", "[GET]", "down"),
        "limits: {max_body_bytes: 1024}");
    struct Case {
        unsigned status;
        ParsedResponse response;
    };
    std::vector<Case> cases;
    cases.push_back({404, https_request(gateway->port(), "GET", "/api/unknown")});
    cases.push_back({405, https_request(gateway->port(), "DELETE", "/api/orders")});
    cases.push_back({413, https_request(gateway->port(), "POST", "/api/orders",
                                        {{"Content-Type", "application/json"}},
                                        std::string(4096, 'x'))});
    cases.push_back({502, https_request(gateway->port(), "GET", "/api/down")});
    for (const auto& [status, response] : cases) {
        SCOPED_TRACE(status);
        EXPECT_EQ(response.status, status) << response.body;
        expect_security_headers(response);
        // Rampart's own responses are never cacheable.
        EXPECT_EQ(response.get("Cache-Control"), "no-store");
    }
    EXPECT_EQ(upstream.request_count(), 0u);
}

TEST(SecurityHeaders, CacheControlNoStoreWhenTheRequestCarriedAuthorization) {
    RecordingUpstream upstream;
    upstream.set_handler([](const RecordedRequest&) {
        return respond_with(200, {{"Content-Type", "application/json"}, {"Cache-Control", "public, max-age=600"}},
                            "{\"orders\": []}");
    });
    auto gateway = start_gateway({{"app", upstream.port()}}, route("/api/orders", "[GET]", "app"));
    auto credentialed = https_request(gateway->port(), "GET", "/api/orders",
                                      {{"Authorization", "Bearer some-access-token"}});
    EXPECT_EQ(credentialed.status, 200u);
    EXPECT_EQ(credentialed.get_all("Cache-Control"), std::vector<std::string>{"no-store"});
    expect_security_headers(credentialed);
    auto with_cookie = https_request(gateway->port(), "GET", "/api/orders", {{"Cookie", "session=abc"}});
    EXPECT_EQ(with_cookie.get_all("Cache-Control"), std::vector<std::string>{"no-store"});
    // Without credentials the upstream's own policy stands: the header above is the gateway's.
    auto anonymous = https_request(gateway->port(), "GET", "/api/orders");
    EXPECT_EQ(anonymous.get("Cache-Control"), "public, max-age=600");
}

TEST(SecurityHeaders, UpstreamServerAndXPoweredByAreStripped) {
    RecordingUpstream upstream;
    upstream.set_handler([](const RecordedRequest&) {
        return respond_with(200,
                            {{"Content-Type", "application/json"},
                             {"Server", "Apache/2.4.1 (Unix) OpenSSL/1.0.1"},
                             {"X-Powered-By", "PHP/7.1.2"},
                             {"X-AspNet-Version", "4.0.30319"},
                             {"X-Runtime", "0.012"},
                             {"X-Upstream-Kept", "yes"}},
                            "{}");
    });
    auto gateway = start_gateway({{"app", upstream.port()}}, route("/api/orders", "[GET]", "app"));
    auto response = https_request(gateway->port(), "GET", "/api/orders");
    EXPECT_EQ(response.status, 200u);
    EXPECT_FALSE(contains(response.get("Server"), "Apache")) << response.get("Server");
    EXPECT_FALSE(response.has("X-Powered-By"));
    EXPECT_FALSE(response.has("X-AspNet-Version"));
    EXPECT_FALSE(response.has("X-Runtime"));
    EXPECT_EQ(response.get("X-Upstream-Kept"), "yes");  // stripping is targeted
}

TEST(SecurityHeaders, UpstreamValuesOfTheGatewaysFieldsAreReplacedNotRepeated) {
    RecordingUpstream upstream;
    upstream.set_handler([](const RecordedRequest&) {
        return respond_with(200,
                            {{"Content-Type", "application/json"},
                             {"x-frame-options", "ALLOWALL"},
                             {"X-CONTENT-TYPE-OPTIONS", "sniff"},
                             {"Strict-Transport-Security", "max-age=1"},
                             {"Referrer-Policy", "unsafe-url"},
                             {"Content-Security-Policy", "default-src *"},
                             {"X-Request-Id", "chosen-by-the-upstream"},
                             {"X-Upstream-Kept", "yes"}},
                            "{}");
    });
    auto gateway = start_gateway({{"app", upstream.port()}}, route("/api/orders", "[GET]", "app"));
    auto response = https_request(gateway->port(), "GET", "/api/orders");
    EXPECT_EQ(response.status, 200u);
    expect_security_headers(response);
    for (const char* name : {"X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy",
                             "Content-Security-Policy", "X-Request-Id", "Cache-Control"}) {
        EXPECT_EQ(response.get_all(name).size(), 1u) << name;
    }
    ASSERT_EQ(upstream.request_count(), 1u);
    EXPECT_EQ(response.get("X-Request-Id"), upstream.requests()[0].get("X-Request-Id"));
    EXPECT_EQ(response.get("X-Upstream-Kept"), "yes");
}

// ---------------------------------------------------------------- ERR-01 problem bodies

TEST(ProblemDetails, GatewayErrorsAreProblemsWithTheRequestId) {
    RecordingUpstream upstream;
    RecordingUpstream slow;
    slow.set_handler([](const RecordedRequest&) {
        UpstreamResponse response;
        response.delay = 2s;
        return response;
    });
    auto gateway = start_gateway(
        {{"app", upstream.port()},
         {"down", closed_port()},
         {"slow", slow.port(), "    response_timeout: 300ms\n    retries: 0\n"}},
        route("/api/orders", "[GET, POST]", "app") + route("/api/down", "[GET]", "down") +
            route("/api/slow", "[GET]", "slow"),
        "limits: {max_body_bytes: 1024, max_request_target_bytes: 1024, max_header_bytes: 2048}");
    auto port = gateway->port();

    struct Case {
        const char* what;
        unsigned status;
        ParsedResponse response;
    };
    std::vector<Case> cases;
    cases.push_back({"malformed header line", 400,
                     raw_exchange(port, "GET /api/orders HTTP/1.1\r\nHost: localhost\r\n"
                                        "No colon here\r\n\r\n")});
    cases.push_back({"unknown path", 404, https_request(port, "GET", "/api/unknown")});
    cases.push_back({"method", 405, https_request(port, "DELETE", "/api/orders")});
    cases.push_back({"body", 413, https_request(port, "POST", "/api/orders", {}, std::string(4096, 'x'))});
    cases.push_back({"target", 414, https_request(port, "GET", "/api/orders?q=" + std::string(3000, 'a'))});
    cases.push_back({"header", 431,
                     https_request(port, "GET", "/api/orders", {{"X-Large", std::string(4096, 'b')}})});
    cases.push_back({"upstream down", 502, https_request(port, "GET", "/api/down")});
    auto started = std::chrono::steady_clock::now();
    cases.push_back({"upstream slow", 504, https_request(port, "GET", "/api/slow")});
    auto slow_elapsed = std::chrono::steady_clock::now() - started;

    for (const auto& [what, status, response] : cases) {
        SCOPED_TRACE(what);
        expect_problem(response, status);
        expect_security_headers(response);
    }
    EXPECT_LT(slow_elapsed, 1800ms) << "the 504 waited for the upstream instead of response_timeout";
    EXPECT_EQ(upstream.request_count(), 0u);
    // Every answer had its own id.
    std::set<std::string> ids;
    for (const auto& item : cases) {
        ids.insert(item.response.get("X-Request-Id"));
    }
    EXPECT_EQ(ids.size(), cases.size());
}

TEST(ProblemDetails, MethodNotAllowedListsTheAllowedMethods) {
    RecordingUpstream upstream;
    auto gateway = start_gateway({{"app", upstream.port()}}, route("/api/orders", "[GET, POST]", "app"));
    auto response = https_request(gateway->port(), "PUT", "/api/orders", {}, "{}");
    expect_problem(response, 405);
    auto allow = response.get("Allow");
    EXPECT_TRUE(contains(allow, "GET") && contains(allow, "POST")) << allow;
    EXPECT_EQ(upstream.request_count(), 0u);
}

// ---------------------------------------------------------------- ERR-02/03 masking

TEST(ErrorMasking, UpstreamStackTraceBecomesAGenericProblem) {
    RecordingUpstream upstream;
    upstream.set_handler([](const RecordedRequest&) {
        return respond_with(500,
                            {{"Content-Type", "text/plain"},
                             {"Server", "gunicorn/20.1.0"},
                             {"X-Powered-By", "Flask"},
                             {"X-Debug-Trace", "psycopg2 /srv/app.py"}},
                            upstream_stack_trace);
    });
    auto gateway = start_gateway({{"app", upstream.port()}}, route("/api/orders", "[GET]", "app"));
    auto response = https_request(gateway->port(), "GET", "/api/orders");
    ASSERT_EQ(upstream.request_count(), 1u);
    EXPECT_TRUE(response.status == 500u || response.status == 502u) << response.status;
    expect_problem(response, response.status);
    expect_security_headers(response);

    std::string everything = response.body;
    for (const auto& [name, value] : response.headers) {
        everything += "\n" + name + ": " + value;
    }
    for (std::string_view leak : {"Traceback", "/srv/app.py", "psycopg2", "SELECT", "gunicorn",
                                  "Flask", "X-Debug-Trace"}) {
        EXPECT_FALSE(contains(everything, leak)) << leak << " leaked:\n" << everything;
    }
    auto upstream_address = "127.0.0.1:" + std::to_string(upstream.port());
    EXPECT_FALSE(contains(everything, upstream_address)) << everything;
    EXPECT_FALSE(contains(everything, std::to_string(upstream.port()))) << everything;
}

TEST(ErrorMasking, UnreachableUpstreamDoesNotRevealItsAddress) {
    auto down_port = closed_port();
    auto gateway = start_gateway({{"down", down_port}}, route("/api/orders", "[GET]", "down"));
    auto response = https_request(gateway->port(), "GET", "/api/orders");
    expect_problem(response, 502);
    std::string everything = response.body;
    for (const auto& [name, value] : response.headers) {
        everything += "\n" + name + ": " + value;
    }
    EXPECT_FALSE(contains(everything, std::to_string(down_port))) << everything;
    EXPECT_FALSE(contains(everything, "refused")) << everything;
}

// ---------------------------------------------------------------- request ids

TEST(RequestId, ReturnedOnEveryResponseAndSentUpstream) {
    RecordingUpstream upstream;
    auto gateway = start_gateway({{"app", upstream.port()}}, route("/api/orders", "[GET]", "app"));
    auto first = https_request(gateway->port(), "GET", "/api/orders");
    auto second = https_request(gateway->port(), "GET", "/api/orders");
    auto not_found = https_request(gateway->port(), "GET", "/nowhere");
    ASSERT_EQ(upstream.request_count(), 2u);
    auto recorded = upstream.requests();
    EXPECT_FALSE(first.get("X-Request-Id").empty());
    EXPECT_FALSE(not_found.get("X-Request-Id").empty());
    EXPECT_EQ(recorded[0].get_all("X-Request-Id"), std::vector<std::string>{first.get("X-Request-Id")});
    EXPECT_EQ(recorded[1].get_all("X-Request-Id"), std::vector<std::string>{second.get("X-Request-Id")});
    EXPECT_NE(first.get("X-Request-Id"), second.get("X-Request-Id"));
    EXPECT_NE(first.get("X-Request-Id"), not_found.get("X-Request-Id"));
}

TEST(RequestId, ClientSuppliedIdFromAnUntrustedPeerIsReplaced) {
    RecordingUpstream upstream;
    auto gateway = start_gateway({{"app", upstream.port()}}, route("/api/orders", "[GET]", "app"));
    const std::string chosen = "client-chosen-request-id-0001";
    auto response = https_request(gateway->port(), "GET", "/api/orders", {{"X-Request-Id", chosen}});
    EXPECT_EQ(response.status, 200u);
    auto returned = response.get("X-Request-Id");
    EXPECT_FALSE(returned.empty());
    EXPECT_NE(returned, chosen);
    EXPECT_EQ(response.get_all("X-Request-Id").size(), 1u);
    ASSERT_EQ(upstream.request_count(), 1u);
    auto sent = upstream.requests()[0].get_all("X-Request-Id");
    EXPECT_EQ(sent, std::vector<std::string>{returned});

    auto problem = https_request(gateway->port(), "GET", "/nowhere", {{"X-Request-Id", chosen}});
    EXPECT_NE(problem.get("X-Request-Id"), chosen);
    EXPECT_FALSE(contains(problem.body, chosen));
}

// ---------------------------------------------------------------- HDR-02 CORS

TEST(Cors, OffWithoutACorsSectionEvenIfTheUpstreamAllowsEverything) {
    RecordingUpstream upstream;
    upstream.set_handler([](const RecordedRequest&) {
        return respond_with(200,
                            {{"Content-Type", "application/json"},
                             {"Access-Control-Allow-Origin", "*"},
                             {"Access-Control-Allow-Credentials", "true"},
                             {"Access-Control-Allow-Methods", "GET, POST, DELETE"}},
                            "{}");
    });
    auto gateway = start_gateway({{"app", upstream.port()}}, route("/api/orders", "[GET, POST]", "app"));
    for (const char* origin : {"https://evil.example", "https://allowed.example", "null"}) {
        SCOPED_TRACE(origin);
        auto response = https_request(gateway->port(), "GET", "/api/orders", {{"Origin", origin}});
        EXPECT_EQ(response.status, 200u);
        EXPECT_FALSE(response.has("Access-Control-Allow-Origin"));
        EXPECT_FALSE(has_any_access_control_header(response));
    }
    auto count_before = upstream.request_count();
    auto preflight = https_request(gateway->port(), "OPTIONS", "/api/orders",
                                   {{"Origin", "https://evil.example"},
                                    {"Access-Control-Request-Method", "GET"}});
    EXPECT_NE(preflight.status / 100, 2u) << preflight.status;
    EXPECT_FALSE(has_any_access_control_header(preflight));
    EXPECT_EQ(upstream.request_count(), count_before);
}

class CorsAllowlist : public ::testing::Test {
  protected:
    void SetUp() override {
        upstream_.set_handler([](const RecordedRequest&) {
            return respond_with(200,
                                {{"Content-Type", "application/json"},
                                 {"Access-Control-Allow-Origin", "*"},
                                 {"Vary", "Accept-Encoding"}},
                                "{}");
        });
        gateway_ = start_gateway(
            {{"app", upstream_.port()}},
            route("/api/orders", "[GET, POST, DELETE]", "app",
                  "    cors:\n"
                  "      allowed_origins: [https://allowed.example]\n"
                  "      allowed_methods: [GET, POST]\n"
                  "      allowed_headers: [Content-Type]\n"
                  "      allow_credentials: true\n"));
    }

    ParsedResponse preflight(const std::string& origin, const std::string& method,
                             const std::string& headers = "") {
        HeaderList fields{{"Origin", origin}, {"Access-Control-Request-Method", method}};
        if (!headers.empty()) {
            fields.emplace_back("Access-Control-Request-Headers", headers);
        }
        return https_request(gateway_->port(), "OPTIONS", "/api/orders", fields);
    }

    RecordingUpstream upstream_;
    std::unique_ptr<Gateway> gateway_;
};

TEST_F(CorsAllowlist, AllowedOriginIsEchoedWithVaryOrigin) {
    auto response = https_request(gateway_->port(), "GET", "/api/orders",
                                  {{"Origin", "https://allowed.example"}});
    EXPECT_EQ(response.status, 200u);
    EXPECT_EQ(response.get_all("Access-Control-Allow-Origin"),
              std::vector<std::string>{"https://allowed.example"});
    EXPECT_EQ(response.get("Access-Control-Allow-Credentials"), "true");
    EXPECT_TRUE(varies_by_origin(response)) << response.get("Vary");
    EXPECT_TRUE(contains(response.get("Vary"), "Accept-Encoding")) << response.get("Vary");
}

TEST_F(CorsAllowlist, LookAlikeOriginsGetNoAllowOrigin) {
    for (const char* origin : {"https://evil.example", "null", "https://allowed.example.evil.com",
                               "https://evilallowed.example", "http://allowed.example",
                               "https://ALLOWED.example", "https://allowed.example:8443",
                               "https://allowed.example/"}) {
        SCOPED_TRACE(origin);
        auto response = https_request(gateway_->port(), "GET", "/api/orders", {{"Origin", origin}});
        EXPECT_EQ(response.status, 200u);
        EXPECT_FALSE(response.has("Access-Control-Allow-Origin"))
            << response.get("Access-Control-Allow-Origin");
        EXPECT_FALSE(response.has("Access-Control-Allow-Credentials"));
        EXPECT_TRUE(varies_by_origin(response)) << response.get("Vary");
    }
}

TEST_F(CorsAllowlist, PreflightForAnAllowedMethodIsAnsweredWithoutTheUpstream) {
    auto response = preflight("https://allowed.example", "GET", "Content-Type");
    EXPECT_EQ(response.status, 204u) << response.body;
    EXPECT_EQ(response.get("Access-Control-Allow-Origin"), "https://allowed.example");
    auto methods = response.get("Access-Control-Allow-Methods");
    EXPECT_TRUE(contains(methods, "GET") && contains(methods, "POST")) << methods;
    EXPECT_FALSE(contains(methods, "DELETE")) << methods;
    EXPECT_TRUE(contains(lowercase(response.get("Access-Control-Allow-Headers")), "content-type"))
        << response.get("Access-Control-Allow-Headers");
    EXPECT_EQ(response.get("Access-Control-Allow-Credentials"), "true");
    EXPECT_EQ(response.get("Access-Control-Max-Age"), "600");  // the 10m default
    EXPECT_TRUE(varies_by_origin(response));
    expect_security_headers(response);
    EXPECT_EQ(upstream_.request_count(), 0u);
}

TEST_F(CorsAllowlist, PreflightForAnUnlistedMethodOrHeaderOrOriginIsRefused) {
    struct Case {
        const char* what;
        ParsedResponse response;
    };
    std::vector<Case> cases;
    cases.push_back({"DELETE", preflight("https://allowed.example", "DELETE")});
    cases.push_back({"PUT (not a route method either)", preflight("https://allowed.example", "PUT")});
    cases.push_back({"header", preflight("https://allowed.example", "POST", "Content-Type, X-Evil")});
    cases.push_back({"origin", preflight("https://evil.example", "GET")});
    cases.push_back({"scheme", preflight("http://allowed.example", "GET")});
    for (const auto& [what, response] : cases) {
        SCOPED_TRACE(what);
        EXPECT_NE(response.status / 100, 2u) << response.status;
        EXPECT_FALSE(response.has("Access-Control-Allow-Origin"));
        EXPECT_FALSE(response.has("Access-Control-Allow-Methods"));
        EXPECT_FALSE(response.has("Access-Control-Allow-Headers"));
        EXPECT_FALSE(response.has("Access-Control-Allow-Credentials"));
        expect_problem(response, response.status);
    }
    EXPECT_EQ(upstream_.request_count(), 0u);
}

TEST(CorsConfiguration, WildcardOriginWithCredentialsIsRefusedByCheck) {
    auto config = config_text(free_port(), free_port(), {{"app", free_port()}},
                              route("/api/orders", "[GET]", "app",
                                    "    cors:\n"
                                    "      allowed_origins: ['*']\n"
                                    "      allow_credentials: true\n"));
    auto result = run_check(config);
    ASSERT_TRUE(result.exit_status.has_value());
    EXPECT_NE(*result.exit_status, 0) << result.output;
    EXPECT_TRUE(contains(result.output, "allow_credentials")) << result.output;
    EXPECT_TRUE(contains(result.output, "rampart.yaml")) << result.output;

    // The control: without credentials the wildcard is accepted.
    auto accepted = config_text(free_port(), free_port(), {{"app", free_port()}},
                                route("/api/orders", "[GET]", "app",
                                      "    cors:\n"
                                      "      allowed_origins: ['*']\n"));
    auto control = run_check(accepted);
    ASSERT_TRUE(control.exit_status.has_value());
    EXPECT_EQ(*control.exit_status, 0) << control.output;
}

// ---------------------------------------------------------------- VER-01/02 deprecation

TEST(Deprecation, DeprecatedRouteSendsDeprecationSunsetAndLink) {
    RecordingUpstream upstream;
    auto gateway = start_gateway({{"app", upstream.port()}},
                                 route("/v1/orders", "[GET]", "app",
                                       "    deprecated:\n"
                                       "      since: 2026-01-01\n"
                                       "      sunset: 2099-01-01\n"
                                       "      link: https://docs.example/v1\n"));
    auto response = https_request(gateway->port(), "GET", "/v1/orders");
    EXPECT_EQ(response.status, 200u) << response.body;
    EXPECT_EQ(upstream.request_count(), 1u);

    auto deprecation = response.get("Deprecation");
    EXPECT_TRUE(std::regex_match(deprecation, std::regex("^@[0-9]+$"))) << deprecation;
    EXPECT_EQ(deprecation, "@1767225600");  // 2026-01-01T00:00:00Z

    auto sunset = response.get("Sunset");
    std::tm parsed{};
    std::istringstream sunset_stream(sunset);
    sunset_stream >> std::get_time(&parsed, "%a, %d %b %Y %H:%M:%S GMT");
    EXPECT_FALSE(sunset_stream.fail()) << sunset;
    EXPECT_TRUE(std::regex_match(
        sunset, std::regex("^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$")))
        << sunset;
    EXPECT_EQ(sunset, "Thu, 01 Jan 2099 00:00:00 GMT");
    EXPECT_GT(timegm(&parsed), 1767225600);  // not earlier than the deprecation date

    auto link = response.get("Link");
    EXPECT_TRUE(contains(link, "<https://docs.example/v1>")) << link;
    EXPECT_TRUE(contains(link, "rel=\"deprecation\"")) << link;
}

TEST(Deprecation, AfterTheSunsetTheRouteIsGone) {
    RecordingUpstream upstream;
    auto gateway = start_gateway({{"app", upstream.port()}},
                                 route("/v1/orders", "[GET]", "app",
                                       "    deprecated:\n"
                                       "      since: 2020-01-01\n"
                                       "      sunset: 2021-01-01\n"
                                       "      link: https://docs.example/v1\n"
                                       "      successor: https://api.example/v2\n"));
    auto response = https_request(gateway->port(), "GET", "/v1/orders");
    expect_problem(response, 410);
    expect_security_headers(response);
    EXPECT_TRUE(contains(response.get("Link"), "rel=\"deprecation\"")) << response.get("Link");
    EXPECT_TRUE(contains(response.get("Link"), "<https://api.example/v2>")) << response.get("Link");
    EXPECT_EQ(upstream.request_count(), 0u);
}

TEST(DeprecationConfiguration, SunsetBeforeSinceIsRefusedByCheck) {
    auto refused = run_check(config_text(free_port(), free_port(), {{"app", free_port()}},
                                         route("/v1/orders", "[GET]", "app",
                                               "    deprecated:\n"
                                               "      since: 2026-06-01\n"
                                               "      sunset: 2026-01-01\n"
                                               "      link: https://docs.example/v1\n")));
    ASSERT_TRUE(refused.exit_status.has_value());
    EXPECT_NE(*refused.exit_status, 0) << refused.output;
    EXPECT_TRUE(contains(refused.output, "sunset")) << refused.output;
    EXPECT_TRUE(contains(refused.output, "rampart.yaml")) << refused.output;

    auto accepted = run_check(config_text(free_port(), free_port(), {{"app", free_port()}},
                                          route("/v1/orders", "[GET]", "app",
                                                "    deprecated:\n"
                                                "      since: 2026-01-01\n"
                                                "      sunset: 2026-06-01\n"
                                                "      link: https://docs.example/v1\n")));
    ASSERT_TRUE(accepted.exit_status.has_value());
    EXPECT_EQ(*accepted.exit_status, 0) << accepted.output;
}

// ---------------------------------------------------------------- ip_filter

TEST(IpFilter, DeniedNetworkGets403AndNothingIsForwarded) {
    RecordingUpstream upstream;
    auto gateway = start_gateway({{"app", upstream.port()}},
                                 route("/api/orders", "[GET]", "app",
                                       "    ip_filter: {deny: [127.0.0.1/32]}\n") +
                                     route("/api/open", "[GET]", "app"));
    // A forged X-Forwarded-For from an untrusted peer does not change the client address.
    auto refused = https_request(gateway->port(), "GET", "/api/orders",
                                 {{"X-Forwarded-For", "10.9.8.7"}});
    expect_problem(refused, 403);
    expect_security_headers(refused);
    EXPECT_FALSE(contains(refused.body, "127.0.0.1")) << refused.body;
    EXPECT_FALSE(contains(refused.body, "deny")) << refused.body;
    EXPECT_EQ(upstream.request_count(), 0u);
    EXPECT_TRUE(gateway->wait_for_security_log("ip_refused")) << gateway->security_log();

    auto open = https_request(gateway->port(), "GET", "/api/open");
    EXPECT_EQ(open.status, 200u);
    EXPECT_EQ(upstream.request_count(), 1u);
}

TEST(IpFilter, AddressOutsideTheAllowListGets403) {
    RecordingUpstream upstream;
    auto gateway = start_gateway({{"app", upstream.port()}},
                                 route("/api/orders", "[GET]", "app",
                                       "    ip_filter: {allow: [10.0.0.0/8]}\n") +
                                     route("/api/local", "[GET]", "app",
                                           "    ip_filter: {allow: [127.0.0.0/8]}\n"));
    auto refused = https_request(gateway->port(), "GET", "/api/orders",
                                 {{"X-Forwarded-For", "10.1.2.3"}});  // untrusted: ignored
    expect_problem(refused, 403);
    EXPECT_EQ(upstream.request_count(), 0u);

    auto allowed = https_request(gateway->port(), "GET", "/api/local");
    EXPECT_EQ(allowed.status, 200u);
    EXPECT_EQ(upstream.request_count(), 1u);
}
