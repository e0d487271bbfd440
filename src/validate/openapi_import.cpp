#include "validate/openapi_import.hpp"

#include <boost/json/array.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "validate/media_type.hpp"
#include "validate/openapi_yaml.hpp"

namespace rampart::validate {

namespace json = boost::json;

namespace {

constexpr std::size_t max_reference_hops = 8;

// OpenAPI's operations in the order a reader expects them; Rampart serves all
// but TRACE.
constexpr std::string_view operation_methods[] = {"get",     "put",  "post",  "delete",
                                                  "options", "head", "patch", "trace"};

// OpenAPI 3 §4.8.12.1: these header parameters are described elsewhere and ignored.
bool is_ignored_header(std::string_view name) {
    auto lower = std::string(name);
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return lower == "accept" || lower == "content-type" || lower == "authorization";
}

std::string uppercase(std::string_view text) {
    std::string upper(text);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return upper;
}

bool is_route_parameter_name(std::string_view name) {
    return !name.empty() && !(name.front() >= '0' && name.front() <= '9') &&
           std::all_of(name.begin(), name.end(), [](char c) {
               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                      c == '_';
           });
}

// "application/json; charset=utf-8" -> "application/json", lower case.
std::string bare_media_type(std::string_view text) {
    auto end = text.find(';');
    std::string bare(text.substr(0, end));
    while (!bare.empty() && bare.back() == ' ') {
        bare.pop_back();
    }
    std::transform(bare.begin(), bare.end(), bare.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return bare;
}

const json::object* object_at(const json::value* value) {
    return value != nullptr ? value->if_object() : nullptr;
}

const json::object* member_object(const json::object& object, std::string_view key) {
    return object_at(object.if_contains(key));
}

// One authentication alternative of a `security` list, as Rampart says it.
struct SecurityAlternative {
    std::vector<std::string> methods;  // jwt, api_key, basic, mtls
    std::vector<std::string> scopes;
    std::vector<std::string> roles;
};

class Importer {
  public:
    Importer(const json::object& document, OpenApiVersion version, const std::string& file,
             const OpenApiImportOptions& options, std::vector<std::string>& notes)
        : document_(document),
          file_(file),
          options_(options),
          notes_(notes),
          components_(member_object(document, "components")),
          schemas_(components_ != nullptr ? components_->if_contains("schemas") : nullptr, version,
                   file) {}

    std::vector<ImportedRoute> routes() {
        std::vector<ImportedRoute> routes;
        const auto* paths = member_object(document_, "paths");
        if (paths == nullptr) {
            fail("paths", "is required: a map of paths to operations");
        }
        for (const auto& [path, item] : *paths) {
            auto location = "paths." + std::string(path);
            try {
                import_path(path, item, location, routes);
            } catch (const OpenApiError& error) {
                notes_.push_back(std::string(error.what()) + " (path not imported)");
            }
        }
        return routes;
    }

  private:
    [[noreturn]] void fail(const std::string& location, const std::string& message) const {
        throw OpenApiError(file_ + ": " + location + ": " + message);
    }

    void note(const std::string& location, const std::string& message) const {
        notes_.push_back(file_ + ": " + location + ": " + message);
    }

    // A `$ref` to #/components/<kind>/X followed to its object.
    const json::object& resolve(const json::value& value, std::string_view kind,
                                std::string location) const {
        const json::value* current = &value;
        for (std::size_t hop = 0; hop <= max_reference_hops; ++hop) {
            const auto* object = current->if_object();
            if (object == nullptr) {
                fail(location, "must be a map");
            }
            const auto* reference = object->if_contains("$ref");
            if (reference == nullptr) {
                return *object;
            }
            std::string text = reference->is_string() ? std::string(reference->get_string()) : "";
            auto name = component_name(text, kind);
            const auto* group =
                components_ != nullptr ? member_object(*components_, kind) : nullptr;
            const auto* target =
                !name.empty() && group != nullptr ? group->if_contains(name) : nullptr;
            if (target == nullptr) {
                fail(location + ".$ref",
                     "\"" + text + "\" is not supported: only references to #/components/" +
                         std::string(kind) +
                         "/ of the same document are (other files and URLs are never fetched)");
            }
            current = target;
            location = "components." + std::string(kind) + "." + name;
        }
        fail(location, "references go round in a circle");
    }

    // "/users/{user-id}" -> "/users/{user_id}", with the renamed parameters.
    std::string route_template(std::string_view path, const std::string& location,
                               std::map<std::string, std::string>& renamed) const {
        if (!path.starts_with('/')) {
            fail(location, "a path must start with /");
        }
        std::string out;
        std::size_t start = 1;
        while (start <= path.size()) {
            auto end = path.find('/', start);
            auto segment =
                path.substr(start, end == std::string_view::npos ? path.npos : end - start);
            out += '/';
            if (segment.find_first_of("{}") == std::string_view::npos) {
                out += segment;
            } else if (segment.size() > 2 && segment.front() == '{' && segment.back() == '}' &&
                       segment.find_first_of("{}", 1) == segment.size() - 1) {
                std::string name(segment.substr(1, segment.size() - 2));
                std::string route_name = name;
                if (!is_route_parameter_name(route_name)) {
                    for (auto& c : route_name) {
                        if (!is_route_parameter_name(std::string(1, c)) &&
                            !(c >= '0' && c <= '9')) {
                            c = '_';
                        }
                    }
                    if (!is_route_parameter_name(route_name)) {
                        route_name = "_" + route_name;
                    }
                    renamed[name] = route_name;
                }
                out += "{" + route_name + "}";
            } else {
                fail(location,
                     "a path parameter must be a whole segment, like /{id}/ (Rampart's "
                     "routes match whole segments)");
            }
            if (end == std::string_view::npos) {
                break;
            }
            start = end + 1;
        }
        return out;
    }

    void import_path(std::string_view path, const json::value& item, const std::string& location,
                     std::vector<ImportedRoute>& routes) {
        const auto* operations = item.if_object();
        if (operations == nullptr) {
            fail(location, "must be a map of methods to operations");
        }
        if (operations->contains("$ref")) {
            fail(location + ".$ref", "path item references are not supported");
        }
        std::map<std::string, std::string> renamed;
        auto route_path = route_template(path, location, renamed);
        for (const auto& [name, route_name] : renamed) {
            note(location, "parameter {" + name + "} is {" + route_name +
                               "} in the route (Rampart's parameter names are [A-Za-z0-9_])");
        }
        for (auto method : operation_methods) {
            const auto* operation = operations->if_contains(method);
            if (operation == nullptr) {
                continue;
            }
            auto operation_location = location + "." + std::string(method);
            if (method == "trace") {
                note(operation_location, "not imported (Rampart refuses TRACE)");
                continue;
            }
            if (method == "head" && operations->contains("get")) {
                note(operation_location,
                     "not imported: the GET route answers HEAD (with GET's "
                     "validation)");
                continue;
            }
            try {
                routes.push_back(
                    {operation_location, import_operation(route_path, renamed, *operations, method,
                                                          *operation, operation_location)});
            } catch (const OpenApiError& error) {
                notes_.push_back(std::string(error.what()) + " (operation not imported)");
            }
        }
    }

    json::object import_operation(const std::string& route_path,
                                  const std::map<std::string, std::string>& renamed,
                                  const json::object& path_item, std::string_view method,
                                  const json::value& operation_value, const std::string& location) {
        const auto* operation = operation_value.if_object();
        if (operation == nullptr) {
            fail(location, "must be a map (an operation)");
        }
        json::object route;
        route["path"] = route_path;
        route["methods"] = json::array{json::string(uppercase(method))};
        add_security(*operation, location, route);
        json::object validation;
        auto path_location = location.substr(0, location.size() - method.size() - 1);
        add_parameters(path_item, path_location, *operation, renamed, location, validation);
        add_request_body(*operation, uppercase(method), location, validation);
        add_response_types(*operation, location, validation);
        if (options_.response_schemas) {
            add_response_schemas(*operation, location, validation);
        }
        if (!validation.empty()) {
            route["validation"] = std::move(validation);
        }
        return route;
    }

    // ---- security -------------------------------------------------------

    std::optional<SecurityAlternative> scheme_alternative(const std::string& name,
                                                          const json::value& scopes,
                                                          const std::string& location) const {
        const auto* schemes =
            components_ != nullptr ? member_object(*components_, "securitySchemes") : nullptr;
        const auto* scheme_value = schemes != nullptr ? schemes->if_contains(name) : nullptr;
        if (scheme_value == nullptr) {
            note(location, "security scheme \"" + name +
                               "\" is not defined under "
                               "components.securitySchemes");
            return std::nullopt;
        }
        auto scheme_location = "components.securitySchemes." + name;
        const auto& scheme = resolve(*scheme_value, "securitySchemes", scheme_location);
        std::string type = scheme.contains("type") && scheme.at("type").is_string()
                               ? std::string(scheme.at("type").get_string())
                               : "";
        SecurityAlternative alternative;
        std::vector<std::string> names;
        if (const auto* list = scopes.if_array()) {
            for (const auto& element : *list) {
                if (element.is_string()) {
                    names.emplace_back(element.get_string());
                }
            }
        }
        if (type == "oauth2" || type == "openIdConnect") {
            alternative.methods = {"jwt"};
            alternative.scopes = names;
            return alternative;
        }
        alternative.roles = names;  // 3.1 §4.8.30: role names for the other types
        if (type == "http") {
            std::string http_scheme = scheme.contains("scheme") && scheme.at("scheme").is_string()
                                          ? bare_media_type(scheme.at("scheme").get_string())
                                          : "";
            if (http_scheme == "bearer") {
                alternative.methods = {"jwt"};
            } else if (http_scheme == "basic") {
                alternative.methods = {"basic"};
            } else {
                note(scheme_location, "HTTP scheme \"" + http_scheme + "\" is not supported");
                return std::nullopt;
            }
        } else if (type == "apiKey") {
            alternative.methods = {"api_key"};
            std::string in = scheme.contains("in") && scheme.at("in").is_string()
                                 ? std::string(scheme.at("in").get_string())
                                 : "";
            std::string header = scheme.contains("name") && scheme.at("name").is_string()
                                     ? std::string(scheme.at("name").get_string())
                                     : "";
            if (in != "header") {
                note(scheme_location, "an API key in the " + in +
                                          " is not supported: Rampart takes API keys in a "
                                          "header (Authorization: ApiKey, or api_keys.header)");
            } else if (!is_ignored_header(header) && noted_key_headers_.insert(name).second) {
                note(scheme_location, "the API key comes in the header " + header +
                                          ": set `api_keys: {header: " + header + "}`");
            }
        } else if (type == "mutualTLS") {
            alternative.methods = {"mtls"};
        } else {
            note(scheme_location, "security scheme type \"" + type + "\" is not supported");
            return std::nullopt;
        }
        return alternative;
    }

    void add_security(const json::object& operation, const std::string& location,
                      json::object& route) const {
        const json::value* security = operation.if_contains("security");
        std::string security_location = location + ".security";
        if (security == nullptr) {
            security = document_.if_contains("security");
            security_location = "security";
        }
        if (security == nullptr) {
            return;  // the configuration (a group, or the user) says
        }
        const auto* requirements = security->if_array();
        if (requirements == nullptr) {
            fail(security_location, "must be a list of security requirements");
        }
        if (requirements->empty()) {
            route["auth"] = "none";
            return;
        }
        std::set<std::string> methods;
        std::set<std::string> scopes;
        std::set<std::string> roles;
        bool optional = false;
        for (std::size_t index = 0; index < requirements->size(); ++index) {
            auto requirement_location = security_location + "[" + std::to_string(index) + "]";
            const auto* requirement = (*requirements)[index].if_object();
            if (requirement == nullptr) {
                fail(requirement_location, "must be a map of scheme names to scopes");
            }
            if (requirement->empty()) {
                optional = true;
                continue;
            }
            if (requirement->size() > 1) {
                note(requirement_location,
                     "several schemes together: Rampart checks one credential per request and "
                     "accepts any one of them");
            }
            for (const auto& [name, names] : *requirement) {
                auto alternative =
                    scheme_alternative(std::string(name), names, requirement_location);
                if (!alternative) {
                    continue;
                }
                methods.insert(alternative->methods.begin(), alternative->methods.end());
                scopes.insert(alternative->scopes.begin(), alternative->scopes.end());
                roles.insert(alternative->roles.begin(), alternative->roles.end());
            }
        }
        if (optional) {
            note(security_location,
                 "optional authentication ({}) is not supported: the route requires it");
        }
        if (methods.empty()) {
            fail(security_location, "no security scheme Rampart supports");
        }
        if (requirements->size() > 1 && (!scopes.empty() || !roles.empty())) {
            note(security_location,
                 "the scopes and roles of every alternative are required of "
                 "every caller");
        }
        json::array method_list;
        for (const auto& method : methods) {
            method_list.emplace_back(method);
        }
        route["auth"] = method_list.size() == 1 ? method_list[0] : json::value(method_list);
        add_authorization(scopes, roles, route);
    }

    void add_authorization(const std::set<std::string>& scopes, const std::set<std::string>& roles,
                           json::object& route) const {
        if (scopes.empty() && roles.empty()) {
            if (!options_.group_authorizes) {
                route["authorize"] = "authenticated";
            }
            return;
        }
        json::object require = options_.group_require;
        auto merge = [&require](std::string_view key, const std::set<std::string>& names) {
            if (names.empty()) {
                return;
            }
            std::set<std::string> all(names);
            if (const auto* existing = require.if_contains(key); existing && existing->is_array()) {
                for (const auto& name : existing->get_array()) {
                    if (name.is_string()) {
                        all.emplace(name.get_string());
                    }
                }
            }
            json::array list;
            for (const auto& name : all) {
                list.emplace_back(name);
            }
            require[key] = std::move(list);
        };
        merge("scopes", scopes);
        merge("roles", roles);
        route["require"] = std::move(require);
    }

    // ---- parameters -----------------------------------------------------

    void add_parameters(const json::object& path_item, const std::string& path_location,
                        const json::object& operation,
                        const std::map<std::string, std::string>& renamed,
                        const std::string& location, json::object& validation) const {
        // Operation parameters override the path's of the same name and place.
        std::map<std::pair<std::string, std::string>, std::pair<const json::object*, std::string>>
            parameters;
        auto collect = [&](const json::object& owner, const std::string& owner_location) {
            const auto* list_value = owner.if_contains("parameters");
            if (list_value == nullptr) {
                return;
            }
            const auto* list = list_value->if_array();
            if (list == nullptr) {
                fail(owner_location + ".parameters", "must be a list");
            }
            for (std::size_t index = 0; index < list->size(); ++index) {
                auto parameter_location =
                    owner_location + ".parameters[" + std::to_string(index) + "]";
                const auto& parameter = resolve((*list)[index], "parameters", parameter_location);
                auto name = text_of(parameter, "name", parameter_location);
                auto in = text_of(parameter, "in", parameter_location);
                parameters[{in, name}] = {&parameter, parameter_location};
            }
        };
        collect(path_item, path_location);
        collect(operation, location);
        for (const auto& [key, entry] : parameters) {
            const auto& [in, name] = key;
            add_parameter(in, name, *entry.first, entry.second, renamed, validation);
        }
    }

    std::string text_of(const json::object& object, std::string_view key,
                        const std::string& location) const {
        const auto* value = object.if_contains(key);
        if (value == nullptr || !value->is_string()) {
            fail(location + "." + std::string(key), "is required (a string)");
        }
        return std::string(value->get_string());
    }

    void add_parameter(const std::string& in, const std::string& name,
                       const json::object& parameter, const std::string& location,
                       const std::map<std::string, std::string>& renamed,
                       json::object& validation) const {
        if (in == "cookie") {
            note(location, "cookie parameters are not validated");
            return;
        }
        if (in != "path" && in != "query" && in != "header") {
            fail(location + ".in", "must be path, query, header or cookie");
        }
        if (in == "header" && is_ignored_header(name)) {
            return;
        }
        const auto* schema = parameter.if_contains("schema");
        if (schema == nullptr) {
            note(location, "no `schema` (a `content` parameter): not validated");
            return;
        }
        auto converted =
            schemas_.convert(*schema, location + ".schema", SchemaDirection::request, notes_);
        std::string type = declared_type(*schema);
        if (type == "object") {
            note(location, "object parameters are not validated");
            return;
        }
        std::string style = parameter.contains("style") && parameter.at("style").is_string()
                                ? std::string(parameter.at("style").get_string())
                                : "";
        bool explode = parameter.contains("explode") && parameter.at("explode").is_bool()
                           ? parameter.at("explode").get_bool()
                           : style.empty() || style == "form";
        if (type == "array" && (in != "query" || !explode || (!style.empty() && style != "form"))) {
            note(location,
                 "only query arrays as repeated parameters (?tag=a&tag=b, style form, "
                 "explode true) are validated");
            return;
        }
        if (in == "path" && !style.empty() && style != "simple") {
            note(location, "path style \"" + style + "\" is not validated");
            return;
        }
        std::string section = in == "header" ? "headers" : in;
        auto route_name = name;
        if (auto found = renamed.find(name); found != renamed.end()) {
            route_name = found->second;
        }
        auto& part = validation[section];
        if (!part.is_object()) {
            part = json::object();
        }
        auto& parameters = part.get_object()["parameters"];
        if (!parameters.is_object()) {
            parameters = json::object();
        }
        parameters.get_object()[route_name] = std::move(converted);
        bool required = parameter.contains("required") && parameter.at("required").is_bool() &&
                        parameter.at("required").get_bool();
        if (required && in != "path") {
            auto& list = part.get_object()["required"];
            if (!list.is_array()) {
                list = json::array();
            }
            list.get_array().emplace_back(route_name);
        }
    }

    // The `type` a parameter's schema declares, following references.
    std::string declared_type(const json::value& schema) const {
        const json::value* current = &schema;
        for (std::size_t hop = 0; hop <= max_reference_hops; ++hop) {
            const auto* object = current->if_object();
            if (object == nullptr) {
                return "";
            }
            if (const auto* type = object->if_contains("type"); type && type->is_string()) {
                return std::string(type->get_string());
            }
            const auto* reference = object->if_contains("$ref");
            if (reference == nullptr || !reference->is_string()) {
                return "";
            }
            auto name = component_name(reference->get_string(), "schemas");
            const auto* schemas =
                components_ != nullptr ? member_object(*components_, "schemas") : nullptr;
            current = schemas != nullptr ? schemas->if_contains(name) : nullptr;
            if (current == nullptr) {
                return "";
            }
        }
        return "";
    }

    // ---- bodies ---------------------------------------------------------

    static bool is_json(std::string_view media) {
        auto type = parse_configured_media_type(media);
        return type && type->is_json();
    }

    void add_request_body(const json::object& operation, const std::string& method,
                          const std::string& location, json::object& validation) const {
        static const std::vector<std::string> default_bodyless{"GET", "HEAD", "DELETE", "OPTIONS",
                                                               "TRACE"};
        const auto* body_value = operation.if_contains("requestBody");
        auto bodyless = default_bodyless;
        bool listed = std::find(bodyless.begin(), bodyless.end(), method) != bodyless.end();
        if (body_value == nullptr) {
            if (!listed) {
                bodyless.push_back(method);  // the contract has no body: refuse one
            }
        } else if (listed) {
            bodyless.erase(std::find(bodyless.begin(), bodyless.end(), method));
        }
        if (bodyless != default_bodyless) {
            json::array list;
            for (const auto& name : bodyless) {
                list.emplace_back(name);
            }
            validation["bodyless_methods"] = std::move(list);
        }
        if (body_value == nullptr) {
            return;
        }
        auto body_location = location + ".requestBody";
        const auto& body = resolve(*body_value, "requestBodies", body_location);
        const auto* content = member_object(body, "content");
        if (content == nullptr || content->empty()) {
            fail(body_location + ".content", "is required (a map of media types)");
        }
        json::array json_types;
        json::array other_types;
        const json::value* schema = nullptr;
        std::string schema_location;
        for (const auto& [media, entry] : *content) {
            auto bare = bare_media_type(media);
            auto media_location = body_location + ".content." + std::string(media);
            if (!is_json(bare)) {
                if (parse_configured_media_type(bare)) {
                    other_types.emplace_back(bare);
                }
                continue;
            }
            json_types.emplace_back(bare);
            const auto* entry_object = entry.if_object();
            const auto* entry_schema =
                entry_object != nullptr ? entry_object->if_contains("schema") : nullptr;
            if (entry_schema == nullptr) {
                continue;
            }
            if (schema == nullptr) {
                schema = entry_schema;
                schema_location = media_location + ".schema";
            } else if (*entry_schema != *schema) {
                note(media_location,
                     "a second JSON schema: the route validates every JSON "
                     "body against the first (" +
                         schema_location + ")");
            }
        }
        json::object body_section;
        if (json_types.empty()) {
            if (other_types.empty()) {
                fail(body_location + ".content", "no media type Rampart can name");
            }
            note(body_location, "no JSON media type: the body's type is checked, not its content");
            validation["content_types"] = std::move(other_types);
        } else {
            for (const auto& other : other_types) {
                note(body_location + ".content." + std::string(other.get_string()),
                     "not imported (only JSON bodies are validated): refused with 415");
            }
            validation["content_types"] = std::move(json_types);
            if (schema != nullptr) {
                body_section["schema"] =
                    schemas_.convert(*schema, schema_location, SchemaDirection::request, notes_);
            }
        }
        bool required = body.contains("required") && body.at("required").is_bool() &&
                        body.at("required").get_bool();
        if (schema != nullptr || required) {
            body_section["required"] = required;
        }
        if (!body_section.empty()) {
            validation["body"] = std::move(body_section);
        }
    }

    // What the operation answers with, for the Accept check (406).
    void add_response_types(const json::object& operation, const std::string& location,
                            json::object& validation) const {
        const auto* responses = member_object(operation, "responses");
        if (responses == nullptr) {
            return;
        }
        std::set<std::string> types;
        bool any = false;
        for (const auto& [status, response_value] : *responses) {
            const auto* response = response_value.if_object();
            if (response == nullptr) {
                continue;
            }
            if (response->contains("$ref")) {
                response = &resolve(response_value, "responses",
                                    location + ".responses." + std::string(status));
            }
            const auto* content = member_object(*response, "content");
            if (content == nullptr) {
                continue;
            }
            for (const auto& [media, entry] : *content) {
                (void)entry;
                auto bare = bare_media_type(media);
                if (parse_configured_media_type(bare)) {
                    types.insert(bare);
                } else {
                    any = true;  // */*, text/*: not a list Rampart can check
                }
            }
        }
        if (types == std::set<std::string>{"application/json"} && !any) {
            return;  // the default
        }
        json::array list;
        if (!any) {
            for (const auto& type : types) {
                list.emplace_back(type);
            }
        }
        validation["response_types"] = std::move(list);
    }

    // 200..299, 2XX and default: what a successful call may answer. Error
    // answers under another code are usually masked by Rampart anyway.
    static bool is_success_or_default(std::string_view status) {
        if (status == "default") {
            return true;
        }
        return status.size() == 3 && status[0] == '2' &&
               ((status[1] >= '0' && status[1] <= '9' && status[2] >= '0' && status[2] <= '9') ||
                ((status[1] == 'X' || status[1] == 'x') && (status[2] == 'X' || status[2] == 'x')));
    }

    // The first JSON media type's schema of one response, converted; null
    // when it has none.
    std::optional<json::value> response_schema(const json::value& response_value,
                                               const std::string& location) const {
        const auto& response = resolve(response_value, "responses", location);
        const auto* content = member_object(response, "content");
        if (content == nullptr) {
            return std::nullopt;
        }
        for (const auto& [media, entry] : *content) {
            if (!is_json(bare_media_type(media))) {
                continue;
            }
            const auto* entry_object = entry.if_object();
            const auto* schema =
                entry_object != nullptr ? entry_object->if_contains("schema") : nullptr;
            if (schema == nullptr) {
                return std::nullopt;
            }
            return schemas_.convert(*schema,
                                    location + ".content." + std::string(media) + ".schema",
                                    SchemaDirection::response, notes_);
        }
        return std::nullopt;
    }

    // For `validation.response`: checked and logged, never enforced, so a
    // schema that cannot be imported costs a note, not the operation.
    void add_response_schemas(const json::object& operation, const std::string& location,
                              json::object& validation) const {
        const auto* responses = member_object(operation, "responses");
        if (responses == nullptr) {
            return;
        }
        json::object schemas;
        for (const auto& [status, response_value] : *responses) {
            if (!is_success_or_default(status)) {
                continue;
            }
            auto response_location = location + ".responses." + std::string(status);
            try {
                if (auto schema = response_schema(response_value, response_location)) {
                    auto key = std::string(status);
                    std::transform(key.begin(), key.end(), key.begin(),
                                   [](char c) { return c == 'x' ? 'X' : c; });
                    schemas[key] = std::move(*schema);
                }
            } catch (const OpenApiError& error) {
                notes_.push_back(std::string(error.what()) + " (response schema not imported)");
            }
        }
        if (schemas.empty()) {
            return;
        }
        json::object response;
        if (!options_.validate_responses) {
            response["enabled"] = false;
        }
        response["mode"] = "log";
        response["schemas"] = std::move(schemas);
        validation["response"] = std::move(response);
    }

    const json::object& document_;
    const std::string& file_;
    const OpenApiImportOptions& options_;
    std::vector<std::string>& notes_;
    const json::object* components_;
    OpenApiSchemaConverter schemas_;
    mutable std::set<std::string> noted_key_headers_;
};

std::string text_member(const json::object& object, std::string_view key) {
    const auto* value = object.if_contains(key);
    return value != nullptr && value->is_string() ? std::string(value->get_string()) : "";
}

// The path of the first server's URL: "https://api.example.com/v1/" -> "/v1".
std::string server_path(const json::object& document, const std::string& file,
                        std::vector<std::string>& notes) {
    const auto* servers = document.if_contains("servers");
    if (servers == nullptr || !servers->is_array() || servers->get_array().empty() ||
        !servers->get_array()[0].is_object()) {
        return "";
    }
    auto url = text_member(servers->get_array()[0].get_object(), "url");
    if (url.find('{') != std::string::npos) {
        notes.push_back(file + ": servers[0].url: has variables: its path is not used as prefix");
        return "";
    }
    auto scheme = url.find("://");
    auto path_start = scheme == std::string::npos ? 0 : url.find('/', scheme + 3);
    std::string path = path_start == std::string::npos ? "" : url.substr(path_start);
    path = path.substr(0, path.find_first_of("?#"));
    while (!path.empty() && path.back() == '/') {
        path.pop_back();
    }
    if (!path.empty() && path.front() != '/') {
        return "";
    }
    return path;
}

}  // namespace

OpenApiImport import_openapi(std::string_view text, const std::string& file,
                             const OpenApiImportOptions& options) {
    auto document_value = parse_openapi_document(text, file, options.max_values);
    const auto* document = document_value.if_object();
    if (document == nullptr) {
        throw OpenApiError(file +
                           ": is not an OpenAPI document (a map with `openapi` and `paths`)");
    }
    OpenApiImport result;
    if (document->contains("swagger")) {
        throw OpenApiError(file +
                           ": swagger: Swagger 2.0 is not supported; convert it to "
                           "OpenAPI 3 first");
    }
    auto version = text_member(*document, "openapi");
    if (version.starts_with("3.0")) {
        result.version = OpenApiVersion::v3_0;
    } else if (version.starts_with("3.1")) {
        result.version = OpenApiVersion::v3_1;
    } else {
        throw OpenApiError(file +
                           ": openapi: must be a version 3.0.x or 3.1.x, as a string (got \"" +
                           version + "\")");
    }
    if (const auto* info = member_object(*document, "info")) {
        result.title = text_member(*info, "title");
        result.api_version = text_member(*info, "version");
    }
    result.server_path = server_path(*document, file, result.notes);
    Importer importer(*document, result.version, file, options, result.notes);
    result.routes = importer.routes();
    return result;
}

}  // namespace rampart::validate
