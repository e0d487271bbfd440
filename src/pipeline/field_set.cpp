#include "pipeline/field_set.hpp"

#include <boost/container/small_vector.hpp>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include <algorithm>

#include "util/json_pointer.hpp"

namespace rampart::pipeline {

namespace {

namespace json = boost::json;

// Identities hold few roles, so the nodes that apply at one level fit inline.
using Nodes = boost::container::small_vector<const FieldSet::Node*, 4>;

// The nodes of `nodes` for member `name`; `whole` says whether one of them
// covers the member entirely (then the others do not matter).
Nodes member_nodes(std::span<const FieldSet::Node* const> nodes, std::string_view name,
                   bool& whole) {
    Nodes found;
    whole = false;
    for (const auto* node : nodes) {
        if (const auto* child = node->member(name)) {
            whole = whole || child->whole;
            found.push_back(child);
        }
    }
    return found;
}

class UnwritableCollector {
  public:
    explicit UnwritableCollector(std::size_t max_names) : max_names_(max_names) {}

    void check(const json::value& value, std::span<const FieldSet::Node* const> writable,
               std::string& pointer) {
        if (names_.size() >= max_names_) {
            return;
        }
        if (const auto* object = value.if_object()) {
            check_members(*object, writable, pointer);
        } else if (const auto* array = value.if_array()) {
            for (const auto& element : *array) {
                check(element, writable, pointer);
            }
        } else {
            // Only parts of this member are writable, and a scalar replaces all of it.
            refuse(pointer);
        }
    }

    std::vector<std::string> take() { return std::move(names_); }

  private:
    void check_members(const json::object& object, std::span<const FieldSet::Node* const> writable,
                       std::string& pointer) {
        for (const auto& member : object) {
            auto length = pointer.size();
            util::append_json_pointer_segment(pointer, member.key());
            bool whole = false;
            auto children = member_nodes(writable, member.key(), whole);
            if (children.empty()) {
                refuse(pointer);
            } else if (!whole) {
                check(member.value(), children, pointer);
            }
            pointer.resize(length);
        }
    }

    void refuse(const std::string& pointer) {
        if (names_.size() < max_names_ &&
            std::find(names_.begin(), names_.end(), pointer) == names_.end()) {
            names_.push_back(pointer);
        }
    }

    std::size_t max_names_;
    std::vector<std::string> names_;
};

// False when nothing of `value` is readable: the caller drops it.
bool filter_readable(json::value& value, std::span<const FieldSet::Node* const> readable) {
    if (auto* object = value.if_object()) {
        json::object kept(object->storage());
        kept.reserve(object->size());
        for (auto& member : *object) {
            bool whole = false;
            auto children = member_nodes(readable, member.key(), whole);
            if (whole || (!children.empty() && filter_readable(member.value(), children))) {
                kept.emplace(member.key(), std::move(member.value()));
            }
        }
        *object = std::move(kept);
        return true;
    }
    if (auto* array = value.if_array()) {
        json::array kept(array->storage());
        kept.reserve(array->size());
        for (auto& element : *array) {
            if (filter_readable(element, readable)) {
                kept.push_back(std::move(element));
            }
        }
        *array = std::move(kept);
        return true;
    }
    return false;
}

}  // namespace

const FieldSet::Node* FieldSet::Node::member(std::string_view name) const {
    auto found = members.find(name);
    return found == members.end() ? nullptr : &found->second;
}

FieldSet FieldSet::everything() {
    FieldSet set;
    set.root_.whole = true;
    return set;
}

void FieldSet::add(const std::vector<std::string>& segments) {
    Node* node = &root_;
    for (const auto& segment : segments) {
        if (node->whole) {
            return;  // a shorter pointer already covers this one
        }
        node = &node->members[segment];
    }
    node->whole = true;
    node->members.clear();
}

std::vector<std::string> unwritable_fields(const json::value& body,
                                           std::span<const FieldSet::Node* const> writable,
                                           std::size_t max_names) {
    if (std::any_of(writable.begin(), writable.end(),
                    [](const FieldSet::Node* node) { return node->whole; })) {
        return {};
    }
    UnwritableCollector collector(max_names);
    std::string pointer;
    collector.check(body, writable, pointer);
    return collector.take();
}

void keep_readable_fields(json::value& document, std::span<const FieldSet::Node* const> readable) {
    if (std::any_of(readable.begin(), readable.end(),
                    [](const FieldSet::Node* node) { return node->whole; })) {
        return;
    }
    filter_readable(document, readable);
}

void remove_fields(json::value& document, const FieldSet::Node& denied) {
    if (auto* object = document.if_object()) {
        for (const auto& [name, child] : denied.members) {
            auto found = object->find(name);
            if (found == object->end()) {
                continue;
            }
            if (child.whole) {
                object->stable_erase(found);
            } else {
                remove_fields(found->value(), child);
            }
        }
    } else if (auto* array = document.if_array()) {
        for (auto& element : *array) {
            remove_fields(element, denied);
        }
    }
}

}  // namespace rampart::pipeline
