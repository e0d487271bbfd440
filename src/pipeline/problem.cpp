#include "pipeline/problem.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace rampart::pipeline {

namespace {

boost::json::object standard_members(http::status status, std::string_view detail,
                                     std::string_view request_id) {
    boost::json::object body;
    body["type"] = "about:blank";
    body["title"] = std::string_view(http::obsolete_reason(status));
    body["status"] = static_cast<int>(status);
    if (!detail.empty()) {
        body["detail"] = detail;
    }
    body["request_id"] = request_id;
    return body;
}

void set_problem_body(Exchange& exchange, http::status status, std::string body) {
    Response response{status, exchange.request.version() == 10 ? 10u : 11u};
    response.set(http::field::content_type, "application/problem+json");
    response.body() = std::move(body);
    response.prepare_payload();
    exchange.response = std::move(response);
    exchange.response_from_upstream = false;
}

}  // namespace

std::string problem_body(http::status status, std::string_view detail,
                         std::string_view request_id) {
    return boost::json::serialize(standard_members(status, detail, request_id));
}

void set_problem(Exchange& exchange, http::status status, std::string_view detail) {
    set_problem_body(exchange, status, problem_body(status, detail, exchange.request_id));
}

void set_problem(Exchange& exchange, http::status status, std::string_view detail,
                 boost::json::object extension_members) {
    auto body = standard_members(status, detail, exchange.request_id);
    for (auto& [name, value] : extension_members) {
        if (!body.contains(name)) {  // an extension never replaces a standard member
            body[name] = std::move(value);
        }
    }
    set_problem_body(exchange, status, boost::json::serialize(body));
}

}  // namespace rampart::pipeline
