#include "demo_api.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <array>

namespace demo {

namespace json = boost::json;

namespace {

// Thrown while handling a request whose body the API cannot use; answered with a 400.
struct BadRequest {
    std::string message;
};

// A null body means no body at all (204).
Response json_response(const Request& request, http::status status, const json::value& body) {
    Response response{status, request.version()};
    response.set(http::field::server, "demo-upstream");
    response.keep_alive(request.keep_alive());
    if (!body.is_null()) {
        response.set(http::field::content_type, "application/json");
        response.body() = json::serialize(body);
    }
    response.prepare_payload();
    return response;
}

Response error_response(const Request& request, http::status status, std::string_view message) {
    return json_response(request, status,
                         {{"error", http::obsolete_reason(status)}, {"message", message}});
}

Response not_found(const Request& request) {
    return error_response(request, http::status::not_found, "no such resource");
}

Response method_not_allowed(const Request& request, std::string_view allowed_methods) {
    auto response = error_response(request, http::status::method_not_allowed,
                                   "method not allowed on this resource");
    response.set(http::field::allow, allowed_methods);
    return response;
}

// Splits "/api/v1/users/u1?x=y" into {"api", "v1", "users", "u1"}.
std::vector<std::string_view> split_path(std::string_view target) {
    target = target.substr(0, target.find('?'));
    std::vector<std::string_view> segments;
    while (!target.empty()) {
        auto slash = target.find('/');
        if (slash != 0) {
            segments.push_back(target.substr(0, slash));
        }
        if (slash == std::string_view::npos) {
            break;
        }
        target.remove_prefix(slash + 1);
    }
    return segments;
}

json::object* find_by_id(std::vector<json::object>& items, std::string_view id) {
    auto found = std::find_if(items.begin(), items.end(), [&](const json::object& item) {
        return item.at("id").as_string() == id;
    });
    return found == items.end() ? nullptr : &*found;
}

void erase_by_id(std::vector<json::object>& items, std::string_view id) {
    std::erase_if(items, [&](const json::object& item) { return item.at("id").as_string() == id; });
}

json::array to_array(const std::vector<json::object>& items) {
    return json::array(items.begin(), items.end());
}

json::object body_object(const Request& request) {
    boost::system::error_code error;
    auto value = json::parse(request.body(), error);
    if (error || !value.is_object()) {
        throw BadRequest{"body must be a JSON object"};
    }
    return std::move(value.as_object());
}

// The order fields a client sets; the owner is checked against the users separately.
void check_order_fields(const json::object& order) {
    auto item = order.if_contains("item");
    auto quantity = order.if_contains("quantity");
    auto total = order.if_contains("total");
    if (!item || !item->is_string() || item->as_string().empty()) {
        throw BadRequest{"item must be a non-empty string"};
    }
    if (!quantity || !quantity->is_int64() || quantity->as_int64() < 1) {
        throw BadRequest{"quantity must be a positive integer"};
    }
    if (!total || !total->is_number() || total->to_number<double>() < 0) {
        throw BadRequest{"total must be a non-negative number"};
    }
}

// What /whoami reports: each identity header once as a string, repeated ones as an array
// (so a test can see a duplicate that slipped through), absent ones as null.
json::object identity_headers(const Request& request) {
    static constexpr std::array names{"X-User-Id",         "X-User-Roles",    "X-Scopes",
                                      "X-Consumer",        "X-Request-Id",    "X-Forwarded-For",
                                      "X-Forwarded-Proto", "X-Forwarded-Host"};
    json::object identity;
    for (const char* name : names) {
        json::array values;
        auto [first, last] = request.equal_range(name);
        for (auto field = first; field != last; ++field) {
            values.emplace_back(field->value());
        }
        if (values.empty()) {
            identity[name] = nullptr;
        } else if (values.size() == 1) {
            identity[name] = values.front();
        } else {
            identity[name] = std::move(values);
        }
    }
    return identity;
}

// Looks like what a careless Python backend sends: the kind of body Rampart masks.
Response crash(const Request& request) {
    return json_response(
        request, http::status::internal_server_error,
        {{"error", "Internal Server Error"},
         {"exception", "psycopg2.errors.UndefinedColumn: column \"totl\" does not exist"},
         {"traceback",
          "Traceback (most recent call last):\n"
          "  File \"/srv/app/views.py\", line 118, in dispatch\n"
          "    return handler(request)\n"
          "  File \"/srv/app/orders.py\", line 42, in list_orders\n"
          "    cursor.execute(\"SELECT id, totl FROM orders WHERE owner_id = %s\", (user_id,))\n"
          "  File \"/usr/lib/python3/dist-packages/psycopg2/extras.py\", line 146, in execute\n"
          "    return super().execute(query, vars)\n"
          "psycopg2.errors.UndefinedColumn: column \"totl\" does not exist\n"},
         {"database", "postgresql://app@db.internal:5432/shop"}});
}

// The hashes are fake: they only have to look like something that must not leak.
json::object user(std::string_view id, std::string_view username, std::string_view role,
                  std::string_view password_hash, std::string_view internal_notes) {
    return {{"id", id},
            {"username", username},
            {"email", std::string(username) + "@example.com"},
            {"role", role},
            {"password_hash", password_hash},
            {"internal_notes", internal_notes}};
}

json::object order(std::string_view id, std::string_view owner_id, std::string_view item,
                   int quantity, int total) {
    return {{"id", id},
            {"owner_id", owner_id},
            {"item", item},
            {"quantity", quantity},
            {"total", total}};
}

}  // namespace

DemoApi::DemoApi() {
    users_ = {
        user("u1", "alice", "user", "$2b$12$KIXQ8nFQe1s7Zr5yU0y2QeYw3m1Hc9o7jH4v2bC1aD6eF8gH0iJ2k",
             "VIP customer, 20% lifetime discount"),
        user("u2", "bob", "user", "$2b$12$Lm3NoPqRsTuVwXyZ0a1b2OcD3eF4gH5iJ6kL7mN8oP9qR0sT1uV2w",
             "chargeback in March, watch refunds"),
        user("u3", "carol", "admin", "$2b$12$Xy9Zw8Vu7Ts6Rq5Po4Nm3OLk2Ji1Hg0Fe9Dc8Ba7Zy6Xw5Vu4Ts3",
             "on-call admin, has production database access"),
    };
    orders_ = {
        order("o1", "u1", "keyboard", 1, 89),      order("o2", "u1", "usb-c cable", 3, 27),
        order("o3", "u2", "monitor", 1, 250),      order("o4", "u2", "desk lamp", 2, 64),
        order("o5", "u3", "server rack", 1, 1200),
    };
    last_order_number_ = 5;
}

Response DemoApi::handle(const Request& request) {
    auto segments = split_path(request.target());
    if (segments.size() == 1 && segments[0] == "healthz") {
        if (request.method() != http::verb::get) {
            return method_not_allowed(request, "GET");
        }
        return json_response(request, http::status::ok, {{"status", "ok"}});
    }
    bool is_v1 = segments.size() >= 2 && segments[1] == "v1";
    bool is_v2 = segments.size() >= 2 && segments[1] == "v2";
    if (segments.size() < 3 || segments[0] != "api" || !(is_v1 || is_v2)) {
        return not_found(request);
    }
    Response response;
    try {
        response = route_resource(request, Segments{segments}.subspan(2));
    } catch (const BadRequest& bad_request) {
        response = error_response(request, http::status::bad_request, bad_request.message);
    }
    if (is_v1) {
        // RFC 9745 / RFC 8594: v1 still works but tells clients where to go.
        response.set("Deprecation", "@1767225599");
        response.set("Sunset", "Thu, 31 Dec 2026 23:59:59 GMT");
        response.set(http::field::link, "</api/v2>; rel=\"successor-version\"");
    }
    return response;
}

Response DemoApi::route_resource(const Request& request, Segments resource) {
    if (resource[0] == "users") {
        return route_users(request, resource);
    }
    if (resource[0] == "orders") {
        return route_orders(request, resource);
    }
    bool is_whoami = resource.size() == 1 && resource[0] == "whoami";
    bool is_crash = resource.size() == 2 && resource[0] == "debug" && resource[1] == "crash";
    if (!is_whoami && !is_crash) {
        return not_found(request);
    }
    if (request.method() != http::verb::get) {
        return method_not_allowed(request, "GET");
    }
    return is_whoami ? json_response(request, http::status::ok, identity_headers(request))
                     : crash(request);
}

Response DemoApi::route_users(const Request& request, Segments resource) {
    auto method = request.method();
    if (resource.size() == 1) {
        if (method != http::verb::get) {
            return method_not_allowed(request, "GET");
        }
        return json_response(request, http::status::ok, to_array(users_));
    }
    json::object* user = resource.size() == 2 ? find_by_id(users_, resource[1]) : nullptr;
    if (!user) {
        return not_found(request);
    }
    switch (method) {
        case http::verb::get:
            return json_response(request, http::status::ok, *user);
        case http::verb::patch:
            return patch_user(request, *user);
        case http::verb::delete_:
            erase_by_id(users_, resource[1]);
            return json_response(request, http::status::no_content, nullptr);
        default:
            return method_not_allowed(request, "GET, PATCH, DELETE");
    }
}

Response DemoApi::route_orders(const Request& request, Segments resource) {
    auto method = request.method();
    if (resource.size() == 1) {
        if (method == http::verb::get) {
            return json_response(request, http::status::ok, to_array(orders_));
        }
        if (method == http::verb::post) {
            return create_order(request);
        }
        return method_not_allowed(request, "GET, POST");
    }
    json::object* order = resource.size() == 2 ? find_by_id(orders_, resource[1]) : nullptr;
    if (!order) {
        return not_found(request);
    }
    switch (method) {
        case http::verb::get:
            return json_response(request, http::status::ok, *order);
        case http::verb::put:
            return replace_order(request, *order);
        case http::verb::delete_:
            erase_by_id(orders_, resource[1]);
            return json_response(request, http::status::no_content, nullptr);
        default:
            return method_not_allowed(request, "GET, PUT, DELETE");
    }
}

// Naive on purpose: any caller may change any of these fields, role included. Restricting
// that is the job of Rampart's ownership checks and field filtering.
Response DemoApi::patch_user(const Request& request, json::object& user) {
    static constexpr std::array patchable{"username", "email", "role", "internal_notes"};
    auto changes = body_object(request);
    for (const auto& [name, value] : changes) {
        if (std::find(patchable.begin(), patchable.end(), name) == patchable.end() ||
            !value.is_string()) {
            throw BadRequest{"only username, email, role and internal_notes can be changed"};
        }
    }
    for (const auto& [name, value] : changes) {
        user[name] = value;
    }
    return json_response(request, http::status::ok, user);
}

// The owner is the body's owner_id, else the X-User-Id header Rampart sets.
Response DemoApi::create_order(const Request& request) {
    auto order = body_object(request);
    check_order_fields(order);
    json::value owner_id =
        order.contains("owner_id") ? order.at("owner_id") : json::value(request["X-User-Id"]);
    if (!owner_id.is_string() || !find_by_id(users_, owner_id.as_string())) {
        throw BadRequest{"owner_id (or X-User-Id) must name an existing user"};
    }
    json::object created{{"id", "o" + std::to_string(++last_order_number_)},
                         {"owner_id", owner_id},
                         {"item", order.at("item")},
                         {"quantity", order.at("quantity")},
                         {"total", order.at("total")}};
    orders_.push_back(created);
    auto response = json_response(request, http::status::created, created);
    auto collection = request.target().substr(0, request.target().find('?'));
    response.set(http::field::location,
                 std::string(collection) + "/" + std::string(created.at("id").as_string()));
    return response;
}

// The owner of an order does not change.
Response DemoApi::replace_order(const Request& request, json::object& order) {
    auto replacement = body_object(request);
    check_order_fields(replacement);
    for (const char* field : {"item", "quantity", "total"}) {
        order[field] = replacement.at(field);
    }
    return json_response(request, http::status::ok, order);
}

}  // namespace demo
