// Tests ConnectionIds: BEP 15 validity window, binding to address and port, keying.
#include "server/net/connectionid.h"

#include <QTest>

using namespace sk;

class TestConnectionId : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void window_data()
    {
        QTest::addColumn<int>("age");
        QTest::addColumn<bool>("valid");
        QTest::newRow("fresh") << 0 << true;
        QTest::newRow("59 s") << 59 << true;
        QTest::newRow("one minute is always accepted") << 60 << true;
        QTest::newRow("three minutes expired") << 180 << false;
        QTest::newRow("from the future") << -120 << false;
    }
    void window()
    {
        QFETCH(int, age);
        QFETCH(bool, valid);
        net::ConnectionIds ids;
        const auto ip = proto::IpAddress::fromV4(0x7F000001);
        const std::int64_t t0 = 1'700'000'000 - 1'700'000'000 % 60; // start of a minute
        const auto id = ids.issue(ip, 4000, t0);
        QCOMPARE(ids.check(id, ip, 4000, t0 + age), valid);
    }
    void boundToClient()
    {
        net::ConnectionIds ids;
        const auto ip = proto::IpAddress::fromV4(0x7F000001);
        const auto id = ids.issue(ip, 4000, 1000);
        QVERIFY(ids.check(id, ip, 4000, 1000));
        QVERIFY(!ids.check(id, ip, 4001, 1000));
        QVERIFY(!ids.check(id, proto::IpAddress::fromV4(0x7F000002), 4000, 1000));
        QVERIFY(!ids.check(id ^ 1, ip, 4000, 1000));
    }
    void keyed()
    {
        std::array<unsigned char, 16> k1{}, k2{};
        k2[0] = 1;
        const auto ip = proto::IpAddress::fromV4(0x7F000001);
        QCOMPARE(net::ConnectionIds(k1).issue(ip, 1, 1000),
                 net::ConnectionIds(k1).issue(ip, 1, 1000));
        QVERIFY(net::ConnectionIds(k1).issue(ip, 1, 1000) !=
                net::ConnectionIds(k2).issue(ip, 1, 1000));
        QVERIFY(net::ConnectionIds().issue(ip, 1, 1000) != net::ConnectionIds().issue(ip, 1, 1000));
    }
};

QTEST_GUILESS_MAIN(TestConnectionId)
#include "tst_connectionid.moc"
