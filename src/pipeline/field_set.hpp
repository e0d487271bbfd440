// Property-level authorization (AUTHZ-03) works on sets of fields of a JSON
// document, named in the configuration by JSON pointers ("/name",
// "/address/city") and compiled, when it loads, into a tree of member names.
// A pointer that ends at a node covers the node's whole value.
//
// Arrays are transparent: a pointer names members of objects, and where the
// document has an array of objects on the way, the rest of the pointer
// applies to every element ("/items/price" is the price of every item). A
// segment that looks like a number is a member name too, never an index.
#pragma once

#include <boost/json/value.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::pipeline {

class FieldSet {
  public:
    struct Node {
        bool whole = false;  // the value here is covered, with everything inside it
        std::map<std::string, Node, std::less<>> members;
        const Node* member(std::string_view name) const;
    };

    // Every field ("*" in the configuration).
    static FieldSet everything();

    // Adds the field at `segments` (a parsed pointer, at least one segment).
    void add(const std::vector<std::string>& segments);

    bool covers_everything() const { return root_.whole; }
    const Node& root() const { return root_; }

  private:
    Node root_;
};

// The fields of a request body that no node of `writable` covers, as JSON
// pointers without array indexes, each once, at most `max_names` of them.
// Several sets combine: a field is writable when any one covers it. `body`
// is an object or an array (its elements are checked); a scalar where only
// some fields inside are writable (`"address": "x"` when /address/city is)
// counts as writing the member itself.
std::vector<std::string> unwritable_fields(const boost::json::value& body,
                                           std::span<const FieldSet::Node* const> writable,
                                           std::size_t max_names);

// Keeps, in an object or in every object of an array, only the fields some
// node of `readable` covers (a union, as for writes); scalars and array
// elements that no node covers as a whole are dropped. Order is kept.
void keep_readable_fields(boost::json::value& document,
                          std::span<const FieldSet::Node* const> readable);

// Removes the fields `denied` covers.
void remove_fields(boost::json::value& document, const FieldSet::Node& denied);

}  // namespace rampart::pipeline
