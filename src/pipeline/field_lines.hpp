// Header lines a response gets after its own fields: whole "Name: value\r\n"
// lines, possibly in pieces (a name, a value, the line end), written by the
// message writer behind the fields of the Beast message. The gateway's own
// fields (the security headers, the request id, the framing) are text known
// when the configuration loads or when the response is framed; appending a
// view costs nothing, where inserting a field into the message costs an
// allocation and an ordered insert each.
//
// A piece must outlive the write: text of a compiled stage (the exchange
// holds its snapshot) or of the exchange and the session.
#pragma once

#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string_view>

namespace rampart::pipeline {

class FieldLines {
  public:
    // The security headers take at most four pieces and the session's
    // framing at most five; the bound is for a programming error, never input.
    static constexpr std::size_t capacity = 16;

    void append(std::string_view piece) {
        if (count_ == capacity) {
            throw std::length_error("more response field lines than FieldLines holds");
        }
        pieces_[count_++] = piece;
    }

    std::span<const std::string_view> pieces() const { return {pieces_.data(), count_}; }
    bool empty() const { return count_ == 0; }
    void clear() { count_ = 0; }

  private:
    std::array<std::string_view, capacity> pieces_{};
    std::size_t count_ = 0;
};

}  // namespace rampart::pipeline
