#include "validate/openapi_group.hpp"

#include <filesystem>
#include <fstream>

#include "validate/openapi_import.hpp"
#include "validate/openapi_yaml.hpp"
#include "validate/schema_source.hpp"

namespace rampart::validate {

namespace {

constexpr std::uintmax_t max_spec_bytes = 16 * 1024 * 1024;

struct SpecReference {
    std::string file;
    bool validate_responses = false;
};

// `openapi: specs/shop.yaml` or `openapi: {file: specs/shop.yaml, validate_responses: true}`.
SpecReference spec_reference(const config::Section& group) {
    if (group.node()["openapi"].IsMap()) {
        auto openapi = group.section("openapi");
        SpecReference reference{openapi.string("file"),
                                openapi.boolean("validate_responses", false)};
        openapi.finish();
        return reference;
    }
    return {group.string("openapi")};
}

std::string read_spec(const config::Section& group, const std::filesystem::path& file) {
    std::error_code error;
    auto size = std::filesystem::file_size(file, error);
    if (error) {
        group.fail("openapi", "cannot read \"" + file.string() + "\": " + error.message());
    }
    if (size > max_spec_bytes) {
        group.fail("openapi", "\"" + file.string() + "\" is larger than 16 MiB");
    }
    std::ifstream in(file, std::ios::binary);
    std::string text(static_cast<std::size_t>(size), '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    if (!in) {
        group.fail("openapi", "cannot read \"" + file.string() + "\"");
    }
    return text;
}

OpenApiImportOptions options_of(const std::optional<config::Section>& authorization_section) {
    OpenApiImportOptions options;
    if (!authorization_section) {
        return options;
    }
    options.group_authorizes = true;
    const auto& require = authorization_section->node()["require"];
    if (require.IsDefined() && require.IsMap()) {
        auto value = yaml_to_json(*authorization_section, require,
                                  authorization_section->child_path("require"));
        options.group_require = value.as_object();
    }
    return options;
}

}  // namespace

std::string openapi_key_location(const config::Section& group) {
    return config::format_location(group.file(), group.node()["openapi"].Mark(),
                                   group.child_path("openapi"));
}

OpenApiGroupRoutes read_openapi_group(const config::Section& group,
                                      const std::optional<config::Section>& authorization_section) {
    auto reference = spec_reference(group);
    std::filesystem::path file(reference.file);
    if (file.is_relative()) {
        file = std::filesystem::path(group.file()).parent_path() / file;
    }
    auto text = read_spec(group, file);
    OpenApiImport imported;
    try {
        auto options = options_of(authorization_section);
        // Schemas nobody checks would only cost load time.
        options.response_schemas = reference.validate_responses;
        options.validate_responses = reference.validate_responses;
        imported = import_openapi(text, file.string(), options);
    } catch (const OpenApiError& error) {
        group.fail("openapi", error.what());
    }
    OpenApiGroupRoutes result;
    auto spec_file = std::make_shared<const std::string>(file.string());
    for (const auto& route : imported.routes) {
        result.routes.emplace_back(spec_file, to_yaml_node(route.route), route.location);
    }
    result.notes = std::move(imported.notes);
    if (result.routes.empty()) {
        group.fail("openapi", "\"" + file.string() + "\" has no operation Rampart can import");
    }
    return result;
}

}  // namespace rampart::validate
