#include "admin/admin_api.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>

#include "admin/json_fields.hpp"
#include "admin/operations/api_key_operations.hpp"
#include "admin/operations/ban_operations.hpp"
#include "admin/operations/client_operations.hpp"
#include "admin/operations/session_operations.hpp"
#include "admin/operations/signing_key_operations.hpp"
#include "admin/operations/user_operations.hpp"
#include "admin/record_views.hpp"
#include "config/yaml_reader.hpp"
#include "limit/ban_events.hpp"
#include "net/server.hpp"
#include "observe/security_events.hpp"

namespace rampart::admin {

namespace {

namespace http = boost::beast::http;
namespace json = boost::json;

using Segments = std::vector<std::string_view>;

// One request being served.
struct Call {
    const AdminRequest& request;
    const Segments& segments;
    std::string_view query;
    OperationContext context;
    net::Server& server;
    std::string_view principal;  // who calls: recorded on the bans it makes
};

// A handler's answer, and the record a change was made to (for the security event).
struct Outcome {
    AdminResponse response;
    std::string target;
};

struct Resource {
    std::array<std::string_view, 3> pattern;  // "*" matches one segment; "" ends the pattern
    http::verb method;
    std::string_view action;  // in security events, e.g. "user.create"
    Outcome (*handle)(Call&);
};

http::status status_of(OperationErrorKind kind) {
    switch (kind) {
        case OperationErrorKind::invalid:
            return http::status::bad_request;
        case OperationErrorKind::not_found:
            return http::status::not_found;
        case OperationErrorKind::conflict:
            return http::status::conflict;
        case OperationErrorKind::failed:
            break;
    }
    return http::status::internal_server_error;
}

Outcome refused(const OperationError& error, std::string target = {}) {
    // A store failure's words are for the operator's log, not the response.
    std::string_view detail = error.kind == OperationErrorKind::failed
                                  ? "The store could not complete the operation."
                                  : std::string_view(error.message);
    return {problem_response(status_of(error.kind), detail), std::move(target)};
}

Outcome answer(http::status status, json::value body, std::string target = {}) {
    return {json_response(status, body), std::move(target)};
}

template <class Record, class View>
json::object listing(std::string_view name, const std::vector<Record>& records, View view) {
    json::array items;
    for (const auto& record : records) {
        items.push_back(view(record));
    }
    return {{name, std::move(items)}};
}

OperationResult<JsonFields> body_fields(const Call& call) {
    return JsonFields::parse(call.request.body());
}

PasswordTools password_tools(Call& call) {
    return {call.server.auth().password_policy(), call.server.auth().password_hasher()};
}

OperationResult<std::optional<std::chrono::seconds>> lifetime_member(
    JsonFields& fields, std::string_view name = "expires_in") {
    auto text = fields.string(name);
    if (!text) {
        return std::optional<std::chrono::seconds>{};
    }
    bool ok = false;
    auto parsed = config::parse_duration(*text, &ok);
    if (!ok) {
        return invalid("\"" + std::string(name) + "\" must be a duration such as 90m, 12h or 30d");
    }
    return std::optional{std::chrono::duration_cast<std::chrono::seconds>(parsed)};
}

// Users.

Outcome list_users(Call& call) {
    auto users = call.context.store.list_users();
    if (!users) {
        return refused(store_failure("listing the users", users.error()));
    }
    return answer(http::status::ok, listing("users", *users, user_view));
}

Outcome create_user(Call& call) {
    auto fields = body_fields(call);
    if (!fields) {
        return refused(fields.error());
    }
    NewUser user{fields->string("username").value_or(""), fields->string("email"),
                 fields->strings("roles").value_or(std::vector<std::string>{})};
    auto password = fields->string("password");
    if (auto checked = fields->finish(); !checked) {
        return refused(checked.error());
    }
    if (!password) {
        return refused(invalid("\"password\" is required"));
    }
    auto target = user.username;
    auto created = admin::create_user(call.context, std::move(user), std::move(*password),
                                      password_tools(call));
    if (!created) {
        return refused(created.error(), target);
    }
    return answer(http::status::created, user_view(*created), created->username);
}

Outcome show_user(Call& call) {
    auto user = find_user(call.context, call.segments[1]);
    if (!user) {
        return refused(user.error());
    }
    return answer(http::status::ok, user_view(*user));
}

// {"roles": [...]} and/or {"disabled": bool}; both in one request are applied roles first.
Outcome update_user(Call& call) {
    std::string target(call.segments[1]);
    auto fields = body_fields(call);
    if (!fields) {
        return refused(fields.error(), target);
    }
    auto roles = fields->strings("roles");
    auto disabled = fields->boolean("disabled");
    if (auto checked = fields->finish(); !checked) {
        return refused(checked.error(), target);
    }
    if (!roles && !disabled) {
        return refused(invalid("give \"roles\" or \"disabled\""), target);
    }
    if (roles) {
        if (auto changed = set_user_roles(call.context, target, std::move(*roles)); !changed) {
            return refused(changed.error(), target);
        }
    }
    if (disabled) {
        if (auto changed = set_user_disabled(call.context, target, *disabled); !changed) {
            return refused(changed.error(), target);
        }
    }
    return show_user(call);
}

Outcome set_password(Call& call) {
    std::string target(call.segments[1]);
    auto fields = body_fields(call);
    if (!fields) {
        return refused(fields.error(), target);
    }
    auto password = fields->string("password");
    if (auto checked = fields->finish(); !checked) {
        return refused(checked.error(), target);
    }
    if (!password) {
        return refused(invalid("\"password\" is required"), target);
    }
    auto user = set_user_password(call.context, target, std::move(*password), password_tools(call));
    if (!user) {
        return refused(user.error(), target);
    }
    return answer(http::status::ok, user_view(*user), target);
}

Outcome list_user_sessions(Call& call) {
    auto user = find_user(call.context, call.segments[1]);
    if (!user) {
        return refused(user.error());
    }
    auto sessions = list_sessions(call.context, user->id);
    if (!sessions) {
        return refused(sessions.error());
    }
    return answer(http::status::ok, listing("sessions", *sessions, session_view));
}

Outcome end_user_sessions(Call& call) {
    std::string target(call.segments[1]);
    auto user = find_user(call.context, target);
    if (!user) {
        return refused(user.error(), target);
    }
    if (auto ended = end_all_sessions(call.context, user->id); !ended) {
        return refused(ended.error(), target);
    }
    return answer(http::status::ok, {{"username", user->username}, {"sessions_ended", true}},
                  target);
}

// API keys.

Outcome list_api_keys(Call& call) {
    auto keys = call.context.store.list_api_keys();
    if (!keys) {
        return refused(store_failure("listing the API keys", keys.error()));
    }
    return answer(http::status::ok, listing("api_keys", *keys, api_key_view));
}

Outcome create_api_key(Call& call) {
    auto fields = body_fields(call);
    if (!fields) {
        return refused(fields.error());
    }
    NewApiKey key{fields->string("consumer").value_or(""),
                  fields->strings("scopes").value_or(std::vector<std::string>{}),
                  fields->strings("roles").value_or(std::vector<std::string>{}), std::nullopt};
    auto lifetime = lifetime_member(*fields);
    if (auto checked = fields->finish(); !checked) {
        return refused(checked.error());
    }
    if (!lifetime) {
        return refused(lifetime.error());
    }
    key.lifetime = *lifetime;
    auto issued = admin::create_api_key(call.context, std::move(key));
    if (!issued) {
        return refused(issued.error());
    }
    auto view = api_key_view(issued->stored);
    view["key"] = issued->full_key;  // once: only its hash is kept
    return answer(http::status::created, view, issued->stored.id);
}

Outcome show_api_key(Call& call) {
    auto id = api_key_id_from(call.segments[1]);
    if (!id) {
        return refused(id.error());
    }
    auto key = find_api_key(call.context, *id);
    if (!key) {
        return refused(key.error());
    }
    return answer(http::status::ok, api_key_view(*key));
}

Outcome revoke_api_key(Call& call) {
    auto id = api_key_id_from(call.segments[1]);
    if (!id) {
        return refused(id.error());
    }
    auto revoked = admin::revoke_api_key(call.context, *id);
    if (!revoked) {
        return refused(revoked.error(), *id);
    }
    return answer(http::status::ok, api_key_view(revoked->key), *id);
}

Outcome rotate_api_key(Call& call) {
    auto id = api_key_id_from(call.segments[1]);
    if (!id) {
        return refused(id.error());
    }
    auto fields = body_fields(call);
    if (!fields) {
        return refused(fields.error(), *id);
    }
    auto lifetime = lifetime_member(*fields);
    if (auto checked = fields->finish(); !checked) {
        return refused(checked.error(), *id);
    }
    if (!lifetime) {
        return refused(lifetime.error(), *id);
    }
    auto rotated = admin::rotate_api_key(call.context, *id, *lifetime);
    if (!rotated) {
        return refused(rotated.error(), *id);
    }
    auto view = api_key_view(rotated->replacement.stored);
    view["key"] = rotated->replacement.full_key;
    view["replaces"] = json::object{
        {"id", rotated->old_id},
        {"expires_at", json::string(observe::UtcTimestamp(rotated->old_key_expires_at).text())}};
    return answer(http::status::created, view, *id);
}

// OAuth clients.

Outcome list_clients(Call& call) {
    auto clients = call.context.store.list_clients();
    if (!clients) {
        return refused(store_failure("listing the clients", clients.error()));
    }
    return answer(http::status::ok, listing("clients", *clients, client_view));
}

json::object client_with_secret(const IssuedClient& issued) {
    auto view = client_view(issued.client);
    view["client_secret"] = issued.secret;  // once: only its hash is kept
    return view;
}

Outcome create_client(Call& call) {
    auto fields = body_fields(call);
    if (!fields) {
        return refused(fields.error());
    }
    NewClient client;
    client.client_id = fields->string("client_id").value_or("");
    client.name = fields->string("name").value_or("");
    client.grants = fields->strings("grants").value_or(client.grants);
    client.scopes = fields->strings("scopes").value_or(std::vector<std::string>{});
    client.roles = fields->strings("roles").value_or(std::vector<std::string>{});
    client.may_introspect = fields->boolean("may_introspect").value_or(false);
    if (auto checked = fields->finish(); !checked) {
        return refused(checked.error());
    }
    auto target = client.client_id;
    auto issued = admin::create_client(call.context, std::move(client));
    if (!issued) {
        return refused(issued.error(), target);
    }
    return answer(http::status::created, client_with_secret(*issued), target);
}

Outcome show_client(Call& call) {
    auto client = find_client(call.context, call.segments[1]);
    if (!client) {
        return refused(client.error());
    }
    return answer(http::status::ok, client_view(*client));
}

Outcome update_client(Call& call) {
    std::string target(call.segments[1]);
    auto fields = body_fields(call);
    if (!fields) {
        return refused(fields.error(), target);
    }
    auto disabled = fields->boolean("disabled");
    if (auto checked = fields->finish(); !checked) {
        return refused(checked.error(), target);
    }
    if (!disabled) {
        return refused(invalid("give \"disabled\""), target);
    }
    auto changed = set_client_disabled(call.context, target, *disabled);
    if (!changed) {
        return refused(changed.error(), target);
    }
    return answer(http::status::ok, client_view(changed->client), target);
}

Outcome remove_client(Call& call) {
    std::string target(call.segments[1]);
    auto removed = admin::remove_client(call.context, target);
    if (!removed) {
        return refused(removed.error(), target);
    }
    return answer(http::status::ok, client_view(*removed), target);
}

Outcome rotate_client_secret(Call& call) {
    std::string target(call.segments[1]);
    auto issued = admin::rotate_client_secret(call.context, target);
    if (!issued) {
        return refused(issued.error(), target);
    }
    return answer(http::status::ok, client_with_secret(*issued), target);
}

// Sessions.

// ?subject=<user or client id>: ids are plain (letters, digits, . _ - : @), never encoded.
OperationResult<std::optional<std::string_view>> subject_parameter(std::string_view query) {
    if (query.empty()) {
        return std::optional<std::string_view>{};
    }
    constexpr std::string_view name = "subject=";
    if (!query.starts_with(name) || query.find('&') != std::string_view::npos) {
        return invalid("the only query parameter is subject=<user or client id>");
    }
    auto subject = query.substr(name.size());
    bool plain = !subject.empty() && subject.size() <= 128 &&
                 std::all_of(subject.begin(), subject.end(), [](char c) {
                     return std::isalnum(static_cast<unsigned char>(c)) ||
                            std::string_view("._-:@").find(c) != std::string_view::npos;
                 });
    if (!plain) {
        return invalid("subject must be a user or client id");
    }
    return std::optional{subject};
}

Outcome list_all_sessions(Call& call) {
    auto subject = subject_parameter(call.query);
    if (!subject) {
        return refused(subject.error());
    }
    auto sessions = list_sessions(call.context, *subject);
    if (!sessions) {
        return refused(sessions.error());
    }
    return answer(http::status::ok, listing("sessions", *sessions, session_view));
}

Outcome revoke_one_session(Call& call) {
    std::string target(call.segments[1]);
    auto revoked = revoke_session(call.context, target);
    if (!revoked) {
        return refused(revoked.error(), target);
    }
    auto view = session_view(revoked->family);
    if (revoked->changed) {
        view["revoked_at"] = json::string(observe::UtcTimestamp(call.context.now).text());
        view["revoke_reason"] = "admin_revoked";
    }
    return answer(http::status::ok, view, target);
}

// Signing keys.

Outcome list_keys(Call& call) {
    auto keys = list_signing_keys(call.context);
    if (!keys) {
        return refused(keys.error());
    }
    auto now = call.context.now;
    return answer(http::status::ok,
                  listing("signing_keys", *keys, [now](const store::SigningKey& key) {
                      return signing_key_view(key, now);
                  }));
}

Outcome rotate_keys(Call& call) {
    auto rotation = rotate_signing_keys(call.context, call.server.auth().master_key());
    if (!rotation) {
        return refused(rotation.error());
    }
    json::object body{
        {"kid", rotation->kid},
        {"algorithm", rotation->algorithm},
        {"signs_now", rotation->signs_now},
        {"activate_at", json::string(observe::UtcTimestamp(rotation->activate_at).text())}};
    if (!rotation->signs_now) {
        body["previous_remove_at"] =
            json::string(observe::UtcTimestamp(rotation->previous_remove_at).text());
    }
    return answer(http::status::created, body, rotation->kid);
}

// Bans.

json::object ban_view(const limit::Ban& ban, limit::BanTime now) {
    auto remaining = std::chrono::ceil<std::chrono::seconds>(ban.expires_at - now).count();
    return {{"id", ban.id},
            {"kind", limit::to_string(ban.kind)},
            {"target", ban.target},
            {"reason", ban.reason},
            {"created_by", ban.created_by},
            {"created_at", json::string(observe::UtcTimestamp(ban.created_at).text())},
            {"expires_at", json::string(observe::UtcTimestamp(ban.expires_at).text())},
            {"expires_in_seconds", remaining > 0 ? remaining : 0},
            {"persistent", ban.persistent}};
}

Outcome list_bans(Call& call) {
    auto now = limit::BanClock::now();
    auto bans = call.server.bans().list(now);
    return answer(http::status::ok, listing("bans", bans, [now](const limit::Ban& ban) {
                      return ban_view(ban, now);
                  }));
}

Outcome add_ban(Call& call) {
    auto fields = body_fields(call);
    if (!fields) {
        return refused(fields.error());
    }
    auto kind_name = fields->string("kind").value_or("");
    auto target = fields->string("target").value_or("");
    auto reason = fields->string("reason").value_or("");
    auto ttl = lifetime_member(*fields, "ttl");
    if (auto checked = fields->finish(); !checked) {
        return refused(checked.error());
    }
    if (!ttl) {
        return refused(ttl.error());
    }
    auto kind = limit::ban_kind_from(kind_name);
    if (!kind) {
        return refused(invalid("\"kind\" must be address, consumer, subject or token"));
    }
    if (target.empty()) {
        return refused(invalid("\"target\" is required"));
    }
    limit::BanRequest request{*kind,
                              target,
                              reason.empty() ? "manual" : reason,
                              "admin:" + std::string(call.principal),
                              ttl->value_or(std::chrono::seconds(0)),
                              true};
    auto now = limit::BanClock::now();
    auto added = admin::add_ban(call.server.bans(), call.context.store, request, now);
    if (!added) {
        return refused(added.error());
    }
    limit::report_ban(call.server.security_events(), "ban_added", *added);
    return answer(http::status::created, ban_view(*added, now), added->id);
}

Outcome lift_ban(Call& call) {
    auto id = call.segments[1];
    auto lifted = admin::lift_ban(call.server.bans(), call.context.store, id);
    if (!lifted) {
        return refused(lifted.error(), std::string(id));
    }
    limit::report_ban(call.server.security_events(), "ban_lifted", *lifted);
    if (lifted->kind == limit::BanKind::address && lifted->target.find('/') == std::string::npos) {
        // The login throttle keeps its own record of an address it banned for
        // credential stuffing: lifted here, lifted there.
        boost::system::error_code error;
        auto address = boost::asio::ip::make_address(lifted->target, error);
        if (!error) {
            call.server.auth().login_throttle().forgive_address(address);
        }
    }
    return answer(http::status::ok, ban_view(*lifted, limit::BanClock::now()), lifted->id);
}

constexpr http::verb GET = http::verb::get;
constexpr http::verb POST = http::verb::post;
constexpr http::verb PUT = http::verb::put;
constexpr http::verb PATCH = http::verb::patch;
constexpr http::verb DELETE = http::verb::delete_;

const Resource resources[] = {
    {{"users", "", ""}, GET, "user.list", list_users},
    {{"users", "", ""}, POST, "user.create", create_user},
    {{"users", "*", ""}, GET, "user.show", show_user},
    {{"users", "*", ""}, PATCH, "user.update", update_user},
    {{"users", "*", "password"}, PUT, "user.set_password", set_password},
    {{"users", "*", "sessions"}, GET, "user.sessions", list_user_sessions},
    {{"users", "*", "sessions"}, DELETE, "user.end_sessions", end_user_sessions},
    {{"api-keys", "", ""}, GET, "api_key.list", list_api_keys},
    {{"api-keys", "", ""}, POST, "api_key.create", create_api_key},
    {{"api-keys", "*", ""}, GET, "api_key.show", show_api_key},
    {{"api-keys", "*", ""}, DELETE, "api_key.revoke", revoke_api_key},
    {{"api-keys", "*", "rotate"}, POST, "api_key.rotate", rotate_api_key},
    {{"clients", "", ""}, GET, "client.list", list_clients},
    {{"clients", "", ""}, POST, "client.create", create_client},
    {{"clients", "*", ""}, GET, "client.show", show_client},
    {{"clients", "*", ""}, PATCH, "client.update", update_client},
    {{"clients", "*", ""}, DELETE, "client.remove", remove_client},
    {{"clients", "*", "rotate-secret"}, POST, "client.rotate_secret", rotate_client_secret},
    {{"sessions", "", ""}, GET, "session.list", list_all_sessions},
    {{"sessions", "*", ""}, DELETE, "session.revoke", revoke_one_session},
    {{"signing-keys", "", ""}, GET, "signing_key.list", list_keys},
    {{"signing-keys", "rotate", ""}, POST, "signing_key.rotate", rotate_keys},
    {{"bans", "", ""}, GET, "ban.list", list_bans},
    {{"bans", "", ""}, POST, "ban.add", add_ban},
    {{"bans", "*", ""}, DELETE, "ban.lift", lift_ban},
};

bool matches(const Resource& resource, const Segments& segments) {
    std::size_t length = 0;
    while (length < resource.pattern.size() && !resource.pattern[length].empty()) {
        ++length;
    }
    if (segments.size() != length) {
        return false;
    }
    for (std::size_t i = 0; i < length; ++i) {
        if (resource.pattern[i] != "*" && resource.pattern[i] != segments[i]) {
            return false;
        }
    }
    return true;
}

// "users/alice/sessions" -> {"users", "alice", "sessions"}; none when a segment is empty.
std::optional<Segments> split_path(std::string_view path) {
    Segments segments;
    while (true) {
        auto slash = path.find('/');
        auto segment = path.substr(0, slash);
        if (segment.empty()) {
            return std::nullopt;
        }
        segments.push_back(segment);
        if (slash == std::string_view::npos) {
            return segments;
        }
        path.remove_prefix(slash + 1);
    }
}

bool changes_state(http::verb method) {
    return method != http::verb::get && method != http::verb::head;
}

AdminResponse method_not_allowed(const Segments& segments) {
    std::string allowed;
    for (const auto& resource : resources) {
        if (matches(resource, segments)) {
            allowed +=
                (allowed.empty() ? "" : ", ") + std::string(http::to_string(resource.method));
        }
    }
    auto response = problem_response(http::status::method_not_allowed,
                                     "This resource does not accept that method.");
    response.set(http::field::allow, allowed);
    return response;
}

}  // namespace

AdminResponse AdminApi::handle(const AdminRequest& request, std::string_view path,
                               std::string_view query, const AdminCaller& caller,
                               std::string_view client_ip) noexcept {
    try {
        auto segments = split_path(path);
        if (!segments) {
            return problem_response(http::status::not_found, "No such admin resource.");
        }
        auto method = request.method() == http::verb::head ? GET : request.method();
        const Resource* resource = nullptr;
        bool path_known = false;
        for (const auto& candidate : resources) {
            if (matches(candidate, *segments)) {
                path_known = true;
                if (candidate.method == method) {
                    resource = &candidate;
                }
            }
        }
        if (!path_known) {
            return problem_response(http::status::not_found, "No such admin resource.");
        }
        if (resource == nullptr) {
            return method_not_allowed(*segments);
        }
        bool change = changes_state(method);
        auto& events = server_.security_events();
        if (!may_perform(caller, change)) {
            events.emit("admin_forbidden", nullptr,
                        {{"action", resource->action},
                         {"principal", caller.name},
                         {"client_ip", client_ip}});
            return problem_response(http::status::forbidden,
                                    "This admin credential may only read.");
        }
        auto snapshot = server_.snapshot();
        Call call{
            request,
            *segments,
            query,
            OperationContext{snapshot->settings(), server_.auth().store(), whole_seconds_now()},
            server_,
            caller.name};
        auto outcome = resource->handle(call);
        if (change) {
            bool applied = outcome.response.result_int() < 400;
            if (applied) {
                // The change reaches the request path now, not at the next periodic refresh.
                server_.auth().refresh();
            }
            events.emit(applied ? "admin_change" : "admin_change_refused", nullptr,
                        {{"action", resource->action},
                         {"target", outcome.target},
                         {"principal", caller.name},
                         {"client_ip", client_ip},
                         {"status", std::to_string(outcome.response.result_int())}});
        }
        return std::move(outcome.response);
    } catch (const std::exception&) {
        return problem_response(http::status::internal_server_error,
                                "The admin API could not complete the request.");
    }
}

}  // namespace rampart::admin
