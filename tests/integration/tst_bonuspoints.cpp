// Bonus points through the real swarmkeeperd: a seeding user is awarded points on
// POST /admin/bonus/calculate, points are added, removed and redeemed for upload credit (which
// the ratio rule then sees), every bad request gets its status, and points survive a restart.
#include "trackerprocess.h"

#include <QJsonArray>
#include <QTest>
#include <QThread>

using namespace sk;
using itest::TrackerProcess;

namespace {

QJsonObject points(double p)
{
    return QJsonObject{{QStringLiteral("points"), p}};
}

} // namespace

class TestBonusPoints : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void awardForSeeding();
    void addRemoveRedeem();
    void requests_data();
    void requests();
    void restartKeepsPoints();
    void cleanupTestCase();

private:
    double pointsOf(qint64 user)
    {
        return m_server.adminRequest("GET", QStringLiteral("/admin/users/%1/points").arg(user))
            .json.value(QStringLiteral("points"))
            .toDouble(-1);
    }

    TrackerProcess m_server;
    qint64 m_seeder = 0;
    qint64 m_idle = 0;
};

void TestBonusPoints::initTestCase()
{
    // One point per second and torrent seeded; a point redeems 1000 bytes.
    QVERIFY(m_server.start({QStringLiteral("--set"), QStringLiteral("bonus.points_per_hour=3600"),
                            QStringLiteral("--set"), QStringLiteral("bonus.bytes_per_point=1000"),
                            QStringLiteral("--set"), QStringLiteral("stats.flush_interval=3600")}));
    const QJsonObject seeder = m_server.createUser(QStringLiteral("seeder"));
    const QJsonObject idle = m_server.createUser(QStringLiteral("idle"));
    m_seeder = seeder.value(QStringLiteral("id")).toInteger();
    m_idle = idle.value(QStringLiteral("id")).toInteger();
    for (int i = 0; i < 2; ++i) {
        const proto::InfoHash ih = itest::randomInfoHash();
        QVERIFY(!m_server.createTorrent(ih).isEmpty());
        const auto r = m_server.announce(seeder.value(QStringLiteral("passkey")).toString(),
                                         itest::counterQuery(ih, "-IT0001-s", 0, 0, "started"));
        QVERIFY(r && !r->find("failure reason"));
    }
}

void TestBonusPoints::awardForSeeding()
{
    // The award pays the time since the previous one (the start, or the last calculate).
    QVERIFY(m_server.adminRequest("POST", QStringLiteral("/admin/bonus/calculate")).status == 200);
    QThread::msleep(1100);
    const auto r = m_server.adminRequest("POST", QStringLiteral("/admin/bonus/calculate"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("users")).toInt(), 1);
    QCOMPARE(r.json.value(QStringLiteral("torrents")).toInt(), 2);
    const qint64 elapsed = r.json.value(QStringLiteral("elapsed")).toInteger();
    QVERIFY(elapsed >= 1);
    QCOMPARE(r.json.value(QStringLiteral("points")).toDouble(), 2.0 * double(elapsed));
    const double seederPoints = pointsOf(m_seeder);
    QVERIFY2(seederPoints >= 2.0 * double(elapsed), qPrintable(QString::number(seederPoints)));
    QCOMPARE(pointsOf(m_idle), 0.0);
    const auto stats = m_server.adminRequest("GET", QStringLiteral("/admin/bonus/stats"));
    QCOMPARE(stats.status, 200);
    QVERIFY(stats.json.value(QStringLiteral("enabled")).toBool());
    QCOMPARE(stats.json.value(QStringLiteral("points_per_hour")).toDouble(), 3600.0);
    QVERIFY(stats.json.value(QStringLiteral("awards")).toInt() >= 1);
    QCOMPARE(stats.json.value(QStringLiteral("last_award"))
                 .toObject()
                 .value(QStringLiteral("torrents"))
                 .toInt(),
             2);
}

void TestBonusPoints::addRemoveRedeem()
{
    auto r = m_server.adminRequest("POST", QStringLiteral("/admin/users/%1/points").arg(m_idle),
                                   points(12.345));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("points")).toDouble(), 12.345);
    r = m_server.adminRequest("DELETE", QStringLiteral("/admin/users/%1/points").arg(m_idle),
                              points(2.345));
    QCOMPARE(r.json.value(QStringLiteral("points")).toDouble(), 10.0);
    r = m_server.adminRequest("DELETE", QStringLiteral("/admin/users/%1/points").arg(m_idle),
                              points(10.001));
    QCOMPARE(r.status, 409);
    QCOMPARE(r.errorCode(), QStringLiteral("insufficient_points"));
    QCOMPARE(pointsOf(m_idle), 10.0);

    // 4 points at 1000 bytes each: 4000 bytes of upload credit, exactly once.
    r = m_server.adminRequest("POST", QStringLiteral("/admin/users/%1/redeem").arg(m_idle),
                              points(4));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("points")).toDouble(), 6.0);
    QCOMPARE(r.json.value(QStringLiteral("credited_bytes")).toInteger(), 4000);
    QCOMPARE(r.json.value(QStringLiteral("uploaded")).toInteger(), 4000);
    const auto user = m_server.adminRequest("GET", QStringLiteral("/admin/users/%1").arg(m_idle));
    QCOMPARE(user.json.value(QStringLiteral("uploaded")).toInteger(), 4000);
    QCOMPARE(user.json.value(QStringLiteral("bonus_points")).toDouble(), 6.0);
    QVERIFY(m_server.adminRequest("POST", QStringLiteral("/admin/stats/flush")).status == 200);
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/users/%1").arg(m_idle))
                 .json.value(QStringLiteral("uploaded"))
                 .toInteger(),
             4000);
    r = m_server.adminRequest("POST", QStringLiteral("/admin/users/%1/redeem").arg(m_idle),
                              points(6.001));
    QCOMPARE(r.status, 409);
    QCOMPARE(pointsOf(m_idle), 6.0);
}

void TestBonusPoints::requests_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path"); // %1: the idle user
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    const QString pts = QStringLiteral("/admin/users/%1/points");
    const QString redeem = QStringLiteral("/admin/users/%1/redeem");
    QTest::newRow("add: missing points")
        << QByteArray("POST") << pts << QByteArray("{}") << 422 << "missing_field";
    QTest::newRow("add: zero") << QByteArray("POST") << pts << QByteArray(R"({"points":0})") << 422
                               << "invalid_value";
    QTest::newRow("add: negative")
        << QByteArray("POST") << pts << QByteArray(R"({"points":-5})") << 422 << "invalid_value";
    QTest::newRow("add: four decimals")
        << QByteArray("POST") << pts << QByteArray(R"({"points":1.0001})") << 422
        << "invalid_value";
    QTest::newRow("add: text") << QByteArray("POST") << pts << QByteArray(R"({"points":"5"})")
                               << 422 << "invalid_value";
    QTest::newRow("add: too many")
        << QByteArray("POST") << pts << QByteArray(R"({"points":1e13})") << 422 << "invalid_value";
    QTest::newRow("add: unknown field")
        << QByteArray("POST") << pts << QByteArray(R"({"points":1,"why":"x"})") << 422
        << "unknown_field";
    QTest::newRow("add: not JSON")
        << QByteArray("POST") << pts << QByteArray("{") << 400 << "invalid_json";
    QTest::newRow("add: unknown user")
        << QByteArray("POST") << QStringLiteral("/admin/users/999999/points")
        << QByteArray(R"({"points":1})") << 404 << "not_found";
    QTest::newRow("get: bad user") << QByteArray("GET") << QStringLiteral("/admin/users/abc/points")
                                   << QByteArray() << 400 << "invalid_parameter";
    QTest::newRow("get: unknown user")
        << QByteArray("GET") << QStringLiteral("/admin/users/999999/points") << QByteArray() << 404
        << "not_found";
    QTest::newRow("remove: more than held")
        << QByteArray("DELETE") << pts << QByteArray(R"({"points":1000000})") << 409
        << "insufficient_points";
    QTest::newRow("redeem: more than held")
        << QByteArray("POST") << redeem << QByteArray(R"({"points":1000000})") << 409
        << "insufficient_points";
    QTest::newRow("redeem: zero") << QByteArray("POST") << redeem << QByteArray(R"({"points":0})")
                                  << 422 << "invalid_value";
    QTest::newRow("redeem: unknown user")
        << QByteArray("POST") << QStringLiteral("/admin/users/999999/redeem")
        << QByteArray(R"({"points":1})") << 404 << "not_found";
    QTest::newRow("redeem: wrong method")
        << QByteArray("GET") << redeem << QByteArray() << 405 << "method_not_allowed";
    QTest::newRow("calculate: wrong method")
        << QByteArray("GET") << QStringLiteral("/admin/bonus/calculate") << QByteArray() << 405
        << "method_not_allowed";
    QTest::newRow("no token") << QByteArray("POST") << pts << QByteArray(R"({"points":1})") << 401
                              << "unauthorized";
}

void TestBonusPoints::requests()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    if (path.contains(QLatin1String("%1")))
        path = path.arg(m_idle);
    const double before = pointsOf(m_idle);
    const auto r = m_server.adminJson(method, path, body, code != QLatin1String("unauthorized"));
    QCOMPARE(r.status, status);
    QCOMPARE(r.errorCode(), code);
    QCOMPARE(pointsOf(m_idle), before); // nothing changed
}

void TestBonusPoints::restartKeepsPoints()
{
    const double seeder = pointsOf(m_seeder);
    QVERIFY(m_server.stop());
    QVERIFY(m_server.start({QStringLiteral("--set"), QStringLiteral("bonus.points_per_hour=0")}));
    QCOMPARE(pointsOf(m_idle), 6.0);
    QCOMPARE(pointsOf(m_seeder), seeder);
    // Awards off: calculating pays nothing.
    const auto r = m_server.adminRequest("POST", QStringLiteral("/admin/bonus/calculate"));
    QCOMPARE(r.status, 200);
    QCOMPARE(r.json.value(QStringLiteral("points")).toDouble(), 0.0);
    QVERIFY(!m_server.adminRequest("GET", QStringLiteral("/admin/bonus/stats"))
                 .json.value(QStringLiteral("enabled"))
                 .toBool());
}

void TestBonusPoints::cleanupTestCase()
{
    QVERIFY(m_server.stop());
}

QTEST_GUILESS_MAIN(TestBonusPoints)
#include "tst_bonuspoints.moc"
