// Accounting: per-announce credit (deltas against the peer's previous report, freeleech and
// multipliers), the per-thread ledger workers append to, and the coalesced batch the stats
// writer commits. See docs/architecture.md, "Accounting".
#pragma once

#include "peerstore.h"
#include "registry.h"
#include "saturating.h"
#include "shared/types/fixedbytes.h"
#include "shared/types/ipaddress.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <unordered_map>
#include <utility>
#include <vector>

namespace sk::core {

struct Credit
{
    std::uint64_t rawUploaded = 0; // what the client reported since its previous announce
    std::uint64_t rawDownloaded = 0;
    std::uint64_t uploaded = 0; // what the user is credited
    std::uint64_t downloaded = 0;
    bool reset = false; // a counter went backwards: new baseline, nothing credited for it
};

// The credit of one announce. A peer the store did not know yet only sets a baseline: its
// totals may include bytes credited before it timed out, so nothing is credited for them.
Credit computeCredit(const std::optional<PreviousPeer> &previous, std::uint64_t uploaded,
                     std::uint64_t downloaded, const TorrentPolicy &policy, bool globalFreeleech,
                     std::int64_t now);

// One announce as the stats writer needs it: the credit, and the totals that credit brings
// the peer to (persisted in the same transaction, so a restart knows the baseline).
struct StatsRecord
{
    std::uint64_t sequence = 0; // core::AnnounceOutcome::sequence
    UserId user = 0;
    TorrentId torrent = 0;
    proto::PeerId peerId;
    Credit credit;
    std::uint64_t uploaded = 0; // the peer's reported totals after this announce
    std::uint64_t downloaded = 0;
    std::uint64_t left = 0;
    proto::PeerEndpoint endpoint;
    std::int64_t lastAnnounce = 0;
    bool stopped = false;       // the peer left: its row goes
    bool completed = false;     // a `completed` event from a peer that was not seeding
    std::uint32_t seedtime = 0; // seconds seeded since the peer's previous announce
};

// Workers append without sharing a lock: each thread gets its own buffer (its mutex is only
// ever contended by the drain). The stats writer drains them all.
class StatsLedger
{
    struct Buffer
    {
        std::mutex lock;
        std::vector<StatsRecord> records;
        // The records of the last drain, cleared: the worker's next vector, so that it
        // writes into memory it already touched (a fresh one costs a page fault per 4 KiB).
        // Only the drain uses it, under m_buffersLock.
        std::vector<StatsRecord> spare;
    };

public:
    StatsLedger();
    ~StatsLedger();
    StatsLedger(const StatsLedger &) = delete;
    StatsLedger &operator=(const StatsLedger &) = delete;

    // Calls `onFull` from the appending thread each time the pending count reaches
    // `threshold` (0: never), so that a burst is flushed before the timer fires and the
    // ledger stays bounded. Set it before any append.
    void setHighWater(std::size_t threshold, std::function<void()> onFull);
    void append(const StatsRecord &record);

    // Holds this thread's buffer from before a peer store update until its record is in:
    // a drain then never runs between the two, so a drain that starts after a snapshot of
    // the store has every record the snapshot saw (see peerjournal.h). Uncontended but for
    // a drain; one per thread at a time.
    class Scope
    {
    public:
        explicit Scope(StatsLedger &ledger);
        ~Scope();
        Scope(const Scope &) = delete;
        Scope &operator=(const Scope &) = delete;
        void append(const StatsRecord &record);

    private:
        StatsLedger &m_ledger;
        Buffer &m_buffer;
        std::unique_lock<std::mutex> m_lock;
        bool m_full = false;
    };

    // Hands every pending record to `take`, one worker's buffer at a time, and keeps the
    // buffers' memory for the next ones. Returns how many it handed over.
    std::size_t drain(const std::function<void(std::span<const StatsRecord>)> &take);
    std::vector<StatsRecord> takeAll(); // a copy of what drain() hands over
    std::size_t pending() const { return m_pending.load(std::memory_order_relaxed); }
    std::uint64_t resets() const { return m_resets.load(std::memory_order_relaxed); }

private:
    Buffer &local();

    const std::uint64_t m_id; // thread-local caches are keyed by this, never by address
    mutable std::mutex m_buffersLock;
    std::vector<std::unique_ptr<Buffer>> m_buffers;
    std::atomic<std::size_t> m_pending{0};
    std::atomic<std::uint64_t> m_resets{0};
    std::size_t m_highWater = 0;
    std::function<void()> m_onFull;
};

struct UserDelta
{
    std::uint64_t uploaded = 0;
    std::uint64_t downloaded = 0;
    UserDelta &operator+=(const UserDelta &o)
    {
        uploaded = addClamped(uploaded, o.uploaded);
        downloaded = addClamped(downloaded, o.downloaded);
        return *this;
    }
};

struct UserTorrentDelta
{
    std::uint64_t uploaded = 0; // credited
    std::uint64_t downloaded = 0;
    std::uint64_t rawUploaded = 0;
    std::uint64_t rawDownloaded = 0;
    std::uint64_t seedtime = 0;   // seconds
    std::int64_t lastSeen = 0;    // newest announce of the rows summed
    std::int64_t completedAt = 0; // first `completed` among them; 0: none (a snatch)
    UserTorrentDelta &operator+=(const UserTorrentDelta &o)
    {
        uploaded = addClamped(uploaded, o.uploaded);
        downloaded = addClamped(downloaded, o.downloaded);
        rawUploaded = addClamped(rawUploaded, o.rawUploaded);
        rawDownloaded = addClamped(rawDownloaded, o.rawDownloaded);
        seedtime = addClamped(seedtime, o.seedtime);
        lastSeen = std::max(lastSeen, o.lastSeen);
        if (o.completedAt && (!completedAt || o.completedAt < completedAt))
            completedAt = o.completedAt;
        return *this;
    }
};

struct TorrentDelta
{
    std::uint64_t uploaded = 0; // raw
    std::uint64_t downloaded = 0;
    std::uint32_t completed = 0;
    TorrentDelta &operator+=(const TorrentDelta &o)
    {
        uploaded = addClamped(uploaded, o.uploaded);
        downloaded = addClamped(downloaded, o.downloaded);
        completed += o.completed;
        return *this;
    }
};

struct PeerKey
{
    TorrentId torrent = 0;
    UserId user = 0;
    proto::PeerId peerId;
    friend auto operator<=>(const PeerKey &, const PeerKey &) = default;
    friend bool operator==(const PeerKey &a, const PeerKey &b)
    {
        return a.torrent == b.torrent && a.user == b.user && a.peerId == b.peerId;
    }
};

// The newest state of one peer in a batch.
struct PeerState
{
    std::uint64_t sequence = 0;
    std::uint64_t uploaded = 0;
    std::uint64_t downloaded = 0;
    std::uint64_t left = 0;
    proto::PeerEndpoint endpoint;
    std::int64_t lastAnnounce = 0;
    bool stopped = false;
};

using UserTorrentKey = std::pair<UserId, TorrentId>;

// Records coalesced per user, per (user, torrent) and per torrent, with each peer's states:
// what one transaction commits. Sums add. Per-(user, torrent) rows, up to a million in a
// large flush, are a vector sorted by key: coalescing is one sort of compact keys, the commit
// writes in key order (B-tree pages in sequence), and merging two batches is a linear merge;
// hash maps of nodes cost more than the commit itself. Peers are kept in drain order, a peer
// possibly more than once: the peer journal keeps each one's highest sequence on its own.
// Only a batch kept after a failed commit is coalesced to one (the newest) state per peer.
struct StatsBatch
{
    std::unordered_map<UserId, UserDelta> users;
    std::vector<std::pair<UserTorrentKey, UserTorrentDelta>> userTorrents; // sorted, unique
    std::unordered_map<TorrentId, TorrentDelta> torrents;
    std::vector<std::pair<PeerKey, PeerState>> peers; // see above

    // Coalesces a drain and merges it in.
    void addAll(std::span<const StatsRecord> records);
    void add(const StatsRecord &r) { addAll({&r, 1}); }
    // Folds a newer batch into this one (a failed commit is retried with what came since).
    // Peers come out coalesced.
    void merge(StatsBatch &&newer);
    // Sorts peers by key and keeps each one's newest state.
    void coalescePeers();
    // Empties the batch but keeps the memory of its peers for the next one (a flush interval's
    // peers are tens of MiB under load: a fresh vector faults in every page of it again),
    // unless it holds more than four times what this batch used (a burst is not kept) and more
    // than room for `keep` peers (what the caller reserves anyway: StatsWriter::setBatchHint).
    void clear(std::size_t keep = 0);

    const PeerState *peer(const PeerKey &key) const;
    const UserTorrentDelta *userTorrent(UserId user, TorrentId torrent) const;
    bool empty() const
    {
        return peers.empty() && users.empty() && userTorrents.empty() && torrents.empty();
    }
    std::size_t size() const { return peers.size() + users.size() + userTorrents.size(); }
};

} // namespace sk::core
