// Arbitrary text as rampart.yaml. Loading must either produce Settings or throw
// a ConfigError that names the file; any other exception, a crash, a hang or a
// sanitizer report is a finding. Settings that load are compiled further where
// that is pure, with the same rule for errors: the route table
// (pipeline::Router), which must then find every route it was given, and the
// stages whose compilation reads no file and needs no runtime service, for
// every route and for the default chain, as a Snapshot builds them.
//
// Reproducible and confined: the environment ${NAME} expands from is fixed at
// start, and an input that would make the loader read a file (a secret
// "file:/path", a group's `openapi` document) is skipped before it is loaded.
// Certificates and keys are only read when a whole Snapshot is built, which
// this target does not do (it also generates certificates and resolves
// upstreams).
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>

#include "config/loader.hpp"
#include "config/yaml_reader.hpp"
#include "pipeline/exchange.hpp"
#include "pipeline/router.hpp"
#include "pipeline/stage_registry.hpp"
#include "pipeline/stage_section.hpp"
#include "pipeline/stages/stage_factories.hpp"

namespace {

namespace config = rampart::config;
namespace pipeline = rampart::pipeline;

const std::string file_name = "fuzz.yaml";

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

// Finds, in the document's parse events (aliases are events, not copies, so
// this is linear in the input), what the loader would read a file for: a
// scalar that, ${ENV} expanded, is a "file:" secret, and an `openapi` key.
// Conservative: any scalar counts, keys and values alike.
class FileReferenceFinder : public YAML::EventHandler {
  public:
    bool found() const { return found_; }

    void OnDocumentStart(const YAML::Mark&) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
    void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
    void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  const std::string& value) override {
        auto expanded = config::expand_environment(value, nullptr);
        found_ = found_ || value == "openapi" || value.find("file:") != std::string::npos ||
                 (expanded && expanded->find("file:") != std::string::npos);
    }
    void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                         YAML::EmitterStyle::value) override {}
    void OnSequenceEnd() override {}
    void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                    YAML::EmitterStyle::value) override {}
    void OnMapEnd() override {}

  private:
    bool found_ = false;
};

// The first document, as YAML::Load reads it. A document that does not parse
// reads no file either: the loader refuses it with the same parser error.
bool refers_to_files(const std::string& text) {
    std::istringstream stream(text);
    FileReferenceFinder finder;
    try {
        YAML::Parser parser(stream);
        parser.HandleNextDocument(finder);
    } catch (const YAML::Exception&) {
    }
    return finder.found();
}

// A path the template matches: each parameter and catch-all filled in.
std::string path_matching(std::string_view path_template) {
    std::string path;
    std::size_t start = 1;
    while (start <= path_template.size()) {
        auto end = path_template.find('/', start);
        end = end == std::string_view::npos ? path_template.size() : end;
        auto segment = path_template.substr(start, end - start);
        path += '/';
        if (segment.starts_with('{') && segment.ends_with("...}")) {
            path += "any/rest";
        } else if (segment.starts_with('{')) {
            path += "value";
        } else {
            path += segment;
        }
        start = end + 1;
    }
    return path;
}

void compile_route_table(const config::Settings& settings) {
    pipeline::Router router;
    for (const auto& route : settings.routes) {
        router.add(
            pipeline::RouteEntry{nullptr, route.path, route.host, route.methods, route.location});
    }
    pipeline::PathParameters parameters;
    for (const auto& route : settings.routes) {
        auto path = path_matching(route.path);
        for (const auto& method : route.methods) {
            auto result = router.find(route.host.value_or(""), path, method, parameters);
            check(result.kind == pipeline::Router::Result::Kind::found);
        }
    }
}

// The others read files (validation's schema files, the WAF's rule set), need
// runtime services (authentication, bans), link much more of the library
// (authorization, ownership and rate limits: the auth runtime, the stores) or
// a library the fuzz build leaves out (multipart's GMime).
const std::vector<pipeline::StageFactory>& pure_stage_factories() {
    static const std::vector<pipeline::StageFactory> factories{
        pipeline::security_headers_stage_factory(),
        pipeline::ip_filter_stage_factory(),
        pipeline::cors_stage_factory(),
        pipeline::deprecation_stage_factory(),
        pipeline::properties_stage_factory(),
        pipeline::error_masking_stage_factory()};
    return factories;
}

void compile_pure_stages(const config::Settings& settings, const config::Route* route) {
    static const pipeline::StageServices no_services;
    for (const auto& factory : pure_stage_factories()) {
        factory.build(pipeline::StageBuildContext{
            settings, route, pipeline::find_stage_section(settings, route, factory.key),
            no_services});
    }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    // ${NAME} expands from this environment only, the same on every machine.
    clearenv();
    setenv("RAMPART_FUZZ_TOKEN", "fuzz-admin-token-0123456789abcdef0123456789", 1);
    setenv("RAMPART_FUZZ_PORT", "8443", 1);
    setenv("RAMPART_FUZZ_EMPTY", "", 1);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    // A configuration is a few kilobytes; larger inputs only slow the search.
    if (size > 16 * 1024) {
        return 0;
    }
    std::string text(reinterpret_cast<const char*>(data), size);
    if (refers_to_files(text)) {
        return 0;
    }
    try {
        auto settings = config::load_settings_text(text, file_name);
        check(!settings.listeners.empty() && !settings.routes.empty());
        compile_route_table(settings);
        compile_pure_stages(settings, nullptr);
        for (const auto& route : settings.routes) {
            compile_pure_stages(settings, &route);
        }
    } catch (const config::ConfigError& error) {
        check(std::string_view(error.what()).starts_with(file_name));
    }
    return 0;
}
