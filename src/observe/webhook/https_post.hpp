// One HTTPS POST of a JSON body, for the security-event webhook: the server
// certificate verified (ca_file or the system store, the host name checked),
// one deadline for the whole exchange, no redirect followed, the response
// body read up to a small cap and ignored. Runs on the caller's io_context.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ssl/context.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rampart::observe::webhook {

struct HttpsTarget {
    std::string host;
    std::string port;
    std::string path;  // origin-form: path and query
};

// Splits an https URL; nullopt if it is not one with a host.
std::optional<HttpsTarget> parse_https_target(const std::string& url);

struct PostOutcome {
    unsigned status = 0;  // 0: no response (connect, TLS, timeout, protocol)
    std::string failure;  // why, without the URL, headers or body (they may hold secrets)
    bool delivered() const { return status >= 200 && status <= 299; }
    // Worth another try: no response, a timeout (408), throttling (429), or a 5xx.
    bool retryable() const {
        return status == 0 || status == 408 || status == 429 || status >= 500;
    }
};

using HeaderPairs = std::vector<std::pair<std::string, std::string>>;

// Never throws.
boost::asio::awaitable<PostOutcome> async_post_json(boost::asio::io_context& io,
                                                    boost::asio::ssl::context& tls,
                                                    const HttpsTarget& target, std::string body,
                                                    const HeaderPairs& headers,
                                                    std::chrono::milliseconds timeout);

}  // namespace rampart::observe::webhook
