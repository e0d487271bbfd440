// A blocking test client for 127.0.0.1: sends exactly the bytes a test gives it (valid HTTP,
// smuggling attempts, garbage) over plain TCP or TLS and reads what comes back. Every read is
// bounded by a timeout, so a misbehaving server fails a test instead of hanging it.
#pragma once

#include "support/http_headers.hpp"
#include "support/tls_options.hpp"

#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace rampart::test {

using namespace std::chrono_literals;

struct ParsedResponse {
    unsigned status = 0;
    std::string reason;
    unsigned version = 11;  // 10 or 11
    HeaderList headers;     // as received: in order, with duplicates
    std::string body;       // decoded from chunked if it was

    bool has(std::string_view name) const { return has_header(headers, name); }
    std::string get(std::string_view name) const { return header_value(headers, name); }
    std::vector<std::string> get_all(std::string_view name) const {
        return header_values(headers, name);
    }
    // The body parsed as JSON; throws if it is not.
    boost::json::value json() const;
};

class RawConnection {
  public:
    explicit RawConnection(std::uint16_t port);                // plain TCP
    RawConnection(std::uint16_t port, const TlsOptions& tls);  // TLS
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    // TCP connect and, for TLS, the handshake. False on failure, with error() saying why
    // (the TLS alert or verification failure included).
    bool connect(std::chrono::milliseconds timeout = 5s);
    const std::string& error() const { return error_; }

    // After a TLS handshake: "TLSv1.3", the cipher ("TLS_AES_256_GCM_SHA384"), the key
    // exchange group ("X25519"), the server certificate's subject; empty for plain TCP.
    std::string negotiated_protocol() const;
    std::string negotiated_cipher() const;
    std::string negotiated_group() const;
    std::string peer_certificate_subject() const;

    // Writes all bytes; false (and error()) if the peer is gone or the write times out.
    bool send(std::string_view bytes, std::chrono::milliseconds timeout = 5s);

    // One HTTP response; std::nullopt on timeout, close before a full response, or a response
    // Beast cannot parse (error() says which). Bytes after it stay for the next read. A
    // response to HEAD has no body: say so with `to_head_request`.
    std::optional<ParsedResponse> read_response(std::chrono::milliseconds timeout = 5s,
                                                bool to_head_request = false);

    // Every byte until the peer closes or the timeout passes, including bytes left over by
    // read_response.
    std::string read_all_until_close(std::chrono::milliseconds timeout = 5s);

    // Whether the peer closes the connection (EOF or reset) within the timeout; bytes that
    // arrive meanwhile are kept for later reads.
    bool closed_within(std::chrono::milliseconds timeout);

    void close();

  private:
    struct State;
    std::unique_ptr<State> state_;
    std::string error_;
};

// One request on a fresh connection, with Host (unless given), Content-Length (when there is a
// body) and Connection: close added. Throws std::runtime_error if no response comes back.
ParsedResponse https_request(std::uint16_t port, std::string_view method, std::string_view target,
                             const HeaderList& headers = {}, std::string_view body = {},
                             const TlsOptions& tls = {});
ParsedResponse http_request(std::uint16_t port, std::string_view method, std::string_view target,
                            const HeaderList& headers = {}, std::string_view body = {});

// The bytes of such a request, for tests that send it through a RawConnection.
std::string format_request(std::string_view method, std::string_view target,
                           const HeaderList& headers = {}, std::string_view body = {},
                           bool close_connection = false);

}  // namespace rampart::test
