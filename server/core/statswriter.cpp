#include "statswriter.h"

#include "peerjournal.h"

#include <QDebug>

#include <algorithm>

namespace sk::core {

StatsWriter::StatsWriter(StatsLedger &ledger, Database &db, const Clock &clock,
                         const PeerStore &peers, const Registry &registry, JournalSettings journal)
    : m_ledger(ledger), m_db(db), m_clock(clock), m_peers(peers), m_registry(registry),
      m_journal(journal)
{}

FlushResult StatsWriter::flush()
{
    std::lock_guard lock(m_lock);
    return flushLocked(false);
}

bool StatsWriter::snapshot()
{
    std::lock_guard lock(m_lock);
    const std::uint64_t before = m_snapshots.load(std::memory_order_relaxed);
    flushLocked(true); // a snapshot that could not be staged leaves the count as it was
    return m_snapshots.load(std::memory_order_relaxed) > before;
}

std::optional<SnapshotPromotion> StatsWriter::stageSnapshot()
{
    const DbResult<SnapshotPromotion> begun = m_db.beginPeerSnapshot();
    if (!begun.ok()) {
        qWarning().noquote() << "swarmkeeperd: peer snapshot not started:" << begun.message;
        return std::nullopt;
    }
    // One buffer for every part, emptied but kept after each is staged: a snapshot is tens of
    // MiB, and a buffer grown afresh per part faulted in each of its pages again.
    QByteArray part;
    part.reserve(journal::kPartBytes + journal::kMaxEntrySize);
    bool ok = true;
    std::int64_t bytes = 0;
    const auto stage = [&] {
        ok = ok && m_db.stagePeerSnapshot(begun.value.generation, part) == DbStatus::Ok;
        bytes += part.size();
        part.resize(0); // keeps the capacity (the database holds no reference to it)
    };
    m_peers.snapshot([&](const proto::InfoHash &infoHash, std::uint64_t sequence,
                         std::span<const PeerInfo> peers) {
        const std::optional<TorrentId> torrent = m_registry.torrentId(infoHash);
        if (!torrent || !ok)
            return; // an unregistered torrent's peers are not accounted, nor journaled
        journal::Entry e;
        e.kind = journal::EntryKind::Watermark;
        e.peer.torrent = *torrent;
        e.sequence = sequence;
        journal::append(part, e);
        e.kind = journal::EntryKind::Live;
        for (const PeerInfo &p : peers) {
            e.peer = PeerRecord{*torrent,     p.userId, p.peerId,   p.uploaded,
                                p.downloaded, p.left,   p.endpoint, p.lastAnnounce};
            journal::append(part, e);
        }
        if (part.size() >= journal::kPartBytes)
            stage();
    });
    if (!part.isEmpty())
        stage();
    if (!ok) {
        qWarning().noquote() << "swarmkeeperd: peer snapshot not staged:" << m_db.lastError();
        return std::nullopt;
    }
    m_stagedBytes = bytes;
    return begun.value;
}

FlushResult StatsWriter::flushLocked(bool forceSnapshot)
{
    FlushResult result;
    // The copy comes before the drain: every record of what it copied is then in this
    // drain or an earlier one (StatsLedger::Scope), so the commit below covers it.
    if (!m_staged && (forceSnapshot || m_logBytes > std::max(m_journal.minLogBytes,
                                                             m_journal.logRatio * m_snapshotBytes)))
        m_staged = stageSnapshot();
    const std::size_t drained = drainLocked();
    result.records = m_absorbedRecords.exchange(0, std::memory_order_relaxed) + drained;
    m_pending.merge(std::move(m_absorbed)); // leaves m_absorbed empty
    const std::int64_t now = m_clock.now();
    if (m_pending.empty() && !m_staged)
        return result;
    const std::size_t rows = m_pending.size();
    const DbResult<std::int64_t> committed = m_db.commitStats(m_pending, m_staged);
    if (!committed.ok()) {
        // Kept, and merged with newer deltas next time. Coalescing bounds it: at most one
        // row per user, (user, torrent), torrent and live peer. A staged snapshot stays
        // valid: the batch it needs is the one kept.
        m_failures.fetch_add(1, std::memory_order_relaxed);
        qWarning().noquote() << "swarmkeeperd: stats flush failed, keeping" << rows
                             << "rows for the next attempt:" << m_db.lastError();
        result.ok = false;
        result.pending = rows;
        return result;
    }
    if (m_staged) {
        m_staged.reset();
        m_snapshotBytes = m_stagedBytes;
        m_logBytes = 0;
        m_snapshots.fetch_add(1, std::memory_order_relaxed);
    }
    m_logBytes += committed.value;
    if (m_observer)
        m_observer(m_pending);
    // While announces keep coming, the committed batch's memory takes the next interval's
    // records (absorb() and the drain above write into m_absorbed, empty here): one batch's
    // worth stays allocated and touched, instead of a fresh one faulted in for every flush.
    // Once they stop (nothing came during the commit), it goes back.
    if (m_ledger.pending() > 0) {
        m_pending.clear(m_batchHint); // a batch reserved to the hint is not freed for using less
        std::swap(m_pending, m_absorbed);
    } else {
        m_pending = StatsBatch{};
    }
    m_lastSuccess.store(now, std::memory_order_relaxed);
    result.committed = rows;
    return result;
}

bool StatsWriter::flushAll(int attempts)
{
    for (int i = 0; i < attempts; ++i) {
        const FlushResult r = flush();
        if (r.ok && m_ledger.pending() == 0)
            return true;
    }
    return false;
}

std::size_t StatsWriter::absorb()
{
    std::lock_guard lock(m_lock);
    const std::size_t drained = drainLocked();
    return m_absorbedRecords.fetch_add(drained, std::memory_order_relaxed) + drained;
}

std::size_t StatsWriter::drainLocked()
{
    if (m_absorbed.peers.capacity() < m_batchHint && m_absorbed.peers.empty() &&
        m_ledger.pending() > 0)
        m_absorbed.peers.reserve(m_batchHint);
    return m_ledger.drain(
        [&](std::span<const StatsRecord> records) { m_absorbed.addAll(records); });
}

void StatsWriter::setCommitObserver(std::function<void(const StatsBatch &)> observer)
{
    std::lock_guard lock(m_lock);
    m_observer = std::move(observer);
}

} // namespace sk::core
