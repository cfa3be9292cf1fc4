// WalCheckpointer: copies the SQLite write-ahead log back into the database file on a thread
// of its own, with a connection of its own, instead of inside the commit that filled it.
// SQLite's automatic checkpoint runs in the COMMIT of whichever transaction crosses its
// threshold: after a large stats flush that is the storage thread copying (and syncing) every
// page the flush wrote, a second time, before it can serve the next call: 0.4 s of a
// million-peer flush. A passive checkpoint from another connection does the same work while
// the writer goes on (WAL lets one writer and checkpointing proceed together), and the log
// restarts from its beginning at the first commit after a checkpoint that copied all of it.
#pragma once

#include <QString>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

struct sqlite3;

namespace sk::storage {

class WalCheckpointer
{
public:
    // SQLite's own default threshold, in pages of log (given back on detach()).
    static constexpr int kDefaultPages = 1000;

    // Opens a connection to `path` (a database in WAL mode) and starts the thread; nullptr
    // with `error` set if the connection cannot be opened.
    static std::unique_ptr<WalCheckpointer> start(const QString &path, QString *error,
                                                  int pages = kDefaultPages);
    ~WalCheckpointer(); // stops the thread; detach() every writer first
    WalCheckpointer(const WalCheckpointer &) = delete;
    WalCheckpointer &operator=(const WalCheckpointer &) = delete;

    // Takes over `writer`'s checkpoints: turns its automatic ones off and, after each of its
    // commits that leaves `pages` or more in the log, wakes the thread. Call on the writer's
    // thread, as every use of the connection.
    void attach(sqlite3 *writer);
    // Gives `writer` its automatic checkpoints back.
    void detach(sqlite3 *writer);

    // Checkpoints completed (the whole log copied), and ones that failed with an error.
    std::uint64_t completed() const { return m_completed.load(std::memory_order_relaxed); }
    std::uint64_t failed() const { return m_failed.load(std::memory_order_relaxed); }

private:
    WalCheckpointer(sqlite3 *connection, int pages);
    static int onCommit(void *self, sqlite3 *db, const char *schema, int frames);
    void wake();
    void loop();

    sqlite3 *const m_connection; // used by the thread only
    const int m_pages;
    std::mutex m_lock;
    std::condition_variable m_wake;
    bool m_requested = false;
    bool m_stopping = false;
    std::atomic<std::uint64_t> m_completed{0};
    std::atomic<std::uint64_t> m_failed{0};
    std::thread m_thread;
};

} // namespace sk::storage
