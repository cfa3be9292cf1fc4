// Tests snatches and the hit-and-run check on a real SQLite file with an injected clock:
// commits record one snatch per user and torrent and accrue seedtime; the check flags only
// snatches past the grace period, below the minimum seedtime and not seeding now, counts one
// warning per flag, disables leeching at max_warnings (database and memory), never flags
// twice; warnings clear; snatch corrections.
#include "policyfixture.h"
#include "server/core/hitandrun.h"
#include "server/storage/sqldatabase.h"

#include <QTemporaryDir>
#include <QTest>

using namespace sk;

namespace {

constexpr std::int64_t kStart = 1'700'000'000;
constexpr std::int64_t kDay = 86400;

} // namespace

class TestHitAndRun : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void cleanup();
    void snatchOncePerUserAndTorrent();
    void checkFlags_data();
    void checkFlags();
    void warningsDisableLeechingOnce();
    void ruleOff();
    void snatchCorrections();

private:
    // A commit as the stats writer makes it: `user` completes or seeds on torrent `t`.
    bool commit(core::UserId user, int t, std::int64_t completedAt, std::uint32_t seedtime);
    core::HitAndRun checker(std::uint32_t maxWarnings = 2)
    {
        core::HitAndRunSettings s;
        s.minSeedtime = 3600;
        s.gracePeriod = 7 * kDay;
        s.maxWarnings = maxWarnings;
        return core::HitAndRun(*m_db, *m_registry, m_store, m_clock, s);
    }

    QTemporaryDir m_dir;
    std::unique_ptr<storage::SqlDatabase> m_db;
    std::unique_ptr<core::Registry> m_registry;
    itest::SeedingStore m_store;
    core::ManualClock m_clock{kStart};
    std::vector<core::UserId> m_users;
    std::vector<core::TorrentId> m_torrents; // torrent i has info_hash itest::fixtureHash(i)
    std::uint64_t m_sequence = 0;
};

void TestHitAndRun::init()
{
    m_registry = std::make_unique<core::Registry>();
    m_store.seeding.clear();
    m_clock.set(kStart);
    QString error;
    QVERIFY2(itest::openWithAccounts(m_dir.filePath(QStringLiteral("h%1.db").arg(++m_sequence)), 3,
                                     kStart, m_db, *m_registry, m_users, m_torrents, &error),
             qPrintable(error));
}

void TestHitAndRun::cleanup()
{
    m_db.reset();
}

bool TestHitAndRun::commit(core::UserId user, int t, std::int64_t completedAt,
                           std::uint32_t seedtime)
{
    core::StatsRecord r;
    r.sequence = ++m_sequence;
    r.user = user;
    r.torrent = m_torrents[std::size_t(t)];
    r.peerId.bytes.fill('p');
    r.endpoint = proto::PeerEndpoint::make(proto::IpAddress::fromV4(0x0A000001), 6881);
    r.lastAnnounce = completedAt ? completedAt : m_clock.now();
    r.completed = completedAt != 0;
    r.seedtime = seedtime;
    core::StatsBatch b;
    b.add(r);
    return m_db->commitStats(b, std::nullopt).ok();
}

void TestHitAndRun::snatchOncePerUserAndTorrent()
{
    QVERIFY(commit(m_users[0], 0, kStart + 10, 0));
    QVERIFY(commit(m_users[0], 0, kStart + 500, 0)); // a second completion: no second snatch
    QVERIFY(commit(m_users[0], 0, 0, 120));
    QVERIFY(commit(m_users[0], 0, 0, 30));
    QVERIFY(commit(m_users[1], 0, kStart + 20, 0));
    const auto all = m_db->snatches({}, {});
    QVERIFY(all.ok());
    QCOMPARE(all.value.size(), 2u);
    const core::SnatchRecord &s = all.value[0];
    QCOMPARE(s.user, m_users[0]);
    QCOMPARE(s.torrent, m_torrents[0]);
    QCOMPARE(s.infoHash, itest::fixtureHash(0));
    QCOMPARE(s.completedAt, kStart + 10);
    QCOMPARE(s.seedtime, 150u);
    QCOMPARE(s.lastSeen, kStart + 500);
    QVERIFY(!s.hnr);
    core::SnatchFilter byUser;
    byUser.user = m_users[1];
    QCOMPARE(m_db->snatchCount(byUser).value, 1);
    core::SnatchFilter byTorrent;
    byTorrent.torrent = m_torrents[1];
    QCOMPARE(m_db->snatchCount(byTorrent).value, 0);
    // Seeding without completing (the uploader) accrues seedtime but is no snatch.
    QVERIFY(commit(m_users[2], 1, 0, 600));
    QCOMPARE(m_db->snatchCount({}).value, 2);
}

// One snatch of user 0 on torrent 0, completed `age` days ago with `seedtime` seconds.
void TestHitAndRun::checkFlags_data()
{
    QTest::addColumn<int>("ageDays");
    QTest::addColumn<int>("seedtime");
    QTest::addColumn<bool>("seedingNow");
    QTest::addColumn<bool>("flagged");
    QTest::newRow("within grace") << 6 << 0 << false << false;
    QTest::newRow("grace ends exactly now") << 7 << 0 << false << true;
    QTest::newRow("past grace, no seedtime") << 8 << 0 << false << true;
    QTest::newRow("past grace, just short") << 8 << 3599 << false << true;
    QTest::newRow("past grace, enough seedtime") << 8 << 3600 << false << false;
    QTest::newRow("past grace, seeding now") << 8 << 0 << true << false;
}

void TestHitAndRun::checkFlags()
{
    QFETCH(int, ageDays);
    QFETCH(int, seedtime);
    QFETCH(bool, seedingNow);
    QFETCH(bool, flagged);
    QVERIFY(commit(m_users[0], 0, kStart, 0));
    if (seedtime)
        QVERIFY(commit(m_users[0], 0, 0, std::uint32_t(seedtime)));
    if (seedingNow)
        m_store.seeding.insert({itest::fixtureHash(0).bytes[0], m_users[0]});
    m_clock.set(kStart + ageDays * kDay);
    auto hnr = checker();
    const auto report = hnr.check();
    QVERIFY(report.ok());
    QCOMPARE(report.value.flagged, flagged ? 1 : 0);
    QCOMPARE(report.value.seeding, seedingNow ? 1 : 0);
    core::SnatchFilter onlyHnr;
    onlyHnr.hnrOnly = true;
    QCOMPARE(m_db->snatchCount(onlyHnr).value, flagged ? 1 : 0);
    QCOMPARE(m_db->user(m_users[0]).value.hnrWarnings, flagged ? 1u : 0u);
    // A second check never flags the same snatch again.
    QCOMPARE(hnr.check().value.flagged, 0);
    QCOMPARE(m_db->user(m_users[0]).value.hnrWarnings, flagged ? 1u : 0u);
}

void TestHitAndRun::warningsDisableLeechingOnce()
{
    for (int t = 0; t < 3; ++t)
        QVERIFY(commit(m_users[0], t, kStart, 0));
    QVERIFY(commit(m_users[1], 0, kStart, 0));
    m_clock.set(kStart + 8 * kDay);
    auto hnr = checker(2);
    const auto report = hnr.check();
    QVERIFY(report.ok());
    QCOMPARE(report.value.candidates, 4);
    QCOMPARE(report.value.flagged, 4);
    // User 0 has three warnings (>= 2): leeching off, in the database and in memory.
    QCOMPARE(report.value.leechDisabled, std::vector<core::UserId>{m_users[0]});
    QCOMPARE(m_db->user(m_users[0]).value.hnrWarnings, 3u);
    QVERIFY(!m_db->user(m_users[0]).value.canLeech);
    QVERIFY(!m_registry->userById(m_users[0])->canLeech);
    QCOMPARE(m_db->user(m_users[1]).value.hnrWarnings, 1u);
    QVERIFY(m_db->user(m_users[1]).value.canLeech);
    QVERIFY(m_registry->userById(m_users[1])->canLeech);

    // Cleared warnings stay cleared; leeching stays off until an admin turns it on.
    const auto cleared = hnr.clearWarnings(m_users[0]);
    QVERIFY(cleared.ok());
    QCOMPARE(cleared.value.hnrWarnings, 0u);
    QVERIFY(!cleared.value.canLeech);
    QCOMPARE(hnr.clearWarnings(9999).status, core::DbStatus::NotFound);
    QCOMPARE(hnr.check().value.flagged, 0);
}

void TestHitAndRun::ruleOff()
{
    QVERIFY(commit(m_users[0], 0, kStart, 0));
    m_clock.set(kStart + 30 * kDay);
    core::HitAndRunSettings s;
    s.minSeedtime = 0;
    core::HitAndRun hnr(*m_db, *m_registry, m_store, m_clock, s);
    const auto report = hnr.check();
    QVERIFY(report.ok());
    QCOMPARE(report.value.candidates, 0);
    QCOMPARE(m_db->user(m_users[0]).value.hnrWarnings, 0u);
    // max_warnings 0: flags and warnings, never a leech switch.
    QVERIFY(checker(0).check().value.leechDisabled.empty());
    QCOMPARE(m_db->user(m_users[0]).value.hnrWarnings, 1u);
    QVERIFY(m_db->user(m_users[0]).value.canLeech);
}

void TestHitAndRun::snatchCorrections()
{
    QVERIFY(commit(m_users[0], 0, kStart, 0));
    QVERIFY(commit(m_users[0], 0, 0, 100));
    const std::int64_t id = m_db->snatches({}, {}).value.at(0).id;
    auto s = m_db->updateSnatch(id, 5000, std::nullopt);
    QVERIFY(s.ok());
    QCOMPARE(s.value.seedtime, 5000u);
    QVERIFY(commit(m_users[0], 0, 0, 7)); // later seeding adds on top
    QCOMPARE(m_db->snatch(id).value.seedtime, 5007u);
    s = m_db->updateSnatch(id, std::nullopt, true);
    QVERIFY(s.value.hnr);
    QCOMPARE(m_db->user(m_users[0]).value.hnrWarnings, 0u); // a hand-set flag warns nobody
    // A cleared flag exempts the snatch: the check never flags it again.
    s = m_db->updateSnatch(id, 0, false);
    QVERIFY(!s.value.hnr);
    QVERIFY(s.value.hnrExempt);
    m_clock.set(kStart + 30 * kDay);
    QCOMPARE(checker().check().value.candidates, 0);
    QVERIFY(m_db->updateSnatch(id, std::nullopt, true).value.hnr); // flagged again by hand
    QVERIFY(!m_db->snatch(id).value.hnrExempt);
    QCOMPARE(m_db->deleteSnatch(id), core::DbStatus::Ok);
    QCOMPARE(m_db->deleteSnatch(id), core::DbStatus::NotFound);
    QCOMPARE(m_db->snatch(id).status, core::DbStatus::NotFound);
}

QTEST_GUILESS_MAIN(TestHitAndRun)
#include "tst_hitandrun.moc"
