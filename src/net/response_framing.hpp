// The fields of a response that the client connection decides, not the
// route: its request id, its framing (Content-Length) and whether the
// connection stays open (Connection). Whatever the upstream or a stage put
// in those fields is removed, and the session's own go after the others as
// field lines (pipeline/field_lines.hpp), without a field insertion each.
//
// RFC 9110 §8.6 and RFC 9112 §6.3: 1xx and 204 responses carry no
// Content-Length; a 304 keeps the one its upstream sent (the length of the
// representation), as does the upstream's answer to a HEAD; a response to
// HEAD, and a 1xx, 204 or 304, is sent without its body.
#pragma once

#include <array>

#include "pipeline/exchange.hpp"

namespace rampart::net {

class ResponseFraming {
  public:
    // Sets the response's version for the client's and appends the session's
    // lines to exchange.response_field_lines. `persistent`: the connection
    // stays open after this response.
    ResponseFraming(pipeline::Exchange& exchange, bool persistent);
    ResponseFraming(const ResponseFraming&) = delete;
    ResponseFraming& operator=(const ResponseFraming&) = delete;

    // False when the body must not follow the head (HEAD, 1xx, 204, 304).
    bool sends_body() const { return sends_body_; }

  private:
    // "Content-Length: " and up to twenty digits and the line end; the
    // exchange's field lines point into it until the response is written.
    std::array<char, 40> content_length_line_{};
    bool sends_body_ = true;
};

}  // namespace rampart::net
