// Tests BanList: host and range bans for IPv4 and IPv6, the most specific ban wins, expiry
// applies at its second (an expired ban never hides a wider one), replace and remove.
#include "server/core/banlist.h"

#include <QTest>

using namespace sk;

namespace {
constexpr std::int64_t kNow = 1'700'000'000;

core::Ban ban(const char *range, std::int64_t expiresAt = 0, const char *reason = "")
{
    return core::Ban{*proto::IpRange::parse(QString::fromLatin1(range)),
                     QString::fromLatin1(reason), kNow, expiresAt};
}

QStringList texts(std::initializer_list<const char *> items)
{
    QStringList l;
    for (const char *i : items)
        l << QString::fromLatin1(i);
    return l;
}

proto::IpAddress ip(const char *text)
{
    return *proto::IpAddress::parse(text);
}
} // namespace

class TestBanList : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void emptyBansNobody()
    {
        core::BanList l;
        QVERIFY(!l.banned(ip("203.0.113.7"), kNow));
        QVERIFY(!l.match(ip("2001:db8::1"), kNow));
        QCOMPARE(l.size(), 0u);
    }

    void matches_data()
    {
        QTest::addColumn<QStringList>("bans");
        QTest::addColumn<QString>("address");
        QTest::addColumn<QString>("matchedBy"); // empty: not banned
        const QStringList mixed =
            texts({"203.0.113.7", "10.0.0.0/8", "10.1.0.0/16", "2001:db8::/32", "2001:db8:0:1::5"});
        QTest::newRow("host") << mixed << "203.0.113.7"
                              << "203.0.113.7";
        QTest::newRow("neighbour of host") << mixed << "203.0.113.8"
                                           << "";
        QTest::newRow("inside /8 only") << mixed << "10.200.0.1"
                                        << "10.0.0.0/8";
        QTest::newRow("most specific wins") << mixed << "10.1.2.3"
                                            << "10.1.0.0/16";
        QTest::newRow("v6 range") << mixed << "2001:db8:ffff::9"
                                  << "2001:db8::/32";
        QTest::newRow("v6 host beats its range") << mixed << "2001:db8:0:1::5"
                                                 << "2001:db8:0:1::5";
        QTest::newRow("v6 outside") << mixed << "2001:db9::1"
                                    << "";
        QTest::newRow("mapped v4 is v4") << mixed << "::ffff:10.9.9.9"
                                         << "10.0.0.0/8";
        QTest::newRow("v4 /0 bans all v4, no v6") << texts({"0.0.0.0/0"}) << "2001:db8::1"
                                                  << "";
        QTest::newRow("v6 ::/0 bans all v6") << texts({"::/0"}) << "2001:db8::1"
                                             << "::/0";
    }
    void matches()
    {
        QFETCH(QStringList, bans);
        QFETCH(QString, address);
        QFETCH(QString, matchedBy);
        core::BanList l;
        for (const QString &b : bans)
            l.put(ban(qPrintable(b)));
        QCOMPARE(l.size(), std::size_t(bans.size()));
        const auto a = ip(qPrintable(address));
        QCOMPARE(l.banned(a, kNow), !matchedBy.isEmpty());
        const auto m = l.match(a, kNow);
        QCOMPARE(m ? m->range.toString() : QString(), matchedBy);
    }

    void expiryAppliesAtItsSecond()
    {
        core::BanList l;
        l.put(ban("198.51.100.0/24")); // permanent, wider
        l.put(ban("198.51.100.7", kNow + 60, "one minute"));
        QCOMPARE(l.match(ip("198.51.100.7"), kNow + 59)->reason, QStringLiteral("one minute"));
        // At its expiry second it stops; the wider permanent ban still applies.
        QCOMPARE(l.match(ip("198.51.100.7"), kNow + 60)->range.toString(),
                 QStringLiteral("198.51.100.0/24"));
        QVERIFY(l.remove(*proto::IpRange::parse(u"198.51.100.0/24")));
        QVERIFY(l.banned(ip("198.51.100.7"), kNow + 59));
        QVERIFY(!l.banned(ip("198.51.100.7"), kNow + 60));
        const auto expired = l.expiredAt(kNow + 60);
        QCOMPARE(expired.size(), 1u);
        QCOMPARE(expired.front().toString(), QStringLiteral("198.51.100.7"));
        QVERIFY(l.expiredAt(kNow + 59).empty());
    }

    void replaceAndRemove()
    {
        core::BanList l;
        l.put(ban("192.0.2.0/24", 0, "first"));
        l.put(ban("192.0.2.0/24", kNow + 5, "second")); // same range: replaced
        QCOMPARE(l.size(), 1u);
        QCOMPARE(l.find(*proto::IpRange::parse(u"192.0.2.0/24"))->reason, QStringLiteral("second"));
        QVERIFY(!l.find(*proto::IpRange::parse(u"192.0.2.0/25")));
        QVERIFY(!l.remove(*proto::IpRange::parse(u"192.0.2.0/25")));
        QVERIFY(l.remove(*proto::IpRange::parse(u"192.0.2.0/24")));
        QVERIFY(!l.remove(*proto::IpRange::parse(u"192.0.2.0/24")));
        QCOMPARE(l.size(), 0u);
        QVERIFY(!l.banned(ip("192.0.2.1"), kNow));
    }

    // Many prefix lengths of both families (more levels than a sort handles by insertion):
    // each address matches its most specific ban.
    void manyLevels()
    {
        core::BanList l;
        const auto level = [&l](const char *address, int len) {
            l.put(core::Ban{proto::IpRange{proto::masked(ip(address), len), len}, {}, kNow, 0});
        };
        for (int len = 8; len <= 32; ++len)
            level("10.255.255.255", len);
        for (int len = 16; len <= 128; len += 4)
            level("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", len);
        QCOMPARE(l.size(), std::size_t(25 + 29));
        QCOMPARE(l.match(ip("10.255.255.255"), kNow)->range.prefixLength, 32);
        QCOMPARE(l.match(ip("10.255.255.0"), kNow)->range.prefixLength, 24);
        QCOMPARE(l.match(ip("10.0.0.1"), kNow)->range.prefixLength, 8);
        QCOMPARE(l.match(ip("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"), kNow)->range.prefixLength,
                 128);
        QCOMPARE(l.match(ip("2001:db8:ffff::"), kNow)->range.prefixLength, 48);
        QVERIFY(!l.banned(ip("11.0.0.1"), kNow));
    }

    void allIsOrdered()
    {
        core::BanList l;
        for (const char *b : {"2001:db8::/32", "10.0.0.0/16", "10.0.0.0/8", "9.9.9.9", "::1"})
            l.put(ban(b));
        QStringList order;
        for (const core::Ban &b : l.all())
            order << b.range.toString();
        QCOMPARE(order, texts({"9.9.9.9", "10.0.0.0/8", "10.0.0.0/16", "::1", "2001:db8::/32"}));
    }
};

QTEST_GUILESS_MAIN(TestBanList)
#include "tst_banlist.moc"
