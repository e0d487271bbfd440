// An upstream for integration tests: an HTTP/1.1 server (plain or TLS, optionally requiring a
// client certificate) on 127.0.0.1 in its own thread that records every request exactly as
// the proxy sent it, and answers what the test tells it to.
#pragma once

#include "support/http_headers.hpp"
#include "support/tls_options.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace rampart::test {

namespace detail {
struct UpstreamServer;
}

struct RecordedRequest {
    std::string method;
    std::string target;  // raw, as received
    unsigned version = 11;
    HeaderList headers;  // as received: in order, with duplicates and original spelling
    std::string body;    // decoded from chunked if it was
    std::size_t connection_number = 0;  // 1 for the first accepted connection, and so on

    bool has(std::string_view name) const { return has_header(headers, name); }
    std::string get(std::string_view name) const { return header_value(headers, name); }
    std::vector<std::string> get_all(std::string_view name) const {
        return header_values(headers, name);
    }
};

struct UpstreamResponse {
    unsigned status = 200;
    HeaderList headers;  // Content-Length is added (unless raw is set)
    std::string body;
    std::chrono::milliseconds delay{0};  // waited before answering: for timeout tests
    bool close_connection = false;       // send "Connection: close" and close after
    // Sent byte for byte instead of a formatted response: for malformed-upstream tests.
    std::optional<std::string> raw;
};

class RecordingUpstream {
  public:
    using Response = UpstreamResponse;
    using Handler = std::function<Response(const RecordedRequest&)>;

    RecordingUpstream();  // plain HTTP
    // TLS with server_tls.certificate_file/private_key_file; a ca_file requires client
    // certificates signed by it (mTLS). Versions, ciphers and groups apply as for a client.
    explicit RecordingUpstream(const TlsOptions& server_tls);
    ~RecordingUpstream();
    RecordingUpstream(const RecordingUpstream&) = delete;
    RecordingUpstream& operator=(const RecordingUpstream&) = delete;

    std::uint16_t port() const { return port_; }

    // Default: 200, application/json, {"method": ..., "target": ...}.
    void set_handler(Handler handler);

    std::size_t request_count() const;
    std::vector<RecordedRequest> requests() const;
    std::size_t connection_count() const;
    // Polls until at least `count` requests were recorded; false on timeout.
    bool wait_for_request_count(std::size_t count,
                                std::chrono::milliseconds timeout = std::chrono::seconds(5)) const;

    // Closes the listener and every connection, then joins the thread. Idempotent.
    void stop();

  private:
    std::unique_ptr<detail::UpstreamServer> server_;
    std::uint16_t port_ = 0;
};

}  // namespace rampart::test
