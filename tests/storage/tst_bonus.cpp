// Tests Bonus on a real SQLite file with an injected clock: awards follow the time since the
// previous award and the torrents each user seeds (capped at two intervals), nothing when off;
// points add, remove (never below zero) and redeem for upload credit in one step, with the
// registry's totals patched.
#include "policyfixture.h"
#include "server/core/bonus.h"
#include "server/storage/sqldatabase.h"

#include <QTemporaryDir>
#include <QTest>

using namespace sk;

namespace {
constexpr std::int64_t kStart = 1'700'000'000;
} // namespace

class TestBonus : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup() { m_db.reset(); }
    void award_data();
    void award();
    void awardsOff();
    void pointsAddAndRemove();
    void redeem();

private:
    core::Bonus bonus(double perHour = 2.0)
    {
        core::BonusSettings s;
        s.pointsPerHour = perHour;
        s.interval = 3600;
        s.bytesPerPoint = 1000;
        return core::Bonus(*m_db, *m_registry, m_store, m_clock, s);
    }
    std::int64_t millis(int user)
    {
        return m_db->user(m_users[std::size_t(user)]).value.bonusMillipoints;
    }

    QTemporaryDir m_dir;
    int m_files = 0;
    std::unique_ptr<storage::SqlDatabase> m_db;
    std::unique_ptr<core::Registry> m_registry;
    itest::SeedingStore m_store;
    core::ManualClock m_clock{kStart};
    std::vector<core::UserId> m_users;
};

void TestBonus::init()
{
    m_registry = std::make_unique<core::Registry>();
    m_store.seeding.clear();
    m_clock.set(kStart);
    std::vector<core::TorrentId> torrents;
    QString error;
    QVERIFY2(itest::openWithAccounts(m_dir.filePath(QStringLiteral("b%1.db").arg(++m_files)), 3,
                                     kStart, m_db, *m_registry, m_users, torrents, &error),
             qPrintable(error));
}

// User 0 seeds two torrents, user 1 one, user 2 none; 2 points per torrent and hour.
void TestBonus::award_data()
{
    QTest::addColumn<int>("elapsed");
    QTest::addColumn<qint64>("user0");
    QTest::addColumn<qint64>("user1");
    QTest::newRow("an hour") << 3600 << qint64(4000) << qint64(2000);
    QTest::newRow("half an hour") << 1800 << qint64(2000) << qint64(1000);
    QTest::newRow("one second, rounded down") << 1 << qint64(1) << qint64(0);
    QTest::newRow("a stalled day pays two intervals") << 86400 << qint64(8000) << qint64(4000);
    QTest::newRow("no time passed") << 0 << qint64(0) << qint64(0);
}

void TestBonus::award()
{
    QFETCH(int, elapsed);
    QFETCH(qint64, user0);
    QFETCH(qint64, user1);
    // User 2 seeds only a torrent the tracker does not know: it pays nothing.
    m_store.seeding = {{1, m_users[0]}, {2, m_users[0]}, {1, m_users[1]}, {9, m_users[2]}};
    auto b = bonus();
    m_clock.advance(elapsed);
    const auto r = b.award();
    QVERIFY(r.ok());
    QCOMPARE(millis(0), user0);
    QCOMPARE(millis(1), user1);
    QCOMPARE(millis(2), 0);
    QCOMPARE(r.value.millipoints, user0 + user1);
    // The next award counts from this one.
    m_clock.advance(1800);
    QVERIFY(b.award().ok());
    QCOMPARE(millis(0), user0 + 2000);
}

void TestBonus::awardsOff()
{
    m_store.seeding = {{1, m_users[0]}};
    auto b = bonus(0.0);
    m_clock.advance(3600);
    const auto r = b.award();
    QVERIFY(r.ok());
    QCOMPARE(r.value.millipoints, 0);
    QCOMPARE(millis(0), 0);
}

void TestBonus::pointsAddAndRemove()
{
    auto b = bonus();
    QCOMPARE(b.addPoints(m_users[0], 1500).value.bonusMillipoints, 1500);
    QCOMPARE(b.addPoints(m_users[0], -500).value.bonusMillipoints, 1000);
    QCOMPARE(b.addPoints(m_users[0], -1001).status, core::DbStatus::Conflict);
    QCOMPARE(millis(0), 1000); // unchanged
    QCOMPARE(b.addPoints(m_users[0], -1000).value.bonusMillipoints, 0);
    QCOMPARE(b.addPoints(999999, 5).status, core::DbStatus::NotFound);
}

void TestBonus::redeem()
{
    auto b = bonus();
    QVERIFY(b.addPoints(m_users[1], 2500).ok());
    QVERIFY(m_db->setUserStats(m_users[1], 100, 50).ok());
    m_registry->setUserTotals(m_users[1], 100, 50);
    // 1.5 points at 1000 bytes a point: 1500 bytes of upload credit.
    const auto r = b.redeem(m_users[1], 1500);
    QVERIFY(r.ok());
    QCOMPARE(r.value.bonusMillipoints, 1000);
    QCOMPARE(r.value.uploaded, 1600u);
    QCOMPARE(r.value.downloaded, 50u);
    QCOMPARE(m_registry->userById(m_users[1])->uploaded, 1600u);
    // Short: nothing changes anywhere.
    QCOMPARE(b.redeem(m_users[1], 1001).status, core::DbStatus::Conflict);
    QCOMPARE(millis(1), 1000);
    QCOMPARE(m_db->user(m_users[1]).value.uploaded, 1600u);
    QCOMPARE(b.redeem(999999, 1).status, core::DbStatus::NotFound);
    QCOMPARE(b.bytesFor(1), 1u); // a thousandth of 1000 bytes
}

QTEST_GUILESS_MAIN(TestBonus)
#include "tst_bonus.moc"
