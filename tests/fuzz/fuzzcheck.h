// Invariant checks for the libFuzzer targets: a violation traps, so libFuzzer reports it like
// a crash and keeps the input.
#pragma once

namespace sk::fuzz {

inline void check(bool ok)
{
    if (!ok)
        __builtin_trap();
}

} // namespace sk::fuzz
