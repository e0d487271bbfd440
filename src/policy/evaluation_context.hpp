// What a rule can see of a request: the verified subject's claims, the
// request's method, path, client address and headers, the route's path
// parameters, the query parameters and the time. The authorization stage
// implements it over its Exchange; every accessor returns views into data the
// implementation owns, so evaluating a rule allocates nothing.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace rampart::policy {

// A read-only list of strings that does not own them and does not care how
// they are stored (a vector of strings, of views, a JSON array...).
class StringListView {
  public:
    using ElementReader = std::string_view (*)(const void* elements, std::size_t index) noexcept;

    StringListView() = default;
    StringListView(const void* elements, std::size_t size, ElementReader reader) noexcept
        : elements_(elements), size_(size), reader_(reader) {}
    explicit StringListView(std::span<const std::string> strings) noexcept
        : StringListView(strings.data(), strings.size(), &read_element<std::string>) {}
    explicit StringListView(std::span<const std::string_view> views) noexcept
        : StringListView(views.data(), views.size(), &read_element<std::string_view>) {}

    std::size_t size() const noexcept { return size_; }
    std::string_view operator[](std::size_t index) const noexcept {
        return reader_(elements_, index);
    }

  private:
    template <typename Element>
    static std::string_view read_element(const void* elements, std::size_t index) noexcept {
        return static_cast<const Element*>(elements)[index];
    }

    const void* elements_ = nullptr;
    std::size_t size_ = 0;
    ElementReader reader_ = nullptr;
};

// `unsupported`: the claim exists but is of no type the rule language has (an
// object, a fraction, a list with a non-string element): has() is true for
// it and every other use is undefined.
enum class ClaimKind : std::uint8_t { absent, string, integer, boolean, string_list, unsupported };

struct ClaimValue {
    ClaimKind kind = ClaimKind::absent;
    std::string_view text;
    std::int64_t integer = 0;
    bool boolean = false;
    StringListView list;

    static ClaimValue absent() noexcept { return {}; }
    static ClaimValue of_string(std::string_view text) noexcept {
        return {ClaimKind::string, text, 0, false, {}};
    }
    static ClaimValue of_integer(std::int64_t integer) noexcept {
        return {ClaimKind::integer, {}, integer, false, {}};
    }
    static ClaimValue of_boolean(bool boolean) noexcept {
        return {ClaimKind::boolean, {}, 0, boolean, {}};
    }
    static ClaimValue of_list(StringListView list) noexcept {
        return {ClaimKind::string_list, {}, 0, false, list};
    }
    static ClaimValue of_unsupported() noexcept {
        return {ClaimKind::unsupported, {}, 0, false, {}};
    }
};

class EvaluationContext {
  public:
    virtual ~EvaluationContext() = default;

    virtual ClaimValue subject_claim(std::string_view name) const noexcept = 0;
    virtual std::string_view request_method() const noexcept = 0;
    virtual std::string_view request_path() const noexcept = 0;  // normalised
    virtual std::string_view client_ip() const noexcept = 0;
    // `name` case-insensitively; a field sent more than once is the
    // implementation's choice to document (e.g. refused earlier, or the first).
    virtual std::optional<std::string_view> header(std::string_view name) const noexcept = 0;
    virtual std::optional<std::string_view> path_parameter(
        std::string_view name) const noexcept = 0;
    virtual std::optional<std::string_view> query_parameter(
        std::string_view name) const noexcept = 0;
    virtual std::chrono::sys_seconds now() const noexcept = 0;
};

}  // namespace rampart::policy
