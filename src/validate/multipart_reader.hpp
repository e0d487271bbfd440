// Reads the parts of a multipart/form-data body (RFC 7578) so that the
// multipart stage can check them against a route's limits before anything is
// forwarded. The MIME parsing is GMime's; this file only asks it for each
// part's media type, size and names.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::validate {

struct MultipartPart {
    std::string media_type;   // "image/png", lower case; "text/plain" when the part names none
    std::uint64_t bytes = 0;  // the part's content, after any Content-Transfer-Encoding
    std::string field_name;   // Content-Disposition name
    bool is_file = false;     // Content-Disposition has a filename
};

enum class MultipartProblem {
    none,
    not_multipart,     // the Content-Type is not multipart/form-data
    missing_boundary,  // multipart/form-data without a boundary parameter
    malformed,         // no closing delimiter, or a body GMime cannot read as parts
    nested,            // a part is itself multipart (RFC 7578 §4.3 deprecates it)
    too_many_parts,    // more than the caller's maximum (counted before sizes are read)
};

struct MultipartBody {
    MultipartProblem problem = MultipartProblem::none;
    std::vector<MultipartPart> parts;
};

// Parses `body` as sent with `content_type`. Reads at most `max_parts` parts; past that the
// answer is too_many_parts.
MultipartBody read_multipart(std::string_view content_type, std::string_view body,
                             std::size_t max_parts);

}  // namespace rampart::validate
