// The security event log (LOG-01): one JSON object per line for every
// security decision (login, token, deny, ban, WAF block, reload...). Values
// supplied by clients go through Boost.JSON serialization, and through
// make_log_safe for invalid UTF-8, so CR, LF, quotes or ANSI escapes can never
// end a line early or forge another event (LOG-03). Headers and bodies are
// never logged; callers pass reason codes and identifiers, never secrets.
#pragma once

#include <chrono>
#include <cstddef>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "observe/log_sink.hpp"

namespace rampart::pipeline {
struct Exchange;
}

namespace rampart::observe {

// Somewhere events go besides the log (the webhook). Called on the emitting
// thread, so forward() must return at once: queue, never send.
class SecurityEventForwarder {
  public:
    virtual ~SecurityEventForwarder() = default;
    virtual bool wants(std::string_view event) const noexcept = 0;
    virtual void forward(std::string line) noexcept = 0;
};

class SecurityEvents {
  public:
    using Field = std::pair<std::string_view, std::string_view>;

    // A null sink (the security log is disabled) and no forwarder: events are
    // discarded unformatted.
    explicit SecurityEvents(LogSink* sink) noexcept : sink_(sink) {}

    // {"time":..., "event":..., "request_id", "client_ip", "method", "path",
    // "route", then `fields` in order}. The exchange may be null (reload,
    // key rotation). A field named "route" supplies the route name; fields
    // cannot replace time, event or the exchange's fields. Never throws.
    void emit(std::string_view event, const pipeline::Exchange* exchange,
              std::initializer_list<Field> fields = {}) noexcept;

    LogSink* sink() noexcept { return sink_; }

    // Set before any thread emits; the forwarder must outlive every emit.
    void set_forwarder(SecurityEventForwarder* forwarder) noexcept { forwarder_ = forwarder; }

  private:
    LogSink* sink_;
    SecurityEventForwarder* forwarder_ = nullptr;
};

// "2025-06-01T12:34:56.789Z": RFC 3339, UTC, milliseconds, without touching
// the heap. Shared with the access log.
class UtcTimestamp {
  public:
    explicit UtcTimestamp(std::chrono::system_clock::time_point time) noexcept;
    std::string_view text() const noexcept { return {text_, length_}; }

  private:
    char text_[40];
    std::size_t length_ = 0;
};

}  // namespace rampart::observe
