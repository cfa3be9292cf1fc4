// Tests FixedBytes (info_hash, peer_id) and Passkey: word-wise equality, hashing with and
// without a seed, hex and raw parsing with malformed rows.
#include "shared/types/fixedbytes.h"
#include "shared/types/passkey.h"

#include <QTest>

#include <set>

using namespace sk;

class TestFixedBytes : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    // Equality must see a difference in every byte, including the 4-byte tail after the
    // two 8-byte words.
    void equalityEveryByte_data()
    {
        QTest::addColumn<int>("position");
        for (int i : {0, 3, 7, 8, 12, 15, 16, 17, 19})
            QTest::addRow("byte %d", i) << i;
    }
    void equalityEveryByte()
    {
        QFETCH(int, position);
        proto::PeerId a;
        for (std::size_t i = 0; i < a.bytes.size(); ++i)
            a.bytes[i] = static_cast<unsigned char>('A' + i);
        proto::PeerId b = a;
        QVERIFY(a == b);
        QCOMPARE(a.hash(), b.hash());
        b.bytes[static_cast<std::size_t>(position)] ^= 0x01;
        QVERIFY(!(a == b));
        QVERIFY(a != b);
        QVERIFY(a.hash() != b.hash());
    }

    // peer_ids that differ only in their trailing digits (how clients number them) spread
    // over the low bits that an open-addressing index uses.
    void hashSpreadsSequentialIds()
    {
        std::set<std::size_t> buckets;
        for (int i = 0; i < 1024; ++i) {
            const QByteArray id =
                QByteArray("-qB4520-") + QByteArray::number(i).rightJustified(12, '0');
            buckets.insert(proto::PeerId::fromBytes(id)->hash() & 1023);
        }
        // A uniform hash fills about 1024 * (1 - 1/e) = 647 of 1024 buckets; FNV-style byte
        // hashing without a final mix filled 488 here.
        QVERIFY2(buckets.size() > 600, qPrintable(QString::number(buckets.size())));
    }

    void seedChangesHash()
    {
        const auto id = proto::PeerId::fromBytes("-TR3000-abcdefghijkl");
        QVERIFY(id);
        QCOMPARE(id->hash(0), id->hash());
        QVERIFY(id->hash(1) != id->hash(0));
        QVERIFY(id->hash(0x1234'5678'9abc'def0ull) != id->hash(0));
    }

    void parse_data()
    {
        QTest::addColumn<QByteArray>("hex");
        QTest::addColumn<bool>("ok");
        QTest::newRow("lower") << QByteArray("0123456789abcdef0123456789abcdef01234567") << true;
        QTest::newRow("upper") << QByteArray("0123456789ABCDEF0123456789ABCDEF01234567") << true;
        QTest::newRow("short") << QByteArray("0123456789abcdef0123456789abcdef0123456") << false;
        QTest::newRow("long") << QByteArray("0123456789abcdef0123456789abcdef012345678") << false;
        QTest::newRow("not hex") << QByteArray("0123456789abcdef0123456789abcdef0123456g") << false;
        QTest::newRow("empty") << QByteArray() << false;
    }
    void parse()
    {
        QFETCH(QByteArray, hex);
        QFETCH(bool, ok);
        const auto v = proto::InfoHash::fromHex(hex);
        QCOMPARE(v.has_value(), ok);
        if (ok)
            QCOMPARE(v->toHex(), hex.toLower());
    }

    void passkeyHash()
    {
        const auto a = proto::Passkey::fromText(QByteArray("abcdefghijklmnopqrstuvwxyz012345"));
        const auto b = proto::Passkey::fromText(QByteArray("abcdefghijklmnopqrstuvwxyz012346"));
        QVERIFY(a && b);
        QVERIFY(!(*a == *b));
        QVERIFY(a->hash() != b->hash());
        QCOMPARE(a->hash(), proto::Passkey(*a).hash());
    }
};

QTEST_APPLESS_MAIN(TestFixedBytes)
#include "tst_fixedbytes.moc"
