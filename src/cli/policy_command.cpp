#include "cli/policy_command.hpp"

#include <yaml-cpp/yaml.h>
#include <CLI/CLI.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

#include <charconv>
#include <deque>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "net/path_normalizer.hpp"
#include "pipeline/route.hpp"
#include "pipeline/router.hpp"
#include "pipeline/stage_registry.hpp"
#include "pipeline/stages/authorization.hpp"
#include "pipeline/stages/ownership.hpp"
#include "util/strict_json.hpp"

namespace rampart::cli {

namespace {

namespace json = boost::json;
namespace http = boost::beast::http;

struct PolicyTestOptions {
    std::string request;     // --request: one request as JSON
    std::string cases_file;  // --cases: a YAML or JSON list of requests with expectations
};

// The routes of the configuration, compiled as the gateway compiles them but without its
// runtime: no listener, no upstream resolved, no key fetched.
class PolicyModel {
  public:
    explicit PolicyModel(const config::Settings& settings) : settings_(settings) {
        pipeline::StageServices services;
        for (const auto& route : settings_.routes) {
            pipeline::CompiledRoute compiled;
            compiled.settings = &route;
            compiled.name = route.name;
            compiled.chain = pipeline::Chain(pipeline::build_stages(settings_, &route, services));
            routes_.push_back(std::move(compiled));
            router_.add(pipeline::RouteEntry{&routes_.back(), route.path, route.host, route.methods,
                                             route.location});
        }
    }

    const config::Settings& settings() const { return settings_; }
    const pipeline::Router& router() const { return router_; }

  private:
    const config::Settings& settings_;
    std::deque<pipeline::CompiledRoute> routes_;
    pipeline::Router router_;
};

enum class Decision { allow, deny };

struct Outcome {
    Decision decision = Decision::deny;
    unsigned status = 403;
    std::string route;       // "GET,PATCH /users/{user_id} (rampart.yaml:40)", or empty
    std::string reason;      // why: "rule_denied: path.user_id == subject.sub", "roles", ...
    std::string decided_by;  // "rampart.yaml:44 routes[3].require"
    std::string note;        // what is left to the request's run (the ownership check)
};

// The YAML of a cases file, as JSON: YAML is a superset of JSON, and the requests are read as
// JSON values either way. A quoted scalar stays a string; a plain one may be a bool, an integer
// or null.
json::value to_json(const YAML::Node& node) {
    if (node.IsMap()) {
        json::object object;
        for (const auto& entry : node) {
            object[entry.first.Scalar()] = to_json(entry.second);
        }
        return object;
    }
    if (node.IsSequence()) {
        json::array array;
        for (const auto& element : node) {
            array.push_back(to_json(element));
        }
        return array;
    }
    if (node.IsNull()) {
        return nullptr;
    }
    const auto& text = node.Scalar();
    if (node.Tag() != "!") {
        if (text == "true" || text == "false") {
            return text == "true";
        }
        std::int64_t integer = 0;
        auto parsed = std::from_chars(text.data(), text.data() + text.size(), integer);
        if (parsed.ec == std::errc() && parsed.ptr == text.data() + text.size()) {
            return integer;
        }
    }
    return json::string(text);
}

json::value parse_document(const std::string& text, const std::string& what) {
    auto first = text.find_first_not_of(" \t\r\n");
    if (first != std::string::npos && (text[first] == '[' || text[first] == '{')) {
        auto parsed = util::parse_strict_json(text);
        if (!parsed) {
            throw CommandError(
                what + " is not valid JSON: " + std::string(util::describe(parsed.error())));
        }
        return *parsed;
    }
    try {
        return to_json(YAML::Load(text));
    } catch (const YAML::Exception& error) {
        throw CommandError(what + " is neither JSON nor YAML: " + error.msg + " at line " +
                           std::to_string(error.mark.line + 1));
    }
}

std::string string_field(const json::object& object, std::string_view key, const std::string& what,
                         bool required) {
    const auto* value = object.if_contains(key);
    if (value == nullptr) {
        if (required) {
            throw CommandError(what + ": \"" + std::string(key) + "\" is required");
        }
        return {};
    }
    if (!value->is_string()) {
        throw CommandError(what + ": \"" + std::string(key) + "\" must be a string");
    }
    return std::string(value->get_string());
}

std::vector<std::string> strings_of(const json::value& value) {
    std::vector<std::string> strings;
    if (const auto* text = value.if_string()) {
        std::istringstream words{std::string(*text)};
        for (std::string word; words >> word;) {
            strings.push_back(word);
        }
    } else if (const auto* array = value.if_array()) {
        for (const auto& element : *array) {
            if (element.is_string()) {
                strings.emplace_back(element.get_string());
            }
        }
    }
    return strings;
}

// The identity a token with these claims would give after verification: sub, roles, scope,
// client_id as the verifier reads them, and every claim for rules to read.
pipeline::Identity identity_of(const json::object& claims, std::string issuer) {
    pipeline::Identity identity;
    identity.credential = pipeline::CredentialKind::access_token;
    if (const auto* sub = claims.if_contains("sub"); sub != nullptr && sub->is_string()) {
        identity.subject = std::string(sub->get_string());
    }
    if (const auto* client_id = claims.if_contains("client_id");
        client_id != nullptr && client_id->is_string()) {
        identity.client_id = std::string(client_id->get_string());
    }
    if (const auto* roles = claims.if_contains("roles")) {
        identity.roles = strings_of(*roles);
    }
    if (const auto* scope = claims.if_contains("scope")) {
        identity.scopes = strings_of(*scope);
    }
    identity.issuer_name = std::move(issuer);
    identity.claims = std::make_shared<const json::object>(claims);
    return identity;
}

const std::set<std::string_view> request_keys{"method",  "path", "host",     "claims", "issuer",
                                              "headers", "ip",   "resource", "name",   "expect"};

pipeline::Exchange exchange_for(const json::object& request, const std::string& what) {
    for (const auto& entry : request) {
        if (!request_keys.contains(entry.key())) {
            throw CommandError(
                what + ": unknown key \"" + std::string(entry.key()) +
                "\" (expected method, path, host, claims, issuer, headers, ip, resource)");
        }
    }
    pipeline::Exchange exchange;
    auto method = string_field(request, "method", what, true);
    auto verb = http::string_to_verb(method);
    if (verb == http::verb::unknown) {
        throw CommandError(what + ": \"" + method + "\" is not an HTTP method");
    }
    exchange.request.method(verb);
    exchange.request.target(string_field(request, "path", what, true));
    exchange.request.set(http::field::host, string_field(request, "host", what, false));
    if (const auto* headers = request.if_contains("headers")) {
        if (!headers->is_object()) {
            throw CommandError(what + ": \"headers\" must be a map of names to strings");
        }
        for (const auto& header : headers->get_object()) {
            if (!header.value().is_string()) {
                throw CommandError(what + ": header \"" + std::string(header.key()) +
                                   "\" must be a string");
            }
            exchange.request.insert(std::string_view(header.key()),
                                    std::string_view(header.value().get_string()));
        }
    }
    auto ip = string_field(request, "ip", what, false);
    boost::system::error_code error;
    exchange.client_address = boost::asio::ip::make_address(ip.empty() ? "127.0.0.1" : ip, error);
    if (error) {
        throw CommandError(what + ": \"ip\" must be an IP address");
    }
    exchange.peer_address = exchange.client_address;
    exchange.request_id = "policy-test";
    if (const auto* claims = request.if_contains("claims")) {
        if (!claims->is_object()) {
            throw CommandError(what + ": \"claims\" must be a map (a token's payload)");
        }
        auto issuer = string_field(request, "issuer", what, false);
        exchange.identity = identity_of(claims->get_object(),
                                        issuer.empty() ? config::built_in_issuer_name : issuer);
    }
    return exchange;
}

// The upstream's answer a request of the cases stands for, as JSON text.
std::optional<std::string> resource_of(const json::object& request) {
    const auto* resource = request.if_contains("resource");
    if (resource == nullptr) {
        return std::nullopt;
    }
    return json::serialize(*resource);
}

std::string methods_of(const config::Route& route) {
    std::string methods;
    for (const auto& method : route.methods) {
        methods += (methods.empty() ? "" : ",") + method;
    }
    return methods;
}

const pipeline::Stage* stage_named(const pipeline::CompiledRoute& route, std::string_view name) {
    for (const auto& stage : route.chain.stages()) {
        if (stage->name() == name) {
            return stage.get();
        }
    }
    return nullptr;
}

// With the resource the upstream would answer, the ownership check decides as in the gateway;
// without it, the outcome says the check is still to come.
void decide_ownership(const pipeline::Stage& stage, const pipeline::Exchange& exchange,
                      const std::optional<std::string>& resource, Outcome& outcome) {
    if (!resource) {
        outcome.note =
            "ownership is checked on the upstream's answer when the request runs (give "
            "\"resource\" to check it here)";
        return;
    }
    auto verdict = pipeline::explain_ownership(stage, exchange, *resource).value_or("not_json");
    outcome.decided_by = "ownership of " + outcome.route;
    if (verdict == "owner" || verdict == "bypassed") {
        outcome.reason += "; ownership: " + std::string(verdict);
        return;
    }
    outcome.decision = Decision::deny;
    outcome.status = verdict == "not_owner" || verdict == "claim_absent" ? 404 : 502;
    outcome.reason = "ownership: " + std::string(verdict);
}

Outcome decide(const PolicyModel& model, pipeline::Exchange& exchange,
               const std::optional<std::string>& resource) {
    Outcome outcome;
    auto target = net::normalize_target(
        exchange.request.target(), exchange.request[http::field::host], model.settings().paths);
    if (!target) {
        outcome.status = static_cast<unsigned>(target.error().status);
        outcome.reason =
            "the path is refused before routing: " + std::string(target.error().detail);
        return outcome;
    }
    exchange.normalized_path = std::move(target->path);
    exchange.query = std::move(target->query);
    exchange.upstream_target = std::move(target->upstream_target);
    auto match = model.router().find(exchange.request[http::field::host], exchange.normalized_path,
                                     exchange.request.method_string(), exchange.path_parameters);
    if (match.kind == pipeline::Router::Result::Kind::not_found) {
        outcome.status = 404;
        outcome.reason = "no route matches";
        return outcome;
    }
    if (match.kind == pipeline::Router::Result::Kind::method_not_allowed) {
        outcome.status = 405;
        outcome.reason = "method not allowed (Allow: " + std::string(match.allow) + ")";
        return outcome;
    }
    const auto& route = *match.route;
    const auto& settings = *route.settings;
    exchange.route = &route;
    outcome.route = methods_of(settings) + " " + settings.path + " [" + route.name + "] (" +
                    settings.location + ")";
    if (settings.auth.is_none()) {
        outcome.decision = Decision::allow;
        outcome.status = 200;
        outcome.reason = "public route (auth: none)";
        outcome.decided_by = settings.location;
        return outcome;
    }
    if (!exchange.identity) {
        outcome.status = 401;
        outcome.reason = "no claims: the route needs authentication";
        outcome.decided_by = settings.location;
        return outcome;
    }
    outcome.decided_by = settings.authorization.rule;
    const auto* authorization = stage_named(route, "authorization");
    if (authorization == nullptr) {
        outcome.reason = "no authorization stage (fails closed)";
        return outcome;
    }
    if (auto denial = pipeline::explain_authorization(*authorization, exchange)) {
        outcome.reason = std::string(denial->reason) + ": " + denial->missing;
        return outcome;
    }
    outcome.decision = Decision::allow;
    outcome.status = 200;
    outcome.reason = settings.authorization.mode == config::AuthorizationMode::authenticated
                         ? "authorize: authenticated"
                         : "every requirement holds";
    if (const auto* ownership = stage_named(route, "ownership")) {
        decide_ownership(*ownership, exchange, resource, outcome);
    }
    return outcome;
}

std::string_view name_of(Decision decision) {
    return decision == Decision::allow ? "allow" : "deny";
}

void print(std::ostream& out, const Outcome& outcome, std::string_view indent) {
    out << indent << "route: " << (outcome.route.empty() ? "(none)" : outcome.route) << "\n";
    out << indent << "decision: " << name_of(outcome.decision) << " (" << outcome.status << ")\n";
    out << indent << "reason: " << outcome.reason << "\n";
    if (!outcome.decided_by.empty()) {
        out << indent << "decided by: " << outcome.decided_by << "\n";
    }
    if (!outcome.note.empty()) {
        out << indent << "note: " << outcome.note << "\n";
    }
}

int test_one(const PolicyModel& model, const std::string& request_text) {
    auto request = parse_document(request_text, "--request");
    if (!request.is_object()) {
        throw CommandError("--request must be a JSON object: {\"method\": ..., \"path\": ...}");
    }
    auto exchange = exchange_for(request.get_object(), "--request");
    print(std::cout, decide(model, exchange, resource_of(request.get_object())), "");
    return 0;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        throw CommandError("--cases: cannot read " + path);
    }
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

int test_cases(const PolicyModel& model, const std::string& path) {
    auto cases = parse_document(read_file(path), path);
    if (!cases.is_array() || cases.get_array().empty()) {
        throw CommandError(path +
                           ": must be a non-empty list of requests, each with an "
                           "\"expect\" of allow or deny");
    }
    // Every case is read and checked for form before any is judged.
    struct Case {
        std::string name;
        Decision expected;
        pipeline::Exchange exchange;
        std::optional<std::string> resource;
    };
    std::vector<Case> checked;
    for (std::size_t i = 0; i < cases.get_array().size(); ++i) {
        const auto& entry = cases.get_array()[i];
        auto what = path + ": case " + std::to_string(i + 1);
        if (!entry.is_object()) {
            throw CommandError(what + ": must be a map");
        }
        const auto& object = entry.get_object();
        auto expect = string_field(object, "expect", what, true);
        if (expect != "allow" && expect != "deny") {
            throw CommandError(what + ": \"expect\" must be allow or deny, not \"" + expect + "\"");
        }
        auto name = string_field(object, "name", what, false);
        checked.push_back({name.empty() ? std::to_string(i + 1) : name,
                           expect == "allow" ? Decision::allow : Decision::deny,
                           exchange_for(object, what), resource_of(object)});
    }
    std::size_t mismatches = 0;
    for (auto& test : checked) {
        auto outcome = decide(model, test.exchange, test.resource);
        if (outcome.decision == test.expected) {
            std::cout << "ok    " << test.name << ": " << name_of(outcome.decision) << "\n";
            continue;
        }
        ++mismatches;
        std::cout << "FAIL  " << test.name << ": expected " << name_of(test.expected) << ", got "
                  << name_of(outcome.decision) << "\n";
        print(std::cout, outcome, "      ");
    }
    std::cout << checked.size() << " cases, " << mismatches
              << (mismatches == 1 ? " mismatch" : " mismatches") << "\n";
    return mismatches == 0 ? 0 : 1;
}

int run_policy_test(const config::Settings& settings, const PolicyTestOptions& options) {
    if (options.request.empty() == options.cases_file.empty()) {
        throw CommandError("policy test: give exactly one of --request JSON or --cases FILE");
    }
    PolicyModel model(settings);
    return options.request.empty() ? test_cases(model, options.cases_file)
                                   : test_one(model, options.request);
}

}  // namespace

void add_policy_command(CLI::App& app, CommandLine& command_line) {
    auto* policy = app.add_subcommand("policy", "Test the configuration's authorization policy");
    policy->require_subcommand(1);
    auto* test = policy->add_subcommand(
        "test", "Route a request and print the authorization decision (no server, no network)");
    auto options = std::make_shared<PolicyTestOptions>();
    test->add_option("--request", options->request,
                     R"(One request as JSON: {"method":"GET","path":"/users/u1","claims":{...}})");
    test->add_option("--cases", options->cases_file,
                     "A YAML or JSON list of requests, each with \"expect\": allow or deny; "
                     "exits 1 on a mismatch")
        ->check(CLI::ExistingFile);
    set_action(*test, command_line, [options](const config::Settings& settings) {
        return run_policy_test(settings, *options);
    });
}

}  // namespace rampart::cli
