#include "pipeline/problem.hpp"

#include <boost/beast/http/field.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/object.hpp>

namespace rampart::pipeline {

std::string problem_body(http::status status, std::string_view detail, std::string_view request_id) {
    boost::json::object body;
    body["type"] = "about:blank";
    body["title"] = std::string_view(http::obsolete_reason(status));
    body["status"] = static_cast<int>(status);
    if (!detail.empty()) {
        body["detail"] = detail;
    }
    body["request_id"] = request_id;
    return boost::json::serialize(body);
}

void set_problem(Exchange& exchange, http::status status, std::string_view detail) {
    Response response{status, exchange.request.version() == 10 ? 10u : 11u};
    response.set(http::field::content_type, "application/problem+json");
    response.body() = problem_body(status, detail, exchange.request_id);
    response.prepare_payload();
    exchange.response = std::move(response);
    exchange.response_from_upstream = false;
}

}  // namespace rampart::pipeline
