// Media types of request bodies (Content-Type) and of what a client accepts
// (Accept), RFC 9110 §8.3 and §12.5.1. The configured types are compiled at
// load; matching a request reads its headers in place, without allocating.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rampart::validate {

// A type a route takes or produces, lower case: "application/json",
// "text/plain", or "application/*+json" (any type with the +json suffix,
// RFC 6839).
struct MediaType {
    std::string type;
    std::string subtype;  // "*+json" for a suffix pattern

    bool is_json() const;  // application/json or a +json suffix
    std::string text() const { return type + "/" + subtype; }
};

// From the configuration: "type/subtype" of tokens, or "type/*+suffix".
// Nullopt when malformed. No parameters.
std::optional<MediaType> parse_configured_media_type(std::string_view text);

// A request's Content-Type, viewed in place.
struct ContentType {
    std::string_view type;
    std::string_view subtype;
    std::string_view parameters;  // from the first ';', possibly empty

    bool is_json() const;
};

// Nullopt when the header is not `type "/" subtype *( OWS ";" OWS parameter )`.
std::optional<ContentType> parse_content_type(std::string_view header);

// The request's Content-Type is one of `allowed`. A JSON body may carry only
// a charset parameter, and only utf-8 (RFC 8259 §8.1): a body announced in
// another encoding is refused, not transcoded.
bool content_type_allowed(const ContentType& content_type, const std::vector<MediaType>& allowed);

// False when the Accept header lists media ranges and none with q > 0 covers
// any of `produced` (so the answer would be 406). An absent or empty header
// accepts anything; malformed members are skipped.
bool accept_allows(std::string_view accept, const std::vector<MediaType>& produced);

}  // namespace rampart::validate
