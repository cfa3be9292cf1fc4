// StatsWriter: drains the ledger, coalesces, and commits through the Database; a failed batch
// is kept and merged with what comes next, so nothing is lost and nothing is applied twice.
#pragma once

#include "accounting.h"
#include "clock.h"
#include "database.h"
#include "peerstore.h"
#include "registry.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>

namespace sk::core {

struct FlushResult
{
    bool ok = true;
    std::size_t records = 0;   // ledger records drained by this flush
    std::size_t committed = 0; // coalesced rows committed (0 when nothing was due or it failed)
    std::size_t pending = 0;   // coalesced rows still waiting (after a failure)
};

// When the peer journal's log is folded into a new snapshot (peerjournal.h).
struct JournalSettings
{
    // The log is compacted once it holds this many bytes and `logRatio` times the last
    // snapshot's size: the database then holds at most about logRatio + 1 snapshots' worth of
    // peers, and a start reads as much; in a steady state the snapshots write 1/logRatio of
    // what the log does.
    std::int64_t minLogBytes = std::int64_t(64) << 20;
    int logRatio = 4;
};

class StatsWriter
{
public:
    // `peers` is what a snapshot copies; `registry` names each swarm's torrent.
    StatsWriter(StatsLedger &ledger, Database &db, const Clock &clock, const PeerStore &peers,
                const Registry &registry, JournalSettings journal = {});

    // Drains and commits once; when the log is due for compaction, first copies the peer
    // store into a staged snapshot that this commit makes current. Thread-safe (a timer and
    // the admin API may both call it).
    FlushResult flush();
    // Snapshots the peer store and commits it now (with whatever is pending). A start does
    // this before it serves, so that the log never spans two runs of the process, whose
    // announce sequences start over.
    bool snapshot();
    // Flushes until the ledger is empty and nothing is pending, or `attempts` fail.
    bool flushAll(int attempts);
    // Moves what the workers buffered into the writer's own batch, without a commit, so that
    // their buffers stay small and keep reusing memory they already touched (a buffer that
    // grows to a whole interval's records faults in fresh pages on the announce path). The
    // next flush commits it. Returns the records absorbed and not yet committed. Thread-safe.
    std::size_t absorb();
    // Records absorbed and not yet committed (lock-free; with the ledger's pending(), what
    // the next commit has to write).
    std::size_t absorbed() const { return m_absorbedRecords.load(std::memory_order_relaxed); }
    // How many records a batch takes before a commit (stats.flush_records): a batch that
    // starts filling reserves room for that many peers and a quarter more (what arrives while
    // the commit is triggered) at once. Only address space: pages are faulted in as records
    // arrive, but the batch never moves itself to a larger block while it fills (each move
    // copied it and faulted in twice its size, most of the cost of a server's first flush
    // interval under load). Capped at kMaxBatchHint (~100 MiB of address space): flush_records
    // may be up to 10^8, and a reservation of ~10 GiB could be refused by the kernel's overcommit
    // heuristic; past the cap a batch grows by doubling as before. Set before use.
    void setBatchHint(std::size_t records)
    {
        m_batchHint = std::min(records + records / 4, kMaxBatchHint);
    }
    static constexpr std::size_t kMaxBatchHint = 1 << 20;

    // Called after each successful commit with the batch, under the writer's lock, on the
    // flushing thread (the server patches the registry's user totals with it).
    void setCommitObserver(std::function<void(const StatsBatch &)> observer);
    // Runs `fn` while no flush runs: admin corrections of committed totals.
    template<typename Fn> auto exclusive(Fn fn)
    {
        std::lock_guard lock(m_lock);
        return fn();
    }

    // Lock-free: read by /admin/stats and /metrics while a commit may be running.
    std::uint64_t failures() const { return m_failures.load(std::memory_order_relaxed); }
    std::int64_t lastSuccess() const // Unix seconds, 0 before the first
    {
        return m_lastSuccess.load(std::memory_order_relaxed);
    }
    std::uint64_t snapshots() const { return m_snapshots.load(std::memory_order_relaxed); }

private:
    FlushResult flushLocked(bool forceSnapshot);
    std::size_t drainLocked(); // the ledger into m_absorbed
    // Stages a snapshot of the peer store; nothing if a database call fails (the parts
    // staged so far are dropped by the next attempt's beginPeerSnapshot()).
    std::optional<SnapshotPromotion> stageSnapshot();

    StatsLedger &m_ledger;
    Database &m_db;
    const Clock &m_clock;
    const PeerStore &m_peers;
    const Registry &m_registry;
    const JournalSettings m_journal;
    mutable std::mutex m_lock;
    StatsBatch m_pending;  // a batch whose commit failed, waiting for the next attempt
    StatsBatch m_absorbed; // drained by absorb(), for the next commit
    std::size_t m_batchHint = 0;
    std::atomic<std::size_t> m_absorbedRecords{0};
    std::optional<SnapshotPromotion> m_staged; // a snapshot waiting for a successful commit
    std::int64_t m_stagedBytes = 0;
    std::int64_t m_snapshotBytes = 0; // the current snapshot's size
    std::int64_t m_logBytes = 0;      // the log committed since it
    std::atomic<std::uint64_t> m_failures{0};
    std::atomic<std::int64_t> m_lastSuccess{0};
    std::atomic<std::uint64_t> m_snapshots{0};
    std::function<void(const StatsBatch &)> m_observer;
};

} // namespace sk::core
