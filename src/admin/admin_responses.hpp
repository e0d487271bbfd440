// The admin listener's responses: JSON documents and RFC 9457 problems, never
// cached.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>

#include <string_view>

namespace rampart::admin {

using AdminRequest = boost::beast::http::request<boost::beast::http::string_body>;
using AdminResponse = boost::beast::http::response<boost::beast::http::string_body>;

AdminResponse json_response(boost::beast::http::status status, const boost::json::value& body);
AdminResponse problem_response(boost::beast::http::status status, std::string_view detail);

}  // namespace rampart::admin
