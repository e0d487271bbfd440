// Finds the route for a request from its host, normalised path and method.
// Templates are '/'-separated segments: a literal, a parameter "{name}" (one
// whole segment) or, last, a catch-all "{name...}" (one or more segments).
// At every segment a literal beats a parameter beats a catch-all, and routes
// naming a host are tried before host-less ones. Everything that can be
// decided when the configuration loads (conflicts, Allow lists) is.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/exchange.hpp"

namespace rampart::pipeline {

struct CompiledRoute;

struct RouteEntry {
    const CompiledRoute* route;
    std::string path_template;
    std::optional<std::string> host;   // matched case-insensitively, port ignored
    std::vector<std::string> methods;  // upper case; GET also answers HEAD
    std::string location;              // "file:line", for messages
};

class Router {
  public:
    Router();
    ~Router();
    Router(Router&&) noexcept;
    Router& operator=(Router&&) noexcept;

    // Throws config::ConfigError on a bad template or method, or when the
    // route conflicts with one added before (naming both locations).
    void add(RouteEntry entry);

    struct Result {
        enum class Kind { found, not_found, method_not_allowed } kind = Kind::not_found;
        const CompiledRoute* route = nullptr;
        std::string_view allow;  // for method_not_allowed: "GET, HEAD, POST"
    };

    // `path` is the normalised path. On `found`, `parameters` holds the
    // template's parameters (names point into this Router).
    Result find(std::string_view host, std::string_view path, std::string_view method,
                PathParameters& parameters) const;

    struct Node;  // a trie of template segments (router.cpp)

  private:
    struct CaseInsensitiveLess {
        using is_transparent = void;
        bool operator()(std::string_view left, std::string_view right) const;
    };

    std::map<std::string, std::unique_ptr<Node>, CaseInsensitiveLess> host_tries_;
    std::unique_ptr<Node> any_host_trie_;
};

}  // namespace rampart::pipeline
