#include "net/message_writer.hpp"

#include <string_view>

namespace rampart::net {

namespace http = boost::beast::http;

namespace {

void append_version(unsigned version, std::string& out) {
    const char text[] = {'H', 'T',
                         'T', 'P',
                         '/', static_cast<char>('0' + version / 10),
                         '.', static_cast<char>('0' + version % 10)};
    out.append(text, sizeof text);
}

template <bool isRequest>
void append_fields(const http::header<isRequest>& head, std::string& out,
                   ExtraFields extra_fields) {
    for (const auto& field : head) {
        auto name = field.name_string();
        auto value = field.value();
        out.append(name.data(), name.size());
        out.append(": ", 2);
        out.append(value.data(), value.size());
        out.append("\r\n", 2);
    }
    for (auto piece : extra_fields) {
        out.append(piece.data(), piece.size());
    }
    out.append("\r\n", 2);
}

}  // namespace

void append_head(const http::request_header<>& head, std::string& out, ExtraFields extra_fields) {
    auto method = head.method_string();
    auto target = head.target();
    out.append(method.data(), method.size());
    out.push_back(' ');
    out.append(target.data(), target.size());
    out.push_back(' ');
    append_version(head.version(), out);
    out.append("\r\n", 2);
    append_fields(head, out, extra_fields);
}

void append_head(const http::response_header<>& head, std::string& out, ExtraFields extra_fields) {
    append_version(head.version(), out);
    auto code = head.result_int();
    const char status[] = {' ', static_cast<char>('0' + code / 100 % 10),
                           static_cast<char>('0' + code / 10 % 10),
                           static_cast<char>('0' + code % 10), ' '};
    out.append(status, sizeof status);
    auto reason = head.reason();
    out.append(reason.data(), reason.size());
    out.append("\r\n", 2);
    append_fields(head, out, extra_fields);
}

}  // namespace rampart::net
