// Tests CheatLog: a bounded queue that counts what it drops, and puts a failed write back
// ahead of newer flags.
#include "server/core/cheatlog.h"

#include <QTest>

using namespace sk;

namespace {
core::CheatFlag flag(std::int64_t at)
{
    core::CheatFlag f;
    f.at = at;
    return f;
}
} // namespace

class TestCheatLog : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void boundedAndCounted()
    {
        core::CheatLog log(3);
        for (int i = 0; i < 5; ++i)
            log.append(flag(i));
        QCOMPARE(log.flagged(), 5u);
        QCOMPARE(log.dropped(), 2u);
        const auto taken = log.takeAll();
        QCOMPARE(taken.size(), 3u);
        QCOMPARE(taken.back().at, 2);
        QVERIFY(log.takeAll().empty());
    }
    void putBackKeepsOrderAndBound()
    {
        core::CheatLog log(3);
        log.append(flag(1));
        log.append(flag(2));
        auto failed = log.takeAll();
        log.append(flag(3));
        log.append(flag(4));
        log.putBack(std::move(failed)); // 1, 2, then 3, 4: one over the bound
        const auto all = log.takeAll();
        QCOMPARE(all.size(), 3u);
        QCOMPARE(all[0].at, 1);
        QCOMPARE(all[2].at, 3);
        QCOMPARE(log.dropped(), 1u);
    }
};

QTEST_GUILESS_MAIN(TestCheatLog)
#include "tst_cheatlog.moc"
