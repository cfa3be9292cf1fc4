// Tests ClientWhitelist: empty allows all, prefix matching of several lengths, prefix
// validation, replace and remove.
#include "server/core/clientwhitelist.h"

#include <QTest>

using namespace sk;

namespace {
proto::PeerId peer(const char *text)
{
    QByteArray b(text);
    b.append(QByteArray(20 - b.size(), 'x'));
    return *proto::PeerId::fromBytes(b);
}
} // namespace

class TestClientWhitelist : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void emptyAllowsEveryone()
    {
        core::ClientWhitelist w;
        QVERIFY(w.allows(peer("-XX0000-")));
        w.put({"-TR", QStringLiteral("Transmission"), 1});
        QVERIFY(w.remove("-TR"));
        QVERIFY(w.allows(peer("-XX0000-"))); // empty again
    }

    void allows_data()
    {
        QTest::addColumn<QString>("peerId");
        QTest::addColumn<bool>("allowed");
        QTest::newRow("transmission") << "-TR4050-" << true;
        QTest::newRow("qbittorrent 4.5") << "-qB4520-" << true;
        QTest::newRow("qbittorrent 4.4 (prefix -qB45 only)") << "-qB4400-" << false;
        QTest::newRow("libtorrent short prefix") << "-LT20" << true;
        QTest::newRow("mainline style") << "M7-4-0--" << true;
        QTest::newRow("case matters") << "-tr4050-" << false;
        QTest::newRow("unknown") << "-UT3550-" << false;
        QTest::newRow("whole 20-byte prefix") << "ABCDEFGHIJKLMNOPQRST" << true;
        QTest::newRow("19 of the 20") << "ABCDEFGHIJKLMNOPQRSx" << false;
    }
    void allows()
    {
        QFETCH(QString, peerId);
        QFETCH(bool, allowed);
        core::ClientWhitelist w;
        for (const char *p : {"-TR", "-qB45", "-LT", "M7-", "ABCDEFGHIJKLMNOPQRST"})
            w.put({p, {}, 1});
        QCOMPARE(w.size(), 5u);
        QCOMPARE(w.allows(peer(qPrintable(peerId))), allowed);
    }

    void validPrefix_data()
    {
        QTest::addColumn<QByteArray>("prefix");
        QTest::addColumn<bool>("valid");
        QTest::newRow("-TR") << QByteArray("-TR") << true;
        QTest::newRow("one char") << QByteArray("M") << true;
        QTest::newRow("20 chars") << QByteArray(20, 'a') << true;
        QTest::newRow("21 chars") << QByteArray(21, 'a') << false;
        QTest::newRow("empty") << QByteArray() << false;
        QTest::newRow("space") << QByteArray("-T R") << false;
        QTest::newRow("control byte") << QByteArray("-T\x01") << false;
        QTest::newRow("DEL") << QByteArray("-T\x7F") << false;
        QTest::newRow("high byte") << QByteArray("-T\xC3") << false;
        QTest::newRow("NUL") << QByteArray("-T\0", 3) << false;
    }
    void validPrefix()
    {
        QFETCH(QByteArray, prefix);
        QFETCH(bool, valid);
        QCOMPARE(core::AllowedClient::validPrefix(prefix), valid);
    }

    void replaceRemoveAndList()
    {
        core::ClientWhitelist w;
        w.put({"-qB", QStringLiteral("old"), 1});
        w.put({"-TR", QStringLiteral("Transmission"), 2});
        w.put({"-qB", QStringLiteral("qBittorrent"), 3});
        QCOMPARE(w.size(), 2u);
        QCOMPARE(w.find("-qB")->name, QStringLiteral("qBittorrent"));
        const auto all = w.all();
        QCOMPARE(all.size(), 2u);
        QCOMPARE(all[0].prefix, QByteArray("-TR")); // by prefix bytes
        QVERIFY(!w.remove("-XX"));
        QVERIFY(w.remove("-qB"));
        QVERIFY(!w.allows(peer("-qB4520-")));
        QVERIFY(w.allows(peer("-TR4050-")));
    }
};

QTEST_GUILESS_MAIN(TestClientWhitelist)
#include "tst_clientwhitelist.moc"
