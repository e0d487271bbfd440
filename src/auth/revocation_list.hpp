// The revocations the gateway checks on every token, held in memory and
// rebuilt from the store whenever it changes (REV-04, RT-03, PWD-10, PWD-11):
// revoked access-token ids, revoked refresh families (their access tokens
// carry the family id in "sid"), and subjects whose tokens issued before a
// moment are dead. Immutable once built.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>

#include "store/store.hpp"

namespace rampart::auth {

class RevocationList {
  public:
    RevocationList() = default;
    explicit RevocationList(const store::RevocationLists& lists);

    bool is_revoked(std::string_view jti, std::string_view family_id, std::string_view subject,
                    store::Time issued_at) const;
    std::size_t size() const { return jtis_.size() + families_.size() + subject_cutoffs_.size(); }

  private:
    struct TransparentHash {
        using is_transparent = void;
        std::size_t operator()(std::string_view text) const {
            return std::hash<std::string_view>{}(text);
        }
    };
    using StringSet = std::unordered_set<std::string, TransparentHash, std::equal_to<>>;
    StringSet jtis_;
    StringSet families_;
    std::unordered_map<std::string, store::Time, TransparentHash, std::equal_to<>> subject_cutoffs_;
};

}  // namespace rampart::auth
