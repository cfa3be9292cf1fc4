// StatsWriter: drains the ledger, coalesces, and commits through the Database; a failed batch
// is kept and merged with what comes next, so nothing is lost and nothing is applied twice.
#pragma once

#include "accounting.h"
#include "clock.h"
#include "database.h"

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>

namespace sk::core {

struct FlushResult
{
    bool ok = true;
    std::size_t records = 0;   // ledger records drained by this flush
    std::size_t committed = 0; // coalesced rows committed (0 when nothing was due or it failed)
    std::size_t pending = 0;   // coalesced rows still waiting (after a failure)
};

class StatsWriter
{
public:
    // `peerTimeout`: peer rows not announced for this long are deleted (see kMaxSweepInterval).
    StatsWriter(StatsLedger &ledger, Database &db, const Clock &clock, std::int64_t peerTimeout);

    // Stale peer rows (not announced for `peerTimeout`) are swept every peerTimeout / 4, at
    // most this many seconds apart.
    static constexpr std::int64_t kMaxSweepInterval = 300;

    // Drains and commits once. Thread-safe (a timer and the admin API may both call it).
    FlushResult flush();
    // Flushes until the ledger is empty and nothing is pending, or `attempts` fail.
    bool flushAll(int attempts);

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

private:
    StatsLedger &m_ledger;
    Database &m_db;
    const Clock &m_clock;
    std::int64_t m_peerTimeout;
    mutable std::mutex m_lock;
    StatsBatch m_pending; // a batch whose commit failed, waiting for the next attempt
    std::atomic<std::uint64_t> m_failures{0};
    std::atomic<std::int64_t> m_lastSuccess{0};
    std::int64_t m_nextSweep = 0;
    std::function<void(const StatsBatch &)> m_observer;
};

} // namespace sk::core
