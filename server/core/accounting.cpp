#include "accounting.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sk::core {

namespace {

std::uint64_t scaled(std::uint64_t bytes, double multiplier)
{
    if (bytes == 0 || !(multiplier > 0.0)) // also catches NaN
        return 0;
    if (multiplier == 1.0)
        return bytes;
    const long double v = std::floor(static_cast<long double>(bytes) * multiplier);
    constexpr auto top = std::numeric_limits<std::uint64_t>::max();
    return v >= static_cast<long double>(top) ? top : static_cast<std::uint64_t>(v);
}

std::atomic<std::uint64_t> g_ledgerIds{0};

struct LocalBuffer
{
    std::uint64_t ledger = 0;
    void *buffer = nullptr;
};
thread_local std::vector<LocalBuffer> t_buffers;

} // namespace

Credit computeCredit(const std::optional<PreviousPeer> &previous, std::uint64_t uploaded,
                     std::uint64_t downloaded, const TorrentPolicy &policy, bool globalFreeleech,
                     std::int64_t now)
{
    Credit c;
    if (!previous)
        return c;
    if (uploaded < previous->uploaded || downloaded < previous->downloaded) {
        // The client restarted its session (or lies): these totals are the new baseline.
        // Whichever counter still grew is not credited either: we cannot tell how much of it
        // belongs to the old session.
        c.reset = true;
        return c;
    }
    c.rawUploaded = uploaded - previous->uploaded;
    c.rawDownloaded = downloaded - previous->downloaded;
    c.uploaded = scaled(c.rawUploaded, policy.uploadMultiplier);
    c.downloaded = globalFreeleech || policy.freeleechAt(now)
                       ? 0
                       : scaled(c.rawDownloaded, policy.downloadMultiplier);
    return c;
}

StatsLedger::StatsLedger() : m_id(g_ledgerIds.fetch_add(1, std::memory_order_relaxed) + 1) {}

StatsLedger::~StatsLedger() = default;

StatsLedger::Buffer &StatsLedger::local()
{
    for (const LocalBuffer &b : t_buffers)
        if (b.ledger == m_id)
            return *static_cast<Buffer *>(b.buffer);
    auto owned = std::make_unique<Buffer>();
    Buffer *raw = owned.get();
    {
        std::lock_guard lock(m_buffersLock);
        m_buffers.push_back(std::move(owned));
    }
    // Entries of ledgers that are gone stay behind (ids are never reused): one per thread
    // and ledger, and servers create one ledger.
    t_buffers.push_back({m_id, raw});
    return *raw;
}

void StatsLedger::setHighWater(std::size_t threshold, std::function<void()> onFull)
{
    m_highWater = threshold;
    m_onFull = std::move(onFull);
}

void StatsLedger::append(const StatsRecord &record)
{
    Scope(*this).append(record);
}

StatsLedger::Scope::Scope(StatsLedger &ledger)
    : m_ledger(ledger), m_buffer(ledger.local()), m_lock(m_buffer.lock)
{}

StatsLedger::Scope::~Scope()
{
    m_lock.unlock();
    if (m_full) // outside the lock: the callback may start a drain
        m_ledger.m_onFull();
}

void StatsLedger::Scope::append(const StatsRecord &record)
{
    m_buffer.records.push_back(record);
    // Exactly one append sees the count reach the mark (until a drain lowers it again).
    if (m_ledger.m_pending.fetch_add(1, std::memory_order_relaxed) + 1 == m_ledger.m_highWater &&
        m_ledger.m_onFull)
        m_full = true;
    if (record.credit.reset)
        m_ledger.m_resets.fetch_add(1, std::memory_order_relaxed);
}

std::size_t StatsLedger::drain(const std::function<void(std::span<const StatsRecord>)> &take)
{
    std::size_t total = 0;
    std::lock_guard lock(m_buffersLock);
    for (const auto &b : m_buffers) {
        {
            std::lock_guard bufferLock(b->lock);
            const std::size_t n = b->records.size();
            b->records.swap(b->spare);
            // The worker starts again with room for half as much again as it reached, not from
            // nothing by doublings: a growing load would otherwise move the buffer (a copy and
            // fresh pages, on the announce path) at each new peak.
            if (b->records.capacity() < n)
                b->records.reserve(n + n / 2);
        }
        const std::size_t n = b->spare.size();
        m_pending.fetch_sub(n, std::memory_order_relaxed);
        total += n;
        if (n > 0)
            take(b->spare);
        b->spare.clear();
        // After a burst the spare would keep its peak for good; a quiet worker gives it back.
        if (b->spare.capacity() > 4 * std::max<std::size_t>(n, 4096))
            std::vector<StatsRecord>().swap(b->spare);
    }
    return total;
}

std::vector<StatsRecord> StatsLedger::takeAll()
{
    std::vector<StatsRecord> all;
    drain([&](std::span<const StatsRecord> records) {
        all.insert(all.end(), records.begin(), records.end());
    });
    return all;
}

namespace {

// Merges two key-sorted, unique vectors into one; `combine(into, newer)` folds equal keys.
template<typename Row, typename Combine>
void mergeSorted(std::vector<Row> &into, std::vector<Row> &&newer, Combine combine)
{
    if (newer.empty())
        return;
    if (into.empty()) {
        into = std::move(newer);
        return;
    }
    std::vector<Row> out;
    out.reserve(into.size() + newer.size());
    auto a = into.begin();
    auto b = newer.begin();
    while (a != into.end() && b != newer.end()) {
        if (a->first < b->first) {
            out.push_back(std::move(*a++));
        } else if (b->first < a->first) {
            out.push_back(std::move(*b++));
        } else {
            combine(a->second, b->second);
            out.push_back(std::move(*a++));
            ++b;
        }
    }
    out.insert(out.end(), std::make_move_iterator(a), std::make_move_iterator(into.end()));
    out.insert(out.end(), std::make_move_iterator(b), std::make_move_iterator(newer.end()));
    into = std::move(out);
}

void keepNewest(PeerState &into, const PeerState &newer)
{
    if (newer.sequence >= into.sequence)
        into = newer;
}

void addDelta(UserTorrentDelta &into, const UserTorrentDelta &newer)
{
    into += newer;
}

} // namespace

void StatsBatch::addAll(std::span<const StatsRecord> records)
{
    // Sorting (key, record index) pairs moves fewer bytes than sorting whole records.
    struct UserTorrentRef
    {
        UserTorrentKey key;
        std::uint32_t index;
    };
    std::vector<UserTorrentRef> userTorrentRefs;
    // Geometric: a batch that absorbs many small drains must not copy itself at each one.
    if (peers.capacity() < peers.size() + records.size())
        peers.reserve(std::max(peers.size() + records.size(), 2 * peers.capacity()));
    for (std::uint32_t i = 0; i < records.size(); ++i) {
        const StatsRecord &r = records[i];
        const Credit &c = r.credit;
        if (c.uploaded || c.downloaded)
            users[r.user] += UserDelta{c.uploaded, c.downloaded};
        // An idle announce changes no (user, torrent) row: only transfer, seeding time and
        // completion do (and they bring its last_seen along).
        if (c.rawUploaded || c.rawDownloaded || r.seedtime || r.completed)
            userTorrentRefs.push_back({{r.user, r.torrent}, i});
        if (c.rawUploaded || c.rawDownloaded || r.completed)
            torrents[r.torrent] +=
                TorrentDelta{c.rawUploaded, c.rawDownloaded, r.completed ? 1u : 0u};
        // In drain order: the journal keeps each peer's highest sequence itself, so the
        // usual flush never sorts them (a sort of a million keys was most of its time).
        peers.emplace_back(PeerKey{r.torrent, r.user, r.peerId},
                           PeerState{r.sequence, r.uploaded, r.downloaded, r.left, r.endpoint,
                                     r.lastAnnounce, r.stopped});
    }

    std::sort(userTorrentRefs.begin(), userTorrentRefs.end(),
              [](const UserTorrentRef &a, const UserTorrentRef &b) { return a.key < b.key; });
    std::vector<std::pair<UserTorrentKey, UserTorrentDelta>> freshUserTorrents;
    for (const UserTorrentRef &ref : userTorrentRefs) {
        const StatsRecord &r = records[ref.index];
        const Credit &c = r.credit;
        const UserTorrentDelta d{c.uploaded,
                                 c.downloaded,
                                 c.rawUploaded,
                                 c.rawDownloaded,
                                 r.seedtime,
                                 r.lastAnnounce,
                                 r.completed ? r.lastAnnounce : 0};
        if (freshUserTorrents.empty() || freshUserTorrents.back().first != ref.key)
            freshUserTorrents.emplace_back(ref.key, d);
        else
            freshUserTorrents.back().second += d;
    }

    mergeSorted(userTorrents, std::move(freshUserTorrents), addDelta);
}

void StatsBatch::coalescePeers()
{
    // Newest first within a key, so that unique() keeps it.
    std::sort(peers.begin(), peers.end(), [](const auto &a, const auto &b) {
        return a.first < b.first || (a.first == b.first && a.second.sequence > b.second.sequence);
    });
    peers.erase(std::unique(peers.begin(), peers.end(),
                            [](const auto &a, const auto &b) { return a.first == b.first; }),
                peers.end());
}

void StatsBatch::clear(std::size_t keep)
{
    users.clear();
    userTorrents.clear();
    torrents.clear();
    // Below 4096 peers (~400 KiB) the memory is kept whatever was used: too little to matter.
    if (peers.capacity() > std::max(4 * std::max<std::size_t>(peers.size(), 4096), keep))
        std::vector<std::pair<PeerKey, PeerState>>().swap(peers);
    peers.clear();
}

void StatsBatch::merge(StatsBatch &&newer)
{
    if (empty()) {
        std::swap(*this, newer); // `newer` gets this one's memory back, emptied
        newer.clear();
        return;
    }
    for (const auto &[id, d] : newer.users)
        users[id] += d;
    for (const auto &[id, d] : newer.torrents)
        torrents[id] += d;
    mergeSorted(userTorrents, std::move(newer.userTorrents), addDelta);
    // A kept batch (its commit failed) holds one state per peer, however long the outage.
    coalescePeers();
    newer.coalescePeers();
    mergeSorted(peers, std::move(newer.peers), keepNewest);
    newer.clear();
}

const PeerState *StatsBatch::peer(const PeerKey &key) const
{
    const PeerState *newest = nullptr;
    for (const auto &[k, state] : peers)
        if (k == key && (!newest || state.sequence > newest->sequence))
            newest = &state;
    return newest;
}

const UserTorrentDelta *StatsBatch::userTorrent(UserId user, TorrentId torrent) const
{
    const UserTorrentKey key{user, torrent};
    const auto it =
        std::lower_bound(userTorrents.begin(), userTorrents.end(), key,
                         [](const auto &row, const UserTorrentKey &k) { return row.first < k; });
    return it != userTorrents.end() && it->first == key ? &it->second : nullptr;
}

} // namespace sk::core
