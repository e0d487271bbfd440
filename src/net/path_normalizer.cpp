#include "net/path_normalizer.hpp"
#include "util/ascii.hpp"
#include "util/utf8.hpp"

#include <boost/url/encode.hpp>
#include <boost/url/pct_string_view.hpp>
#include <boost/url/rfc/pchars.hpp>

#include <array>
#include <cstdint>
#include <optional>

namespace rampart::net {

namespace {

using boost::beast::http::status;
using rampart::config::DotSegmentPolicy;
using rampart::config::PathPolicy;
using rampart::config::SlashPolicy;

constexpr RequestRejection bad_request(std::string_view detail) {
    return {status::bad_request, detail};
}

struct RawTarget {
    std::string_view path;
    std::optional<std::string_view> query;
};

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           util::equals_ignoring_case(text.substr(0, prefix.size()), prefix);
}

// origin-form, or absolute-form naming this very host (RFC 9112 §3.2.2: a
// server must accept it; it must not become a way to reach another host).
boost::system::result<RawTarget, RequestRejection> split_target(std::string_view target,
                                                                std::string_view host_header) {
    std::string_view path_and_query;
    if (!target.empty() && target.front() == '/') {
        path_and_query = target;
    } else {
        std::size_t scheme_length = starts_with_ignoring_case(target, "http://")    ? 7
                                    : starts_with_ignoring_case(target, "https://") ? 8
                                                                                    : 0;
        if (scheme_length == 0) {
            return bad_request("The request target must be a path or an absolute URL.");
        }
        std::string_view rest = target.substr(scheme_length);
        std::size_t authority_end = rest.find_first_of("/?");
        std::string_view authority = rest.substr(0, authority_end);
        if (authority.empty() || host_header.empty() ||
            !util::equals_ignoring_case(authority, host_header)) {
            return bad_request("The request target names another host than the Host field.");
        }
        path_and_query = authority_end == std::string_view::npos ? std::string_view()
                                                                 : rest.substr(authority_end);
    }
    RawTarget raw;
    std::size_t question_mark = path_and_query.find('?');
    raw.path = path_and_query.substr(0, question_mark);
    if (question_mark != std::string_view::npos) {
        raw.query = path_and_query.substr(question_mark + 1);
    }
    if (raw.path.empty()) {
        raw.path = "/";  // "http://host" and "http://host?q" address the root
    }
    if (raw.path.front() != '/') {
        return bad_request("The request target must be a path or an absolute URL.");
    }
    return raw;
}

bool is_visible_ascii(char c) {
    return c > 0x20 && c < 0x7f;
}

std::optional<RequestRejection> check_raw_bytes(const RawTarget& raw) {
    for (char c : raw.path) {
        if (!is_visible_ascii(c) || c == '#') {
            return bad_request("The request path contains a forbidden character.");
        }
    }
    if (raw.query) {
        for (char c : *raw.query) {
            if (!is_visible_ascii(c) || c == '#') {
                return bad_request("The request query contains a forbidden character.");
            }
        }
    }
    return std::nullopt;
}

// An encoded '/' would be one segment to us and two to many upstreams.
bool contains_encoded_slash(std::string_view raw_path) {
    for (std::size_t i = 0; i + 2 < raw_path.size(); ++i) {
        if (raw_path[i] == '%' && raw_path[i + 1] == '2' &&
            (raw_path[i + 2] == 'F' || raw_path[i + 2] == 'f')) {
            return true;
        }
    }
    return false;
}

boost::system::result<std::string, RequestRejection> decode_path(std::string_view raw_path,
                                                                 const PathPolicy& policy) {
    auto encoded = boost::urls::make_pct_string_view(raw_path);
    if (!encoded) {
        return bad_request("The request path contains a malformed percent-escape.");
    }
    if (contains_encoded_slash(raw_path)) {
        return bad_request("The request path contains an encoded '/'.");
    }
    std::string decoded = encoded->decode();
    for (char c : decoded) {
        auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) {
            return bad_request("The request path contains a control character.");
        }
        if (c == '\\' && !policy.allow_backslashes) {
            return bad_request("The request path contains a backslash.");
        }
        if (c == ';' && !policy.allow_semicolons) {
            return bad_request("The request path contains a ';'.");
        }
    }
    if (!util::is_valid_utf8(decoded)) {
        return bad_request("The request path is not valid UTF-8.");
    }
    return decoded;
}

// Builds the normalised path segment by segment. Removing the last segment
// is a cut at the last '/', so no segment list is needed.
class PathBuilder {
  public:
    explicit PathBuilder(std::size_t capacity) { path_.reserve(capacity + 1); }

    void append(std::string_view segment) {
        path_ += '/';
        path_ += segment;
    }
    // False when there is no segment left: ".." would climb above the root.
    bool remove_last() {
        if (path_.empty()) {
            return false;
        }
        path_.resize(path_.rfind('/'));
        return true;
    }
    std::string finish() && {
        if (path_.empty()) {
            path_.push_back('/');  // not `= "/"`: GCC 12 -O2 reports a false -Wrestrict on it
        }
        return std::move(path_);
    }

  private:
    std::string path_;
};

boost::system::result<std::string, RequestRejection> normalize_segments(std::string_view decoded,
                                                                        const PathPolicy& policy) {
    PathBuilder builder(decoded.size());
    std::string_view rest = decoded.substr(1);  // after the leading '/'
    while (true) {
        std::size_t slash = rest.find('/');
        bool last = slash == std::string_view::npos;
        std::string_view segment = rest.substr(0, slash);
        bool dot = segment == ".";
        bool dot_dot = segment == "..";
        if ((dot || dot_dot) && policy.dot_segments == DotSegmentPolicy::reject) {
            return bad_request("The request path contains a '.' or '..' segment.");
        }
        if (dot_dot && !builder.remove_last()) {
            return bad_request("The request path climbs above the root.");
        }
        if (dot || dot_dot) {
            if (last) {
                builder.append("");  // "/a/b/.." is "/a/": the trailing slash stays
            }
        } else if (segment.empty() && !last) {
            if (policy.repeated_slashes == SlashPolicy::reject) {
                return bad_request("The request path contains repeated slashes.");
            }
            if (policy.repeated_slashes == SlashPolicy::keep) {
                builder.append("");
            }
        } else {
            builder.append(segment);
        }
        if (last) {
            break;
        }
        rest.remove_prefix(slash + 1);
    }
    return std::move(builder).finish();
}

std::string encode_path(std::string_view path) {
    static constexpr auto path_chars = boost::urls::pchars + '/';
    return boost::urls::encode(path, path_chars);
}

// Characters a path may hold that decoding leaves alone and encoding does not
// touch: unreserved, the sub-delims other than ';', ':', '@' and '/'.
constexpr std::array<bool, 256> plain_path_characters = [] {
    std::array<bool, 256> plain{};
    for (unsigned char c = 'a'; c <= 'z'; ++c) {
        plain[c] = true;
        plain[c - 'a' + 'A'] = true;
    }
    for (unsigned char c = '0'; c <= '9'; ++c) {
        plain[c] = true;
    }
    for (unsigned char c : std::string_view("-._~!$&'()*+,=:@/")) {
        plain[c] = true;
    }
    return plain;
}();

// A path that normalisation would return unchanged: plain characters only
// (no escape, no ';' or '\'), no empty segment before the last, no "." or
// ".." segment. Most requests are such paths; they skip decoding, the
// segment walk and re-encoding, with the same result.
bool is_already_normal(std::string_view raw_path) {
    for (char c : raw_path) {
        if (!plain_path_characters[static_cast<unsigned char>(c)]) {
            return false;
        }
    }
    std::string_view rest = raw_path.substr(1);  // split_target: it starts with '/'
    while (true) {
        std::size_t slash = rest.find('/');
        std::string_view segment = rest.substr(0, slash);
        bool last = slash == std::string_view::npos;
        if (segment == "." || segment == ".." || (segment.empty() && !last)) {
            return false;
        }
        if (last) {
            return true;
        }
        rest.remove_prefix(slash + 1);
    }
}

// `path` is routed; `encoded_path` and the raw query, as received, go upstream.
NormalizedTarget normalized_target(std::string path, std::string encoded_path,
                                   const RawTarget& raw) {
    NormalizedTarget normalized;
    normalized.upstream_target = std::move(encoded_path);
    if (raw.query) {
        normalized.query = std::string(*raw.query);
        normalized.upstream_target += '?';
        normalized.upstream_target += normalized.query;
    }
    normalized.path = std::move(path);
    return normalized;
}

}  // namespace

boost::system::result<NormalizedTarget, RequestRejection> normalize_target(
    std::string_view raw_target, std::string_view host_header, const PathPolicy& policy) {
    auto raw = split_target(raw_target, host_header);
    if (!raw || !is_already_normal(raw->path) || check_raw_bytes(*raw)) {
        return normalize_target_in_full(raw_target, host_header, policy);
    }
    return normalized_target(std::string(raw->path), std::string(raw->path), *raw);
}

boost::system::result<NormalizedTarget, RequestRejection> normalize_target_in_full(
    std::string_view raw_target, std::string_view host_header, const PathPolicy& policy) {
    auto raw = split_target(raw_target, host_header);
    if (!raw) {
        return raw.error();
    }
    if (auto rejection = check_raw_bytes(*raw)) {
        return *rejection;
    }
    auto decoded = decode_path(raw->path, policy);
    if (!decoded) {
        return decoded.error();
    }
    auto path = normalize_segments(*decoded, policy);
    if (!path) {
        return path.error();
    }
    auto encoded = encode_path(*path);
    return normalized_target(std::move(*path), std::move(encoded), *raw);
}

}  // namespace rampart::net
