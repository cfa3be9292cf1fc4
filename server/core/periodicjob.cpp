#include "periodicjob.h"

#include <QObject>
#include <QThread>
#include <QTimer>

namespace sk::core {

PeriodicJob::PeriodicJob(const QString &threadName, std::function<void()> job)
    : m_job(std::move(job)), m_thread(new QThread), m_context(new QObject)
{
    m_thread->setObjectName(threadName);
    m_timer = new QTimer(m_context);
    QObject::connect(m_timer, &QTimer::timeout, m_context, [this] { runOnce(); });
    m_context->moveToThread(m_thread); // the timer moves with its parent
}

PeriodicJob::~PeriodicJob()
{
    stop();
    delete m_context; // the thread has ended: nothing of it runs any more
    delete m_thread;
}

void PeriodicJob::start(std::chrono::milliseconds interval)
{
    m_stopped.store(false, std::memory_order_relaxed);
    if (!m_thread->isRunning())
        m_thread->start();
    QMetaObject::invokeMethod(
        m_context, [this, interval] { m_timer->start(interval); }, Qt::QueuedConnection);
}

void PeriodicJob::trigger()
{
    if (m_stopped.load(std::memory_order_relaxed) || m_queued.exchange(true))
        return;
    QMetaObject::invokeMethod(
        m_context,
        [this] {
            m_queued.store(false);
            runOnce();
        },
        Qt::QueuedConnection);
}

void PeriodicJob::stop()
{
    if (!m_thread->isRunning())
        return;
    m_stopped.store(true);
    // Queued behind a running job, so this waits for it; the timer is stopped on its own thread.
    QMetaObject::invokeMethod(
        m_context, [this] { m_timer->stop(); }, Qt::BlockingQueuedConnection);
    m_thread->quit();
    m_thread->wait();
    m_queued.store(false);
}

void PeriodicJob::runOnce()
{
    if (m_stopped.load(std::memory_order_relaxed))
        return;
    m_job();
    m_runs.fetch_add(1, std::memory_order_relaxed);
}

} // namespace sk::core
