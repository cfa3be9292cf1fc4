// Cheat flags through the real swarmkeeperd: an announce reporting upload while no other
// leecher is in the swarm, or faster than the cap, is listed under /admin/cheats (filterable,
// dismissible) and the user's credited upload is exactly what was reported: flags change
// nothing.
#include "trackerprocess.h"

#include <QJsonArray>
#include <QTest>

using namespace sk;
using itest::TrackerProcess;

class TestCheatFlags : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void flagsAreListedAndChangeNothing();
    void requests();
    void cleanupTestCase();

private:
    bool announce(const QString &passkey, const QByteArray &q)
    {
        const auto r = m_server.announce(passkey, q);
        return r && r->isDict() && !r->find("failure reason");
    }
    QJsonArray cheats(const QString &filter = {})
    {
        return m_server.adminRequest("GET", QStringLiteral("/admin/cheats") + filter)
            .json.value(QStringLiteral("cheats"))
            .toArray();
    }

    TrackerProcess m_server;
    qint64 m_seeder = 0;
    qint64 m_honest = 0;
    QString m_seederKey;
    QString m_honestKey;
    proto::InfoHash m_lonely; // no leechers
    proto::InfoHash m_busy;   // with a leecher
};

void TestCheatFlags::initTestCase()
{
    // Flags are written with each stats flush: every second here.
    QVERIFY(m_server.start({QStringLiteral("--set"), QStringLiteral("stats.flush_interval=1"),
                            QStringLiteral("--set"), QStringLiteral("policy.cheat_min_bytes=1000"),
                            QStringLiteral("--set"),
                            QStringLiteral("policy.cheat_max_upload_rate=1000000")}));
    const QJsonObject seeder = m_server.createUser(QStringLiteral("seeder"));
    const QJsonObject honest = m_server.createUser(QStringLiteral("honest"));
    m_seeder = seeder.value(QStringLiteral("id")).toInteger();
    m_honest = honest.value(QStringLiteral("id")).toInteger();
    m_seederKey = seeder.value(QStringLiteral("passkey")).toString();
    m_honestKey = honest.value(QStringLiteral("passkey")).toString();
    m_lonely = itest::randomInfoHash();
    m_busy = itest::randomInfoHash();
    QVERIFY(!m_server.createTorrent(m_lonely).isEmpty());
    QVERIFY(!m_server.createTorrent(m_busy).isEmpty());
}

void TestCheatFlags::flagsAreListedAndChangeNothing()
{
    // A seeder alone in its swarm reports 5000 bytes of upload: nobody could have taken them.
    QVERIFY(announce(m_seederKey, itest::counterQuery(m_lonely, "-IT0001-s", 0, 0, "started")));
    QVERIFY(announce(m_seederKey, itest::counterQuery(m_lonely, "-IT0001-s", 5000, 0)));
    // Then 10 GB within a second or two: faster than the 1 MB/s cap.
    QVERIFY(
        announce(m_seederKey, itest::counterQuery(m_lonely, "-IT0001-s", 10'000'005'000ull, 0)));
    // The honest seeder uploads 3000 bytes slowly to a leecher that is there.
    QVERIFY(announce(m_honestKey, itest::counterQuery(m_busy, "-IT0001-l", 0, 500, "started")));
    QVERIFY(announce(m_honestKey, itest::counterQuery(m_busy, "-IT0001-h", 0, 0, "started")));
    QVERIFY(announce(m_honestKey, itest::counterQuery(m_busy, "-IT0001-h", 3000, 0)));

    QTRY_COMPARE_WITH_TIMEOUT(cheats().size(), 3, 10000);
    const QJsonArray all = cheats();
    QStringList kinds;
    for (const QJsonValue &v : all) {
        const QJsonObject f = v.toObject();
        QCOMPARE(f.value(QStringLiteral("user_id")).toInteger(), m_seeder);
        QCOMPARE(f.value(QStringLiteral("ip")).toString(), QStringLiteral("127.0.0.1"));
        QCOMPARE(f.value(QStringLiteral("leechers")).toInt(), 0);
        QVERIFY(f.value(QStringLiteral("peer_id"))
                    .toString()
                    .startsWith(QStringLiteral("2d49543030303"))); // "-IT000" in hex
        kinds << f.value(QStringLiteral("kind")).toString();       // newest first
    }
    QCOMPARE(kinds, (QStringList{QStringLiteral("upload_too_fast"),
                                 QStringLiteral("upload_without_leechers"),
                                 QStringLiteral("upload_without_leechers")}));
    QCOMPARE(all.last().toObject().value(QStringLiteral("uploaded")).toInteger(), 5000);

    // Filters, and nothing for the honest user.
    QCOMPARE(cheats(QStringLiteral("?user=%1").arg(m_honest)).size(), 0);
    QCOMPARE(cheats(QStringLiteral("?user=%1&torrent=%2").arg(m_seeder).arg(m_lonely.toHexString()))
                 .size(),
             3);
    QCOMPARE(cheats(QStringLiteral("?torrent=%1").arg(m_busy.toHexString())).size(), 0);
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/cheats?limit=1"))
                 .json.value(QStringLiteral("total"))
                 .toInt(),
             3);

    // Stats are exactly what was reported.
    QVERIFY(m_server.adminRequest("POST", QStringLiteral("/admin/stats/flush")).status == 200);
    const auto user = m_server.adminRequest("GET", QStringLiteral("/admin/users/%1").arg(m_seeder));
    QCOMPARE(user.json.value(QStringLiteral("uploaded")).toInteger(), 10'000'005'000ll);

    // A moderator dismisses one.
    const qint64 id = all.first().toObject().value(QStringLiteral("id")).toInteger();
    QCOMPARE(m_server.adminRequest("DELETE", QStringLiteral("/admin/cheats/%1").arg(id)).status,
             200);
    QCOMPARE(cheats().size(), 2);
    QCOMPARE(m_server.adminRequest("DELETE", QStringLiteral("/admin/cheats/%1").arg(id)).status,
             404);
}

void TestCheatFlags::requests()
{
    for (const auto &[method, path, status, code] :
         {std::tuple{"GET", "/admin/cheats?user=abc", 400, "invalid_parameter"},
          std::tuple{"GET", "/admin/cheats?torrent=xyz", 400, "invalid_parameter"},
          std::tuple{"GET", "/admin/cheats?torrent=999999", 404, "not_found"},
          std::tuple{"GET", "/admin/cheats?limit=0", 400, "invalid_parameter"},
          std::tuple{"DELETE", "/admin/cheats/0", 400, "invalid_parameter"},
          std::tuple{"DELETE", "/admin/cheats/x", 400, "invalid_parameter"},
          std::tuple{"DELETE", "/admin/cheats/999999", 404, "not_found"},
          std::tuple{"POST", "/admin/cheats", 405, "method_not_allowed"}}) {
        const auto r = m_server.adminRequest(method, QString::fromLatin1(path));
        QVERIFY2(r.status == status, path);
        QCOMPARE(r.errorCode(), QString::fromLatin1(code));
    }
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/cheats"), {}, "nope").status, 401);
    QCOMPARE(cheats().size(), 2); // unchanged
}

void TestCheatFlags::cleanupTestCase()
{
    QVERIFY(m_server.stop());
}

QTEST_GUILESS_MAIN(TestCheatFlags)
#include "tst_cheatflags.moc"
