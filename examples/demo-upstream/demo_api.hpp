// The demo API behind `make run`: users and orders in memory, reset on restart. It is
// deliberately naive (it trusts identity headers, returns every field, leaks a stack trace)
// so that Rampart has something to protect in the examples and integration tests.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/json/value.hpp>

#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace demo {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

class DemoApi {
  public:
    DemoApi();
    Response handle(const Request& request);

  private:
    using Segments = std::span<const std::string_view>;

    Response route_resource(const Request& request, Segments resource);
    Response route_users(const Request& request, Segments resource);
    Response route_orders(const Request& request, Segments resource);

    Response patch_user(const Request& request, boost::json::object& user);
    Response create_order(const Request& request);
    Response replace_order(const Request& request, boost::json::object& order);

    std::vector<boost::json::object> users_;
    std::vector<boost::json::object> orders_;
    int last_order_number_ = 0;
};

}  // namespace demo
