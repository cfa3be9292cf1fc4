// fastRandom: a per-thread xorshift generator for peer sampling and jitter (not for secrets).
#pragma once

#include <cstdint>

namespace sk::core {

// Peer selection draws one number per reply; std::mt19937 with a distribution costs more
// than the rest of the selection. Secrets (passkeys, tokens, connection-id keys) use libsodium.
std::uint64_t fastRandom();

} // namespace sk::core
