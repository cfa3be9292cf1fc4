#include "shared/bencode/bencode.h"

#include <QSet>
#include <QTest>

#include <functional>
#include <limits>

using namespace sk::proto::bencode;

using WriteScript = std::function<void(Writer &)>;

Q_DECLARE_METATYPE(sk::proto::bencode::Value)
Q_DECLARE_METATYPE(sk::proto::bencode::DecodeError)
Q_DECLARE_METATYPE(sk::proto::bencode::DecodeLimits)
Q_DECLARE_METATYPE(WriteScript)

namespace sk::proto::bencode {
// QCOMPARE prints values through an ADL toString(); show a Value as its encoding.
char *toString(const Value &v)
{
    return QTest::toString(encode(v));
}
} // namespace sk::proto::bencode

namespace {

// Byte literals that may contain NUL: the size comes from the array, not from strlen.
template<std::size_t N> QByteArray raw(const char (&s)[N])
{
    return QByteArray(s, static_cast<qsizetype>(N - 1));
}

Value str(QByteArrayView bytes)
{
    return Value::fromBytes(bytes);
}

Value list(std::initializer_list<Value> items)
{
    return Value(Value::List(items));
}

Value dict(std::initializer_list<std::pair<const QByteArray, Value>> items)
{
    return Value(Value::Dict(items));
}

constexpr qint64 Max = std::numeric_limits<qint64>::max();
constexpr qint64 Min = std::numeric_limits<qint64>::min();

QByteArray nestedLists(int depth)
{
    return QByteArray(depth, 'l') + QByteArray(depth, 'e');
}

Value nestedListValue(int depth)
{
    Value v = Value::fromList();
    for (int i = 1; i < depth; ++i)
        v = list({v});
    return v;
}

// Six bytes per peer (BEP 23): 10.0.0.1:6881 and 192.168.1.2:51413.
QByteArray compactPeers()
{
    return raw("\x0a\x00\x00\x01\x1a\xe1"
               "\xc0\xa8\x01\x02\xc8\xd5");
}

QByteArray hashA()
{
    return QByteArray(20, '\x01');
}

QByteArray hashB()
{
    return QByteArray(20, '\xfe');
}

// A compact announce reply as the HTTP front-end sends it.
QByteArray announceReply()
{
    return QByteArrayLiteral("d8:completei5e10:incompletei3e8:intervali1800e"
                             "12:min intervali900e5:peers12:") +
           compactPeers() + QByteArrayLiteral("e");
}

Value announceReplyValue()
{
    return dict({{"complete", 5},
                 {"incomplete", 3},
                 {"interval", 1800},
                 {"min interval", 900},
                 {"peers", compactPeers()}});
}

QByteArray scrapeReply()
{
    return QByteArrayLiteral("d5:filesd20:") + hashA() +
           QByteArrayLiteral("d8:completei1e10:downloadedi2e10:incompletei3ee20:") + hashB() +
           QByteArrayLiteral("d8:completei0e10:downloadedi0e10:incompletei0eeee");
}

Value scrapeReplyValue()
{
    const Value zero = dict({{"complete", 0}, {"downloaded", 0}, {"incomplete", 0}});
    const Value counts = dict({{"complete", 1}, {"downloaded", 2}, {"incomplete", 3}});
    return dict({{"files", dict({{hashB(), zero}, {hashA(), counts}})}});
}

} // namespace

class TestBencode : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void decodeGood_data();
    void decodeGood();
    void decodeMalformed_data();
    void decodeMalformed();
    void decodeTruncatedAndTrailing_data();
    void decodeTruncatedAndTrailing();
    void limitsAtBoundary_data();
    void limitsAtBoundary();
    void encodeDecodedIsIdentity_data();
    void encodeDecodedIsIdentity();
    void decodeEncodedIsIdentity_data();
    void decodeEncodedIsIdentity();
    void writerMatchesEncode_data();
    void writerMatchesEncode();
    void writerAppends();
    void accessors();
    void keyOrderIsRawBytes();
    void errorStrings();
};

void TestBencode::decodeGood_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<Value>("expected");

    QTest::newRow("zero") << QByteArrayLiteral("i0e") << Value(0);
    QTest::newRow("positive") << QByteArrayLiteral("i42e") << Value(42);
    QTest::newRow("negative") << QByteArrayLiteral("i-42e") << Value(-42);
    QTest::newRow("ten") << QByteArrayLiteral("i10e") << Value(10);
    QTest::newRow("qint64 max") << QByteArrayLiteral("i9223372036854775807e") << Value(Max);
    QTest::newRow("qint64 min") << QByteArrayLiteral("i-9223372036854775808e") << Value(Min);
    QTest::newRow("empty string") << QByteArrayLiteral("0:") << str("");
    QTest::newRow("bep3 spam") << QByteArrayLiteral("4:spam") << str("spam");
    QTest::newRow("NUL and 0xff") << raw("4:\0\xff\0x") << str(raw("\0\xff\0x"));
    QTest::newRow("all NUL") << raw("3:\0\0\0") << str(raw("\0\0\0"));
    QTest::newRow("two-digit length") << QByteArrayLiteral("10:0123456789") << str("0123456789");
    QTest::newRow("string of digits and e") << QByteArrayLiteral("3:i1e") << str("i1e");
    QTest::newRow("empty list") << QByteArrayLiteral("le") << Value::fromList();
    QTest::newRow("empty dict") << QByteArrayLiteral("de") << Value::fromDict();
    QTest::newRow("bep3 list") << QByteArrayLiteral("l4:spam4:eggse")
                               << list({str("spam"), str("eggs")});
    QTest::newRow("bep3 dict") << QByteArrayLiteral("d3:cow3:moo4:spam4:eggse")
                               << dict({{"cow", str("moo")}, {"spam", str("eggs")}});
    QTest::newRow("bep3 dict of list")
        << QByteArrayLiteral("d4:spaml1:a1:bee") << dict({{"spam", list({str("a"), str("b")})}});
    QTest::newRow("mixed list") << QByteArrayLiteral("li1e4:spamlei-1edee")
                                << list({1, str("spam"), Value::fromList(), -1, Value::fromDict()});
    QTest::newRow("nested") << QByteArrayLiteral("d1:ad1:bl1:cdeeee")
                            << dict({{"a", dict({{"b", list({str("c"), Value::fromDict()})}})}});
    QTest::newRow("empty key") << QByteArrayLiteral("d0:i1ee") << dict({{"", 1}});
    QTest::newRow("prefix keys sort first")
        << QByteArrayLiteral("d1:ai1e2:aai2e1:bi3ee") << dict({{"a", 1}, {"aa", 2}, {"b", 3}});
    QTest::newRow("binary keys") << raw("d0:i0e1:\0i1e1:ai2e1:\xff"
                                        "i3ee")
                                 << dict({{"", 0}, {raw("\0"), 1}, {"a", 2}, {raw("\xff"), 3}});
    QTest::newRow("depth 64") << nestedLists(64) << nestedListValue(64);
    QTest::newRow("announce reply") << announceReply() << announceReplyValue();
    QTest::newRow("scrape reply") << scrapeReply() << scrapeReplyValue();
    QTest::newRow("failure reply") << QByteArrayLiteral("d14:failure reason15:unknown passkeye")
                                   << dict({{"failure reason", str("unknown passkey")}});
}

void TestBencode::decodeGood()
{
    QFETCH(QByteArray, input);
    QFETCH(Value, expected);

    const DecodeResult r = decode(input);
    QCOMPARE(toString(r.error), toString(DecodeError::None));
    QVERIFY(r.value.has_value());
    QCOMPARE(*r.value, expected);
    QCOMPARE(r.offset, input.size());
}

void TestBencode::decodeMalformed_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<DecodeLimits>("limits");
    QTest::addColumn<DecodeError>("error");
    QTest::addColumn<qsizetype>("offset");

    const DecodeLimits defaults;
    auto row = [&](const char *name, const QByteArray &input, DecodeError error, qsizetype offset,
                   DecodeLimits limits) {
        QTest::newRow(name) << input << limits << error << offset;
    };
    auto bad = [&](const char *name, const QByteArray &input, DecodeError error, qsizetype offset) {
        row(name, input, error, offset, defaults);
    };

    bad("empty", QByteArray(), DecodeError::Empty, 0);

    // Truncated inside every kind of value; the offset is where more bytes were needed.
    bad("int: only i", "i", DecodeError::Truncated, 1);
    bad("int: minus", "i-", DecodeError::Truncated, 2);
    bad("int: no e", "i12", DecodeError::Truncated, 3);
    bad("string: length only", "4", DecodeError::Truncated, 1);
    bad("string: body short", "4:spa", DecodeError::StringPastEnd, 0);
    bad("list: open", "l", DecodeError::Truncated, 1);
    bad("list: no e", "li1e", DecodeError::Truncated, 4);
    bad("dict: open", "d", DecodeError::Truncated, 1);
    bad("dict: key only", "d1:a", DecodeError::Truncated, 4);
    bad("dict: no e", "d1:ai1e", DecodeError::Truncated, 7);
    bad("dict: empty key only", "d0:", DecodeError::Truncated, 3);

    // Integers (BEP 3: no leading zeros, no negative zero; qint64 here).
    bad("int: no digits", "ie", DecodeError::InvalidInteger, 1);
    bad("int: minus only", "i-e", DecodeError::InvalidInteger, 2);
    bad("int: plus sign", "i+1e", DecodeError::InvalidInteger, 1);
    bad("int: space", "i 1e", DecodeError::InvalidInteger, 1);
    bad("int: fraction", "i1.5e", DecodeError::InvalidInteger, 2);
    bad("int: hex", "i0x1e", DecodeError::InvalidInteger, 2);
    bad("int: double minus", "i--1e", DecodeError::InvalidInteger, 2);
    bad("int: negative zero", "i-0e", DecodeError::NegativeZero, 1);
    bad("int: leading zero", "i03e", DecodeError::LeadingZero, 1);
    bad("int: double zero", "i00e", DecodeError::LeadingZero, 1);
    bad("int: negative leading zero", "i-03e", DecodeError::LeadingZero, 2);
    bad("int: max + 1", "i9223372036854775808e", DecodeError::IntegerOverflow, 1);
    bad("int: min - 1", "i-9223372036854775809e", DecodeError::IntegerOverflow, 2);
    bad("int: 30 digits", "i999999999999999999999999999999e", DecodeError::IntegerOverflow, 1);

    // Strings.
    bad("string: leading zero", "01:a", DecodeError::LeadingZero, 0);
    bad("string: double zero", "00:", DecodeError::LeadingZero, 0);
    bad("string: past end", "5:abc", DecodeError::StringPastEnd, 0);
    bad("string: huge length", "99999999999:x", DecodeError::StringPastEnd, 0);
    bad("string: length beyond quint64", "999999999999999999999999999999:x",
        DecodeError::StringPastEnd, 0);
    bad("string: letter in length", "1x:a", DecodeError::InvalidStringLength, 1);
    bad("string: negative length", "-1:a", DecodeError::UnexpectedByte, 0);

    // Dictionaries (BEP 3: string keys, sorted as raw strings).
    bad("dict: key without value", "d1:ae", DecodeError::UnexpectedByte, 4);
    bad("dict: integer key", "di1ei2ee", DecodeError::NonStringKey, 1);
    bad("dict: list key", "dle1:ae", DecodeError::NonStringKey, 1);
    bad("dict: dict key", "dde1:ae", DecodeError::NonStringKey, 1);
    bad("dict: garbage key", "dxe", DecodeError::UnexpectedByte, 1);
    bad("dict: unsorted keys", "d1:bi1e1:ai2ee", DecodeError::UnsortedKeys, 7);
    bad("dict: empty key second", "d1:ai1e0:i2ee", DecodeError::UnsortedKeys, 7);
    bad("dict: longer key first", "d2:aai1e1:ai2ee", DecodeError::UnsortedKeys, 8);
    bad("dict: 0xff before a",
        raw("d1:\xff"
            "i1e1:ai2ee"),
        DecodeError::UnsortedKeys, 7);
    bad("dict: duplicate keys", "d1:ai1e1:ai2ee", DecodeError::DuplicateKey, 7);
    bad("dict: duplicate after others", "d1:ai1e1:bi2e1:bi3ee", DecodeError::DuplicateKey, 13);
    bad("dict: unsorted nested", "ld1:bi1e1:ai2eee", DecodeError::UnsortedKeys, 8);

    // Structure.
    bad("stray e", "e", DecodeError::UnexpectedByte, 0);
    bad("letter", "x", DecodeError::UnexpectedByte, 0);
    bad("NUL", raw("\0"), DecodeError::UnexpectedByte, 0);
    bad("list: garbage", "lxe", DecodeError::UnexpectedByte, 1);
    bad("trailing value", "i1ei2e", DecodeError::TrailingData, 3);
    bad("trailing space", "le ", DecodeError::TrailingData, 2);
    bad("trailing e", "lee", DecodeError::TrailingData, 2);
    bad("two strings", "0:0:", DecodeError::TrailingData, 2);
    bad("trailing NUL", raw("4:spam\0"), DecodeError::TrailingData, 6);

    // Limits.
    bad("lists: depth 65", nestedLists(65), DecodeError::TooDeep, 64);
    {
        QByteArray dicts;
        for (int i = 0; i < 65; ++i)
            dicts += QByteArrayLiteral("d1:a");
        dicts += QByteArrayLiteral("i0e") + QByteArray(65, 'e');
        bad("dicts: depth 65", dicts, DecodeError::TooDeep, 64 * 4);
    }
    bad("lists: depth 100000", nestedLists(100000), DecodeError::TooDeep, 64);
    bad("input too large", QByteArray(defaults.maxInputSize + 1, 'x'), DecodeError::InputTooLarge,
        0);
    DecodeLimits small;
    small.maxElements = 3;
    row("list: 4 elements, limit 3", "li1ei2ei3ee", DecodeError::TooManyElements, 7, small);
    row("dict: keys count, limit 3", "d1:ai1e1:bi2ee", DecodeError::TooManyElements, 7, small);
    DecodeLimits shallow;
    shallow.maxDepth = 1;
    row("depth 2, limit 1", "llee", DecodeError::TooDeep, 1, shallow);
    row("dict in list, limit 1", "ldee", DecodeError::TooDeep, 1, shallow);
    DecodeLimits tiny;
    tiny.maxInputSize = 3;
    row("4 bytes, limit 3", "i12e", DecodeError::InputTooLarge, 0, tiny);
}

void TestBencode::decodeMalformed()
{
    QFETCH(QByteArray, input);
    QFETCH(DecodeLimits, limits);
    QFETCH(DecodeError, error);
    QFETCH(qsizetype, offset);

    const DecodeResult r = decode(input, limits);
    QCOMPARE(toString(r.error), toString(error));
    QVERIFY(!r.value.has_value());
    QCOMPARE(r.offset, offset);
}

void TestBencode::decodeTruncatedAndTrailing_data()
{
    QTest::addColumn<QByteArray>("document");

    QTest::newRow("int") << QByteArrayLiteral("i-1234e");
    QTest::newRow("string") << QByteArrayLiteral("12:hello world!");
    QTest::newRow("bep3 dict") << QByteArrayLiteral("d3:cow3:moo4:spam4:eggse");
    QTest::newRow("mixed list") << QByteArrayLiteral("li1e4:spamlei-1edee");
    QTest::newRow("nested") << QByteArrayLiteral("d1:ad1:bl1:cdeeee");
    QTest::newRow("announce reply") << announceReply();
    QTest::newRow("scrape reply") << scrapeReply();
}

// Every proper prefix of a valid document needs more bytes, and anything appended to it is
// trailing data.
void TestBencode::decodeTruncatedAndTrailing()
{
    QFETCH(QByteArray, document);
    QVERIFY(decode(document).value.has_value());

    QCOMPARE(toString(decode(QByteArrayView()).error), toString(DecodeError::Empty));
    for (qsizetype n = 1; n < document.size(); ++n) {
        const QByteArrayView prefix = QByteArrayView(document).first(n);
        const DecodeResult r = decode(prefix);
        QVERIFY2(!r.value, qPrintable(QString::number(n)));
        if (r.error == DecodeError::Truncated) {
            QCOMPARE(r.offset, n);
        } else {
            // A string whose declared length reaches beyond the cut.
            QCOMPARE(toString(r.error), toString(DecodeError::StringPastEnd));
            QVERIFY(r.offset < n);
        }
    }
    for (char extra : {'e', 'i', '0', 'l', 'd', ' ', '\0'}) {
        const DecodeResult r = decode(QByteArray(document + extra));
        QCOMPARE(toString(r.error), toString(DecodeError::TrailingData));
        QCOMPARE(r.offset, document.size());
    }
}

void TestBencode::limitsAtBoundary_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<DecodeLimits>("limits");
    QTest::addColumn<DecodeError>("error");

    auto limits = [](int depth, qsizetype inputSize, qsizetype elements) {
        DecodeLimits l;
        l.maxDepth = depth;
        l.maxInputSize = inputSize;
        l.maxElements = elements;
        return l;
    };
    QTest::newRow("elements: at limit")
        << QByteArrayLiteral("li1ei2ei3ee") << limits(64, 100, 4) << DecodeError::None;
    QTest::newRow("elements: one over")
        << QByteArrayLiteral("li1ei2ei3ee") << limits(64, 100, 3) << DecodeError::TooManyElements;
    QTest::newRow("elements: keys at limit")
        << QByteArrayLiteral("d1:ai1ee") << limits(64, 100, 3) << DecodeError::None;
    QTest::newRow("elements: keys one over")
        << QByteArrayLiteral("d1:ai1ee") << limits(64, 100, 2) << DecodeError::TooManyElements;
    QTest::newRow("depth: at limit") << nestedLists(3) << limits(3, 100, 100) << DecodeError::None;
    QTest::newRow("depth: one over")
        << nestedLists(4) << limits(3, 100, 100) << DecodeError::TooDeep;
    QTest::newRow("depth 0: scalar")
        << QByteArrayLiteral("i1e") << limits(0, 100, 100) << DecodeError::None;
    QTest::newRow("depth 0: list")
        << QByteArrayLiteral("le") << limits(0, 100, 100) << DecodeError::TooDeep;
    QTest::newRow("size: at limit")
        << QByteArrayLiteral("i12e") << limits(64, 4, 100) << DecodeError::None;
    QTest::newRow("size: one over")
        << QByteArrayLiteral("i123e") << limits(64, 4, 100) << DecodeError::InputTooLarge;
    QTest::newRow("size: default at limit")
        << QByteArray(QByteArray::number(DecodeLimits().maxInputSize - 8) + ':' +
                      QByteArray(DecodeLimits().maxInputSize - 8, 'x'))
        << DecodeLimits() << DecodeError::None;
}

void TestBencode::limitsAtBoundary()
{
    QFETCH(QByteArray, input);
    QFETCH(DecodeLimits, limits);
    QFETCH(DecodeError, error);

    const DecodeResult r = decode(input, limits);
    QCOMPARE(toString(r.error), toString(error));
    QCOMPARE(r.value.has_value(), error == DecodeError::None);
}

// Every good input is canonical, so re-encoding reproduces it byte for byte.
void TestBencode::encodeDecodedIsIdentity_data()
{
    decodeGood_data();
}

void TestBencode::encodeDecodedIsIdentity()
{
    QFETCH(QByteArray, input);

    const DecodeResult r = decode(input);
    QVERIFY(r.value.has_value());
    QCOMPARE(encode(*r.value), input);
}

void TestBencode::decodeEncodedIsIdentity_data()
{
    QTest::addColumn<Value>("value");
    QTest::addColumn<QByteArray>("encoded");

    QTest::newRow("default is integer 0") << Value() << QByteArrayLiteral("i0e");
    QTest::newRow("qint64 min") << Value(Min) << QByteArrayLiteral("i-9223372036854775808e");
    QTest::newRow("qint64 max") << Value(Max) << QByteArrayLiteral("i9223372036854775807e");
    QTest::newRow("binary string") << str(raw("\0\x01\xff")) << raw("3:\0\x01\xff");
    QTest::newRow("long string") << str(QByteArray(1000, 'z'))
                                 << QByteArray(QByteArrayLiteral("1000:") + QByteArray(1000, 'z'));
    {
        // Inserted out of order: the encoding is sorted anyway.
        Value::Dict d;
        d.emplace(QByteArrayLiteral("zebra"), Value(1));
        d.emplace(raw("\xff"), Value(2));
        d.emplace(QByteArrayLiteral("apple"), Value(3));
        d.emplace(QByteArray(), Value(4));
        d.emplace(QByteArrayLiteral("Zebra"), Value(5));
        QTest::newRow("dict sorted on encode") << Value(d)
                                               << raw("d0:i4e5:Zebrai5e5:applei3e5:zebrai1e1:\xff"
                                                      "i2ee");
    }
    QTest::newRow("announce reply") << announceReplyValue() << announceReply();
    QTest::newRow("scrape reply") << scrapeReplyValue() << scrapeReply();
    QTest::newRow("deep") << nestedListValue(64) << nestedLists(64);
    QTest::newRow("lists of dicts")
        << list({dict({{"a", list({})}}), dict({}), list({dict({{"b", str("")}})})})
        << QByteArrayLiteral("ld1:aleedeld1:b0:eee");
}

void TestBencode::decodeEncodedIsIdentity()
{
    QFETCH(Value, value);
    QFETCH(QByteArray, encoded);

    QCOMPARE(encode(value), encoded);
    const DecodeResult r = decode(encode(value));
    QCOMPARE(toString(r.error), toString(DecodeError::None));
    QCOMPARE(*r.value, value);
}

void TestBencode::writerMatchesEncode_data()
{
    QTest::addColumn<WriteScript>("script");
    QTest::addColumn<Value>("value");

    QTest::newRow("integer") << WriteScript([](Writer &w) { w.integer(-7); }) << Value(-7);
    QTest::newRow("qint64 min") << WriteScript([](Writer &w) { w.integer(Min); }) << Value(Min);
    QTest::newRow("qint64 max") << WriteScript([](Writer &w) { w.integer(Max); }) << Value(Max);
    QTest::newRow("binary string")
        << WriteScript([](Writer &w) { w.string(raw("\0\xff")); }) << str(raw("\0\xff"));
    QTest::newRow("empty list") << WriteScript([](Writer &w) {
        w.beginList();
        w.end();
    }) << Value::fromList();
    QTest::newRow("empty dict") << WriteScript([](Writer &w) {
        w.beginDict();
        w.end();
    }) << Value::fromDict();
    QTest::newRow("announce reply") << WriteScript([](Writer &w) {
        w.beginDict();
        w.string("complete");
        w.integer(5);
        w.string("incomplete");
        w.integer(3);
        w.string("interval");
        w.integer(1800);
        w.string("min interval");
        w.integer(900);
        w.string("peers");
        w.string(compactPeers());
        w.end();
    }) << announceReplyValue();
    QTest::newRow("scrape reply") << WriteScript([](Writer &w) {
        // Binary info_hash keys: the caller writes them in raw byte order.
        w.beginDict();
        w.string("files");
        w.beginDict();
        for (const auto &[hash, n] : {std::pair{hashA(), 1}, std::pair{hashB(), 0}}) {
            w.string(hash);
            w.beginDict();
            w.string("complete");
            w.integer(n);
            w.string("downloaded");
            w.integer(2 * n);
            w.string("incomplete");
            w.integer(3 * n);
            w.end();
        }
        w.end();
        w.end();
    }) << scrapeReplyValue();
    QTest::newRow("failure reply") << WriteScript([](Writer &w) {
        w.beginDict();
        w.string("failure reason");
        w.string("unknown passkey");
        w.end();
    }) << dict({{"failure reason", str("unknown passkey")}});
    QTest::newRow("nested lists") << WriteScript([](Writer &w) {
        w.beginList();
        w.beginList();
        w.integer(1);
        w.beginDict();
        w.end();
        w.end();
        w.string("");
        w.end();
    }) << list({list({1, Value::fromDict()}), str("")});
}

void TestBencode::writerMatchesEncode()
{
    QFETCH(WriteScript, script);
    QFETCH(Value, value);

    QByteArray out;
    Writer w(out);
    script(w);
    QCOMPARE(out, encode(value));
    const DecodeResult r = decode(out);
    QVERIFY(r.value.has_value());
    QCOMPARE(*r.value, value);
}

void TestBencode::writerAppends()
{
    QByteArray out = QByteArrayLiteral("prefix");
    Writer w(out);
    w.beginList();
    w.integer(0);
    w.end();
    QCOMPARE(out, QByteArrayLiteral("prefixli0ee"));
}

void TestBencode::accessors()
{
    const Value v = decode(QByteArrayLiteral("d3:inti-5e4:listli1ee3:str2:hie")).value.value();
    QVERIFY(v.type() == Value::Type::Dict);
    QVERIFY(v.isDict());
    QVERIFY(!v.isList() && !v.isInt() && !v.isString());
    QCOMPARE(v.dict().size(), std::size_t(3));

    const Value *i = v.find("int");
    QVERIFY(i);
    QVERIFY(i->isInt());
    QCOMPARE(i->toInt(), qint64(-5));

    const Value *s = v.find("str");
    QVERIFY(s);
    QVERIFY(s->isString());
    QCOMPARE(s->toBytes(), QByteArrayLiteral("hi"));

    const Value *l = v.find(QByteArrayLiteral("list"));
    QVERIFY(l);
    QVERIFY(l->isList());
    QCOMPARE(l->list().size(), std::size_t(1));
    QCOMPARE(l->list().front(), Value(1));

    QVERIFY(!v.find("missing"));
    QVERIFY(!v.find("in"));

    // Wrong-type access yields the fallback or an empty container, never a crash.
    QCOMPARE(s->toInt(), qint64(0));
    QCOMPARE(s->toInt(77), qint64(77));
    QVERIFY(i->toBytes().isEmpty());
    QVERIFY(i->list().empty());
    QVERIFY(i->dict().empty());
    QVERIFY(!i->find("int"));
    QVERIFY(v.list().empty());

    // Values of different types never compare equal, even when "empty".
    QVERIFY(Value(0) != str(""));
    QVERIFY(Value::fromList() != Value::fromDict());
    QVERIFY(str("1") != Value(1));
    QCOMPARE(Value::fromInt(3), Value(3));
    QCOMPARE(Value::fromBytes("x"), Value(QByteArrayLiteral("x")));
}

// BEP 3 sorts keys as raw strings: bytes compare unsigned, and a prefix sorts first.
void TestBencode::keyOrderIsRawBytes()
{
    const KeyLess less;
    QVERIFY(less("", raw("\0")));
    QVERIFY(less("a", "aa"));
    QVERIFY(less("aa", "b"));
    QVERIFY(less("B", "a"));
    QVERIFY(less(raw("\x7f"), raw("\x80")));
    QVERIFY(less(raw("a\0"), raw("a\x01")));
    QVERIFY(!less("a", "a"));
    QVERIFY(!less(raw("\xff"), "a"));
}

void TestBencode::errorStrings()
{
    QSet<QByteArray> seen;
    for (int e = int(DecodeError::None); e <= int(DecodeError::TrailingData); ++e) {
        const QByteArray text(toString(static_cast<DecodeError>(e)));
        QVERIFY2(!text.isEmpty(), qPrintable(QString::number(e)));
        QVERIFY2(!seen.contains(text), text.constData());
        seen.insert(text);
    }
}

QTEST_APPLESS_MAIN(TestBencode)
#include "tst_bencode.moc"
