// Tests Registry: passkey and torrent maps, passkey replacement, removal.
#include "server/core/registry.h"

#include <QTest>

using namespace sk;

class TestRegistry : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void users()
    {
        core::Registry r;
        const auto a =
            *proto::Passkey::fromText(QByteArrayView("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        const auto b =
            *proto::Passkey::fromText(QByteArrayView("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
        r.putUser({1, a, true});
        QCOMPARE(r.userByPasskey(a)->id, 1u);
        r.putUser({1, b, false}); // passkey reset: the old passkey stops working at once
        QVERIFY(!r.userByPasskey(a));
        QCOMPARE(r.userByPasskey(b)->canLeech, false);
        QCOMPARE(r.userById(1)->passkey, b);
        QCOMPARE(r.userCount(), 1u);
        r.removeUser(1);
        QVERIFY(!r.userByPasskey(b));
        QCOMPARE(r.userCount(), 0u);
        r.removeUser(42); // unknown: no effect
    }
    // Field-wise changes keep the other fields: a committed delta, a passkey reset and a
    // leech switch do not undo one another.
    void fieldChanges()
    {
        core::Registry r;
        const auto a =
            *proto::Passkey::fromText(QByteArrayView("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"));
        const auto b =
            *proto::Passkey::fromText(QByteArrayView("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"));
        r.putUser({1, a, true, 10, 20});
        r.putUser({2, b, true, 0, 0});
        struct Delta
        {
            std::uint64_t uploaded;
            std::uint64_t downloaded;
        };
        const std::vector<std::pair<core::UserId, Delta>> deltas{
            {1, {5, 7}}, {9, {1, 1}}, {2, {~std::uint64_t(0), 1}}};
        r.addUserTotals(deltas); // user 9 is unknown: skipped
        QCOMPARE(r.userById(1)->uploaded, 15u);
        QCOMPARE(r.userById(1)->downloaded, 27u);
        QCOMPARE(r.userById(2)->uploaded, ~std::uint64_t(0)); // saturates
        r.addUserTotals(std::vector<std::pair<core::UserId, Delta>>{{2, {1, 0}}});
        QCOMPARE(r.userById(2)->uploaded, ~std::uint64_t(0));

        const auto c =
            *proto::Passkey::fromText(QByteArrayView("cccccccccccccccccccccccccccccccc"));
        r.setCanLeech(1, false);
        r.changePasskey(1, c);
        QVERIFY(!r.userByPasskey(a));
        const auto u = r.userByPasskey(c);
        QVERIFY(u);
        QCOMPARE(u->id, 1u);
        QCOMPARE(u->canLeech, false);
        QCOMPARE(u->uploaded, 15u);
        r.setUserTotals(1, 100, 200);
        QCOMPARE(r.userById(1)->downloaded, 200u);
        QCOMPARE(r.userById(1)->passkey, c);
        r.changePasskey(42, a); // unknown: no effect
        r.setCanLeech(42, false);
        QVERIFY(!r.userByPasskey(a));
        QCOMPARE(r.userCount(), 2u);
    }

    // The ratio rule: allowed within the grace bytes, at or above the minimum, or when off.
    void mayLeech_data()
    {
        QTest::addColumn<bool>("canLeech");
        QTest::addColumn<quint64>("uploaded");
        QTest::addColumn<quint64>("downloaded");
        QTest::addColumn<double>("minRatio");
        QTest::addColumn<bool>("expected");
        QTest::newRow("fresh") << true << 0ull << 0ull << 1.0 << true;
        QTest::newRow("at grace") << true << 0ull << 100ull << 1.0 << true;
        QTest::newRow("past grace, below") << true << 100ull << 101ull << 1.0 << false;
        QTest::newRow("past grace, equal") << true << 101ull << 101ull << 1.0 << true;
        QTest::newRow("rule off") << true << 0ull << 1000ull << 0.0 << true;
        QTest::newRow("not allowed") << false << 1000ull << 0ull << 0.0 << false;
        QTest::newRow("huge totals") << true << ~0ull << ~0ull << 1.0 << true;
    }
    void mayLeech()
    {
        QFETCH(bool, canLeech);
        QFETCH(quint64, uploaded);
        QFETCH(quint64, downloaded);
        QFETCH(double, minRatio);
        QFETCH(bool, expected);
        const core::UserInfo u{1, {}, canLeech, uploaded, downloaded};
        QCOMPARE(u.mayLeech(minRatio, 100), expected);
    }

    void torrents()
    {
        core::Registry r;
        proto::InfoHash h;
        h.bytes.fill(3);
        r.putTorrent(5, h);
        QCOMPARE(*r.torrentId(h), 5u);
        QCOMPARE(r.torrentCount(), 1u);
        r.removeTorrent(5);
        QVERIFY(!r.torrentId(h));
    }
};

QTEST_GUILESS_MAIN(TestRegistry)
#include "tst_registry.moc"
