// Tests IpRange: strict parsing of addresses and CIDR ranges (with a malformed-input table),
// canonical text, masking and containment at the prefix boundaries.
#include "shared/types/iprange.h"

#include <QTest>

using namespace sk;

class TestIpRange : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void parses_data()
    {
        QTest::addColumn<QString>("text");
        QTest::addColumn<QString>("canonical");
        QTest::addColumn<int>("prefix");
        QTest::addColumn<bool>("v6");
        QTest::newRow("v4 host") << "203.0.113.7"
                                 << "203.0.113.7" << 32 << false;
        QTest::newRow("v4 host as /32") << "203.0.113.7/32"
                                        << "203.0.113.7" << 32 << false;
        QTest::newRow("v4 /8") << "10.0.0.0/8"
                               << "10.0.0.0/8" << 8 << false;
        QTest::newRow("v4 /0: everything") << "0.0.0.0/0"
                                           << "0.0.0.0/0" << 0 << false;
        QTest::newRow("v4 /31") << "192.0.2.2/31"
                                << "192.0.2.2/31" << 31 << false;
        QTest::newRow("v6 host") << "2001:db8::1"
                                 << "2001:db8::1" << 128 << true;
        QTest::newRow("v6 upper case, long form") << "2001:0DB8:0000:0000:0000:0000:0000:0001"
                                                  << "2001:db8::1" << 128 << true;
        QTest::newRow("v6 /32") << "2001:db8::/32"
                                << "2001:db8::/32" << 32 << true;
        QTest::newRow("v6 /127") << "2001:db8::/127"
                                 << "2001:db8::/127" << 127 << true;
        QTest::newRow("v6 /0") << "::/0"
                               << "::/0" << 0 << true;
        QTest::newRow("v4-mapped host folds to v4") << "::ffff:192.0.2.1"
                                                    << "192.0.2.1" << 32 << false;
        QTest::newRow("v4-mapped /120 folds to /24") << "::ffff:192.0.2.0/120"
                                                     << "192.0.2.0/24" << 24 << false;
        QTest::newRow("v4-mapped /96 is all of v4") << "::ffff:0.0.0.0/96"
                                                    << "0.0.0.0/0" << 0 << false;
    }
    void parses()
    {
        QFETCH(QString, text);
        QFETCH(QString, canonical);
        QFETCH(int, prefix);
        QFETCH(bool, v6);
        const auto r = proto::IpRange::parse(text);
        QVERIFY(r);
        QCOMPARE(r->toString(), canonical);
        QCOMPARE(r->prefixLength, prefix);
        QCOMPARE(r->network.v6, v6);
        QCOMPARE(proto::IpRange::parse(r->toString()), r); // canonical text round-trips
    }

    void rejects_data()
    {
        QTest::addColumn<QString>("text");
        for (const char *bad : {"",
                                " ",
                                "1.2.3",
                                "1.2.3.4.5",
                                "256.1.1.1",
                                "01.2.3.4",
                                "1.2.3.04",
                                "1..3.4",
                                "127.1",
                                "0x7f.0.0.1",
                                "1.2.3.4 ",
                                " 1.2.3.4",
                                "+1.2.3.4",
                                "1.2.3.-4",
                                "1.2.3.4/",
                                "1.2.3.4/33",
                                "1.2.3.4/08",
                                "1.2.3.4/-1",
                                "1.2.3.4/+8",
                                "1.2.3.4/8/8",
                                "10.1.0.0/8",
                                "1.2.3.5/31",
                                "2001:db8::1/129",
                                "2001:db8::1/64",
                                "2001:db8:::1",
                                "1:2:3:4:5:6:7:8:9",
                                "fe80::1%eth0",
                                "[2001:db8::1]",
                                "2001:db8::g",
                                "::ffff:1.2.3.0/95",
                                "::ffff:1.2.3.4/120",
                                "host.example",
                                "1.2.3.4/1000",
                                "1.2.3.4/8x",
                                "/8",
                                "1.2.3.4\n"})
            QTest::newRow(bad) << QString::fromLatin1(bad);
        QTest::newRow("longer than 64") << QString(65, QLatin1Char('1'));
        QTest::newRow("non-ASCII digit") << QStringLiteral("1.2.3.\u0664");
    }
    void rejects()
    {
        QFETCH(QString, text);
        QVERIFY(!proto::IpRange::parse(text));
    }

    void contains_data()
    {
        QTest::addColumn<QString>("range");
        QTest::addColumn<QString>("address");
        QTest::addColumn<bool>("inside");
        QTest::newRow("first of /24") << "192.0.2.0/24"
                                      << "192.0.2.0" << true;
        QTest::newRow("last of /24") << "192.0.2.0/24"
                                     << "192.0.2.255" << true;
        QTest::newRow("next after /24") << "192.0.2.0/24"
                                        << "192.0.3.0" << false;
        QTest::newRow("before /24") << "192.0.2.0/24"
                                    << "192.0.1.255" << false;
        QTest::newRow("/0 holds any v4") << "0.0.0.0/0"
                                         << "198.51.100.9" << true;
        QTest::newRow("/0 v4 holds no v6") << "0.0.0.0/0"
                                           << "2001:db8::1" << false;
        QTest::newRow("host equals") << "203.0.113.7"
                                     << "203.0.113.7" << true;
        QTest::newRow("host differs in the last bit") << "203.0.113.7"
                                                      << "203.0.113.6" << false;
        QTest::newRow("v6 /32 inside") << "2001:db8::/32"
                                       << "2001:db8:ffff::1" << true;
        QTest::newRow("v6 /32 outside") << "2001:db8::/32"
                                        << "2001:db9::1" << false;
        QTest::newRow("v6 /127 pair") << "2001:db8::/127"
                                      << "2001:db8::1" << true;
        QTest::newRow("v6 /127 next") << "2001:db8::/127"
                                      << "2001:db8::2" << false;
        QTest::newRow("mapped address in a v4 range") << "192.0.2.0/24"
                                                      << "::ffff:192.0.2.9" << true;
    }
    void contains()
    {
        QFETCH(QString, range);
        QFETCH(QString, address);
        QFETCH(bool, inside);
        const auto r = proto::IpRange::parse(range);
        const auto a = proto::IpAddress::parse(address.toLatin1());
        QVERIFY(r);
        QVERIFY(a);
        QCOMPARE(r->contains(*a), inside);
    }

    void clearHostBitsSaysWhatWasMeant()
    {
        QCOMPARE(proto::IpRange::parse(u"10.1.2.3/8", true)->toString(),
                 QStringLiteral("10.0.0.0/8"));
        QCOMPARE(proto::IpRange::parse(u"2001:db8::1/32", true)->toString(),
                 QStringLiteral("2001:db8::/32"));
        QVERIFY(!proto::IpRange::parse(u"10.1.2.3/33", true)); // still nothing else
        QVERIFY(!proto::IpRange::parse(u"10.1.2/8", true));
    }

    void maskClearsPastPrefix()
    {
        const auto a = *proto::IpAddress::parse("255.255.255.255");
        QCOMPARE(proto::masked(a, 0).toString(), QStringLiteral("0.0.0.0"));
        QCOMPARE(proto::masked(a, 9).toString(), QStringLiteral("255.128.0.0"));
        QCOMPARE(proto::masked(a, 32).toString(), QStringLiteral("255.255.255.255"));
        const auto b = *proto::IpAddress::parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
        QCOMPARE(proto::masked(b, 65).toString(), QStringLiteral("ffff:ffff:ffff:ffff:8000::"));
    }
};

QTEST_GUILESS_MAIN(TestIpRange)
#include "tst_iprange.moc"
