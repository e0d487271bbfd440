#include "admin/admin_responses.hpp"

#include <boost/json/serialize.hpp>

#include "pipeline/problem.hpp"
#include "util/request_id.hpp"

namespace rampart::admin {

namespace http = boost::beast::http;

AdminResponse json_response(http::status status, const boost::json::value& body) {
    AdminResponse response{status, 11};
    response.set(http::field::content_type, "application/json");
    response.set(http::field::cache_control, "no-store");
    response.body() = boost::json::serialize(body);
    return response;
}

AdminResponse problem_response(http::status status, std::string_view detail) {
    AdminResponse response{status, 11};
    response.set(http::field::content_type, "application/problem+json");
    response.set(http::field::cache_control, "no-store");
    response.body() = pipeline::problem_body(status, detail, util::new_request_id());
    return response;
}

}  // namespace rampart::admin
