#include "validate/undeclared_members.hpp"

#include <boost/json/object.hpp>

#include <string_view>

#include "util/json_pointer.hpp"

namespace rampart::validate {

namespace json = boost::json;

namespace {

// The schemas that apply at one place are gathered by following $ref and the
// combinators; a reference cycle ($ref to itself through allOf) must end.
constexpr std::size_t max_schemas_per_place = 256;

using Schemas = std::vector<const json::object*>;

// `additionalProperties: true` or `{}` declares nothing; a real schema
// (a map's value type) declares every other name.
bool declares_every_name(const json::value* additional) {
    if (additional == nullptr || additional->is_bool()) {
        return false;
    }
    const auto* object = additional->if_object();
    return object != nullptr && !object->empty();
}

void collect_patterns(const json::value& node,
                      std::map<std::string, boost::regex, std::less<>>& out, std::size_t depth) {
    if (depth > 256) {
        return;  // CompiledSchema refused deeper schemas already
    }
    if (const auto* array = node.if_array()) {
        for (const auto& element : *array) {
            collect_patterns(element, out, depth + 1);
        }
        return;
    }
    const auto* object = node.if_object();
    if (object == nullptr) {
        return;
    }
    for (const auto& [key, value] : *object) {
        if (key == "enum" || key == "const" || key == "default" || key == "examples") {
            continue;
        }
        if (key == "patternProperties" && value.is_object()) {
            for (const auto& [pattern, unused] : value.get_object()) {
                (void)unused;
                try {
                    out.try_emplace(std::string(pattern), std::string(pattern),
                                    boost::regex::ECMAScript);
                } catch (const std::exception&) {
                    // Left out: a name is then taken as matching (see matches).
                }
            }
        }
        collect_patterns(value, out, depth + 1);
    }
}

}  // namespace

struct UndeclaredMembers::Walk {
    const UndeclaredMembers& owner;
    std::size_t max_found;
    std::vector<SchemaViolation> found;
    std::string pointer;

    bool full() const { return found.size() >= max_found; }

    // Adds `schema` and whatever it pulls in at the same place.
    void gather(const json::value& schema, Schemas& out) const {
        const auto* object = schema.if_object();
        if (object == nullptr || out.size() >= max_schemas_per_place) {
            return;  // true and false declare nothing
        }
        out.push_back(object);
        if (const auto* reference = object->if_contains("$ref");
            reference && reference->is_string()) {
            if (const auto* target = resolve(reference->get_string())) {
                gather(*target, out);
            }
        }
        for (std::string_view key : {"allOf", "anyOf", "oneOf"}) {
            if (const auto* list = object->if_contains(key); list && list->is_array()) {
                for (const auto& branch : list->get_array()) {
                    gather(branch, out);
                }
            }
        }
        for (std::string_view key : {"then", "else"}) {
            if (const auto* branch = object->if_contains(key)) {
                gather(*branch, out);
            }
        }
        // Schema dependencies declare what they add whether or not they apply.
        if (const auto* dependencies = object->if_contains("dependencies");
            dependencies && dependencies->is_object()) {
            for (const auto& [name, dependency] : dependencies->get_object()) {
                (void)name;
                gather(dependency, out);
            }
        }
    }

    // A local reference ("#/definitions/X"); others were refused at load.
    const json::value* resolve(std::string_view reference) const {
        if (!reference.starts_with('#')) {
            return nullptr;
        }
        boost::system::error_code error;
        const auto* target = owner.schema_.find_pointer(reference.substr(1), error);
        return error ? nullptr : target;
    }

    bool matches(std::string_view pattern, std::string_view name) const {
        auto compiled = owner.patterns_.find(pattern);
        if (compiled == owner.patterns_.end()) {
            return true;  // a pattern Boost cannot read: rather miss a finding than invent one
        }
        try {
            return boost::regex_search(name.begin(), name.end(), compiled->second);
        } catch (const std::exception&) {
            return true;  // the match grew too complex: same
        }
    }

    // Whether `schema` declares `name`, and the member schemas it gives it.
    bool declares(const json::object& schema, std::string_view name, Schemas& member) const {
        bool declared = false;
        if (const auto* properties = schema.if_contains("properties");
            properties && properties->is_object()) {
            if (const auto* property = properties->get_object().if_contains(name)) {
                gather(*property, member);
                declared = true;
            }
        }
        if (const auto* patterns = schema.if_contains("patternProperties");
            patterns && patterns->is_object()) {
            for (const auto& [pattern, property] : patterns->get_object()) {
                if (matches(pattern, name)) {
                    gather(property, member);
                    declared = true;
                }
            }
        }
        const auto* additional = schema.if_contains("additionalProperties");
        if (!declared && declares_every_name(additional)) {
            gather(*additional, member);
            declared = true;
        }
        return declared;
    }

    void walk(const Schemas& schemas, const json::value& instance) {
        if (schemas.empty() || full()) {
            return;
        }
        if (const auto* object = instance.if_object()) {
            walk_object(schemas, *object);
        } else if (const auto* array = instance.if_array()) {
            walk_array(schemas, *array);
        }
    }

    void walk_object(const Schemas& schemas, const json::object& object) {
        bool has_properties = false;
        for (const auto* schema : schemas) {
            has_properties = has_properties || schema->contains("properties");
        }
        for (const auto& [name, value] : object) {
            if (full()) {
                return;
            }
            Schemas member;
            bool declared = false;
            for (const auto* schema : schemas) {
                declared = declares(*schema, name, member) || declared;
            }
            auto length = pointer.size();
            util::append_json_pointer_segment(pointer, name);
            if (!declared && has_properties) {
                found.push_back({pointer, "undeclared"});
            } else {
                walk(member, value);
            }
            pointer.resize(length);
        }
    }

    void walk_array(const Schemas& schemas, const json::array& array) {
        for (std::size_t index = 0; index < array.size() && !full(); ++index) {
            Schemas item;
            for (const auto* schema : schemas) {
                const auto* items = schema->if_contains("items");
                if (items == nullptr) {
                    continue;
                }
                if (const auto* tuple = items->if_array()) {
                    if (index < tuple->size()) {
                        gather((*tuple)[index], item);
                    } else if (const auto* rest = schema->if_contains("additionalItems")) {
                        gather(*rest, item);
                    }
                } else {
                    gather(*items, item);
                }
            }
            auto length = pointer.size();
            pointer += '/';
            pointer += std::to_string(index);
            walk(item, array[index]);
            pointer.resize(length);
        }
    }
};

UndeclaredMembers::UndeclaredMembers(const json::value& schema) : schema_(schema) {
    collect_patterns(schema, patterns_, 0);
}

std::vector<SchemaViolation> UndeclaredMembers::find(const json::value& instance,
                                                     std::size_t max_found) const {
    Walk walk{*this, max_found, {}, {}};
    Schemas root;
    walk.gather(schema_, root);
    walk.walk(root, instance);
    return std::move(walk.found);
}

}  // namespace rampart::validate
