// CheatLog: suspicious announces flagged on the announce path (upload reported where no
// leecher could have received it, or faster than a cap), queued for the database. Flags are
// for moderators to review: they never change anyone's stats.
#pragma once

#include "registry.h"
#include "shared/types/fixedbytes.h"
#include "shared/types/ipaddress.h"

#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

namespace sk::core {

enum class CheatKind : unsigned char
{
    NoLeechers = 1, // upload reported while no other leecher was in the swarm
    TooFast = 2,    // upload faster than policy's cap since the previous announce
};
const char *cheatKindName(CheatKind kind);

struct CheatFlag
{
    std::int64_t id = 0; // set by the database
    UserId user = 0;
    TorrentId torrent = 0;
    CheatKind kind = CheatKind::NoLeechers;
    proto::PeerId peerId;
    proto::IpAddress ip;
    std::uint64_t uploaded = 0; // reported since the previous announce
    std::int64_t seconds = 0;   // since the previous announce
    std::uint32_t leechers = 0; // other leechers in the swarm at this announce
    std::int64_t at = 0;        // Unix seconds
};

// Appends are rare (only flagged announces); the queue is bounded and counts what it drops.
class CheatLog
{
public:
    // 10,000 flags between two flushes (seconds apart) is already an attack, not cheating to
    // review one by one; past it flags are counted and dropped.
    explicit CheatLog(std::size_t capacity = 10000) : m_capacity(capacity) {}
    void append(const CheatFlag &flag);
    std::vector<CheatFlag> takeAll();
    void putBack(std::vector<CheatFlag> &&flags); // after a failed write, ahead of newer ones
    std::uint64_t dropped() const { return m_dropped.load(std::memory_order_relaxed); }
    std::uint64_t flagged() const { return m_flagged.load(std::memory_order_relaxed); }

private:
    std::mutex m_lock;
    std::vector<CheatFlag> m_flags;
    std::size_t m_capacity;
    std::atomic<std::uint64_t> m_dropped{0};
    std::atomic<std::uint64_t> m_flagged{0};
};

} // namespace sk::core
