// Anomaly detection and the security-event webhook through the real binary: a burst of 401s
// from one address becomes one `client_failure_burst` event; a traffic spike on an idle route
// becomes a `traffic_anomaly`; a real HTTPS receiver (test CA) gets the events, signed, also
// when its first answers are 503; and a receiver that never answers delays no request: the
// queue drops and counts instead.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/gateway.hpp"
#include "support/raw_connection.hpp"
#include "support/test_pki.hpp"

namespace {

using namespace rampart::test;
using namespace std::chrono_literals;
namespace json = boost::json;

// A route that needs a credential: requests without one are answered 401.
const std::string routes = simple_route("/open") +
                           "  - path: /protected\n    methods: [GET]\n    upstream: app\n"
                           "    auth: jwt\n    authorize: authenticated\n";

const std::string hmac_secret = "webhook-signing-secret-0123456789abcdef";
const std::string bearer_token = "webhook-bearer-token-0123456789";

class AnomalyTest : public ::testing::Test {
  protected:
    // Starts the gateway with `extra` top-level YAML and, when given, `webhook` (the keys of
    // logging.security_log.webhook, indented six spaces).
    void start(const std::string& extra, const std::string& webhook = "") {
        // The built-in token service is the issuer `auth: jwt` needs.
        auto text = gateway_config(port, admin_port, upstream.port(), routes,
                                   "token_service: {}\n" + extra);
        if (!webhook.empty()) {
            const std::string plain = "  security_log: {path: '{{dir}}/security.log'}\n";
            auto at = text.find(plain);
            ASSERT_NE(at, std::string::npos);
            text.replace(
                at, plain.size(),
                "  security_log:\n    path: '{{dir}}/security.log'\n    webhook:\n" + webhook);
        }
        gateway = std::make_unique<Gateway>(port, admin_port, text);
    }

    unsigned get(const std::string& path) { return https_request(port, "GET", path).status; }

    std::string metrics() {
        return http_request(admin_port, "GET", "/metrics", {{"Host", "localhost"}}).body;
    }

    // The security log's events named `event`, parsed.
    std::vector<json::object> events(const std::string& event) {
        std::vector<json::object> found;
        auto log = gateway->security_log();
        std::size_t start = 0;
        while (start < log.size()) {
            auto end = log.find('\n', start);
            if (end == std::string::npos) {
                break;
            }
            auto line = json::parse(log.substr(start, end - start)).as_object();
            if (line.at("event").as_string() == event) {
                found.push_back(line);
            }
            start = end + 1;
        }
        return found;
    }

    TempDir pki_directory;
    TestPki pki = make_test_pki(pki_directory);
    RecordingUpstream upstream;
    std::uint16_t port = free_port();
    std::uint16_t admin_port = free_port();
    std::unique_ptr<Gateway> gateway;
};

const std::string failure_bursts =
    "anomaly:\n"
    "  failure_bursts: {window: 10s, threshold_401: 5, threshold_4xx: 1000}\n";

TEST_F(AnomalyTest, ABurstOf401sFromOneAddressIsOneFailureBurstEvent) {
    start(failure_bursts);
    for (int request = 0; request < 12; ++request) {
        ASSERT_EQ(get("/protected"), 401u);
    }
    ASSERT_TRUE(gateway->wait_for_security_log("\"event\":\"client_failure_burst\""))
        << gateway->security_log();
    std::this_thread::sleep_for(200ms);  // anything more would have been written by now
    auto bursts = events("client_failure_burst");
    ASSERT_EQ(bursts.size(), 1u) << gateway->security_log();
    EXPECT_EQ(bursts[0].at("kind").as_string(), "401");
    EXPECT_EQ(bursts[0].at("client_ip").as_string(), "127.0.0.1");
    EXPECT_EQ(bursts[0].at("failures").as_string(), "5");
    EXPECT_EQ(bursts[0].at("threshold").as_string(), "5");
    EXPECT_EQ(bursts[0].at("action").as_string(), "log");
    EXPECT_EQ(bursts[0].at("path").as_string(), "/protected");
    EXPECT_NE(metrics().find("rampart_anomaly_events_total{event=\"client_failure_burst\"} 1"),
              std::string::npos);
    // Successes and 4xx under their own threshold raise nothing more.
    EXPECT_EQ(get("/open"), 200u);
    EXPECT_EQ(get("/missing"), 404u);
    std::this_thread::sleep_for(100ms);
    EXPECT_EQ(events("client_failure_burst").size(), 1u);
}

// With action: ban the burst also bans the address (an automatic ban): its next connection is
// closed at accept, another address is still served, and the ban is listed.
TEST_F(AnomalyTest, ABurstWithActionBanBansTheAddress) {
    start(
        "anomaly:\n"
        "  failure_bursts: {window: 10s, threshold_401: 5, threshold_4xx: 1000, action: ban,\n"
        "                   ban_duration: 1m}\n");
    TlsOptions attacker;
    attacker.source_address = "127.0.0.2";
    for (int request = 0; request < 5; ++request) {
        ASSERT_EQ(https_request(port, "GET", "/protected", {}, {}, attacker).status, 401u);
    }
    ASSERT_TRUE(gateway->wait_for_security_log("\"event\":\"ban_added\""))
        << gateway->security_log();
    RawConnection next(port, attacker);
    EXPECT_FALSE(next.connect(3s));
    TlsOptions bystander;
    bystander.source_address = "127.0.0.3";
    EXPECT_EQ(https_request(port, "GET", "/open", {}, {}, bystander).status, 200u);
    auto listed = http_request(admin_port, "GET", "/admin/bans",
                               {{"Authorization", "Bearer " + test_admin_token}});
    ASSERT_EQ(listed.status, 200u) << listed.body;
    auto bans = json::parse(listed.body).as_object().at("bans").as_array();
    ASSERT_EQ(bans.size(), 1u);
    EXPECT_EQ(bans[0].as_object().at("target").as_string(), "127.0.0.2");
    EXPECT_EQ(bans[0].as_object().at("created_by").as_string(), "auto:client_failure_burst");
    auto bursts = events("client_failure_burst");
    ASSERT_EQ(bursts.size(), 1u);
    EXPECT_EQ(bursts[0].at("action").as_string(), "ban");
}

TEST_F(AnomalyTest, ASpikeOnAnIdleRouteIsATrafficAnomaly) {
    start(
        "anomaly:\n"
        "  baselines: {interval: 100ms, warmup: 500ms, alpha: 0.2, k: 4, minimum_rate: 20,"
        " per_consumer: false}\n");
    // Warm-up on a quiet route, then a burst of requests within about one interval.
    std::this_thread::sleep_for(800ms);
    EXPECT_TRUE(events("traffic_anomaly").empty());
    for (int request = 0; request < 30; ++request) {
        RawConnection connection(port, TlsOptions{});
        ASSERT_TRUE(connection.connect());
        ASSERT_TRUE(
            connection.send(format_request("GET", "/open", {{"Host", "localhost"}}, {}, true)));
        ASSERT_TRUE(connection.read_response());
    }
    ASSERT_TRUE(gateway->wait_for_security_log("\"event\":\"traffic_anomaly\""))
        << gateway->security_log();
    auto anomalies = events("traffic_anomaly");
    ASSERT_GE(anomalies.size(), 1u);
    EXPECT_EQ(anomalies[0].at("scope").as_string(), "route");
    EXPECT_EQ(anomalies[0].at("name").as_string(), "/open");
    EXPECT_EQ(anomalies[0].at("k").as_string(), "4.00");
    EXPECT_GE(std::stod(std::string(anomalies[0].at("rate").as_string())), 20.0);
}

std::string hex_hmac_sha256(const std::string& secret, const std::string& message) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
         reinterpret_cast<const unsigned char*>(message.data()), message.size(), digest, &length);
    std::string hex;
    char byte[3];
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(byte, sizeof byte, "%02x", digest[i]);
        hex += byte;
    }
    return hex;
}

TlsOptions receiver_tls(const TestPki& pki) {
    TlsOptions tls;
    tls.certificate_file = pki.server_cert;
    tls.private_key_file = pki.server_key;
    return tls;
}

std::string webhook_section(std::uint16_t receiver_port, const TestPki& pki,
                            const std::string& more = "") {
    return "      url: https://127.0.0.1:" + std::to_string(receiver_port) + "/hooks/rampart\n" +
           "      ca_file: " + pki.ca_cert + "\n" + "      events: [client_failure_burst]\n" +
           "      bearer_token: " + bearer_token + "\n" + "      hmac_secret: " + hmac_secret +
           "\n" + more;
}

TEST_F(AnomalyTest, TheWebhookReceivesTheBurstEventSignedOverVerifiedTls) {
    RecordingUpstream receiver(receiver_tls(pki));
    receiver.set_handler([](const RecordedRequest&) {
        UpstreamResponse response;
        response.status = 204;
        return response;
    });
    start(failure_bursts, webhook_section(receiver.port(), pki));
    for (int request = 0; request < 5; ++request) {
        ASSERT_EQ(get("/protected"), 401u);
    }
    ASSERT_TRUE(receiver.wait_for_request_count(1, 5s));
    std::this_thread::sleep_for(200ms);
    // Only the configured event: the five authentication_failed events stay in the log.
    auto requests = receiver.requests();
    ASSERT_EQ(requests.size(), 1u);
    const auto& delivery = requests[0];
    EXPECT_EQ(delivery.method, "POST");
    EXPECT_EQ(delivery.target, "/hooks/rampart");
    EXPECT_EQ(delivery.get("Content-Type"), "application/json");
    EXPECT_EQ(delivery.get("Authorization"), "Bearer " + bearer_token);
    auto event = json::parse(delivery.body).as_object();
    EXPECT_EQ(event.at("event").as_string(), "client_failure_burst");
    EXPECT_EQ(event.at("client_ip").as_string(), "127.0.0.1");
    // X-Rampart-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">
    auto signature = delivery.get("X-Rampart-Signature");
    ASSERT_EQ(signature.rfind("t=", 0), 0u) << signature;
    auto comma = signature.find(",v1=");
    ASSERT_NE(comma, std::string::npos);
    auto timestamp = signature.substr(2, comma - 2);
    EXPECT_EQ(signature.substr(comma + 4),
              hex_hmac_sha256(hmac_secret, timestamp + "." + delivery.body));
    EXPECT_LT(
        std::abs(std::stoll(timestamp) - std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count()),
        60);
    // The log has the event too, and no secret.
    EXPECT_EQ(events("client_failure_burst").size(), 1u);
    EXPECT_EQ(gateway->security_log().find(bearer_token), std::string::npos);
    EXPECT_EQ(gateway->security_log().find(hmac_secret), std::string::npos);
    EXPECT_NE(metrics().find("rampart_webhook_events_total{outcome=\"delivered\"} 1"),
              std::string::npos);
}

TEST_F(AnomalyTest, AReceiverFailingTwiceWith503GetsTheEventByRetry) {
    RecordingUpstream receiver(receiver_tls(pki));
    std::atomic<int> answers{0};
    receiver.set_handler([&answers](const RecordedRequest&) {
        UpstreamResponse response;
        response.status = ++answers <= 2 ? 503u : 200u;
        response.body = "{}";
        return response;
    });
    start(failure_bursts, webhook_section(receiver.port(), pki,
                                          "      max_attempts: 4\n      initial_backoff: 50ms\n"
                                          "      max_backoff: 200ms\n"));
    for (int request = 0; request < 5; ++request) {
        ASSERT_EQ(get("/protected"), 401u);
    }
    ASSERT_TRUE(receiver.wait_for_request_count(3, 5s));
    auto requests = receiver.requests();
    ASSERT_EQ(requests.size(), 3u);
    for (const auto& request : requests) {
        EXPECT_EQ(request.body, requests[0].body) << "the same event each time";
    }
    EXPECT_EQ(json::parse(requests[2].body).at("event").as_string(), "client_failure_burst");
    auto scrape = metrics();
    for (int i = 0; i < 20 && scrape.find("outcome=\"delivered\"} 1") == std::string::npos; ++i) {
        std::this_thread::sleep_for(50ms);
        scrape = metrics();
    }
    EXPECT_NE(scrape.find("rampart_webhook_events_total{outcome=\"delivered\"} 1"),
              std::string::npos)
        << scrape;
    EXPECT_NE(scrape.find("rampart_webhook_retries_total 2"), std::string::npos);
    EXPECT_TRUE(events("webhook_delivery_failed").empty());
}

// A TCP listener that never accepts: connections complete in the kernel's backlog, and the
// TLS handshake then waits for an answer that never comes.
class BlackHole {
  public:
    BlackHole() {
        descriptor_ = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in address{};
        address.sin_family = AF_INET;
        address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        ::bind(descriptor_, reinterpret_cast<sockaddr*>(&address), sizeof address);
        ::listen(descriptor_, 64);
        socklen_t length = sizeof address;
        ::getsockname(descriptor_, reinterpret_cast<sockaddr*>(&address), &length);
        port_ = ntohs(address.sin_port);
    }
    ~BlackHole() { ::close(descriptor_); }
    std::uint16_t port() const { return port_; }

  private:
    int descriptor_ = -1;
    std::uint16_t port_ = 0;
};

TEST_F(AnomalyTest, AReceiverThatNeverAnswersDelaysNoRequestAndTheQueueDropsAreCounted) {
    BlackHole receiver;
    start(failure_bursts, "      url: https://127.0.0.1:" + std::to_string(receiver.port()) +
                              "/hook\n" + "      ca_file: " + pki.ca_cert + "\n" +
                              "      queue_size: 4\n      timeout: 2s\n      max_attempts: 1\n");
    // Every 401 is an authentication_failed event (all events go to the webhook): 50 events
    // for a queue of 4 while the first POST hangs.
    auto slowest = std::chrono::milliseconds(0);
    for (int request = 0; request < 50; ++request) {
        auto started = std::chrono::steady_clock::now();
        ASSERT_EQ(get("/protected"), 401u);
        slowest = std::max(slowest, std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - started));
    }
    // A request that waited for the webhook would take its timeout (2 s) or more.
    EXPECT_LT(slowest, 1s);
    auto dropped_line = [this] {
        auto scrape = metrics();
        auto at = scrape.find("rampart_webhook_events_total{outcome=\"dropped\"} ");
        return at == std::string::npos ? std::string()
                                       : scrape.substr(at, scrape.find('\n', at) - at);
    };
    auto line = dropped_line();
    ASSERT_FALSE(line.empty());
    auto dropped = std::stoul(line.substr(line.rfind(' ') + 1));
    EXPECT_GE(dropped, 40u) << line;
    // The drop is reported in the log once the stuck POST gives up (after 2 s).
    ASSERT_TRUE(gateway->wait_for_security_log("\"event\":\"webhook_events_dropped\"", 5s))
        << gateway->security_log();
    EXPECT_TRUE(gateway->wait_for_security_log("\"event\":\"webhook_delivery_failed\"", 1s));
}

TEST_F(AnomalyTest, WithABatchSizeTheWebhookPostsArraysOfEvents) {
    RecordingUpstream receiver(receiver_tls(pki));
    // The first POST is answered slowly: the events raised meanwhile queue up and leave
    // together in the next one.
    std::atomic<int> answers{0};
    receiver.set_handler([&answers](const RecordedRequest&) {
        UpstreamResponse response;
        response.delay = ++answers == 1 ? 1s : 0s;
        return response;
    });
    start(failure_bursts, "      url: https://127.0.0.1:" + std::to_string(receiver.port()) +
                              "/hook\n      ca_file: " + pki.ca_cert + "\n      batch_size: 50\n");
    for (int request = 0; request < 5; ++request) {
        ASSERT_EQ(get("/protected"), 401u);
    }
    // Five authentication_failed events and one client_failure_burst, in one or more arrays.
    auto delivered = [&receiver] {
        std::size_t events = 0;
        for (const auto& request : receiver.requests()) {
            events += json::parse(request.body).as_array().size();
        }
        return events;
    };
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (delivered() < 6 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(20ms);
    }
    EXPECT_EQ(delivered(), 6u);
    std::size_t largest_batch = 0;
    std::size_t bursts = 0;
    for (const auto& request : receiver.requests()) {
        largest_batch = std::max(largest_batch, json::parse(request.body).as_array().size());
        auto batch = json::parse(request.body);
        for (const auto& event : batch.as_array()) {
            bursts += event.at("event").as_string() == "client_failure_burst" ? 1 : 0;
        }
    }
    EXPECT_EQ(bursts, 1u);
    EXPECT_LE(receiver.request_count(), 3u) << "batched, not one POST per event";
    EXPECT_GE(largest_batch, 3u);
}

TEST_F(AnomalyTest, TheAnomalySectionChangesOnlyWithARestart) {
    start(failure_bursts);
    gateway->rewrite_config(
        gateway_config(port, admin_port, upstream.port(), routes,
                       "token_service: {}\nanomaly:\n  failure_bursts: {threshold_401: 50}\n"));
    auto refused =
        http_request(admin_port, "POST", "/admin/reload",
                     {{"Host", "localhost"}, {"Authorization", "Bearer " + test_admin_token}});
    EXPECT_EQ(refused.status, 422u);
    EXPECT_NE(refused.body.find("anomaly"), std::string::npos) << refused.body;
    // The running detector stays: five 401s are still a burst.
    for (int request = 0; request < 5; ++request) {
        ASSERT_EQ(get("/protected"), 401u);
    }
    EXPECT_TRUE(gateway->wait_for_security_log("\"event\":\"client_failure_burst\""));
}

}  // namespace
