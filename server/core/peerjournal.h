// The peer journal: how the peers' last reported totals (each client's baseline) are
// persisted without a B-tree row write per announce. Each stats commit appends its peers as
// one blob of fixed-size entries to a log, in the same transaction as their credit; now and
// then a snapshot of the peer store, taken while announces go on, replaces the log. A start
// folds the snapshot and the log back into one state per peer. See docs/architecture.md,
// "Peer journal".
//
// A snapshot is taken swarm by swarm, each under its shard lock, and records the swarm's
// sequence at that moment (its watermark): every announce of that swarm with a higher
// sequence came after the copy, every other one is in it. So a log entry at or below its
// swarm's watermark is already in the snapshot and is skipped, and among the rest the highest
// sequence of each peer wins, whatever order the workers' buffers were drained in.
#pragma once

#include "database.h"

#include <QByteArray>
#include <QByteArrayView>

#include <cstdint>
#include <unordered_map>
#include <vector>

namespace sk::core::journal {

enum class EntryKind : std::uint8_t
{
    Live = 1,      // the peer with these totals
    Stopped = 2,   // the peer left (log only)
    Watermark = 3, // a swarm's sequence when a snapshot copied it (snapshot only)
};

struct Entry
{
    EntryKind kind = EntryKind::Live;
    PeerRecord peer;            // a watermark uses peer.torrent only
    std::uint64_t sequence = 0; // the announce's; in a snapshot, the swarm's watermark
    friend bool operator==(const Entry &, const Entry &) = default;
};

// A blob (a log part or a snapshot part) is a format byte, kCompactFormat, then entries of
// variable size: a byte of kind (bits 0-1) and IPv6 flag (bit 2), the torrent as a varint, then
// for a peer the user (varint), the 20 bytes of peer_id, uploaded, downloaded and left
// (varints), the last announce (zigzag varint), the sequence (varint) and the endpoint's compact
// bytes (6 or 18); for a watermark only the sequence. Varints are LEB128, least significant
// group first, in their shortest form. A typical peer takes 55-60 bytes.
// Blobs of the first format (fixed entries of 96 bytes, first byte a kind) are still read.
inline constexpr char kCompactFormat = '\xC2';
// The most an entry can take: 1 + 5 + 5 + 20 + 3 * 10 + 10 + 10 + 18.
inline constexpr qsizetype kMaxEntrySize = 99;
// A stored blob (a log part or a snapshot part) is cut at about this size: a million peers
// make ~14 parts, each bound and written in one go, none held whole in memory twice.
inline constexpr qsizetype kPartBytes = 4 << 20;

// Appends `e` to `blob`, starting it with the format byte if it is empty. A watermark keeps
// only its torrent and sequence.
void append(QByteArray &blob, const Entry &e);
// Decodes a whole blob into `out` (appended). False, and `out` unchanged, unless the blob is a
// format byte and entries that are each exactly what append() writes (or a blob of the first
// format whose entries are each exactly what it wrote: a known kind, zero padding, a v6 flag
// of 0 or 1 and an IPv4 endpoint's unused bytes zero). An empty blob holds no entries.
bool decode(QByteArrayView blob, std::vector<Entry> &out);

// Folds a snapshot, then the log rows committed after it, into one state per peer.
class Fold
{
public:
    void addSnapshot(const std::vector<Entry> &entries);
    void addLog(const std::vector<Entry> &entries);
    // Peers the fold leaves live and last announced at or after `announcedSince`, in key
    // order.
    std::vector<PeerRecord> peers(std::int64_t announcedSince) const;
    std::size_t size() const { return m_peers.size(); } // tombstones included

private:
    struct KeyHash
    {
        std::size_t operator()(const PeerKey &k) const noexcept
        {
            return k.peerId.hash(std::uint64_t(k.torrent) << 32 | k.user);
        }
    };
    void put(const Entry &e);
    std::unordered_map<TorrentId, std::uint64_t> m_watermarks;
    std::unordered_map<PeerKey, Entry, KeyHash> m_peers; // kind Stopped: a tombstone
};

} // namespace sk::core::journal
