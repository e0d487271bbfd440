#include "auth/revocation_list.hpp"

namespace rampart::auth {

RevocationList::RevocationList(const store::RevocationLists& lists) {
    for (const auto& revocation : lists.access_tokens) {
        jtis_.insert(revocation.jti);
    }
    for (const auto& revocation : lists.families) {
        families_.insert(revocation.family_id);
    }
    for (const auto& revocation : lists.subjects) {
        auto [entry, inserted] =
            subject_cutoffs_.emplace(revocation.subject, revocation.not_before);
        if (!inserted && entry->second < revocation.not_before) {
            entry->second = revocation.not_before;
        }
    }
}

bool RevocationList::is_revoked(std::string_view jti, std::string_view family_id,
                                std::string_view subject, store::Time issued_at) const {
    if (!jti.empty() && jtis_.find(jti) != jtis_.end()) {
        return true;
    }
    if (!family_id.empty() && families_.find(family_id) != families_.end()) {
        return true;
    }
    auto cutoff = subject_cutoffs_.find(subject);
    // Whole seconds: a user's token issued in the second of a password change
    // survives this check but not the revocation of its family, which the
    // change also records.
    return cutoff != subject_cutoffs_.end() && issued_at < cutoff->second;
}

}  // namespace rampart::auth
