// Login under attack (PWD-02, PWD-03), through the real binary: a flood of logins cannot make
// the hashing exhaust memory, and an unknown username costs the same time as a wrong password,
// because a dummy hash is verified for it.
#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "store/open_store.hpp"
#include "support/gateway.hpp"
#include "support/raw_connection.hpp"
#include "support/store_records.hpp"

namespace {

using namespace rampart::test;
using namespace std::chrono_literals;
namespace json = boost::json;
using Clock = std::chrono::steady_clock;

const std::string routes = simple_route("/open");

// Loose throttling, so that what is measured is the hashing and not the backoff.
const std::string token_service =
    "token_service:\n"
    "  hashing_threads: 2\n"
    "  max_pending_hashes: 16\n"
    "  login_throttle: {free_attempts: 100, spray_threshold: 10000}\n"
    "limits: {max_connections_per_ip: 2000}\n";

const std::string alice_password = "correct horse battery staple";

class LoginDefence : public ::testing::Test {
  protected:
    void SetUp() override {
        stack = std::make_unique<GatewayStack>(routes, token_service);
        auto store = rampart::store::open_store(stack->gateway->directory().path() + "/data");
        ASSERT_TRUE(store->create_user(make_user("usr_alice", "alice", alice_password)));
    }

    ParsedResponse login(const std::string& username, const std::string& password) {
        json::object body{{"username", username}, {"password", password}};
        return https_request(stack->port, "POST", "/auth/login",
                             {{"Content-Type", "application/json"}}, json::serialize(body));
    }

    // A field of /proc/<pid>/status in KiB ("VmRSS", "VmHWM").
    long memory_kib(const std::string& field) {
        std::ifstream status("/proc/" + std::to_string(stack->gateway->process().pid()) +
                             "/status");
        std::string line;
        while (std::getline(status, line)) {
            if (line.starts_with(field + ":")) {
                return std::stol(line.substr(field.size() + 1));
            }
        }
        return -1;
    }

    std::unique_ptr<GatewayStack> stack;
};

double median_milliseconds(std::vector<double> samples) {
    std::sort(samples.begin(), samples.end());
    return samples[samples.size() / 2];
}

// PWD-03: without the dummy hash an unknown username would answer in about a millisecond and a
// wrong password in tens of milliseconds; with it the medians are close.
TEST_F(LoginDefence, UnknownUsersCostTheSameTimeAsWrongPasswords) {
    for (int i = 0; i < 2; ++i) {  // warm-up: connections, caches, the dummy hash
        login("warm-up-" + std::to_string(i), "not the password at all");
        login("alice", "not the password at all");
    }
    std::vector<double> unknown;
    std::vector<double> wrong;
    for (int i = 0; i < 11; ++i) {
        auto started = Clock::now();
        auto unknown_response = login("nobody-" + std::to_string(i), "not the password at all");
        unknown.push_back(
            std::chrono::duration<double, std::milli>(Clock::now() - started).count());
        started = Clock::now();
        auto wrong_response = login("alice", "not the password at all");
        wrong.push_back(std::chrono::duration<double, std::milli>(Clock::now() - started).count());
        ASSERT_EQ(unknown_response.status, 401u);
        ASSERT_EQ(wrong_response.status, 401u);
    }
    auto unknown_median = median_milliseconds(unknown);
    auto wrong_median = median_milliseconds(wrong);
    std::cout << "login median: unknown user " << unknown_median << " ms, wrong password "
              << wrong_median << " ms\n";
    auto ratio = std::max(unknown_median, wrong_median) / std::min(unknown_median, wrong_median);
    EXPECT_LT(ratio, 2.0) << "unknown " << unknown_median << " ms, wrong " << wrong_median << " ms";
}

// PWD-02: 500 logins at once. At most hashing_threads hashes run (19 MiB each), at most
// max_pending_hashes wait; the rest get 503 with Retry-After at once. Peak memory stays
// bounded and the gateway keeps serving.
TEST_F(LoginDefence, AFloodOfLoginsCannotExhaustMemory) {
    login("warm-up", "not the password at all");
    auto resident_before = memory_kib("VmRSS");
    ASSERT_GT(resident_before, 0);

    constexpr int parallel_logins = 500;
    std::mutex mutex;
    std::vector<unsigned> statuses;
    int busy_without_retry_after = 0;
    std::atomic<int> failed_requests{0};
    std::vector<std::thread> clients;
    for (int i = 0; i < parallel_logins; ++i) {
        clients.emplace_back([&, i] {
            try {
                auto response = login("flood-" + std::to_string(i), "not the password at all");
                std::lock_guard lock(mutex);
                statuses.push_back(response.status);
                if (response.status == 503 && response.get("Retry-After").empty()) {
                    ++busy_without_retry_after;
                }
            } catch (const std::exception&) {
                ++failed_requests;
            }
        });
    }
    for (auto& client : clients) {
        client.join();
    }
    auto peak = memory_kib("VmHWM");
    auto count = [&](unsigned status) {
        return std::count(statuses.begin(), statuses.end(), status);
    };
    std::cout << "flood: " << count(401) << " x 401, " << count(503) << " x 503, "
              << failed_requests << " without a response; RSS " << resident_before / 1024
              << " MiB before, peak " << peak / 1024 << " MiB\n";

    EXPECT_EQ(failed_requests, 0);
    EXPECT_EQ(count(401) + count(503), static_cast<long>(statuses.size()));
    EXPECT_GT(count(503), 0);  // 500 at once is more than 2 running + 16 waiting
    EXPECT_GT(count(401), 0);
    EXPECT_EQ(busy_without_retry_after, 0);
    // Two hashes of 19 MiB at a time, plus the connections; without the bound, 500 hashes
    // would need 9.5 GiB.
    constexpr long hashing_kib = 2 * 19 * 1024;
    constexpr long margin_kib = 96 * 1024;
    EXPECT_LT(peak - resident_before, hashing_kib + margin_kib)
        << "peak " << peak << " KiB, before " << resident_before << " KiB";
    EXPECT_EQ(http_request(stack->admin_port, "GET", "/healthz").status, 200u);
    EXPECT_EQ(login("alice", alice_password).status, 200u);
}

}  // namespace
