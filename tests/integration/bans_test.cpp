// Temporary bans, credential stuffing and token misuse through the real binary. Clients connect
// from other loopback addresses (127.0.0.2, 127.0.0.3, ...) so that one address can be banned
// while another is not.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>
#include <string>
#include <thread>

#include "auth/secret_token.hpp"
#include "store/open_store.hpp"
#include "support/gateway.hpp"
#include "support/process.hpp"
#include "support/raw_connection.hpp"
#include "support/store_records.hpp"
#include "support/test_pki.hpp"

namespace {

using namespace rampart::test;
using namespace std::chrono_literals;
namespace json = boost::json;

const std::string routes = simple_route("/items") +
                           "  - path: /keyed\n    methods: [GET]\n    upstream: app\n"
                           "    auth: [jwt, api_key]\n    authorize: authenticated\n";

const std::string token_service =
    "token_service:\n  signing: {publish_lead: 1s, jwks_max_age: 1s}\n";

const std::string viewer_token = "viewer-token-for-the-dashboard-0123456789";

std::string viewer_principal() {
    return "  principals:\n"
           "    - name: dashboard\n"
           "      role: viewer\n"
           "      token_sha256: " +
           rampart::auth::sha256_hex(viewer_token) + "\n";
}

TlsOptions from(const std::string& source) {
    TlsOptions options;
    options.source_address = source;
    return options;
}

json::object body_of(const ParsedResponse& response) {
    return json::parse(response.body).as_object();
}

class Bans : public ::testing::Test {
  protected:
    void start(const std::string& extra, const std::string& admin_extra = "") {
        stack = std::make_unique<GatewayStack>(routes, token_service + extra, admin_extra);
    }

    ParsedResponse admin(const std::string& method, const std::string& path,
                         const std::string& body = "",
                         const std::string& token = test_admin_token) {
        HeaderList headers{{"Authorization", "Bearer " + token}};
        if (!body.empty()) {
            headers.emplace_back("Content-Type", "application/json");
        }
        return http_request(stack->admin_port, method, path, headers, body);
    }

    ParsedResponse get_from(const std::string& source, const std::string& path,
                            const HeaderList& headers = {}) {
        return https_request(stack->port, "GET", path, headers, {}, from(source));
    }

    // Whether a TLS connection from `source` is closed at accept, before any handshake.
    bool refused_at_accept(const std::string& source) {
        RawConnection connection(stack->port, from(source));
        return !connection.connect(3s);
    }

    ParsedResponse login_from(const std::string& source, const std::string& username,
                              const std::string& password) {
        json::object body{{"username", username}, {"password", password}};
        return https_request(stack->port, "POST", "/auth/login",
                             {{"Content-Type", "application/json"}}, json::serialize(body),
                             from(source));
    }

    std::string add_ban(const std::string& body) {
        auto added = admin("POST", "/admin/bans", body);
        EXPECT_EQ(added.status, 201u) << added.body;
        return added.status == 201u ? std::string(body_of(added).at("id").as_string()) : "";
    }

    json::array listed_bans() {
        auto listed = admin("GET", "/admin/bans");
        EXPECT_EQ(listed.status, 200u) << listed.body;
        return body_of(listed).at("bans").as_array();
    }

    std::string create_api_key() {
        auto created = admin("POST", "/admin/api-keys", R"({"consumer":"billing"})");
        EXPECT_EQ(created.status, 201u) << created.body;
        return std::string(body_of(created).at("key").as_string());
    }

    std::unique_ptr<GatewayStack> stack;
};

// Added, listed, enforced at accept for that address only, lifted; every step an event.
TEST_F(Bans, AnAddressBanIsAddedListedEnforcedAndLifted) {
    start("", viewer_principal());
    ASSERT_EQ(get_from("127.0.0.2", "/items").status, 200u);
    auto id = add_ban(R"({"kind":"address","target":"127.0.0.2","ttl":"1h","reason":"test"})");
    ASSERT_FALSE(id.empty());

    auto bans = listed_bans();
    ASSERT_EQ(bans.size(), 1u);
    const auto& ban = bans[0].as_object();
    EXPECT_EQ(ban.at("id").as_string(), id);
    EXPECT_EQ(ban.at("kind").as_string(), "address");
    EXPECT_EQ(ban.at("target").as_string(), "127.0.0.2");
    EXPECT_EQ(ban.at("created_by").as_string(), "admin:operator");
    EXPECT_EQ(ban.at("persistent").as_bool(), true);
    EXPECT_GT(ban.at("expires_in_seconds").as_int64(), 3500);

    EXPECT_TRUE(refused_at_accept("127.0.0.2"));
    EXPECT_EQ(get_from("127.0.0.3", "/items").status, 200u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"ban_added\""));
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"banned_request_refused\""));
    auto metrics = http_request(stack->admin_port, "GET", "/metrics").body;
    EXPECT_NE(metrics.find("rampart_bans_active 1"), std::string::npos);
    EXPECT_EQ(metrics.find("rampart_connections_banned_total 0"), std::string::npos);

    // A viewer may list, not change.
    EXPECT_EQ(admin("GET", "/admin/bans", "", viewer_token).status, 200u);
    EXPECT_EQ(admin("DELETE", "/admin/bans/" + id, "", viewer_token).status, 403u);
    EXPECT_EQ(
        admin("POST", "/admin/bans", R"({"kind":"address","target":"127.0.0.4"})", viewer_token)
            .status,
        403u);

    ASSERT_EQ(admin("DELETE", "/admin/bans/" + id).status, 200u);
    EXPECT_EQ(get_from("127.0.0.2", "/items").status, 200u);
    EXPECT_TRUE(listed_bans().empty());
    EXPECT_EQ(admin("DELETE", "/admin/bans/" + id).status, 404u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"ban_lifted\""));
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"action\":\"ban.lift\""));
}

TEST_F(Bans, BadBansAreRefusedWithTheFieldNamed) {
    start("abuse:\n  bans: {max_ttl: 1d}\n");
    auto refusal = [&](const std::string& body) {
        auto response = admin("POST", "/admin/bans", body);
        EXPECT_EQ(response.status, 400u) << body;
        return response.body;
    };
    EXPECT_NE(refusal(R"({"kind":"address","target":"0.0.0.0/0"})").find("target"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"kind":"token","target":"eyJhbGciOiJFUzI1NiJ9.e30.c2ln"})")
                  .find("never by its value"),
              std::string::npos);
    EXPECT_NE(refusal(R"({"kind":"address","target":"127.0.0.2","ttl":"2d"})").find("ttl"),
              std::string::npos);
    refusal(R"({"kind":"user","target":"x"})");
    refusal(R"({"kind":"address","target":"127.0.0.2","colour":"red"})");
    EXPECT_TRUE(listed_bans().empty());
}

// A connection opened before the ban is refused on its next request: 403, Retry-After, closed.
TEST_F(Bans, AnOpenConnectionIsRefusedOnItsNextRequest) {
    start("");
    RawConnection connection(stack->port, from("127.0.0.2"));
    ASSERT_TRUE(connection.connect()) << connection.error();
    ASSERT_TRUE(connection.send(format_request("GET", "/items")));
    auto first = connection.read_response();
    ASSERT_TRUE(first) << connection.error();
    EXPECT_EQ(first->status, 200u);

    add_ban(R"({"kind":"address","target":"127.0.0.0/29","ttl":"10m"})");
    ASSERT_TRUE(connection.send(format_request("GET", "/items")));
    auto refused = connection.read_response();
    ASSERT_TRUE(refused) << connection.error();
    EXPECT_EQ(refused->status, 403u);
    EXPECT_EQ(refused->get("Content-Type"), "application/problem+json");
    EXPECT_EQ(std::string(refused->json().as_object().at("detail").as_string()),
              "Temporarily banned.");
    auto retry_after = std::stoi(refused->get("Retry-After"));
    EXPECT_GT(retry_after, 590);
    EXPECT_LE(retry_after, 600);
    EXPECT_TRUE(connection.closed_within(2s));
    EXPECT_EQ(stack->upstream.requests().size(), 1u);
}

// Bans always expire: the housekeeping loop drops them and says so.
TEST_F(Bans, BansExpire) {
    start("");
    add_ban(R"({"kind":"address","target":"127.0.0.3","ttl":"2s"})");
    EXPECT_TRUE(refused_at_accept("127.0.0.3"));
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"ban_expired\"", 5s));
    EXPECT_EQ(get_from("127.0.0.3", "/items").status, 200u);
    EXPECT_TRUE(listed_bans().empty());
}

// Consumer and subject bans apply right after authentication.
TEST_F(Bans, ABannedConsumerIsRefusedAfterAuthentication) {
    start("");
    auto key = create_api_key();
    HeaderList with_key{{"Authorization", "ApiKey " + key}};
    ASSERT_EQ(get_from("127.0.0.2", "/keyed", with_key).status, 200u);
    add_ban(R"({"kind":"consumer","target":"billing","ttl":"1h"})");
    auto refused = get_from("127.0.0.2", "/keyed", with_key);
    EXPECT_EQ(refused.status, 403u);
    EXPECT_TRUE(refused.has("Retry-After"));
    // The address itself is not banned.
    EXPECT_EQ(get_from("127.0.0.2", "/items").status, 200u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"kind\":\"consumer\""));
}

// `rampart bans add|list|lift` reach the running server through its admin API.
TEST_F(Bans, TheCommandLineAddsListsAndLifts) {
    start("");
    auto run = [&](const std::vector<std::string>& arguments) {
        std::vector<std::string> full{arguments};
        full.push_back("-c");
        full.push_back(stack->gateway->config_path());
        Process process(rampart_binary(), full, stack->gateway->directory().path());
        auto status = process.wait_for_exit(20s);
        EXPECT_EQ(status, 0) << process.errors();
        return process.output();
    };
    auto id = run(
        {"bans", "add", "--kind", "subject", "usr_mallory", "--ttl", "2h", "--reason", "cli test"});
    while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) {
        id.pop_back();
    }
    ASSERT_TRUE(id.starts_with("ban_")) << id;
    auto listing = run({"bans", "list"});
    EXPECT_NE(listing.find(id), std::string::npos) << listing;
    EXPECT_NE(listing.find("usr_mallory"), std::string::npos) << listing;
    run({"bans", "lift", id});
    EXPECT_TRUE(listed_bans().empty());
}

// With admin.tls the command speaks HTTPS and verifies the listener: by default against the data
// directory's self-signed certificate the listener uses; a CA that did not sign it is refused.
TEST_F(Bans, TheCommandLineSpeaksVerifiedTlsToAnAdminListenerWithTls) {
    start("", "  tls: {self_signed: true}\n");
    auto run = [&](std::vector<std::string> arguments, int expected_status = 0) {
        arguments.push_back("-c");
        arguments.push_back(stack->gateway->config_path());
        Process process(rampart_binary(), arguments, stack->gateway->directory().path());
        auto status = process.wait_for_exit(20s);
        EXPECT_EQ(status, expected_status) << process.errors();
        return std::make_pair(process.output(), process.errors());
    };
    auto id = run({"bans", "add", "127.0.0.2", "--ttl", "1h"}).first;
    while (!id.empty() && (id.back() == '\n' || id.back() == '\r')) {
        id.pop_back();
    }
    ASSERT_TRUE(id.starts_with("ban_")) << id;
    EXPECT_TRUE(refused_at_accept("127.0.0.2"));
    EXPECT_NE(run({"bans", "list"}).first.find(id), std::string::npos);

    TempDir pki_directory;
    auto pki = make_test_pki(pki_directory);
    auto refused = run({"bans", "lift", id, "--admin-ca", pki.ca_cert}, 1);
    EXPECT_NE(refused.second.find("certificate"), std::string::npos) << refused.second;
    EXPECT_TRUE(refused_at_accept("127.0.0.2"));  // not lifted

    run({"bans", "lift", id});
    EXPECT_FALSE(refused_at_accept("127.0.0.2"));
}

// One address trying many usernames: a real ban on the list (liftable), and an event.
TEST_F(Bans, SprayingLoginsFromOneAddressGetItBanned) {
    start("  login_throttle: {spray_threshold: 3, spray_window: 1m, spray_ban: 2m}\n");
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(login_from("127.0.0.2", "nobody-" + std::to_string(i), "wrong password").status,
                  401u);
    }
    EXPECT_TRUE(
        stack->gateway->wait_for_security_log("\"event\":\"credential_stuffing_detected\""));
    EXPECT_TRUE(stack->gateway->wait_for_security_log("one_address_many_usernames"));
    auto bans = listed_bans();
    ASSERT_EQ(bans.size(), 1u);
    const auto& ban = bans[0].as_object();
    EXPECT_EQ(ban.at("target").as_string(), "127.0.0.2");
    EXPECT_EQ(ban.at("created_by").as_string(), "auto:credential_stuffing");
    EXPECT_EQ(ban.at("persistent").as_bool(), false);
    EXPECT_TRUE(refused_at_accept("127.0.0.2"));
    EXPECT_EQ(login_from("127.0.0.3", "nobody-else", "wrong password").status, 401u);

    // Lifted, the address may log in again (the throttle forgets it too).
    ASSERT_EQ(admin("DELETE", "/admin/bans/" + std::string(ban.at("id").as_string())).status, 200u);
    EXPECT_EQ(login_from("127.0.0.2", "nobody-0", "wrong password").status, 401u);
}

// Many addresses failing on one username: reported, never a ban of the account or a lockout.
TEST_F(Bans, ManyAddressesOnOneUsernameAreReportedWithoutLockingTheUserOut) {
    start("  login_throttle: {distributed_threshold: 3, spray_window: 1m}\n");
    auto store = rampart::store::open_store(stack->gateway->directory().path() + "/data");
    const std::string password = "correct horse battery staple";
    ASSERT_TRUE(store->create_user(make_user("usr_alice", "alice", password)));
    for (auto source : {"127.0.0.2", "127.0.0.3", "127.0.0.4"}) {
        EXPECT_EQ(login_from(source, "alice", "wrong password").status, 401u);
    }
    EXPECT_TRUE(stack->gateway->wait_for_security_log("many_addresses_one_username"));
    EXPECT_TRUE(listed_bans().empty());
    EXPECT_EQ(login_from("127.0.0.5", "alice", password).status, 200u);
}

// One API key used from more addresses than allowed: detected, and revoked when configured.
TEST_F(Bans, AKeyUsedFromManyAddressesIsRevoked) {
    start("abuse:\n  token_misuse: {max_addresses: 2, window: 1m, action: revoke}\n");
    auto key = create_api_key();
    HeaderList with_key{{"Authorization", "ApiKey " + key}};
    EXPECT_EQ(get_from("127.0.0.2", "/keyed", with_key).status, 200u);
    EXPECT_EQ(get_from("127.0.0.3", "/keyed", with_key).status, 200u);
    EXPECT_EQ(get_from("127.0.0.2", "/keyed", with_key).status, 200u);  // a known address
    EXPECT_EQ(get_from("127.0.0.4", "/keyed", with_key).status, 401u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"token_misuse_detected\""));
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"action\":\"revoke\""));
    // The revocation reaches the credential directory within a refresh.
    unsigned status = 0;
    for (int attempt = 0; attempt < 30 && status != 401u; ++attempt) {
        status = get_from("127.0.0.2", "/keyed", with_key).status;
        if (status != 401u) {
            std::this_thread::sleep_for(100ms);
        }
    }
    EXPECT_EQ(status, 401u);
}

// The same with action ban: a token ban by the key's id, listed, refusing every address.
TEST_F(Bans, AKeyUsedFromManyAddressesIsBanned) {
    start("abuse:\n  token_misuse: {max_addresses: 2, window: 1m, action: ban, ban_ttl: 10m}\n");
    auto key = create_api_key();
    HeaderList with_key{{"Authorization", "ApiKey " + key}};
    for (auto source : {"127.0.0.2", "127.0.0.3"}) {
        EXPECT_EQ(get_from(source, "/keyed", with_key).status, 200u);
    }
    EXPECT_EQ(get_from("127.0.0.4", "/keyed", with_key).status, 403u);
    EXPECT_EQ(get_from("127.0.0.2", "/keyed", with_key).status, 403u);
    auto bans = listed_bans();
    ASSERT_EQ(bans.size(), 1u);
    EXPECT_EQ(bans[0].as_object().at("kind").as_string(), "token");
    EXPECT_TRUE(std::string(bans[0].as_object().at("target").as_string()).starts_with("api_key:"));
    EXPECT_EQ(bans[0].as_object().at("created_by").as_string(), "auto:token_misuse");
}

// An access token from the token service, used from 127.0.0.2 to 127.0.0.5: detected by its
// jti; with action event the requests still pass.
TEST_F(Bans, AnAccessTokenUsedFromManyAddressesIsDetected) {
    start("abuse:\n  token_misuse: {max_addresses: 3, window: 1m}\n");
    auto store = rampart::store::open_store(stack->gateway->directory().path() + "/data");
    const std::string password = "correct horse battery staple";
    ASSERT_TRUE(store->create_user(make_user("usr_alice", "alice", password)));
    auto login = login_from("127.0.0.2", "alice", password);
    ASSERT_EQ(login.status, 200u) << login.body;
    auto token = std::string(login.json().as_object().at("access_token").as_string());
    HeaderList with_token{{"Authorization", "Bearer " + token}};
    for (auto source : {"127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"}) {
        EXPECT_EQ(get_from(source, "/keyed", with_token).status, 200u) << source;
    }
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"event\":\"token_misuse_detected\""));
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"credential\":\"jti:"));
    EXPECT_TRUE(stack->gateway->wait_for_security_log("\"distinct_addresses\":\"4\""));
    EXPECT_EQ(stack->gateway->security_log().find(token), std::string::npos);
}

}  // namespace
