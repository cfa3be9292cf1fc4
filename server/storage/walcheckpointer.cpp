#include "walcheckpointer.h"

#include <QDebug>

#include <pthread.h>
#include <sqlite3.h>

namespace sk::storage {

std::unique_ptr<WalCheckpointer> WalCheckpointer::start(const QString &path, QString *error,
                                                        int pages)
{
    sqlite3 *connection = nullptr;
    const QByteArray file = path.toUtf8();
    // A connection finds the database in WAL mode when it first reads it: before that a
    // checkpoint through it does nothing (and reports -1 frames).
    if (sqlite3_open_v2(file.constData(), &connection, SQLITE_OPEN_READWRITE, nullptr) !=
            SQLITE_OK ||
        sqlite3_exec(connection, "SELECT count(*) FROM sqlite_schema", nullptr, nullptr, nullptr) !=
            SQLITE_OK) {
        *error = QStringLiteral("cannot open %1 for checkpoints: %2")
                     .arg(path, QString::fromUtf8(sqlite3_errmsg(connection)));
        sqlite3_close(connection);
        return nullptr;
    }
    return std::unique_ptr<WalCheckpointer>(new WalCheckpointer(connection, pages));
}

WalCheckpointer::WalCheckpointer(sqlite3 *connection, int pages)
    : m_connection(connection), m_pages(pages), m_thread([this] { loop(); })
{}

WalCheckpointer::~WalCheckpointer()
{
    {
        std::lock_guard lock(m_lock);
        m_stopping = true;
    }
    m_wake.notify_one();
    m_thread.join();
    sqlite3_close(m_connection);
}

void WalCheckpointer::attach(sqlite3 *writer)
{
    sqlite3_wal_autocheckpoint(writer, 0);
    sqlite3_wal_hook(writer, &WalCheckpointer::onCommit, this);
}

void WalCheckpointer::detach(sqlite3 *writer)
{
    sqlite3_wal_autocheckpoint(writer, kDefaultPages); // replaces the hook with SQLite's own
}

int WalCheckpointer::onCommit(void *self, sqlite3 *, const char *, int frames)
{
    auto *me = static_cast<WalCheckpointer *>(self);
    if (frames >= me->m_pages)
        me->wake();
    return SQLITE_OK;
}

void WalCheckpointer::wake()
{
    {
        std::lock_guard lock(m_lock);
        m_requested = true;
    }
    m_wake.notify_one();
}

void WalCheckpointer::loop()
{
    // Named apart from the storage thread that starts it, so that top and perf tell the
    // checkpoints' share from the commits'.
    pthread_setname_np(pthread_self(), "checkpoint");
    for (;;) {
        {
            std::unique_lock lock(m_lock);
            m_wake.wait(lock, [this] { return m_requested || m_stopping; });
            if (m_stopping)
                return;
            m_requested = false;
        }
        int logFrames = 0;
        int copied = 0;
        const int rc = sqlite3_wal_checkpoint_v2(m_connection, nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                                 &logFrames, &copied);
        if (rc == SQLITE_OK && logFrames >= 0) {
            // Frames a reader still needs, or a commit made meanwhile, are left for the
            // checkpoint that commit's hook asks for.
            if (copied == logFrames)
                m_completed.fetch_add(1, std::memory_order_relaxed);
        } else if (rc != SQLITE_BUSY) { // busy: another checkpoint is running; next time
            m_failed.fetch_add(1, std::memory_order_relaxed);
            qWarning().noquote() << "swarmkeeperd: WAL checkpoint failed:"
                                 << (rc == SQLITE_OK
                                         ? QStringLiteral("the database is not in WAL mode")
                                         : QString::fromUtf8(sqlite3_errmsg(m_connection)));
        }
    }
}

} // namespace sk::storage
