// Saturating counter arithmetic: byte totals stick at the maximum instead of wrapping.
#pragma once

#include <cstdint>
#include <limits>

namespace sk::core {

inline std::uint64_t addClamped(std::uint64_t a, std::uint64_t b)
{
    const std::uint64_t s = a + b;
    return s < a ? std::numeric_limits<std::uint64_t>::max() : s;
}

} // namespace sk::core
