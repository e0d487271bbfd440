#include "observe/security_events.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include <cstdio>
#include <ctime>
#include <string>

#include "pipeline/exchange.hpp"

namespace rampart::observe {

UtcTimestamp::UtcTimestamp(std::chrono::system_clock::time_point time) noexcept {
    using namespace std::chrono;
    auto since_epoch = duration_cast<milliseconds>(time.time_since_epoch());
    auto whole_seconds = floor<seconds>(since_epoch);
    auto milliseconds_part = static_cast<int>((since_epoch - whole_seconds).count());
    std::time_t seconds_since_epoch = static_cast<std::time_t>(whole_seconds.count());
    std::tm parts{};
    gmtime_r(&seconds_since_epoch, &parts);
    int length = std::snprintf(text_, sizeof text_, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ",
                               parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday, parts.tm_hour,
                               parts.tm_min, parts.tm_sec, milliseconds_part);
    length_ = length > 0 ? static_cast<std::size_t>(length) : 0;
}

void SecurityEvents::emit(std::string_view event, const pipeline::Exchange* exchange,
                          std::initializer_list<Field> fields) noexcept {
    if (sink_ == nullptr && forwarder_ == nullptr) {
        return;
    }
    try {
        // Events are small: build them in a stack buffer, not on the heap.
        unsigned char buffer[4096];
        boost::json::monotonic_resource memory(buffer, sizeof buffer);
        boost::json::object line(&memory);
        std::string key_scratch;
        std::string value_scratch;
        // emplace never replaces a key already present: a caller's field
        // cannot overwrite "event" or "request_id".
        auto put = [&](std::string_view key, std::string_view value) {
            line.emplace(make_log_safe(key, key_scratch), make_log_safe(value, value_scratch));
        };
        UtcTimestamp now(std::chrono::system_clock::now());
        line.emplace("time", now.text());
        put("event", event);
        if (exchange != nullptr) {
            put("request_id", exchange->request_id);
            if (!exchange->client_address.is_unspecified()) {
                line.emplace("client_ip", exchange->client_address.to_string());
            }
            put("method", exchange->request.method_string());
            put("path", exchange->normalized_path);
        }
        for (const auto& [key, value] : fields) {
            if (key == "route") {
                put(key, value);
            }
        }
        for (const auto& [key, value] : fields) {
            put(key, value);
        }
        auto text = boost::json::serialize(line);
        if (forwarder_ != nullptr && forwarder_->wants(event)) {
            if (sink_ == nullptr) {
                forwarder_->forward(std::move(text));
                return;
            }
            forwarder_->forward(text);  // a copy: the log gets the line too
        }
        if (sink_ != nullptr) {
            sink_->write(std::move(text));
        }
    } catch (...) {
        // A lost event beats a failed request; only allocation can throw here.
    }
}

}  // namespace rampart::observe
