#include "net/response_framing.hpp"

#include <charconv>
#include <cstring>
#include <string_view>

#include "util/ascii.hpp"

namespace rampart::net {

namespace {

namespace http = boost::beast::http;

constexpr std::string_view request_id_name = "X-Request-Id";
constexpr std::string_view content_length_name = "Content-Length: ";

bool has_no_body_by_status(unsigned status) {
    return status / 100 == 1 || status == 204 || status == 304;
}

// One pass over the fields (Beast's erase by name looks each name up in
// the field tree and compares case-insensitively).
void remove_session_fields(pipeline::Response& response, bool keeps_own_length) {
    for (auto field = response.begin(); field != response.end();) {
        bool session_field = false;
        switch (field->name()) {
            case http::field::content_length:
                session_field = !keeps_own_length;
                break;
            case http::field::transfer_encoding:
            case http::field::connection:
            case http::field::keep_alive:
                session_field = true;
                break;
            case http::field::unknown:
                session_field = util::equals_ignoring_case(field->name_string(), request_id_name);
                break;
            default:
                break;
        }
        field = session_field ? response.erase(field) : std::next(field);
    }
}

}  // namespace

ResponseFraming::ResponseFraming(pipeline::Exchange& exchange, bool persistent) {
    auto& response = exchange.response;
    auto& lines = exchange.response_field_lines;
    response.version(exchange.request.version() == 10 ? 10 : 11);
    const bool head = exchange.request.method() == http::verb::head;
    const unsigned status = response.result_int();
    const bool keeps_own_length = status == 304 || (head && exchange.response_from_upstream);
    const bool takes_length = status / 100 != 1 && status != 204 && !keeps_own_length;
    sends_body_ = !head && !has_no_body_by_status(status);
    remove_session_fields(response, keeps_own_length);

    lines.append("X-Request-Id: ");
    lines.append(exchange.request_id);
    lines.append("\r\n");
    if (takes_length) {
        // For HEAD: the length a GET's body would have, as Rampart generated it.
        auto* end = content_length_line_.data() + content_length_line_.size();
        std::memcpy(content_length_line_.data(), content_length_name.data(),
                    content_length_name.size());
        auto* digits = content_length_line_.data() + content_length_name.size();
        auto* digits_end = std::to_chars(digits, end - 2, response.body().size()).ptr;
        digits_end[0] = '\r';
        digits_end[1] = '\n';
        lines.append(std::string_view(
            content_length_line_.data(),
            static_cast<std::size_t>(digits_end + 2 - content_length_line_.data())));
    }
    if (!persistent && response.version() == 11) {
        lines.append("Connection: close\r\n");
    } else if (persistent && response.version() == 10) {
        lines.append("Connection: keep-alive\r\n");
    }
}

}  // namespace rampart::net
