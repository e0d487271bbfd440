// Arbitrary text as an OpenAPI document. The import must either refuse it with
// an OpenApiError naming the file, or produce routes whose every schema
// CompiledSchema accepts (the importer only writes what Rampart can compile),
// whose every note names the file, and which render as YAML; never crash, hang
// on aliases, or recurse without bound.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "validate/json_schema.hpp"
#include "validate/openapi_import.hpp"
#include "validate/openapi_yaml.hpp"

namespace {

namespace validate = rampart::validate;

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

void compile_schemas(const boost::json::value& value, int depth) {
    if (depth > 8) {
        return;
    }
    const auto* object = value.if_object();
    if (object == nullptr) {
        return;
    }
    for (const auto& [key, member] : *object) {
        if (key == "schema") {
            try {
                validate::CompiledSchema schema(member, "fuzz");
            } catch (const validate::SchemaError&) {
                // A pattern the document wrote that does not compile: the
                // loader reports it at load, which is correct.
            }
        } else if (key == "parameters" && member.is_object()) {
            for (const auto& [name, parameter] : member.get_object()) {
                (void)name;
                try {
                    validate::CompiledSchema schema(parameter, "fuzz");
                } catch (const validate::SchemaError&) {
                }
            }
        } else {
            compile_schemas(member, depth + 1);
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size > 64 * 1024) {
        return 0;
    }
    std::string_view text(reinterpret_cast<const char*>(data), size);
    try {
        // The alias bound is what is fuzzed, not the time an instrumented build takes to
        // walk a million values: a smaller bound keeps every input within the time limit.
        validate::OpenApiImportOptions options;
        options.max_values = 20'000;
        auto imported = validate::import_openapi(text, "fuzz.yaml", options);
        for (const auto& note : imported.notes) {
            check(note.starts_with("fuzz.yaml"));
        }
        for (const auto& route : imported.routes) {
            check(route.location.starts_with("paths."));
            compile_schemas(route.route, 0);
            check(!validate::render_yaml(route.route).empty());
        }
    } catch (const validate::OpenApiError& error) {
        check(std::string_view(error.what()).starts_with("fuzz.yaml"));
    }
    return 0;
}
