// Arbitrary text as a JSON pointer of the configuration (util/json_pointer).
// Parsing must either fail or give non-empty segments, at most the maximum,
// that escape back to the same text; a parsed pointer must build a field set
// that checks and filters a fixed document without crashing.
#include <boost/json/parse.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pipeline/field_set.hpp"
#include "util/json_pointer.hpp"

namespace {

void check(bool condition) {
    if (!condition) {
        std::abort();
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    auto segments = rampart::util::parse_json_pointer(text);
    if (!segments) {
        check(!rampart::util::describe(segments.error()).empty());
        return 0;
    }
    check(!segments->empty() && segments->size() <= rampart::util::max_json_pointer_segments);
    std::string escaped;
    for (const auto& segment : *segments) {
        check(!segment.empty());
        rampart::util::append_json_pointer_segment(escaped, segment);
    }
    auto reparsed = rampart::util::parse_json_pointer(escaped);
    check(reparsed && *reparsed == *segments);

    static const auto document =
        boost::json::parse(R"({"a":{"b":[{"c":1},{"d":[2,{"e":3}]}]},"~":{"/":null},"0":[0]})");
    rampart::pipeline::FieldSet set;
    set.add(*segments);
    const rampart::pipeline::FieldSet::Node* nodes[] = {&set.root()};
    auto refused = rampart::pipeline::unwritable_fields(document, nodes, 16);
    check(refused.size() <= 16);
    auto filtered = document;
    rampart::pipeline::keep_readable_fields(filtered, nodes);
    rampart::pipeline::remove_fields(filtered, set.root());
    return 0;
}
