// The README's tour, command for command: the embedded default in front of the demo upstream,
// a user created with the CLI, login, a protected route, refresh, replay of the spent refresh
// token, an API key, and the admin API. If this test breaks, the README is wrong.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <thread>

#include "support/ports.hpp"
#include "support/process.hpp"
#include "support/raw_connection.hpp"
#include "support/temp_dir.hpp"

namespace {

using namespace rampart::test;
using namespace std::chrono_literals;
namespace json = boost::json;

// Runs the rampart CLI with `input` on stdin; returns its stdout, or nullopt on a non-zero exit.
std::optional<std::string> run_cli(const std::string& data_directory, const std::string& arguments,
                                   const std::string& input = "") {
    auto command = "RAMPART_DATA_DIRECTORY='" + data_directory + "' '" + rampart_binary() + "' " +
                   arguments + " > '" + data_directory + "/../cli.out' 2>/dev/null";
    FILE* pipe = ::popen(command.c_str(), "w");
    if (pipe == nullptr) {
        return std::nullopt;
    }
    std::fwrite(input.data(), 1, input.size(), pipe);
    if (::pclose(pipe) != 0) {
        return std::nullopt;
    }
    FILE* output = std::fopen((data_directory + "/../cli.out").c_str(), "r");
    std::string text;
    for (int c = std::fgetc(output); c != EOF; c = std::fgetc(output)) {
        text.push_back(static_cast<char>(c));
    }
    std::fclose(output);
    return text;
}

TEST(ReadmeTour, LoginProtectedRouteRefreshReplayAndApiKey) {
    if (accepts_connections(8443) || accepts_connections(9901) || accepts_connections(9000)) {
        GTEST_SKIP() << "ports 8443, 9901 or 9000 are in use";
    }
    TempDir directory;
    auto data = directory.path() + "/data";
    Process demo(demo_upstream_binary(), {"--address", "127.0.0.1", "--port", "9000"},
                 directory.path());
    ASSERT_TRUE(demo.wait_for_port(9000));
    Process rampart(rampart_binary(), {"serve"}, directory.path(),
                    {{"RAMPART_DATA_DIRECTORY", data}});
    ASSERT_TRUE(rampart.wait_for_port(8443)) << rampart.errors();
    TlsOptions tls;
    tls.ca_file = data + "/tls/self-signed.crt";
    tls.server_name = "localhost";
    auto call = [&](const std::string& method, const std::string& target, HeaderList headers = {},
                    const std::string& body = "") {
        headers.emplace_back("Host", "localhost");
        return https_request(8443, method, target, headers, body, tls);
    };

    EXPECT_EQ(call("GET", "/api/v2/users").status, 401u);
    const std::string password = "correct horse battery staple";
    ASSERT_TRUE(run_cli(data, "users add alice --roles customer", password + "\n"));

    auto login = call("POST", "/auth/login", {{"Content-Type", "application/json"}},
                      R"({"username":"alice","password":")" + password + "\"}");
    ASSERT_EQ(login.status, 200u) << login.body;
    auto tokens = json::parse(login.body).as_object();
    std::string access(tokens.at("access_token").as_string());
    std::string refresh(tokens.at("refresh_token").as_string());
    EXPECT_EQ(call("GET", "/api/v2/orders", {{"Authorization", "Bearer " + access}}).status, 200u);
    EXPECT_EQ(call("DELETE", "/api/v2/users/u1", {{"Authorization", "Bearer " + access}}).status,
              403u)
        << "deleting a user needs the admin role";

    HeaderList form{{"Content-Type", "application/x-www-form-urlencoded"}};
    auto refreshed =
        call("POST", "/oauth2/token", form, "grant_type=refresh_token&refresh_token=" + refresh);
    EXPECT_EQ(refreshed.status, 200u) << refreshed.body;
    auto replay =
        call("POST", "/oauth2/token", form, "grant_type=refresh_token&refresh_token=" + refresh);
    EXPECT_EQ(replay.body, R"({"error":"invalid_grant"})");
    EXPECT_EQ(call("GET", "/api/v2/orders", {{"Authorization", "Bearer " + access}}).status, 401u);
    EXPECT_EQ(call("GET", "/.well-known/jwks.json").status, 200u);

    auto key = run_cli(data, "apikeys create --consumer reports");
    ASSERT_TRUE(key);
    while (!key->empty() && (key->back() == '\n' || key->back() == ' ')) {
        key->pop_back();
    }
    unsigned status = 0;
    for (int i = 0; i < 30 && status != 200u; ++i) {  // the server picks up the key within a second
        status = call("GET", "/api/v2/orders", {{"Authorization", "ApiKey " + *key}}).status;
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(status, 200u);

    // The admin API, with the token generated into the data directory on first run; curl -d
    // sends a form content type, and the API reads the body as JSON all the same.
    std::string admin_token;
    {
        std::FILE* file = std::fopen((data + "/admin-token").c_str(), "r");
        ASSERT_NE(file, nullptr);
        for (int c = std::fgetc(file); c != EOF && c != '\n'; c = std::fgetc(file)) {
            admin_token.push_back(static_cast<char>(c));
        }
        std::fclose(file);
    }
    HeaderList admin{{"Authorization", "Bearer " + admin_token},
                     {"Content-Type", "application/x-www-form-urlencoded"}};
    auto bob = http_request(
        9901, "POST", "/admin/users", admin,
        R"({"username":"bob","password":"bob's long enough password","roles":["customer"]})");
    EXPECT_EQ(bob.status, 201u) << bob.body;
    EXPECT_EQ(bob.body.find("argon2"), std::string::npos);
    auto sessions = http_request(9901, "GET", "/admin/sessions", admin);
    EXPECT_EQ(sessions.status, 200u);
    EXPECT_NE(sessions.body.find("\"sessions\":[{"), std::string::npos) << sessions.body;
    EXPECT_EQ(
        http_request(9901, "PATCH", "/admin/users/alice", admin, R"({"disabled":true})").status,
        200u);
    auto refused = call("POST", "/auth/login", {{"Content-Type", "application/json"}},
                        R"({"username":"alice","password":")" + password + "\"}");
    EXPECT_EQ(refused.status, 401u);

    rampart.signal(SIGTERM);
    EXPECT_EQ(rampart.wait_for_exit(5s).value_or(-1), 0);
}

}  // namespace
