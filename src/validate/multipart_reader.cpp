#include "validate/multipart_reader.hpp"

#include <gmime/gmime.h>

#include <mutex>

#include "util/ascii.hpp"

namespace rampart::validate {

namespace {

void initialise_gmime() {
    static std::once_flag once;
    std::call_once(once, [] { g_mime_init(); });
}

// GObject references, released on every path.
template <typename Object>
struct Reference {
    Object* object = nullptr;
    explicit Reference(Object* created) : object(created) {}
    ~Reference() {
        if (object != nullptr) {
            g_object_unref(object);
        }
    }
    Reference(const Reference&) = delete;
    Reference& operator=(const Reference&) = delete;
};

std::string lower(std::string_view text) {
    std::string result(text);
    for (auto& character : result) {
        character = util::ascii_lower(character);
    }
    return result;
}

// The closing delimiter ("--boundary--") must be there: a body cut short could be read one way
// here and another way upstream.
bool has_closing_delimiter(std::string_view body, std::string_view boundary) {
    std::string closing = "--" + std::string(boundary) + "--";
    auto at = body.rfind(closing);
    if (at == std::string_view::npos) {
        return false;
    }
    auto rest = body.substr(at + closing.size());
    return rest.empty() || rest == "\r\n" || rest == "\n";
}

std::uint64_t content_bytes(GMimePart* part) {
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (content == nullptr) {
        return 0;
    }
    Reference<GMimeStream> decoded(g_mime_stream_mem_new());
    auto written = g_mime_data_wrapper_write_to_stream(content, decoded.object);
    return written < 0 ? 0 : static_cast<std::uint64_t>(written);
}

MultipartPart describe(GMimeObject* object) {
    MultipartPart part;
    GMimeContentType* type = g_mime_object_get_content_type(object);
    const char* header = g_mime_object_get_header(object, "Content-Type");
    if (type != nullptr && header != nullptr) {
        char* mime_type = g_mime_content_type_get_mime_type(type);
        part.media_type = lower(mime_type);
        g_free(mime_type);
    } else {
        part.media_type = "text/plain";  // RFC 7578 §4.4
    }
    if (GMimeContentDisposition* disposition = g_mime_object_get_content_disposition(object)) {
        if (const char* name = g_mime_content_disposition_get_parameter(disposition, "name")) {
            part.field_name = name;
        }
        part.is_file = g_mime_content_disposition_get_parameter(disposition, "filename") != nullptr;
    }
    if (GMIME_IS_PART(object)) {
        part.bytes = content_bytes(GMIME_PART(object));
    }
    return part;
}

}  // namespace

MultipartBody read_multipart(std::string_view content_type, std::string_view body,
                             std::size_t max_parts) {
    initialise_gmime();
    MultipartBody result;
    std::string type_text(content_type);
    Reference<GMimeContentType> type(g_mime_content_type_parse(nullptr, type_text.c_str()));
    if (type.object == nullptr ||
        !g_mime_content_type_is_type(type.object, "multipart", "form-data")) {
        result.problem = MultipartProblem::not_multipart;
        return result;
    }
    const char* boundary = g_mime_content_type_get_parameter(type.object, "boundary");
    if (boundary == nullptr || *boundary == '\0') {
        result.problem = MultipartProblem::missing_boundary;
        return result;
    }
    if (!has_closing_delimiter(body, boundary)) {
        result.problem = MultipartProblem::malformed;
        return result;
    }
    // GMime parses an entity: the Content-Type line, a blank line, then the body.
    std::string entity = "Content-Type: " + type_text + "\r\n\r\n";
    entity.append(body);
    Reference<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(entity.data(), entity.size()));
    Reference<GMimeParser> parser(g_mime_parser_new_with_stream(stream.object));
    Reference<GMimeObject> parsed(g_mime_parser_construct_part(parser.object, nullptr));
    if (parsed.object == nullptr || !GMIME_IS_MULTIPART(parsed.object)) {
        result.problem = MultipartProblem::malformed;
        return result;
    }
    auto* multipart = GMIME_MULTIPART(parsed.object);
    int count = g_mime_multipart_get_count(multipart);
    if (count <= 0) {
        result.problem = MultipartProblem::malformed;
        return result;
    }
    if (static_cast<std::size_t>(count) > max_parts) {
        result.problem = MultipartProblem::too_many_parts;
        return result;
    }
    for (int index = 0; index < count; ++index) {
        GMimeObject* part = g_mime_multipart_get_part(multipart, index);
        if (GMIME_IS_MULTIPART(part)) {
            result.problem = MultipartProblem::nested;
            return result;
        }
        result.parts.push_back(describe(part));
    }
    return result;
}

}  // namespace rampart::validate
