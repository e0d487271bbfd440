// A `validation` section read over an outer one: for routes imported from an
// OpenAPI document (a group's `openapi`), whose own section carries the
// document's schemas while the group's `validation` carries the policy the
// document cannot say (JSON limits, query limits and duplicates, the
// response check's settings). A key the route's section has wins; a key it
// lacks is read from the outer section, at the outer section's file and line.
// Written routes never layer: for them the innermost section wins, whole.
#pragma once

#include <optional>
#include <string_view>

#include "config/yaml_reader.hpp"

namespace rampart::validate {

class LayeredSection {
  public:
    // At least one of the two is present.
    LayeredSection(std::optional<config::Section> own, std::optional<config::Section> outer)
        : own_(std::move(own)), outer_(std::move(outer)) {}
    explicit LayeredSection(const config::Section& own) : own_(own) {}

    bool empty() const { return !own_ && !outer_; }

    // The section to read `key` from: the own one when it has the key (or
    // when neither has it), else the outer one.
    const config::Section& for_key(std::string_view key) const {
        if (own_ && (own_->has(key) || !outer_ || !outer_->has(key))) {
            return *own_;
        }
        return *outer_;
    }

    // The two layers of the map at `key`.
    LayeredSection child(std::string_view key) const {
        return {own_ ? own_->optional_section(key) : std::nullopt,
                outer_ ? outer_->optional_section(key) : std::nullopt};
    }

    // Refuses unknown keys in both layers; a key the own section overrides
    // is taken as read in the outer one.
    void finish() const {
        if (own_ && outer_) {
            for (auto it = own_->node().begin(); it != own_->node().end(); ++it) {
                if (it->first.IsScalar()) {
                    outer_->claim(it->first.Scalar());
                }
            }
        }
        if (own_) {
            own_->finish();
        }
        if (outer_) {
            outer_->finish();
        }
    }

    const std::optional<config::Section>& own() const { return own_; }
    const std::optional<config::Section>& outer() const { return outer_; }

  private:
    std::optional<config::Section> own_;
    std::optional<config::Section> outer_;
};

}  // namespace rampart::validate
