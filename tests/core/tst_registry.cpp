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
