#include "pipeline/router.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <set>

#include "config/yaml_reader.hpp"

namespace rampart::pipeline {

namespace {

using config::ConfigError;

// Bounds the matcher's scratch space so find() needs no allocation for it.
constexpr std::size_t max_parameters = 16;

// The order methods are listed in an Allow field; unknown ones follow, sorted.
constexpr std::array<std::string_view, 7> canonical_method_order{"GET",   "HEAD",   "POST",   "PUT",
                                                                 "PATCH", "DELETE", "OPTIONS"};

// A bit per method of canonical_method_order, so that matching a request's
// method is a mask test; 0 for an extension method, matched by name.
std::uint32_t known_method_bit(std::string_view method) {
    for (std::size_t index = 0; index < canonical_method_order.size(); ++index) {
        if (canonical_method_order[index] == method) {
            return 1u << index;
        }
    }
    return 0;
}

struct TemplateSegment {
    enum class Kind { literal, parameter, catch_all } kind;
    std::string_view text;  // the literal, or the parameter's name
};

[[noreturn]] void fail(const RouteEntry& entry, const std::string& message) {
    throw ConfigError(entry.location + ": route path \"" + entry.path_template + "\": " + message);
}

bool is_parameter_name(std::string_view name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) {
        return false;
    }
    return std::all_of(name.begin(), name.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
}

TemplateSegment parse_segment(const RouteEntry& entry, std::string_view segment, bool last) {
    if (!segment.empty() && segment.front() == '{') {
        if (segment.size() < 3 || segment.back() != '}') {
            fail(entry, "a parameter must be a whole segment, like {name}");
        }
        std::string_view name = segment.substr(1, segment.size() - 2);
        auto kind = TemplateSegment::Kind::parameter;
        if (name.size() > 3 && name.substr(name.size() - 3) == "...") {
            if (!last) {
                fail(entry, "a catch-all parameter {name...} must be the last segment");
            }
            name.remove_suffix(3);
            kind = TemplateSegment::Kind::catch_all;
        }
        if (!is_parameter_name(name)) {
            fail(entry,
                 "parameter name \"" + std::string(name) + "\" must match [A-Za-z_][A-Za-z0-9_]*");
        }
        return {kind, name};
    }
    if (segment.find_first_of("{}") != std::string_view::npos) {
        fail(entry, "a parameter must be a whole segment, like {name}");
    }
    if (segment == "." || segment == "..") {
        fail(entry, "'.' and '..' segments never match a normalised path");
    }
    for (char c : segment) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            fail(entry, "a control character never matches a normalised path");
        }
    }
    return {TemplateSegment::Kind::literal, segment};
}

std::vector<TemplateSegment> parse_template(const RouteEntry& entry) {
    std::string_view path = entry.path_template;
    if (path.empty() || path.front() != '/') {
        fail(entry, "must start with '/'");
    }
    std::vector<TemplateSegment> segments;
    std::set<std::string_view> names;
    std::string_view rest = path.substr(1);
    while (true) {
        std::size_t slash = rest.find('/');
        bool last = slash == std::string_view::npos;
        std::string_view text = rest.substr(0, slash);
        if (text.empty() && !last) {
            fail(entry, "must not contain an empty segment (\"//\")");
        }
        TemplateSegment segment = parse_segment(entry, text, last);
        if (segment.kind != TemplateSegment::Kind::literal && !names.insert(segment.text).second) {
            fail(entry, "parameter {" + std::string(segment.text) + "} appears twice");
        }
        segments.push_back(segment);
        if (last) {
            break;
        }
        rest.remove_prefix(slash + 1);
    }
    if (names.size() > max_parameters) {
        fail(entry, "has more than " + std::to_string(max_parameters) + " parameters");
    }
    return segments;
}

bool is_upper_case_token(std::string_view method) {
    return !method.empty() && std::all_of(method.begin(), method.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
    });
}

void check_methods(const RouteEntry& entry) {
    if (entry.methods.empty()) {
        throw ConfigError(entry.location + ": a route needs at least one method");
    }
    for (const auto& method : entry.methods) {
        if (!is_upper_case_token(method)) {
            throw ConfigError(entry.location + ": method \"" + method +
                              "\" must be an upper-case token such as GET");
        }
        // TRACE echoes the request, credentials included (cross-site tracing).
        if (method == "TRACE" || method == "TRACK") {
            throw ConfigError(entry.location + ": method " + method + " is never routed");
        }
    }
}

// "api.example.com:8443" -> "api.example.com"; "[::1]:80" -> "[::1]".
std::string_view strip_port(std::string_view host) {
    if (!host.empty() && host.front() == '[') {
        std::size_t bracket = host.find(']');
        return bracket == std::string_view::npos ? host : host.substr(0, bracket + 1);
    }
    return host.substr(0, host.find(':'));
}

// The methods a route answers: its own, and HEAD wherever GET is allowed.
std::set<std::string, std::less<>> effective_methods(const std::vector<std::string>& methods) {
    std::set<std::string, std::less<>> effective(methods.begin(), methods.end());
    if (effective.contains("GET")) {
        effective.insert("HEAD");
    }
    return effective;
}

}  // namespace

struct Router::Node {
    struct Endpoint {
        const CompiledRoute* route = nullptr;
        std::set<std::string, std::less<>> methods;  // effective: HEAD included with GET
        std::uint32_t known_methods = 0;             // methods' bits (known_method_bit)
        bool answers(std::string_view method, std::uint32_t method_bit) const {
            return method_bit != 0 ? (known_methods & method_bit) != 0 : methods.contains(method);
        }
        std::vector<std::string> parameter_names;    // in template order
        std::string path_template;
        std::string location;
    };
    // The routes ending at one trie position, and their precomputed Allow value.
    struct Terminal {
        std::vector<std::unique_ptr<Endpoint>> endpoints;  // pointers: names must not move
        std::string allow;
    };

    // Sorted by length, then text: a lookup compares lengths, and reads the
    // characters of a same-length segment only.
    struct LiteralChild {
        std::string segment;
        std::unique_ptr<Node> node;
    };
    std::vector<LiteralChild> literal_children;

    const Node* literal_child(std::string_view segment) const {
        auto found = std::lower_bound(literal_children.begin(), literal_children.end(), segment,
                                      shorter_or_before);
        return found != literal_children.end() && found->segment == segment ? found->node.get()
                                                                            : nullptr;
    }
    Node& literal_child_for(std::string_view segment) {
        auto found = std::lower_bound(literal_children.begin(), literal_children.end(), segment,
                                      shorter_or_before);
        if (found == literal_children.end() || found->segment != segment) {
            found = literal_children.insert(
                found, LiteralChild{std::string(segment), std::make_unique<Node>()});
        }
        return *found->node;
    }
    static bool shorter_or_before(const LiteralChild& child, std::string_view segment) {
        return child.segment.size() != segment.size() ? child.segment.size() < segment.size()
                                                      : child.segment < segment;
    }
    std::unique_ptr<Node> parameter_child;  // shape only: names live in each Endpoint
    std::unique_ptr<Terminal> catch_all;    // a trailing {name...}
    std::unique_ptr<Terminal> terminal;     // a template ending exactly here
};

namespace {

using Endpoint = Router::Node::Endpoint;
using Terminal = Router::Node::Terminal;

std::string join_allow(const Terminal& terminal) {
    std::set<std::string, std::less<>> all;
    for (const auto& endpoint : terminal.endpoints) {
        all.insert(endpoint->methods.begin(), endpoint->methods.end());
    }
    std::string allow;
    auto append = [&allow](std::string_view method) {
        allow += allow.empty() ? "" : ", ";
        allow += method;
    };
    for (auto method : canonical_method_order) {
        if (auto position = all.find(method); position != all.end()) {
            all.erase(position);
            append(method);
        }
    }
    for (const auto& method : all) {
        append(method);
    }
    return allow;
}

void check_conflicts(const Terminal& terminal, const Endpoint& added, const RouteEntry& entry) {
    for (const auto& existing : terminal.endpoints) {
        for (const auto& method : added.methods) {
            if (existing->methods.contains(method)) {
                throw ConfigError(entry.location + ": route path \"" + entry.path_template +
                                  "\" conflicts with route path \"" + existing->path_template +
                                  "\" at " + existing->location + ": both match the same paths" +
                                  (entry.host ? " on host " + *entry.host : std::string()) +
                                  " for method " + method);
            }
        }
    }
}

struct Search {
    std::string_view method;
    std::uint32_t method_bit = 0;
    std::array<std::string_view, max_parameters> values{};
    const Terminal* first_path_match = nullptr;  // most specific, for the Allow field
};

const Endpoint* match_terminal(const Terminal* terminal, Search& search) {
    if (terminal == nullptr || terminal->endpoints.empty()) {
        return nullptr;
    }
    for (const auto& endpoint : terminal->endpoints) {
        if (endpoint->answers(search.method, search.method_bit)) {
            return endpoint.get();
        }
    }
    if (search.first_path_match == nullptr) {
        search.first_path_match = terminal;
    }
    return nullptr;
}

// `rest` is the path after the segments matched so far (nullopt once they
// are all consumed). Depth-first: literal, then parameter, then catch-all,
// so the first endpoint found is the most specific one. Each trie node is
// visited at most once per search, so backtracking stays linear.
const Endpoint* search_node(const Router::Node& node, std::optional<std::string_view> rest,
                            std::size_t depth, Search& search) {
    if (!rest) {
        return match_terminal(node.terminal.get(), search);
    }
    std::size_t slash = rest->find('/');
    std::string_view segment = rest->substr(0, slash);
    std::optional<std::string_view> next;
    if (slash != std::string_view::npos) {
        next = rest->substr(slash + 1);
    }
    if (const auto* child = node.literal_child(segment)) {
        if (auto found = search_node(*child, next, depth, search)) {
            return found;
        }
    }
    if (node.parameter_child && !segment.empty() && depth < max_parameters) {
        search.values[depth] = segment;
        if (auto found = search_node(*node.parameter_child, next, depth + 1, search)) {
            return found;
        }
    }
    if (node.catch_all && !rest->empty() && depth < max_parameters) {
        search.values[depth] = *rest;
        return match_terminal(node.catch_all.get(), search);
    }
    return nullptr;
}

}  // namespace

bool Router::CaseInsensitiveLess::operator()(std::string_view left, std::string_view right) const {
    return std::lexicographical_compare(left.begin(), left.end(), right.begin(), right.end(),
                                        [](char a, char b) {
                                            return std::tolower(static_cast<unsigned char>(a)) <
                                                   std::tolower(static_cast<unsigned char>(b));
                                        });
}

Router::Router() : any_host_trie_(std::make_unique<Node>()) {}
Router::~Router() = default;
Router::Router(Router&&) noexcept = default;
Router& Router::operator=(Router&&) noexcept = default;

void Router::add(RouteEntry entry) {
    check_methods(entry);
    std::vector<TemplateSegment> segments = parse_template(entry);

    Node* node = any_host_trie_.get();
    if (entry.host) {
        std::string_view host = strip_port(*entry.host);
        if (host.empty()) {
            throw ConfigError(entry.location + ": route host must not be empty");
        }
        auto& trie = host_tries_[std::string(host)];
        if (!trie) {
            trie = std::make_unique<Node>();
        }
        node = trie.get();
    }

    auto endpoint = std::make_unique<Endpoint>();
    endpoint->route = entry.route;
    endpoint->methods = effective_methods(entry.methods);
    for (const auto& method : endpoint->methods) {
        endpoint->known_methods |= known_method_bit(method);
    }
    endpoint->path_template = entry.path_template;
    endpoint->location = entry.location;

    std::unique_ptr<Terminal>* terminal = &node->terminal;
    for (const auto& segment : segments) {
        switch (segment.kind) {
            case TemplateSegment::Kind::literal: {
                node = &node->literal_child_for(segment.text);
                terminal = &node->terminal;
                break;
            }
            case TemplateSegment::Kind::parameter:
                if (!node->parameter_child) {
                    node->parameter_child = std::make_unique<Node>();
                }
                node = node->parameter_child.get();
                terminal = &node->terminal;
                endpoint->parameter_names.emplace_back(segment.text);
                break;
            case TemplateSegment::Kind::catch_all:
                terminal = &node->catch_all;
                endpoint->parameter_names.emplace_back(segment.text);
                break;
        }
    }
    if (!*terminal) {
        *terminal = std::make_unique<Terminal>();
    }
    check_conflicts(**terminal, *endpoint, entry);
    (*terminal)->endpoints.push_back(std::move(endpoint));
    (*terminal)->allow = join_allow(**terminal);
}

Router::Result Router::find(std::string_view host, std::string_view path, std::string_view method,
                            PathParameters& parameters) const {
    if (path.empty() || path.front() != '/') {
        return {};
    }
    Search search;
    search.method = method;
    search.method_bit = known_method_bit(method);
    const Endpoint* found = nullptr;
    if (auto trie = host_tries_.find(strip_port(host)); trie != host_tries_.end()) {
        found = search_node(*trie->second, path.substr(1), 0, search);
    }
    if (found == nullptr) {
        found = search_node(*any_host_trie_, path.substr(1), 0, search);
    }
    if (found == nullptr) {
        if (search.first_path_match != nullptr) {
            return {Result::Kind::method_not_allowed, nullptr, search.first_path_match->allow};
        }
        if (method == "TRACE" || method == "TRACK") {
            // Never routed anywhere, so refused as a method everywhere: an empty
            // Allow says no method is allowed on a path no route serves.
            return {Result::Kind::method_not_allowed, nullptr, {}};
        }
        return {};
    }
    parameters.clear();
    for (std::size_t i = 0; i < found->parameter_names.size(); ++i) {
        parameters.emplace_back(found->parameter_names[i], std::string(search.values[i]));
    }
    return {Result::Kind::found, found->route, {}};
}

}  // namespace rampart::pipeline
