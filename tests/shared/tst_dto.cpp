// Tests the admin API DTOs: JSON round trips, large counters, rejected shapes.
#include "shared/api/dto.h"

#include <QTest>

using namespace sk;

class TestDto : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void userRoundTrip_data()
    {
        QTest::addColumn<quint64>("uploaded");
        QTest::newRow("zero") << quint64(0);
        QTest::newRow("terabytes") << (quint64(5) << 40);
        QTest::newRow("above 2^53 travels as a string") << ((quint64(1) << 60) + 1);
    }
    void userRoundTrip()
    {
        QFETCH(quint64, uploaded);
        api::UserDto u{
            7, QStringLiteral("alice"), QStringLiteral("p"), uploaded, 3, false, 1'700'000'000};
        const QJsonObject o = u.toJson();
        QCOMPARE(o.value(QStringLiteral("created_at")).toString(),
                 QStringLiteral("2023-11-14T22:13:20Z"));
        const auto back = api::UserDto::fromJson(o);
        QVERIFY(back);
        QCOMPARE(back->uploaded, u.uploaded);
        QCOMPARE(back->canLeech, false);
        QCOMPARE(back->createdAt, u.createdAt);
    }
    void torrentRoundTrip()
    {
        api::TorrentDto t;
        t.id = 3;
        t.infoHash.bytes.fill(0xAB);
        t.seeders = 4;
        const auto back = api::TorrentDto::fromJson(t.toJson());
        QVERIFY(back);
        QCOMPARE(back->infoHash, t.infoHash);
        QCOMPARE(t.toJson().value(QStringLiteral("info_hash")).toString(),
                 QString(40, QLatin1Char('a')).replace(QStringLiteral("aa"), QStringLiteral("ab")));
        QCOMPARE(back->seeders, 4u);
        QVERIFY(t.toJson().value(QStringLiteral("freeleech_until")).isNull()); // no expiry
        QCOMPARE(back->uploadMultiplier, 1.0);
    }
    void torrentTermsRoundTrip()
    {
        api::TorrentDto t;
        t.id = 4;
        t.freeleech = true;
        t.freeleechUntil = 1'700'000'000;
        t.uploadMultiplier = 2.5;
        t.downloadMultiplier = 0;
        t.uploaded = (quint64(1) << 60) + 3; // beyond 2^53: travels as a string
        const QJsonObject o = t.toJson();
        QCOMPARE(o.value(QStringLiteral("freeleech_until")).toString(),
                 QStringLiteral("2023-11-14T22:13:20Z"));
        const auto back = api::TorrentDto::fromJson(o);
        QVERIFY(back);
        QVERIFY(back->freeleech);
        QCOMPARE(back->freeleechUntil, t.freeleechUntil);
        QCOMPARE(back->uploadMultiplier, 2.5);
        QCOMPARE(back->downloadMultiplier, 0.0);
        QCOMPARE(back->uploaded, t.uploaded);
    }
    void banRoundTrip_data()
    {
        QTest::addColumn<qint64>("expiresAt");
        QTest::addColumn<bool>("active");
        QTest::newRow("permanent: expires_at null") << qint64(0) << true;
        QTest::newRow("expiring") << qint64(1'700'000'600) << true;
        QTest::newRow("expired, not yet cleaned up") << qint64(1'700'000'001) << false;
    }
    void banRoundTrip()
    {
        QFETCH(qint64, expiresAt);
        QFETCH(bool, active);
        const api::BanDto b{QStringLiteral("10.0.0.0/8"), QStringLiteral("abuse"), 1'700'000'000,
                            expiresAt, active};
        const QJsonObject o = b.toJson();
        QCOMPARE(o.value(QStringLiteral("expires_at")).isNull(), expiresAt == 0);
        const auto back = api::BanDto::fromJson(o);
        QVERIFY(back);
        QCOMPARE(back->ip, b.ip);
        QCOMPARE(back->reason, b.reason);
        QCOMPARE(back->createdAt, b.createdAt);
        QCOMPARE(back->expiresAt, expiresAt);
        QCOMPARE(back->active, active);
    }
    void snatchRoundTrip()
    {
        api::SnatchDto s;
        s.id = 9;
        s.userId = 3;
        s.torrentId = 4;
        s.infoHash.bytes.fill(0x0C);
        s.completedAt = 1'700'000'000;
        s.seedtime = 7200;
        s.uploaded = (quint64(1) << 60) + 5;
        s.rawDownloaded = 123;
        s.hnr = true;
        s.hnrExempt = true;
        s.seeding = true;
        const QJsonObject o = s.toJson();
        QVERIFY(o.value(QStringLiteral("last_seen")).isNull()); // never seen
        const auto back = api::SnatchDto::fromJson(o);
        QVERIFY(back);
        QCOMPARE(back->id, s.id);
        QCOMPARE(back->userId, s.userId);
        QCOMPARE(back->torrentId, s.torrentId);
        QCOMPARE(back->infoHash, s.infoHash);
        QCOMPARE(back->completedAt, s.completedAt);
        QCOMPARE(back->seedtime, s.seedtime);
        QCOMPARE(back->lastSeen, 0);
        QCOMPARE(back->uploaded, s.uploaded);
        QCOMPARE(back->rawDownloaded, s.rawDownloaded);
        QVERIFY(back->hnr);
        QVERIFY(back->hnrExempt);
        QVERIFY(back->seeding);
        QVERIFY(!api::SnatchDto::fromJson(QJsonObject{{QStringLiteral("id"), 1}}));
    }
    void allowedClientRoundTrip()
    {
        const api::AllowedClientDto c{QStringLiteral("-TR"), QStringLiteral("Transmission"),
                                      1'700'000'000};
        const auto back = api::AllowedClientDto::fromJson(c.toJson());
        QVERIFY(back);
        QCOMPARE(back->prefix, c.prefix);
        QCOMPARE(back->name, c.name);
        QCOMPARE(back->createdAt, c.createdAt);
    }
    void peerRoundTrip_data()
    {
        QTest::addColumn<int>("connectable"); // -1: unknown (null)
        QTest::newRow("connectable") << 1;
        QTest::newRow("unreachable") << 0;
        QTest::newRow("not probed") << -1;
    }
    void peerRoundTrip()
    {
        QFETCH(int, connectable);
        api::PeerDto p;
        p.userId = 12;
        p.peerId = QStringLiteral("2d7142343635302d");
        p.client = QStringLiteral("qB4650");
        p.ip = QStringLiteral("2001:db8::7");
        p.port = 51413;
        p.uploaded = (std::uint64_t(1) << 60) + 1; // past 2^53: travels as a string
        p.downloaded = 5;
        p.left = 0;
        p.seeder = true;
        if (connectable >= 0)
            p.connectable = connectable == 1;
        p.lastAnnounce = 1'700'000'000;
        const QJsonObject j = p.toJson();
        QCOMPARE(j.value(QStringLiteral("connectable")).isNull(), connectable < 0);
        const auto back = api::PeerDto::fromJson(j);
        QVERIFY(back);
        QCOMPARE(back->userId, p.userId);
        QCOMPARE(back->peerId, p.peerId);
        QCOMPARE(back->client, p.client);
        QCOMPARE(back->ip, p.ip);
        QCOMPARE(back->port, p.port);
        QCOMPARE(back->uploaded, p.uploaded);
        QCOMPARE(back->seeder, true);
        QCOMPARE(back->connectable, p.connectable);
        QCOMPARE(back->lastAnnounce, p.lastAnnounce);
        QJsonObject bad = j;
        bad.insert(QStringLiteral("port"), 70000);
        QVERIFY(!api::PeerDto::fromJson(bad));
        bad = j;
        bad.insert(QStringLiteral("connectable"), QStringLiteral("yes"));
        QVERIFY(!api::PeerDto::fromJson(bad));
    }
    void clientOf_data()
    {
        QTest::addColumn<QByteArray>("peerId");
        QTest::addColumn<QString>("client");
        QTest::newRow("azureus style")
            << QByteArray("-qB4650-abcdefghijkl") << QStringLiteral("qB4650");
        QTest::newRow("transmission")
            << QByteArray("-TR3000-000000000000") << QStringLiteral("TR3000");
        QTest::newRow("shadow style")
            << QByteArray("M7-2-2--xxxxxxxxxxxx") << QStringLiteral("M7-2-2--");
        QTest::newRow("binary") << QByteArray("\x01\x02"
                                              "abcdefghijklmnopqr",
                                              20)
                                << QString();
        QTest::newRow("dashes around binary")
            << QByteArray("-\x01\x02\x03\x04\x05\x06-abcdefghijkl", 20) << QStringLiteral("-");
    }
    void clientOf()
    {
        QFETCH(QByteArray, peerId);
        QFETCH(QString, client);
        QCOMPARE(api::clientOf(*proto::PeerId::fromBytes(peerId)), client);
    }
    void rejects()
    {
        QVERIFY(
            !api::BanDto::fromJson(QJsonObject{{QStringLiteral("reason"), QStringLiteral("x")}}));
        QVERIFY(!api::BanDto::fromJson(
            QJsonObject{{QStringLiteral("ip"), QStringLiteral("1.2.3.4")},
                        {QStringLiteral("expires_at"), QStringLiteral("soon")}}));
        QVERIFY(!api::AllowedClientDto::fromJson(QJsonObject{}));
        QVERIFY(!api::UserDto::fromJson(QJsonObject{}));
        QVERIFY(!api::TorrentDto::fromJson(QJsonObject{
            {QStringLiteral("id"), 1}, {QStringLiteral("info_hash"), QStringLiteral("xyz")}}));
    }
};

QTEST_GUILESS_MAIN(TestDto)
#include "tst_dto.moc"
