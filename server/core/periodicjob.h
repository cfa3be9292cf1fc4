// PeriodicJob: runs a job on a thread of its own every `interval` and on demand, never two runs
// at once, so a slow job (a stats commit) holds up neither the caller nor the main event loop.
#pragma once

#include <QString>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>

class QObject;
class QThread;
class QTimer;

namespace sk::core {

class PeriodicJob
{
public:
    PeriodicJob(const QString &threadName, std::function<void()> job);
    ~PeriodicJob(); // stops
    PeriodicJob(const PeriodicJob &) = delete;
    PeriodicJob &operator=(const PeriodicJob &) = delete;

    // Starts the thread and the timer; a second call changes the interval.
    void start(std::chrono::milliseconds interval);
    // Asks for a run as soon as the thread is free. Any thread. Triggers that come while one is
    // already waiting are folded into it: a burst of triggers costs one run, not a queue.
    void trigger();
    // Waits for a running job, then ends the thread; no run starts after it returns.
    void stop();

    std::uint64_t runs() const { return m_runs.load(std::memory_order_relaxed); }

private:
    void runOnce(); // on the job's thread

    std::function<void()> m_job;
    QThread *m_thread = nullptr;
    QObject *m_context = nullptr; // lives in m_thread; the timer is its child
    QTimer *m_timer = nullptr;
    std::atomic<bool> m_queued{false};
    std::atomic<bool> m_stopped{false};
    std::atomic<std::uint64_t> m_runs{0};
};

} // namespace sk::core
