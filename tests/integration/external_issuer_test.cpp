// External issuers whose keys come from an https jwks_uri (KEY-07, JWT-07), through the
// real binary: a fake identity provider on 127.0.0.1 (TLS with a throwaway CA) serves the
// JWKS and counts its hits; tokens are signed with the JOSE library.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <chrono>
#include <mutex>
#include <random>
#include <thread>

#include "auth/jose/base64url.hpp"
#include "auth/jose/jwk.hpp"
#include "auth/jose/jws.hpp"
#include "support/gateway.hpp"
#include "support/raw_connection.hpp"
#include "support/test_pki.hpp"

namespace {

using namespace rampart::test;
using namespace rampart::auth::jose;
using namespace std::chrono_literals;
namespace json = boost::json;

const std::string idp_issuer = "https://idp.test";

std::int64_t now() {
    return std::chrono::duration_cast<std::chrono::seconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

// A distinct subject per token keeps the gateway's verified-token cache out of the way.
json::object claims(const std::string& subject = "alice") {
    return {{"iss", idp_issuer},
            {"sub", subject},
            {"aud", "api://orders"},
            {"iat", now()},
            {"exp", now() + 300}};
}

std::string segment(const json::object& object) {
    return base64url::encode(json::serialize(object));
}

std::string forge(const json::object& header, const json::object& payload, const Key& key) {
    auto input = segment(header) + "." + segment(payload);
    return input + "." + base64url::encode(create_signature(key, input).value());
}

std::string jwks_of(std::initializer_list<const Key*> keys) {
    json::array array;
    for (const auto* key : keys) {
        array.push_back(key->public_jwk().value());
    }
    return json::serialize(json::object{{"keys", array}});
}

UpstreamResponse answer(unsigned status, HeaderList headers, std::string body) {
    UpstreamResponse response;
    response.status = status;
    response.headers = std::move(headers);
    response.body = std::move(body);
    return response;
}

UpstreamResponse json_answer(std::string body) {
    return answer(200, {{"Content-Type", "application/json"}}, std::move(body));
}

// The identity provider: what /jwks answers is set by the test; every hit is recorded.
class FakeIdp {
  public:
    explicit FakeIdp(const TestPki& pki) : server_(server_tls(pki)) {
        server_.set_handler([this](const RecordedRequest& request) {
            std::lock_guard lock(mutex_);
            if (request.target == "/jwks") {
                return jwks_response_;
            }
            if (request.target == "/other-jwks" || request.target == "/attacker-jwks") {
                return json_answer(other_jwks_);
            }
            return answer(404, {}, "{}");
        });
    }

    void serve_jwks(const std::string& jwks) {
        std::lock_guard lock(mutex_);
        jwks_response_ = json_answer(jwks);
    }
    void answer_jwks(UpstreamResponse response) {
        std::lock_guard lock(mutex_);
        jwks_response_ = std::move(response);
    }
    void serve_other(const std::string& jwks) {
        std::lock_guard lock(mutex_);
        other_jwks_ = jwks;
    }

    std::size_t hits(const std::string& target) const {
        std::size_t count = 0;
        for (const auto& request : server_.requests()) {
            count += request.target == target ? 1 : 0;
        }
        return count;
    }
    bool wait_for_hits(const std::string& target, std::size_t count,
                       std::chrono::milliseconds timeout = 5s) const {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (hits(target) < count) {
            if (std::chrono::steady_clock::now() > deadline) {
                return false;
            }
            std::this_thread::sleep_for(20ms);
        }
        return true;
    }
    std::uint16_t port() const { return server_.port(); }
    std::string uri(const std::string& path = "/jwks") const {
        return "https://127.0.0.1:" + std::to_string(port()) + path;
    }
    void stop() { server_.stop(); }

  private:
    static TlsOptions server_tls(const TestPki& pki) {
        TlsOptions tls;
        tls.certificate_file = pki.server_cert;
        tls.private_key_file = pki.server_key;
        return tls;
    }

    mutable std::mutex mutex_;
    UpstreamResponse jwks_response_ = answer(404, {}, "{}");
    std::string other_jwks_ = "{}";
    RecordingUpstream server_;
};

class ExternalIssuer : public ::testing::Test {
  protected:
    void SetUp() override {
        pki = make_test_pki(files);
        key_a = std::make_unique<Key>(Key::generate(Algorithm::es256).value());
        key_b = std::make_unique<Key>(Key::generate(Algorithm::es256).value());
        attacker_key = std::make_unique<Key>(Key::generate(Algorithm::es256).value());
        idp = std::make_unique<FakeIdp>(pki);
        idp->serve_jwks(jwks_of({key_a.get()}));
    }

    void start_gateway(const std::string& more_issuer_settings = "",
                       bool allow_private_addresses = true) {
        const std::string routes =
            "  - path: /orders\n    methods: [GET]\n    upstream: app\n"
            "    auth: {methods: [jwt], issuers: [corp]}\n"
            "    authorize: authenticated\n";
        std::string issuers =
            "issuers:\n"
            "  - name: corp\n    issuer: " +
            idp_issuer +
            "\n    audiences: [api://orders]\n"
            "    jwks_uri: " +
            idp->uri() + "\n    ca_file: " + pki.ca_cert + "\n";
        if (allow_private_addresses) {
            issuers += "    allow_private_addresses: true\n";
        }
        issuers += more_issuer_settings;
        stack = std::make_unique<GatewayStack>(routes, issuers);
        routes_ = routes;
        issuers_ = issuers;
    }

    // Rewrites the configuration with these issuer settings and reloads it through the
    // admin API (which answers once the new snapshot is in place).
    unsigned reload_with(const std::string& more_issuer_settings) {
        stack->gateway->rewrite_config(gateway_config(stack->port, stack->admin_port,
                                                      stack->upstream.port(), routes_,
                                                      issuers_ + more_issuer_settings));
        return http_request(
                   stack->admin_port, "POST", "/admin/reload",
                   {{"Host", "localhost"}, {"Authorization", "Bearer " + test_admin_token}})
            .status;
    }

    unsigned call(const std::string& token) {
        return https_request(stack->port, "GET", "/orders", {{"Authorization", "Bearer " + token}})
            .status;
    }

    // Polls with fresh tokens from `make` until one is accepted; false on timeout.
    template <typename MakeToken>
    bool eventually_accepted(MakeToken make, std::chrono::milliseconds timeout = 5s) {
        auto deadline = std::chrono::steady_clock::now() + timeout;
        while (std::chrono::steady_clock::now() < deadline) {
            if (call(make()) == 200u) {
                return true;
            }
            std::this_thread::sleep_for(50ms);
        }
        return false;
    }

    std::string token(const Key& key, const std::string& subject = "alice") {
        return sign_compact({}, claims(subject), key).value();
    }

    std::string routes_, issuers_;
    TempDir files;
    TestPki pki;
    std::unique_ptr<Key> key_a, key_b, attacker_key;
    std::unique_ptr<FakeIdp> idp;
    std::unique_ptr<GatewayStack> stack;
};

// Fetched before serving: the first request already has the keys, with exactly one fetch.
TEST_F(ExternalIssuer, TokensSignedByTheFetchedKeyAreAccepted) {
    start_gateway();
    EXPECT_EQ(idp->hits("/jwks"), 1u);
    EXPECT_EQ(call(token(*key_a)), 200u);
    EXPECT_EQ(call(token(*attacker_key)), 401u);
    EXPECT_EQ(
        call(forge({{"alg", "ES256"}, {"kid", key_a->kid()}}, claims("mallory"), *attacker_key)),
        401u);
}

// A rotated key is picked up by one refetch on its unknown kid; random kids cannot make the
// gateway hammer the provider: at most one refetch per cooldown.
TEST_F(ExternalIssuer, UnknownKidRefetchesAtMostOncePerCooldown) {
    start_gateway("    refetch_cooldown: 2s\n");
    auto accepted_a = token(*key_a, "before-rotation");
    EXPECT_EQ(call(accepted_a), 200u);
    idp->serve_jwks(jwks_of({key_b.get()}));
    std::this_thread::sleep_for(2100ms);  // the startup fetch is a cooldown old
    auto before = idp->hits("/jwks");
    EXPECT_EQ(call(token(*key_b, "first-b")), 401u);  // asks for a refetch, refuses now
    ASSERT_TRUE(idp->wait_for_hits("/jwks", before + 1));
    int counter = 0;
    EXPECT_TRUE(
        eventually_accepted([&] { return token(*key_b, "b" + std::to_string(++counter)); }));
    EXPECT_EQ(idp->hits("/jwks"), before + 1);
    // Key A left the provider's set: its cached token is refused at once.
    EXPECT_EQ(call(accepted_a), 401u);

    std::mt19937_64 random(std::random_device{}());
    auto started = std::chrono::steady_clock::now();
    auto hits_before = idp->hits("/jwks");
    for (int i = 0; i < 50; ++i) {
        auto kid = "random-" + std::to_string(random());
        EXPECT_EQ(call(forge({{"alg", "ES256"}, {"kid", kid}}, claims("r" + std::to_string(i)),
                             *attacker_key)),
                  401u);
    }
    std::this_thread::sleep_for(300ms);  // a refetch asked for by the last token lands
    auto elapsed = std::chrono::steady_clock::now() - started;
    auto allowed = 1 + static_cast<std::size_t>(elapsed / 2s);
    EXPECT_LE(idp->hits("/jwks") - hits_before, allowed)
        << "50 random kids in "
        << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() << " ms";
    EXPECT_TRUE(stack->gateway->wait_for_security_log("names no known key"));
}

// refresh_interval: a rotated key is in place before any token needs it.
TEST_F(ExternalIssuer, KeysAreRefreshedInTheBackground) {
    start_gateway("    refresh_interval: 10s\n");
    idp->serve_jwks(jwks_of({key_a.get(), key_b.get()}));
    ASSERT_TRUE(idp->wait_for_hits("/jwks", 2, 15s));
    std::this_thread::sleep_for(200ms);
    EXPECT_EQ(call(token(*key_b)), 200u);
    EXPECT_EQ(idp->hits("/jwks"), 2u);
}

// A reload keeps the keys of an unchanged issuer without refetching them; an issuer whose
// fetch settings changed is fetched again before the new configuration serves.
TEST_F(ExternalIssuer, ReloadReusesTheKeysOfAnUnchangedIssuer) {
    start_gateway();
    EXPECT_EQ(idp->hits("/jwks"), 1u);
    EXPECT_EQ(reload_with(""), 200u);
    EXPECT_EQ(idp->hits("/jwks"), 1u);
    EXPECT_EQ(call(token(*key_a, "after-reload")), 200u);
    idp->serve_jwks(jwks_of({key_b.get()}));
    EXPECT_EQ(reload_with("    fetch_timeout: 3s\n"), 200u);
    EXPECT_EQ(idp->hits("/jwks"), 2u);
    EXPECT_EQ(call(token(*key_b, "changed")), 200u);
    EXPECT_EQ(idp->hits("/jwks"), 2u);
}

// A fetch failure keeps the last good keys.
TEST_F(ExternalIssuer, ProviderDownKeepsTheLastGoodKeys) {
    start_gateway("    refetch_cooldown: 1s\n");
    EXPECT_EQ(call(token(*key_a, "first")), 200u);
    idp->stop();
    std::this_thread::sleep_for(1100ms);
    EXPECT_EQ(call(token(*key_b)), 401u);  // unknown kid: a refetch, which fails
    ASSERT_TRUE(stack->gateway->wait_for_security_log("jwks_fetch_failed", 5s));
    EXPECT_EQ(call(token(*key_a, "second")), 200u);
}

TEST_F(ExternalIssuer, OversizedJwksIsAbortedAndTheOldKeysKept) {
    start_gateway("    refetch_cooldown: 1s\n    max_jwks_bytes: 64KiB\n");
    EXPECT_EQ(call(token(*key_a, "first")), 200u);
    auto huge = jwks_of({key_b.get()});
    huge.insert(huge.size() - 1, ",\"padding\":\"" + std::string(8 << 20, 'x') + "\"");
    idp->answer_jwks(json_answer(huge));
    std::this_thread::sleep_for(1100ms);
    EXPECT_EQ(call(token(*key_b)), 401u);
    ASSERT_TRUE(stack->gateway->wait_for_security_log("larger than max_jwks_bytes", 5s));
    EXPECT_EQ(call(token(*key_a, "second")), 200u);
    EXPECT_EQ(call(token(*key_b, "third")), 401u);
}

TEST_F(ExternalIssuer, RedirectsAreNotFollowed) {
    start_gateway("    refetch_cooldown: 1s\n");
    idp->serve_other(jwks_of({key_b.get()}));
    for (const auto& location :
         {idp->uri("/other-jwks"),
          "http://127.0.0.1:" + std::to_string(idp->port()) + "/other-jwks"}) {
        idp->answer_jwks(answer(302, {{"Location", location}}, ""));
        std::this_thread::sleep_for(1100ms);
        auto before = idp->hits("/jwks");
        EXPECT_EQ(call(token(*key_b)), 401u);
        ASSERT_TRUE(idp->wait_for_hits("/jwks", before + 1));
        std::this_thread::sleep_for(300ms);
        EXPECT_EQ(call(token(*key_b, "again")), 401u);
        EXPECT_EQ(call(token(*key_a)), 200u);  // the last good keys
    }
    EXPECT_EQ(idp->hits("/other-jwks"), 0u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("never followed"));
}

// Without allow_private_addresses a jwks_uri that resolves to loopback is never contacted:
// the gateway starts, says why on stderr, and fails closed for the issuer's tokens.
TEST_F(ExternalIssuer, LoopbackJwksUriIsRefusedWithoutAllowPrivateAddresses) {
    start_gateway("    refetch_cooldown: 1s\n", false);
    EXPECT_NE(stack->gateway->process().errors().find("loopback, private or link-local"),
              std::string::npos)
        << stack->gateway->process().errors();
    EXPECT_EQ(call(token(*key_a)), 401u);
    std::this_thread::sleep_for(1100ms);
    EXPECT_EQ(call(token(*key_a, "again")), 401u);
    EXPECT_TRUE(stack->gateway->wait_for_security_log("jwks_fetch_failed", 5s));
    EXPECT_EQ(idp->hits("/jwks"), 0u);
}

// The certificate is verified: a CA that did not sign the provider's certificate fails.
TEST_F(ExternalIssuer, UntrustedCertificateFailsClosed) {
    const std::string routes =
        "  - path: /orders\n    methods: [GET]\n    upstream: app\n"
        "    auth: {methods: [jwt], issuers: [corp]}\n"
        "    authorize: authenticated\n";
    std::string issuers = "issuers:\n  - name: corp\n    issuer: " + idp_issuer +
                          "\n    audiences: [api://orders]\n    jwks_uri: " + idp->uri() +
                          "\n    ca_file: " + pki.other_ca_cert +
                          "\n    allow_private_addresses: true\n";
    stack = std::make_unique<GatewayStack>(routes, issuers);
    EXPECT_NE(stack->gateway->process().errors().find("TLS handshake failed"), std::string::npos)
        << stack->gateway->process().errors();
    EXPECT_EQ(call(token(*key_a)), 401u);
    EXPECT_EQ(idp->hits("/jwks"), 0u);  // the handshake failed before any request
}

// JWT-07: jku and x5u are never dereferenced, even pointing at the provider itself.
TEST_F(ExternalIssuer, JkuAndX5uAreNeverDereferenced) {
    start_gateway();
    idp->serve_other(jwks_of({attacker_key.get()}));
    for (const char* member : {"jku", "x5u"}) {
        auto forged = forge(
            {{"alg", "ES256"}, {"kid", attacker_key->kid()}, {member, idp->uri("/attacker-jwks")}},
            claims(member), *attacker_key);
        EXPECT_EQ(call(forged), 401u) << member;
    }
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(idp->hits("/attacker-jwks"), 0u);
    EXPECT_EQ(call(token(*key_a)), 200u);
}

}  // namespace
