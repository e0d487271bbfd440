#include "observe/access_log.hpp"

#include <boost/json/monotonic_resource.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "observe/log_sink.hpp"
#include "observe/security_events.hpp"
#include "pipeline/exchange.hpp"

namespace rampart::observe {

std::string format_access_log_line(const pipeline::Exchange& exchange, std::string_view route_name,
                                   std::uint64_t response_bytes,
                                   std::chrono::microseconds duration) noexcept {
    try {
        unsigned char buffer[2048];
        boost::json::monotonic_resource memory(buffer, sizeof buffer);
        boost::json::object line(&memory);
        std::string scratch;
        auto safe = [&](std::string_view text) { return make_log_safe(text, scratch); };
        // The request's start, so lines sort by arrival like other proxies' logs.
        line.emplace("time", UtcTimestamp(exchange.arrival_time()).text());
        line.emplace("request_id", safe(exchange.request_id));
        if (exchange.client_address.is_unspecified()) {
            line.emplace("client_ip", nullptr);
        } else {
            line.emplace("client_ip", exchange.client_address.to_string());
        }
        line.emplace("method", safe(exchange.request.method_string()));
        line.emplace("path", safe(exchange.normalized_path));
        if (route_name.empty()) {
            line.emplace("route", nullptr);
        } else {
            line.emplace("route", safe(route_name));
        }
        if (exchange.identity) {
            line.emplace("subject", safe(exchange.identity->subject));
        } else {
            line.emplace("subject", nullptr);
        }
        line.emplace("status", exchange.response.result_int());
        line.emplace("bytes", response_bytes);
        line.emplace("duration_us", duration.count());
        if (exchange.upstream_name.empty()) {
            line.emplace("upstream", nullptr);
            line.emplace("upstream_address", nullptr);
            line.emplace("upstream_duration_us", nullptr);
        } else {
            line.emplace("upstream", safe(exchange.upstream_name));
            line.emplace("upstream_address", safe(exchange.upstream_address));
            line.emplace("upstream_duration_us", exchange.upstream_duration.count());
        }
        return boost::json::serialize(line);
    } catch (...) {
        return {};
    }
}

}  // namespace rampart::observe
