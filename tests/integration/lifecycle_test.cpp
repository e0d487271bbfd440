// The process around the request path: the CLI, the admin listener, reloads
// (SIGHUP and the admin API) and graceful shutdown.
#include <gtest/gtest.h>

#include <sys/stat.h>

#include <csignal>
#include <future>
#include <thread>

#include "support/gateway.hpp"
#include "support/ports.hpp"
#include "support/raw_connection.hpp"
#include "support/recording_upstream.hpp"

using namespace rampart::test;
using namespace std::chrono_literals;

namespace {

struct LifecycleTest : ::testing::Test {
    RecordingUpstream upstream;
    std::uint16_t port = free_port();
    std::uint16_t admin_port = free_port();

    std::string config(const std::string& routes) {
        return gateway_config(port, admin_port, upstream.port(), routes);
    }

    ParsedResponse get(const std::string& target) {
        return https_request(port, "GET", target, {{"Host", "localhost"}});
    }

    ParsedResponse admin(const std::string& method, const std::string& target,
                         bool with_token = true) {
        HeaderList headers{{"Host", "localhost"}};
        if (with_token) {
            headers.emplace_back("Authorization", "Bearer " + test_admin_token);
        }
        return http_request(admin_port, method, target, headers);
    }

    bool wait_until(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = 3s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (condition()) {
                return true;
            }
            std::this_thread::sleep_for(20ms);
        }
        return condition();
    }
};

struct CommandResult {
    int exit_status;
    std::string output;
};

CommandResult run_rampart(const std::vector<std::string>& arguments) {
    TempDir directory;
    Process process(rampart_binary(), arguments, directory.path());
    auto status = process.wait_for_exit(10s);
    return {status.value_or(-1), process.output() + process.errors()};
}

}  // namespace

// The configuration the README shows must stay valid as the configuration language grows.
TEST(Cli, TheExampleConfigurationIsValid) {
    auto checked = run_rampart({"check", "--config", source_dir() + "/examples/rampart.yaml"});
    EXPECT_EQ(checked.exit_status, 0) << checked.output;
    EXPECT_NE(checked.output.find("DELETE /api/v2/users/{user_id} -> demo"), std::string::npos)
        << checked.output;
    EXPECT_NE(checked.output.find("POST /auth/login -> (login)"), std::string::npos)
        << checked.output;
}

TEST(Cli, VersionAndCheck) {
    auto version = run_rampart({"version"});
    EXPECT_EQ(version.exit_status, 0);
    EXPECT_NE(version.output.find("rampart "), std::string::npos);

    TempDir directory;
    auto write = [&directory](const std::string& name, const std::string& text) {
        return directory.write(name, in_directory(text, directory.path()));
    };
    auto good = write(
        "good.yaml", gateway_config(18443, 19901, 9000, simple_route("/items/{id}", "[GET, PUT]")));
    auto checked = run_rampart({"check", "--config", good});
    EXPECT_EQ(checked.exit_status, 0) << checked.output;
    EXPECT_NE(checked.output.find("GET,PUT /items/{id} -> app"), std::string::npos)
        << checked.output;

    auto bad = write(
        "bad.yaml",
        gateway_config(18443, 19901, 9000, simple_route("/items", "[GET]", "    timeout: 5s\n")));
    auto refused = run_rampart({"check", "--config", bad});
    EXPECT_NE(refused.exit_status, 0);
    EXPECT_NE(refused.output.find(bad + ":"), std::string::npos) << refused.output;
    EXPECT_NE(refused.output.find("routes[0].timeout: unknown key"), std::string::npos)
        << refused.output;

    auto conflicting = write("conflict.yaml", gateway_config(18443, 19901, 9000,
                                                             simple_route("/items/{id}") +
                                                                 simple_route("/items/{other}")));
    auto conflict = run_rampart({"check", "--config", conflicting});
    EXPECT_NE(conflict.exit_status, 0);
    EXPECT_NE(conflict.output.find(conflicting + ":"), std::string::npos) << conflict.output;

    auto unknown_argument = run_rampart({"serve", "--no-such-flag"});
    EXPECT_NE(unknown_argument.exit_status, 0);
}

TEST_F(LifecycleTest, AdminListenerProbesMetricsAndToken) {
    Gateway gateway(port, admin_port, config(simple_route("/items")));
    EXPECT_EQ(get("/items").status, 200u);
    EXPECT_EQ(admin("GET", "/healthz", false).status, 200u);
    EXPECT_EQ(admin("GET", "/readyz", false).status, 200u);
    // The worker records a request after writing its response: poll briefly.
    auto metrics = admin("GET", "/metrics", false);
    for (int i = 0; i < 20 && metrics.body.find("status_class=\"2xx\"} 1") == std::string::npos; ++i) {
        std::this_thread::sleep_for(50ms);
        metrics = admin("GET", "/metrics", false);
    }
    EXPECT_EQ(metrics.status, 200u);
    EXPECT_NE(metrics.body.find(
                  "rampart_requests_total{route=\"/items\",method=\"GET\",status_class=\"2xx\"} 1"),
              std::string::npos)
        << metrics.body;
    EXPECT_NE(metrics.body.find("rampart_tls_handshakes_total"), std::string::npos);
    // The admin API needs the token; the public listener has no admin API at all.
    EXPECT_EQ(admin("POST", "/admin/reload", false).status, 401u);
    auto wrong = http_request(admin_port, "POST", "/admin/reload",
                              {{"Host", "localhost"}, {"Authorization", "Bearer admin"}});
    EXPECT_EQ(wrong.status, 401u);
    EXPECT_EQ(https_request(port, "POST", "/admin/reload", {{"Host", "localhost"}}).status, 404u);
    EXPECT_EQ(get("/metrics").status, 404u);
}

TEST_F(LifecycleTest, ReloadAppliesAGoodConfigAndKeepsTheOldOneOnABadOne) {
    Gateway gateway(port, admin_port, config(simple_route("/old")));
    EXPECT_EQ(get("/old").status, 200u);
    EXPECT_EQ(get("/new").status, 404u);

    // Through the admin API.
    gateway.rewrite_config(config(simple_route("/new")));
    auto reloaded = admin("POST", "/admin/reload");
    EXPECT_EQ(reloaded.status, 200u) << reloaded.body;
    EXPECT_EQ(get("/new").status, 200u);
    EXPECT_EQ(get("/old").status, 404u);

    // A broken config is refused with its reason; the running one stays.
    gateway.rewrite_config(config(simple_route("/broken", "[FETCH]")));
    auto refused = admin("POST", "/admin/reload");
    EXPECT_EQ(refused.status, 422u);
    EXPECT_NE(refused.body.find("FETCH"), std::string::npos) << refused.body;
    EXPECT_EQ(get("/new").status, 200u);

    // Through SIGHUP.
    gateway.rewrite_config(config(simple_route("/sighup")));
    gateway.process().signal(SIGHUP);
    EXPECT_TRUE(wait_until([&] { return get("/sighup").status == 200u; }));
    EXPECT_EQ(get("/new").status, 404u);

    gateway.rewrite_config(config(simple_route("/x") + "    upstream: nowhere\n"));
    gateway.process().signal(SIGHUP);
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(get("/sighup").status, 200u);
    EXPECT_TRUE(gateway.wait_for_security_log("\"refused\""));

    // Listener changes need a restart, and say so.
    auto moved = gateway_config(free_port(), admin_port, upstream.port(), simple_route("/moved"));
    gateway.rewrite_config(moved);
    auto restart_only = admin("POST", "/admin/reload");
    EXPECT_EQ(restart_only.status, 422u);
    EXPECT_NE(restart_only.body.find("restart"), std::string::npos);
    auto metrics = admin("GET", "/metrics", false).body;
    EXPECT_NE(metrics.find("rampart_config_reloads_total{outcome=\"success\"} 2"),
              std::string::npos)
        << metrics;
}

TEST_F(LifecycleTest, InFlightRequestFinishesOnItsSnapshotDuringReload) {
    upstream.set_handler([](const RecordedRequest& request) {
        UpstreamResponse response;
        if (request.target == "/slow") {
            response.delay = 800ms;
        }
        return response;
    });
    Gateway gateway(port, admin_port, config(simple_route("/slow") + simple_route("/other")));
    auto slow = std::async(std::launch::async, [&] { return get("/slow"); });
    ASSERT_TRUE(upstream.wait_for_request_count(1));
    gateway.rewrite_config(config(simple_route("/other")));
    EXPECT_EQ(admin("POST", "/admin/reload").status, 200u);
    EXPECT_EQ(get("/slow").status, 404u);  // new requests see the new snapshot
    EXPECT_EQ(slow.get().status, 200u);    // the one in flight finished on its own
}

TEST_F(LifecycleTest, SigtermDrainsInFlightRequestsAndExitsZero) {
    upstream.set_handler([](const RecordedRequest&) {
        UpstreamResponse response;
        response.delay = 700ms;
        return response;
    });
    Gateway gateway(port, admin_port, config(simple_route("/slow")));
    RawConnection idle(port, TlsOptions{});
    ASSERT_TRUE(idle.connect());
    auto slow = std::async(std::launch::async, [&] { return get("/slow"); });
    ASSERT_TRUE(upstream.wait_for_request_count(1));
    gateway.process().signal(SIGTERM);
    EXPECT_EQ(slow.get().status, 200u);
    EXPECT_TRUE(idle.closed_within(2s));
    auto exit_status = gateway.process().wait_for_exit(5s);
    ASSERT_TRUE(exit_status.has_value());
    EXPECT_EQ(*exit_status, 0);
    EXPECT_FALSE(accepts_connections(port));
}

TEST_F(LifecycleTest, EmbeddedDefaultServesTheDemoOverHttps) {
    TempDir directory;
    // The embedded default listens on 8443/9901 and expects the demo on 9000:
    // only run when those ports are free on this machine.
    if (accepts_connections(8443) || accepts_connections(9901) || accepts_connections(9000)) {
        GTEST_SKIP() << "ports 8443, 9901 or 9000 are in use";
    }
    Process demo(demo_upstream_binary(), {"--address", "127.0.0.1", "--port", "9000"},
                 directory.path());
    ASSERT_TRUE(demo.wait_for_port(9000));
    Process rampart(rampart_binary(), {"serve"}, directory.path(),
                    {{"RAMPART_DATA_DIRECTORY", directory.path() + "/data"}});
    ASSERT_TRUE(rampart.wait_for_port(8443)) << rampart.errors();
    TlsOptions verified;
    verified.ca_file = directory.path() + "/data/tls/self-signed.crt";
    verified.server_name = "localhost";
    auto response =
        https_request(8443, "GET", "/api/v2/users/u1", {{"Host", "localhost"}}, {}, verified);
    EXPECT_EQ(response.status, 401u) << "v2 needs a token or an API key";
    EXPECT_EQ(response.get("WWW-Authenticate"), "Bearer realm=\"rampart\"");
    auto metadata = https_request(8443, "GET", "/.well-known/oauth-authorization-server",
                                  {{"Host", "localhost"}}, {}, verified);
    EXPECT_EQ(metadata.status, 200u);
    EXPECT_NE(metadata.body.find("\"issuer\":\"https://localhost:8443\""), std::string::npos)
        << metadata.body;
    auto deprecated =
        https_request(8443, "GET", "/api/v1/orders/o1", {{"Host", "localhost"}}, {}, verified);
    EXPECT_EQ(deprecated.status, 200u);
    EXPECT_FALSE(deprecated.get("Deprecation").empty());
    EXPECT_NE(rampart.output().find("admin token"), std::string::npos);
    struct stat key_status {};
    ASSERT_EQ(::stat((directory.path() + "/data/tls/self-signed.key").c_str(), &key_status), 0);
    EXPECT_EQ(key_status.st_mode & 0777, 0600u);
    for (const char* secret_file : {"/data/master.key", "/data/rampart.db"}) {
        struct stat file_status {};
        ASSERT_EQ(::stat((directory.path() + secret_file).c_str(), &file_status), 0) << secret_file;
        EXPECT_EQ(file_status.st_mode & 0777, 0600u) << secret_file;
    }
    rampart.signal(SIGTERM);
    EXPECT_EQ(rampart.wait_for_exit(5s).value_or(-1), 0);
}
