// Tests PeriodicJob: runs on its own thread by timer and on demand, folds triggers that come
// during a run into one more run, and stop() waits for a running job and allows no other.
#include "server/core/periodicjob.h"

#include <QSemaphore>
#include <QTest>
#include <QThread>

#include <atomic>

using namespace sk;
using namespace std::chrono_literals;

class TestPeriodicJob : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void timerRunsOnItsOwnThread()
    {
        std::atomic<QThread *> ranOn{nullptr};
        core::PeriodicJob job(QStringLiteral("test-job"),
                              [&] { ranOn.store(QThread::currentThread()); });
        job.start(10ms);
        QTRY_VERIFY(job.runs() >= 2);
        QVERIFY(ranOn.load() != nullptr);
        QVERIFY(ranOn.load() != QThread::currentThread());
        QCOMPARE(ranOn.load()->objectName(), QStringLiteral("test-job"));
    }

    void triggerRunsWithoutWaitingForTheTimer()
    {
        core::PeriodicJob job(QStringLiteral("test-job"), [] {});
        job.start(1h);
        QTest::qWait(50);
        QCOMPARE(job.runs(), 0u);
        job.trigger();
        QTRY_COMPARE(job.runs(), 1u);
    }

    void triggersDuringARunFold_data()
    {
        QTest::addColumn<int>("triggers");
        QTest::addColumn<int>("expectedRuns");
        QTest::newRow("none") << 0 << 1;
        QTest::newRow("one") << 1 << 2;
        QTest::newRow("a burst") << 500 << 2;
    }
    void triggersDuringARunFold()
    {
        QFETCH(int, triggers);
        QFETCH(int, expectedRuns);
        QSemaphore started;
        QSemaphore release;
        std::atomic<int> calls{0};
        core::PeriodicJob job(QStringLiteral("test-job"), [&] {
            if (calls.fetch_add(1) == 0) {
                started.release();
                release.acquire(); // the first run is held until the triggers are in
            }
        });
        job.start(1h);
        job.trigger();
        QVERIFY(started.tryAcquire(1, 5000));
        for (int i = 0; i < triggers; ++i)
            job.trigger();
        release.release();
        QTRY_COMPARE(int(job.runs()), expectedRuns);
        QTest::qWait(100); // nothing more is queued behind
        QCOMPARE(int(job.runs()), expectedRuns);
    }

    void stopWaitsForTheRunningJobAndAllowsNoOther()
    {
        QSemaphore started;
        std::atomic<bool> finished{false};
        std::atomic<int> calls{0};
        core::PeriodicJob job(QStringLiteral("test-job"), [&] {
            if (calls.fetch_add(1) == 0) {
                started.release();
                QThread::msleep(200);
                finished.store(true);
            }
        });
        job.start(1h);
        job.trigger();
        QVERIFY(started.tryAcquire(1, 5000));
        job.trigger(); // queued behind the running one: dropped by the stop
        job.stop();
        QVERIFY(finished.load());
        job.trigger();
        QTest::qWait(100);
        QCOMPARE(calls.load(), 1);
    }
};

QTEST_GUILESS_MAIN(TestPeriodicJob)
#include "tst_periodicjob.moc"
