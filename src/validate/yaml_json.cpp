#include "validate/yaml_json.hpp"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/string.hpp>

#include <stdexcept>

#include "util/strict_json.hpp"

namespace rampart::validate {

namespace json = boost::json;

namespace {

bool is_null_word(std::string_view text) {
    return text == "null" || text == "Null" || text == "NULL" || text == "~" || text.empty();
}

bool is_boolean_word(std::string_view text) {
    return text == "true" || text == "True" || text == "TRUE" || text == "false" ||
           text == "False" || text == "FALSE";
}

class Converter {
  public:
    Converter(YamlJsonLimits limits, const YamlJsonRefusal& refuse)
        : limits_(limits), refuse_(refuse) {}

    json::value read(const YAML::Node& node, const std::string& path, std::size_t depth) {
        if (depth > limits_.max_depth) {
            fail(node, path, "is nested too deeply");
        }
        if (++values_ > limits_.max_values) {
            fail(node, path,
                 "has more than " + std::to_string(limits_.max_values) +
                     " values (a YAML alias counts each time it is used)");
        }
        switch (node.Type()) {
            case YAML::NodeType::Map:
                return read_map(node, path, depth);
            case YAML::NodeType::Sequence: {
                json::array array;
                for (std::size_t index = 0; index < node.size(); ++index) {
                    array.push_back(
                        read(node[index], path + "[" + std::to_string(index) + "]", depth + 1));
                }
                return array;
            }
            case YAML::NodeType::Scalar:
                // yaml-cpp tags quoted scalars "!" and plain ones "?".
                return node.Tag() == "!" ? json::value(json::string(node.Scalar()))
                                         : plain_scalar_value(node.Scalar());
            case YAML::NodeType::Null:
                return nullptr;
            case YAML::NodeType::Undefined:
                break;
        }
        fail(node, path, "is missing");
    }

  private:
    json::value read_map(const YAML::Node& node, const std::string& path, std::size_t depth) {
        json::object object;
        for (auto it = node.begin(); it != node.end(); ++it) {
            if (!it->first.IsScalar()) {
                fail(it->first, path, "keys must be plain strings");
            }
            const auto& key = it->first.Scalar();
            auto child = path.empty() ? key : path + "." + key;
            if (object.contains(key)) {
                fail(it->first, child, "is given twice");
            }
            object[key] = read(it->second, child, depth + 1);
        }
        return object;
    }

    [[noreturn]] void fail(const YAML::Node& node, const std::string& path,
                           const std::string& message) const {
        refuse_(node, path, message);
        throw std::logic_error("a YamlJsonRefusal returned instead of throwing");
    }

    YamlJsonLimits limits_;
    const YamlJsonRefusal& refuse_;
    std::size_t values_ = 0;
};

}  // namespace

json::value plain_scalar_value(std::string_view text) {
    if (is_null_word(text)) {
        return nullptr;
    }
    if (is_boolean_word(text)) {
        return text.front() == 't' || text.front() == 'T';
    }
    if (text.front() == '-' || (text.front() >= '0' && text.front() <= '9')) {
        auto number = util::parse_strict_json(text);
        if (number && number->is_number()) {
            return std::move(*number);
        }
    }
    return json::string(text);
}

json::value yaml_node_to_json(const YAML::Node& node, const std::string& path,
                              YamlJsonLimits limits, const YamlJsonRefusal& refuse) {
    return Converter(limits, refuse).read(node, path, 0);
}

}  // namespace rampart::validate
