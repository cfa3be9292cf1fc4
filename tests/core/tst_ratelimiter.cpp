// Tests RateLimiter with an injected millisecond clock: bursts, refill at the rate, separate
// buckets per kind and per address, exemptions, the off switch, reset, idle sweeping, and a
// table that stays bounded under a flood of new addresses.
#include "server/core/ratelimiter.h"

#include <QTest>

using namespace sk;
using core::RateKind;

namespace {
proto::IpAddress ip(const char *text)
{
    return *proto::IpAddress::parse(text);
}
} // namespace

class TestRateLimiter : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_now = 1'000'000;
        m_settings = core::RateLimitSettings();
        m_settings.buckets = {{{2, 3}, {1, 1}, {10, 5}}}; // announce: 2/s, burst 3
        m_settings.exempt = QStringLiteral("10.0.0.0/8, ::1");
    }

    // Requests at given times (ms after start): which pass.
    void bucket_data()
    {
        QTest::addColumn<QList<int>>("times");
        QTest::addColumn<QList<bool>>("passed");
        QTest::newRow("burst of 3, then refused")
            << QList<int>{0, 0, 0, 0} << QList<bool>{true, true, true, false};
        QTest::newRow("half a second refills one")
            << QList<int>{0, 0, 0, 0, 500, 500}
            << QList<bool>{true, true, true, false, true, false};
        QTest::newRow("refill stops at the burst") << QList<int>{0, 10000, 10000, 10000, 10000}
                                                   << QList<bool>{true, true, true, true, false};
        QTest::newRow("steady at the rate passes")
            << QList<int>{0, 500, 1000, 1500, 2000, 2500}
            << QList<bool>{true, true, true, true, true, true};
        QTest::newRow("a refused request keeps the refill so far")
            << QList<int>{0, 0, 0, 100, 200, 300, 400, 500}
            << QList<bool>{true, true, true, false, false, false, false, true};
    }
    void bucket()
    {
        QFETCH(QList<int>, times);
        QFETCH(QList<bool>, passed);
        core::RateLimiter l(m_settings, [this] { return m_now; });
        const std::int64_t start = m_now;
        for (qsizetype i = 0; i < times.size(); ++i) {
            m_now = start + times[i];
            QCOMPARE(l.allow(ip("203.0.113.7"), RateKind::Announce), passed[i]);
        }
    }

    void kindsAndAddressesAreSeparate()
    {
        core::RateLimiter l(m_settings, [this] { return m_now; });
        QVERIFY(l.allow(ip("203.0.113.7"), RateKind::Scrape));
        QVERIFY(!l.allow(ip("203.0.113.7"), RateKind::Scrape)); // burst 1
        QVERIFY(l.allow(ip("203.0.113.7"), RateKind::Announce));
        QVERIFY(l.allow(ip("203.0.113.8"), RateKind::Scrape));
        QVERIFY(l.allow(ip("2001:db8::1"), RateKind::Scrape));
        QVERIFY(!l.allow(ip("2001:db8::1"), RateKind::Scrape));
        const auto st = l.stats();
        QCOMPARE(st.tracked, 3u);
        QCOMPARE(st.limited[1], 2u);
        QCOMPARE(st.limited[0], 0u);
    }

    void exemptAndDisabled()
    {
        core::RateLimiter l(m_settings, [this] { return m_now; });
        for (int i = 0; i < 100; ++i) {
            QVERIFY(l.allow(ip("10.1.2.3"), RateKind::Scrape));
            QVERIFY(l.allow(ip("::1"), RateKind::Scrape));
        }
        QVERIFY(l.exempt(ip("10.1.2.3")));
        QVERIFY(!l.exempt(ip("11.1.2.3")));
        QCOMPARE(l.stats().tracked, 0u);
        m_settings.enabled = false;
        core::RateLimiter off(m_settings, [this] { return m_now; });
        for (int i = 0; i < 100; ++i)
            QVERIFY(off.allow(ip("203.0.113.7"), RateKind::Scrape));
    }

    void stateResetAndSweep()
    {
        core::RateLimiter l(m_settings, [this] { return m_now; });
        QVERIFY(!l.state(ip("203.0.113.7")));
        QVERIFY(l.allow(ip("203.0.113.7"), RateKind::Announce));
        QCOMPARE(l.state(ip("203.0.113.7"))->tokens[0], 2.0);
        QCOMPARE(l.state(ip("203.0.113.7"))->tokens[2], 5.0);
        QVERIFY(l.reset(ip("203.0.113.7")));
        QVERIFY(!l.reset(ip("203.0.113.7")));
        QVERIFY(l.allow(ip("203.0.113.7"), RateKind::Announce));
        QCOMPARE(l.sweep(), 0u); // not full again yet
        m_now += 400;
        QCOMPARE(l.sweep(), 0u);
        m_now += 100; // 2/s: 0.5 s refills the one token taken
        QCOMPARE(l.sweep(), 1u);
        QCOMPARE(l.stats().tracked, 0u);
    }

    // A flood of new addresses never grows the table past its bound; busy entries keep
    // their state, idle ones make room, and beyond that new addresses pass untracked.
    void boundedUnderFlood()
    {
        m_settings.maxTracked = 3200; // 100 per shard
        core::RateLimiter l(m_settings, [this] { return m_now; });
        for (std::uint32_t i = 0; i < 50000; ++i)
            QVERIFY(l.allow(proto::IpAddress::fromV4(0xC6000000u + i), RateKind::Announce));
        auto st = l.stats();
        QVERIFY2(st.tracked <= 3200, qPrintable(QString::number(st.tracked)));
        QVERIFY(st.untracked > 0);
        m_now += 1000; // every bucket is full again: all idle
        for (std::uint32_t i = 0; i < 1000; ++i)
            QVERIFY(l.allow(proto::IpAddress::fromV4(0xCB000000u + i), RateKind::Announce));
        st = l.stats();
        QVERIFY(st.tracked <= 3200);
        QVERIFY(l.state(proto::IpAddress::fromV4(0xCB000000u))); // new ones are tracked now
    }

private:
    std::int64_t m_now = 0;
    core::RateLimitSettings m_settings;
};

QTEST_GUILESS_MAIN(TestRateLimiter)
#include "tst_ratelimiter.moc"
