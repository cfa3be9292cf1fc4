// Tests for the HTTP tracker codec: target routing, announce/scrape queries, bencoded replies.
#include "shared/protocol/httpannounce.h"

#include <QTest>

#include <utility>

using namespace sk::proto;
using namespace sk::proto::http;

Q_DECLARE_METATYPE(sk::proto::TrackerError)
Q_DECLARE_METATYPE(sk::proto::http::Target::Kind)
Q_DECLARE_METATYPE(sk::proto::AnnounceEvent)

namespace {

const QByteArray passkey = "0123456789abcdefABCDEF0123456789";

// BEP 3 info_hash as a client sends it: binary bytes percent-encoded, a raw '+' (a space under
// our policy) and unreserved bytes sent literally ("%124Vx" is 12 34 56 78).
const QByteArray infoHashEncoded = "%00%FF%2B+%124Vx%9a%bc%de%f0%11%22%33%44%55%66%77%25";
const QByteArray infoHashRaw("\x00\xff\x2b\x20\x12\x34\x56\x78\x9a\xbc\xde\xf0\x11\x22\x33\x44"
                             "\x55\x66\x77\x25",
                             20);
const QByteArray peerIdRaw = "-qB4520-abcdefghijkl";

// A complete announce query; `changes` replace a parameter's value in place, remove it
// (nullptr) or append a new parameter (unknown key), so each row states only what it tests.
QByteArray announce(std::initializer_list<std::pair<const char *, const char *>> changes = {})
{
    QList<std::pair<QByteArray, QByteArray>> params = {
        {"info_hash", infoHashEncoded},
        {"peer_id", peerIdRaw},
        {"port", "6881"},
        {"uploaded", "0"},
        {"downloaded", "0"},
        {"left", "1000"},
    };
    for (const auto &[key, value] : changes) {
        bool found = false;
        for (qsizetype i = 0; i < params.size(); ++i) {
            if (params[i].first == key) {
                found = true;
                if (value)
                    params[i].second = value;
                else
                    params.removeAt(i);
                break;
            }
        }
        if (!found && value)
            params.append(std::pair<QByteArray, QByteArray>(key, value));
    }
    QByteArray q;
    for (const auto &[key, value] : params) {
        if (!q.isEmpty())
            q += '&';
        q += key + '=' + value;
    }
    return q;
}

QByteArray hashBytes(char first, char fill = 'h')
{
    QByteArray h(20, fill);
    h[0] = first;
    return h;
}

QByteArray percentEncoded(const QByteArray &raw)
{
    QByteArray out;
    for (char c : raw)
        out += '%' + QByteArray(1, c).toHex().toUpper();
    return out;
}

} // namespace

class TestHttpAnnounce : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void target_data();
    void target();
    void announceGood_data();
    void announceGood();
    void announceBad_data();
    void announceBad();
    void announceKeepsPasskeyAndClientIp();
    void scrape_data();
    void scrape();
    void announceReply_data();
    void announceReply();
    void scrapeReply_data();
    void scrapeReply();
    void failure();
};

void TestHttpAnnounce::target_data()
{
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<TrackerError>("error");
    QTest::addColumn<Target::Kind>("kind");
    QTest::addColumn<bool>("hasPasskey");
    QTest::addColumn<QByteArray>("query");

    using K = Target::Kind;
    const TrackerError ok = TrackerError::None;
    const TrackerError unknown = TrackerError::UnknownPath;
    const TrackerError badKey = TrackerError::MalformedPasskey;
    const QByteArray pk = "/" + passkey;
    auto row = [](const char *name, const QByteArray &t, TrackerError e, K k, bool hasPk,
                  const QByteArray &q) { QTest::newRow(name) << t << e << k << hasPk << q; };

    row("passkey announce", pk + "/announce?info_hash=x&port=1", ok, K::Announce, true,
        "info_hash=x&port=1");
    row("passkey announce, no query", pk + "/announce", ok, K::Announce, true, "");
    row("passkey announce, empty query", pk + "/announce?", ok, K::Announce, true, "");
    row("passkey scrape", pk + "/scrape?info_hash=x", ok, K::Scrape, true, "info_hash=x");
    row("passkey scrape, no query", pk + "/scrape", ok, K::Scrape, true, "");
    row("query keeps later '?'", pk + "/announce?a=b?c", ok, K::Announce, true, "a=b?c");
    row("announce without passkey", "/announce?info_hash=x", ok, K::Announce, false, "info_hash=x");
    row("scrape without passkey", "/scrape", ok, K::Scrape, false, "");
    row("passkey 31 chars", "/" + passkey.left(31) + "/announce", badKey, K::Announce, false, "");
    row("passkey 33 chars", pk + "x/scrape?a", badKey, K::Scrape, false, "a");
    row("passkey with '-'", "/0123456789abcdef-BCDEF0123456789/announce", badKey, K::Announce,
        false, "");
    row("passkey percent-encoded", "/%30123456789abcdefABCDEF012345678/announce", badKey,
        K::Announce, false, "");
    row("empty passkey", "//announce", badKey, K::Announce, false, "");
    row("trailing slash", pk + "/announce/", unknown, K::Announce, false, "");
    row("announce.php", pk + "/announce.php?info_hash=x", unknown, K::Announce, false,
        "info_hash=x");
    row("announce.php without passkey", "/announce.php", unknown, K::Announce, false, "");
    row("case matters", pk + "/Announce", unknown, K::Announce, false, "");
    row("root", "/", unknown, K::Announce, false, "");
    row("empty", "", unknown, K::Announce, false, "");
    row("favicon", "/favicon.ico", unknown, K::Announce, false, "");
    row("passkey only", pk, unknown, K::Announce, false, "");
    row("passkey and slash", pk + "/", unknown, K::Announce, false, "");
    row("extra segment", pk + "/x/announce", unknown, K::Announce, false, "");
    row("no leading slash", passkey + "/announce", unknown, K::Announce, false, "");
    row("announce prefix", pk + "/announcex", unknown, K::Announce, false, "");
}

void TestHttpAnnounce::target()
{
    QFETCH(QByteArray, target);
    QFETCH(TrackerError, error);
    QFETCH(Target::Kind, kind);
    QFETCH(bool, hasPasskey);
    QFETCH(QByteArray, query);

    const Target t = parseTarget(target);
    QCOMPARE(t.error, error);
    if (error != TrackerError::UnknownPath)
        QCOMPARE(t.kind, kind);
    QCOMPARE(t.passkey.has_value(), hasPasskey);
    if (hasPasskey)
        QCOMPARE(t.passkey->toByteArray(), passkey);
    QCOMPARE(t.query.toByteArray(), query);
}

void TestHttpAnnounce::announceGood_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<QByteArray>("infoHash");
    QTest::addColumn<QByteArray>("peerId");
    QTest::addColumn<int>("port");
    QTest::addColumn<quint64>("uploaded");
    QTest::addColumn<quint64>("downloaded");
    QTest::addColumn<quint64>("left");
    QTest::addColumn<AnnounceEvent>("event");
    QTest::addColumn<bool>("compact");
    QTest::addColumn<bool>("noPeerId");
    QTest::addColumn<int>("numwant");
    QTest::addColumn<bool>("hasKey");
    QTest::addColumn<uint>("key");
    QTest::addColumn<QByteArray>("claimedIp"); // text, empty for none

    const QByteArray ih = infoHashRaw;
    const QByteArray pid = peerIdRaw;
    const AnnounceEvent none = AnnounceEvent::None;
    // The defaults of every optional parameter, for rows that change one thing.
    auto row = [&](const char *name, const QByteArray &q) -> QTestData & {
        return QTest::newRow(name) << q;
    };
    auto defaults = [&](QTestData &d, AnnounceEvent e = AnnounceEvent::None, int port = 6881) {
        d << ih << pid << port << quint64(0) << quint64(0) << quint64(1000) << e << true << false
          << -1 << false << 0u << QByteArray();
    };

    defaults(row("minimal", announce()));
    defaults(row("parameters in any order", "left=1000&downloaded=0&uploaded=0&port=6881&peer_id=" +
                                                pid + "&info_hash=" + infoHashEncoded));
    defaults(row(
        "uppercase and lowercase escapes are the same byte",
        announce({{"info_hash", "%00%fF%2b+%12%34%56%78%9A%BC%De%F0%11%22%33%44%55%66%77%25"}})));
    defaults(
        row("every byte escaped", announce({{"info_hash", percentEncoded(infoHashRaw).constData()},
                                            {"peer_id", percentEncoded(peerIdRaw).constData()}})));
    defaults(row("percent-encoded keys", "info%5Fhash=" + infoHashEncoded + "&peer%5fid=" + pid +
                                             "&%70ort=6881&uploaded=0&downloaded=0&left=1000"));
    defaults(row("unknown parameters ignored", announce({{"supportcrypto", "1"},
                                                         {"corrupt", "0"},
                                                         {"trackerid", "a=b"},
                                                         {"passkey", "zzz"},
                                                         {"requirecrypto", "0"},
                                                         {"redundant", "0"}})));
    defaults(row("unknown repeated parameter ignored",
                 announce({{"x", "1"}}) + "&x=2&supportcrypto=1&supportcrypto=1"));
    defaults(row("empty pairs skipped", "&&" + announce() + "&&"));
    defaults(row("event empty string", announce({{"event", ""}})));
    defaults(row("event=empty", announce({{"event", "empty"}})));
    defaults(row("event=paused (BEP 21)", announce({{"event", "paused"}})));
    defaults(row("compact=1", announce({{"compact", "1"}})));
    defaults(row("no_peer_id=0", announce({{"no_peer_id", "0"}})));
    defaults(row("numwant=-1", announce({{"numwant", "-1"}})));
    defaults(row("key empty means none", announce({{"key", ""}})));
    defaults(row("ip DNS name ignored", announce({{"ip", "tracker.example.com"}})));
    defaults(row("ipv4 holding IPv6 ignored", announce({{"ipv4", "2001:db8::1"}})));
    defaults(row("ipv6 holding IPv4 ignored", announce({{"ipv6", "192.0.2.1"}})));
    defaults(row("ip with junk port ignored", announce({{"ip", "192.0.2.1:http"}})));

    row("binary peer_id, escaped", announce({{"peer_id", "%00%ff-AZ2060-%2B%2b+%20abcdef"}}))
        << ih << QByteArray("\x00\xff-AZ2060-++  abcdef", 20) << 6881 << quint64(0) << quint64(0)
        << quint64(1000) << none << true << false << -1 << false << 0u << QByteArray();
    row("literal ASCII info_hash", announce({{"info_hash", "abcdefghij0123456789"}}))
        << QByteArray("abcdefghij0123456789") << pid << 6881 << quint64(0) << quint64(0)
        << quint64(1000) << none << true << false << -1 << false << 0u << QByteArray();
    row("every optional parameter", announce({{"event", "started"},
                                              {"compact", "0"},
                                              {"no_peer_id", "1"},
                                              {"numwant", "50"},
                                              {"key", "1A2b3C4d"},
                                              {"ip", "192.0.2.1"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << AnnounceEvent::Started
        << false << true << 50 << true << 0x1a2b3c4du << QByteArray("192.0.2.1");
    row("counters", announce({{"uploaded", "18446744073709551615"},
                              {"downloaded", "007"},
                              {"left", "0"},
                              {"event", "completed"}}))
        << ih << pid << 6881 << quint64(18446744073709551615ull) << quint64(7) << quint64(0)
        << AnnounceEvent::Completed << true << false << -1 << false << 0u << QByteArray();
    row("port 0 with event=stopped", announce({{"port", "0"}, {"event", "stopped"}}))
        << ih << pid << 0 << quint64(0) << quint64(0) << quint64(1000) << AnnounceEvent::Stopped
        << true << false << -1 << false << 0u << QByteArray();
    row("port 65535", announce({{"port", "65535"}}))
        << ih << pid << 65535 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << false << 0u << QByteArray();
    row("port 1", announce({{"port", "1"}}))
        << ih << pid << 1 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << false << 0u << QByteArray();
    row("numwant 0", announce({{"numwant", "0"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << 0 << false << 0u << QByteArray();
    row("numwant 2^31-1", announce({{"numwant", "2147483647"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << 2147483647 << false << 0u << QByteArray();
    row("numwant 2^31 clamps", announce({{"numwant", "2147483648"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << 2147483647 << false << 0u << QByteArray();
    row("numwant beyond uint64 clamps", announce({{"numwant", "99999999999999999999999"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << 2147483647 << false << 0u << QByteArray();
    row("key hex lowercase", announce({{"key", "deadbeef"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << true << 0xdeadbeefu << QByteArray();
    row("key one hex digit", announce({{"key", "f"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << true << 15u << QByteArray();
    // FNV-1a 32 of the decoded key; the values are pinned so a change of hash is noticed.
    row("key non-hex is hashed", announce({{"key", "xyz"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << true << 0xc4a1e8e0u << QByteArray();
    row("key 9 hex digits is hashed", announce({{"key", "123456789"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << true << 0xbb86b11cu << QByteArray();
    row("key 64 bytes", announce({{"key", QByteArray(64, 'k').constData()}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << true << 0xd10e8085u << QByteArray();
    row("ip v4 with port", announce({{"ip", "192.0.2.1:6881"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << false << 0u << QByteArray("192.0.2.1");
    row("ip v6", announce({{"ip", "2001:db8::1"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << false << 0u << QByteArray("2001:db8::1");
    row("ipv6 bracketed with port, escaped", announce({{"ipv6", "%5B2001%3Adb8%3A%3A2%5D%3A6881"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << false << 0u << QByteArray("2001:db8::2");
    row("ipv6 bracketed without port", announce({{"ipv6", "[2001:db8::3]"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << false << 0u << QByteArray("2001:db8::3");
    row("ip v4-mapped v6 folds to v4", announce({{"ip", "::ffff:192.0.2.9"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << false << 0u << QByteArray("192.0.2.9");
    row("ipv4 beats ip", announce({{"ip", "192.0.2.1"}, {"ipv4", "198.51.100.1:1"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << false << 0u << QByteArray("198.51.100.1");
    row("ipv6 beats ipv4 and ip",
        announce({{"ip", "192.0.2.1"}, {"ipv4", "198.51.100.1"}, {"ipv6", "2001:db8::4"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << false << 0u << QByteArray("2001:db8::4");
    row("unparseable ipv6 falls back to ipv4",
        announce({{"ipv4", "198.51.100.1"}, {"ipv6", "host.example"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << false << 0u << QByteArray("198.51.100.1");
    row("ipv4 of wrong family falls back to ip",
        announce({{"ip", "192.0.2.1"}, {"ipv4", "2001:db8::1"}}))
        << ih << pid << 6881 << quint64(0) << quint64(0) << quint64(1000) << none << true << false
        << -1 << false << 0u << QByteArray("192.0.2.1");
}

void TestHttpAnnounce::announceGood()
{
    QFETCH(QByteArray, query);
    QFETCH(QByteArray, infoHash);
    QFETCH(QByteArray, peerId);
    QFETCH(int, port);
    QFETCH(quint64, uploaded);
    QFETCH(quint64, downloaded);
    QFETCH(quint64, left);
    QFETCH(AnnounceEvent, event);
    QFETCH(bool, compact);
    QFETCH(bool, noPeerId);
    QFETCH(int, numwant);
    QFETCH(bool, hasKey);
    QFETCH(uint, key);
    QFETCH(QByteArray, claimedIp);

    // Start from garbage so every field must be written by the parser.
    AnnounceRequest r;
    r.claimedIp = IpAddress::fromV4(0x01020304);
    r.port = 1;
    r.uploaded = r.downloaded = r.left = 99;
    r.event = AnnounceEvent::Completed;
    r.numwant = 7;
    r.key = 7;
    r.hasKey = true;
    r.compact = false;
    r.noPeerId = true;

    QCOMPARE(parseAnnounceQuery(query, r), TrackerError::None);
    QCOMPARE(r.infoHash.toByteArray(), infoHash);
    QCOMPARE(r.peerId.toByteArray(), peerId);
    QCOMPARE(int(r.port), port);
    QCOMPARE(r.uploaded, uploaded);
    QCOMPARE(r.downloaded, downloaded);
    QCOMPARE(r.left, left);
    QCOMPARE(r.event, event);
    QCOMPARE(r.compact, compact);
    QCOMPARE(r.noPeerId, noPeerId);
    QCOMPARE(int(r.numwant), numwant);
    QCOMPARE(r.hasKey, hasKey);
    QCOMPARE(uint(r.key), key);
    QCOMPARE(r.claimedIp ? r.claimedIp->toString().toLatin1() : QByteArray(), claimedIp);
}

void TestHttpAnnounce::announceBad_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<TrackerError>("error");

    using E = TrackerError;
    auto row = [](const char *name, const QByteArray &q, E e) { QTest::newRow(name) << q << e; };

    // Syntax: checked over the whole query first.
    row("lone %", announce({{"x", "%"}}), E::MalformedQuery);
    row("%4 at end", announce({{"x", "%4"}}), E::MalformedQuery);
    row("%4 before &", announce({{"x", "%4"}, {"y", "1"}}), E::MalformedQuery);
    row("%zz", announce({{"x", "%zz"}}), E::MalformedQuery);
    row("%g0", announce({{"info_hash", "%g0"}}), E::MalformedQuery);
    row("%-1", announce({{"numwant", "%-1"}}), E::MalformedQuery);
    row("bad escape in key", "%zz=1&" + announce(), E::MalformedQuery);
    row("empty key", announce() + "&=1", E::MalformedQuery);
    row("empty key from escape-less '='", "=&" + announce(), E::MalformedQuery);
    row("raw 0xff byte", announce({{"trackerid", "a\xff"}}), E::MalformedQuery);
    row("raw 0x01 byte", announce({{"peer_id", "-qB4520-abcdefghij\x01k"}}), E::MalformedQuery);
    row("raw 0x7f byte", announce({{"x", "\x7f"}}), E::MalformedQuery);
    row("raw space", announce({{"x", "a b"}}), E::MalformedQuery);
    row("raw 0x80 in key", announce() + "&\x80=1", E::MalformedQuery);
    row("malformed beats duplicate", announce({{"x", "%"}}) + "&port=1", E::MalformedQuery);
    row("malformed beats missing", "x=%", E::MalformedQuery);
    row("duplicate info_hash", announce() + "&info_hash=" + infoHashEncoded, E::DuplicateParameter);
    row("duplicate via escaped key", announce() + "&info%5fhash=" + infoHashEncoded,
        E::DuplicateParameter);
    row("duplicate port", announce() + "&port=6881", E::DuplicateParameter);
    row("duplicate event", announce({{"event", "started"}}) + "&event=started",
        E::DuplicateParameter);
    row("duplicate ip", announce({{"ip", "1.2.3.4"}}) + "&ip=1.2.3.4", E::DuplicateParameter);
    row("duplicate beats missing", "port=1&port=1", E::DuplicateParameter);
    // Per parameter, in the documented order.
    row("missing info_hash", announce({{"info_hash", nullptr}}), E::MissingInfoHash);
    row("info_hash 19 bytes", announce({{"info_hash", "%00%01%02%03%04%05%06%07%08%09abcdefghi"}}),
        E::InvalidInfoHash);
    row("info_hash 21 bytes", announce({{"info_hash", "abcdefghij0123456789%2B"}}),
        E::InvalidInfoHash);
    row("info_hash 60 bytes literal",
        announce({{"info_hash", percentEncoded(infoHashRaw).replace('%', 'X').constData()}}),
        E::InvalidInfoHash);
    row("info_hash empty", announce({{"info_hash", ""}}), E::InvalidInfoHash);
    row("info_hash without '='", "info_hash&" + announce({{"info_hash", nullptr}}),
        E::InvalidInfoHash);
    row("missing peer_id", announce({{"peer_id", nullptr}}), E::MissingPeerId);
    row("peer_id 19 bytes", announce({{"peer_id", "-qB4520-abcdefghijk"}}), E::InvalidPeerId);
    row("peer_id 21 bytes", announce({{"peer_id", "-qB4520-abcdefghijklm"}}), E::InvalidPeerId);
    row("missing port", announce({{"port", nullptr}}), E::MissingPort);
    row("port 0", announce({{"port", "0"}}), E::InvalidPort);
    row("port 0 with event=started", announce({{"port", "0"}, {"event", "started"}}),
        E::InvalidPort);
    row("port 65536", announce({{"port", "65536"}}), E::InvalidPort);
    row("port -1", announce({{"port", "-1"}}), E::InvalidPort);
    row("port abc", announce({{"port", "abc"}}), E::InvalidPort);
    row("port empty", announce({{"port", ""}}), E::InvalidPort);
    row("port '+1' is ' 1'", announce({{"port", "+1"}}), E::InvalidPort);
    row("port huge", announce({{"port", "99999999999999999999999"}}), E::InvalidPort);
    row("missing uploaded", announce({{"uploaded", nullptr}}), E::MissingUploaded);
    row("uploaded -1", announce({{"uploaded", "-1"}}), E::InvalidUploaded);
    row("uploaded 1e3", announce({{"uploaded", "1e3"}}), E::InvalidUploaded);
    row("uploaded 2^64", announce({{"uploaded", "18446744073709551616"}}), E::InvalidUploaded);
    row("uploaded 65 digits", announce({{"uploaded", QByteArray(64, '0').append('1').constData()}}),
        E::InvalidUploaded);
    row("missing downloaded", announce({{"downloaded", nullptr}}), E::MissingDownloaded);
    row("downloaded 0x10", announce({{"downloaded", "0x10"}}), E::InvalidDownloaded);
    row("missing left", announce({{"left", nullptr}}), E::MissingLeft);
    row("left 1.5", announce({{"left", "1.5"}}), E::InvalidLeft);
    row("left empty", announce({{"left", ""}}), E::InvalidLeft);
    row("event bogus", announce({{"event", "bogus"}}), E::InvalidEvent);
    row("event STARTED", announce({{"event", "STARTED"}}), E::InvalidEvent);
    row("compact 2", announce({{"compact", "2"}}), E::InvalidCompact);
    row("compact empty", announce({{"compact", ""}}), E::InvalidCompact);
    row("compact true", announce({{"compact", "true"}}), E::InvalidCompact);
    row("no_peer_id 2", announce({{"no_peer_id", "2"}}), E::MalformedQuery);
    row("numwant -2", announce({{"numwant", "-2"}}), E::InvalidNumwant);
    row("numwant -0", announce({{"numwant", "-0"}}), E::InvalidNumwant);
    row("numwant abc", announce({{"numwant", "abc"}}), E::InvalidNumwant);
    row("numwant empty", announce({{"numwant", ""}}), E::InvalidNumwant);
    row("key 65 bytes", announce({{"key", QByteArray(65, 'k').constData()}}), E::InvalidKey);
    // Order between parameters is fixed, whatever their position in the query.
    row("info_hash before peer_id", "peer_id=x&info_hash=x", E::InvalidInfoHash);
    row("missing info_hash before bad port", announce({{"info_hash", nullptr}, {"port", "x"}}),
        E::MissingInfoHash);
    row("port before uploaded", announce({{"uploaded", "x"}, {"port", "x"}}), E::InvalidPort);
    row("port 0 and bad event: port first", announce({{"port", "0"}, {"event", "bogus"}}),
        E::InvalidPort);
    row("left before event", announce({{"event", "bogus"}, {"left", nullptr}}), E::MissingLeft);
    row("event before compact", announce({{"compact", "2"}, {"event", "bogus"}}), E::InvalidEvent);
    row("compact before numwant", announce({{"numwant", "x"}, {"compact", "2"}}),
        E::InvalidCompact);
    row("numwant before key",
        announce({{"key", QByteArray(65, 'k').constData()}, {"numwant", "x"}}), E::InvalidNumwant);
    row("empty query", "", E::MissingInfoHash);
}

void TestHttpAnnounce::announceBad()
{
    QFETCH(QByteArray, query);
    QFETCH(TrackerError, error);
    AnnounceRequest r;
    QCOMPARE(parseAnnounceQuery(query, r), error);
}

void TestHttpAnnounce::announceKeepsPasskeyAndClientIp()
{
    AnnounceRequest r;
    r.passkey = Passkey::fromText(QByteArrayView(passkey));
    r.clientIp = IpAddress::fromV4(0xc0000201);
    QCOMPARE(parseAnnounceQuery(announce(), r), TrackerError::None);
    QVERIFY(r.passkey);
    QCOMPARE(r.passkey->toByteArray(), passkey);
    QCOMPARE(r.clientIp, IpAddress::fromV4(0xc0000201));
}

void TestHttpAnnounce::scrape_data()
{
    QTest::addColumn<QByteArray>("query");
    QTest::addColumn<int>("max");
    QTest::addColumn<TrackerError>("error");
    QTest::addColumn<QByteArrayList>("hashes");

    const QByteArray h1 = hashBytes('\x01');
    const QByteArray h2 = hashBytes('\xff');
    const QByteArray h3 = hashBytes('+', '+');
    const QByteArray e1 = "info_hash=" + percentEncoded(h1);
    const QByteArray e2 = "info_hash=" + percentEncoded(h2);
    const QByteArray e3 = "info_hash=" + percentEncoded(h3);
    using E = TrackerError;

    QTest::newRow("full scrape") << QByteArray() << 74 << E::None << QByteArrayList();
    QTest::newRow("full scrape, other params")
        << QByteArray("passkey=x&supportcrypto=1") << 74 << E::None << QByteArrayList();
    QTest::newRow("one hash") << e1 << 74 << E::None << QByteArrayList{h1};
    QTest::newRow("three hashes in request order, duplicates kept")
        << QByteArray(e2 + "&" + e1 + "&x=1&" + e2) << 74 << E::None << QByteArrayList{h2, h1, h2};
    QTest::newRow("'+' is a space, %2B is '+'")
        << QByteArray("info_hash=++++++++++++++++++++&info_hash=" + percentEncoded(h3)) << 74
        << E::None << QByteArrayList{QByteArray(20, ' '), h3};
    QTest::newRow("exactly max") << QByteArray(e1 + "&" + e2 + "&" + e3) << 3 << E::None
                                 << QByteArrayList{h1, h2, h3};
    QTest::newRow("too many") << QByteArray(e1 + "&" + e2 + "&" + e3 + "&" + e1) << 3
                              << E::TooManyInfoHashes << QByteArrayList();
    QTest::newRow("max 0") << e1 << 0 << E::TooManyInfoHashes << QByteArrayList();
    QTest::newRow("19-byte hash") << QByteArray(e1 + "&info_hash=" + percentEncoded(h2.left(19)))
                                  << 74 << E::InvalidInfoHash << QByteArrayList();
    QTest::newRow("empty hash") << QByteArray("info_hash=") << 74 << E::InvalidInfoHash
                                << QByteArrayList();
    QTest::newRow("bad hash beats too many") << QByteArray(e1 + "&" + e2 + "&info_hash=x") << 1
                                             << E::InvalidInfoHash << QByteArrayList();
    QTest::newRow("bad escape") << QByteArray(e1 + "&info_hash=%zz") << 74 << E::MalformedQuery
                                << QByteArrayList();
    QTest::newRow("malformed beats invalid")
        << QByteArray("info_hash=x&y=%") << 74 << E::MalformedQuery << QByteArrayList();
    QTest::newRow("raw 0xff") << QByteArray(e1 + "&info_hash=\xff") << 74 << E::MalformedQuery
                              << QByteArrayList();
}

void TestHttpAnnounce::scrape()
{
    QFETCH(QByteArray, query);
    QFETCH(int, max);
    QFETCH(TrackerError, error);
    QFETCH(QByteArrayList, hashes);

    ScrapeRequest r;
    r.infoHashes.push_back(*InfoHash::fromBytes(hashBytes('z'))); // replaced, not appended to
    QCOMPARE(parseScrapeQuery(query, r, max), error);
    QByteArrayList got;
    for (const InfoHash &h : r.infoHashes)
        got.append(h.toByteArray());
    QCOMPARE(got, hashes);
}

void TestHttpAnnounce::announceReply_data()
{
    QTest::addColumn<bool>("compact");
    QTest::addColumn<bool>("noPeerId");
    QTest::addColumn<QByteArray>("peers4");
    QTest::addColumn<QByteArray>("peers6");
    QTest::addColumn<QByteArrayList>("ids4");
    QTest::addColumn<QByteArrayList>("ids6");
    QTest::addColumn<QByteArray>("warning");
    QTest::addColumn<QByteArray>("expected");

    // 192.0.2.1:6881, 10.0.0.255:80 and [2001:db8::1]:51413.
    const QByteArray p4a("\xc0\x00\x02\x01\x1a\xe1", 6);
    const QByteArray p4b("\x0a\x00\x00\xff\x00\x50", 6);
    const QByteArray p6("\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\xc8\xd5",
                        18);
    const QByteArray idA = "-qB4520-aaaaaaaaaaaa";
    const QByteArray idB = QByteArray("-TR3000-\0\xff", 10) + QByteArray(10, 'b');
    const QByteArray idC = "-lt0D80-cccccccccccc";
    const QByteArray head = "d8:completei5e10:downloadedi7e10:incompletei3e8:intervali1800e"
                            "12:min intervali900e";

    QTest::newRow("compact, empty")
        << true << false << QByteArray() << QByteArray() << QByteArrayList() << QByteArrayList()
        << QByteArray() << QByteArray(head + "5:peers0:e");
    QTest::newRow("compact v4 only")
        << true << false << QByteArray(p4a + p4b) << QByteArray() << QByteArrayList()
        << QByteArrayList() << QByteArray() << QByteArray(head + "5:peers12:" + p4a + p4b + "e");
    QTest::newRow("compact v4 and v6")
        << true << false << p4a << p6 << QByteArrayList() << QByteArrayList() << QByteArray()
        << QByteArray(head + "5:peers6:" + p4a + "6:peers618:" + p6 + "e");
    QTest::newRow("compact v6 only")
        << true << false << QByteArray() << p6 << QByteArrayList() << QByteArrayList()
        << QByteArray() << QByteArray(head + "5:peers0:6:peers618:" + p6 + "e");
    QTest::newRow("compact with warning")
        << true << false << p4a << QByteArray() << QByteArrayList() << QByteArrayList()
        << QByteArray("slow down")
        << QByteArray(head + "5:peers6:" + p4a + "15:warning message9:slow downe");
    QTest::newRow("dictionary, peer ids")
        << false << false << QByteArray(p4a + p4b) << p6 << QByteArrayList{idA, idB}
        << QByteArrayList{idC} << QByteArray()
        << QByteArray(head +
                      "5:peersl"
                      "d2:ip9:192.0.2.17:peer id20:" +
                      idA +
                      "4:porti6881ee"
                      "d2:ip10:10.0.0.2557:peer id20:" +
                      idB +
                      "4:porti80ee"
                      "d2:ip11:2001:db8::17:peer id20:" +
                      idC +
                      "4:porti51413ee"
                      "ee");
    QTest::newRow("dictionary, no_peer_id")
        << false << true << QByteArray(p4a + p4b) << p6 << QByteArrayList{idA, idB}
        << QByteArrayList{idC} << QByteArray()
        << QByteArray(head + "5:peersl"
                             "d2:ip9:192.0.2.14:porti6881ee"
                             "d2:ip10:10.0.0.2554:porti80ee"
                             "d2:ip11:2001:db8::14:porti51413ee"
                             "ee");
    QTest::newRow("dictionary, ids missing from the core")
        << false << false << QByteArray(p4a + p4b) << QByteArray() << QByteArrayList{idA}
        << QByteArrayList() << QByteArray()
        << QByteArray(head +
                      "5:peersl"
                      "d2:ip9:192.0.2.17:peer id20:" +
                      idA +
                      "4:porti6881ee"
                      "d2:ip10:10.0.0.2554:porti80ee"
                      "ee");
    QTest::newRow("dictionary, empty, warning")
        << false << false << QByteArray() << QByteArray() << QByteArrayList() << QByteArrayList()
        << QByteArray("w") << QByteArray(head + "5:peersle15:warning message1:we");
}

void TestHttpAnnounce::announceReply()
{
    QFETCH(bool, compact);
    QFETCH(bool, noPeerId);
    QFETCH(QByteArray, peers4);
    QFETCH(QByteArray, peers6);
    QFETCH(QByteArrayList, ids4);
    QFETCH(QByteArrayList, ids6);
    QFETCH(QByteArray, warning);
    QFETCH(QByteArray, expected);

    AnnounceResult r;
    r.interval = 1800;
    r.minInterval = 900;
    r.complete = 5;
    r.incomplete = 3;
    r.downloaded = 7;
    r.peers4 = peers4;
    r.peers6 = peers6;
    for (const QByteArray &id : ids4)
        r.peerIds4.push_back(*PeerId::fromBytes(id));
    for (const QByteArray &id : ids6)
        r.peerIds6.push_back(*PeerId::fromBytes(id));
    r.warning = warning;
    QCOMPARE(encodeAnnounceReply(r, compact, noPeerId), expected);
}

void TestHttpAnnounce::scrapeReply_data()
{
    QTest::addColumn<QByteArrayList>("hashes");
    QTest::addColumn<QByteArray>("expected");

    const QByteArray lo = hashBytes('\x01');
    const QByteArray mid = hashBytes('\x7f');
    const QByteArray hi = hashBytes('\xff'); // sorts last: raw bytes compare unsigned
    // Entry i has complete = i+1, incomplete = 10*(i+1), downloaded = 100*(i+1).
    auto entry = [](const QByteArray &h, int i) {
        return QByteArray("20:" + h + "d8:completei" + QByteArray::number(i + 1) +
                          "e10:downloadedi" + QByteArray::number(100 * (i + 1)) +
                          "e10:incompletei" + QByteArray::number(10 * (i + 1)) + "ee");
    };

    QTest::newRow("empty") << QByteArrayList() << QByteArray("d5:filesdee");
    QTest::newRow("one") << QByteArrayList{mid} << QByteArray("d5:filesd" + entry(mid, 0) + "ee");
    QTest::newRow("sorted by raw bytes")
        << QByteArrayList{hi, lo, mid}
        << QByteArray("d5:filesd" + entry(lo, 1) + entry(mid, 2) + entry(hi, 0) + "ee");
    QTest::newRow("duplicates: first entry wins")
        << QByteArrayList{mid, hi, mid, lo, hi}
        << QByteArray("d5:filesd" + entry(lo, 3) + entry(mid, 0) + entry(hi, 1) + "ee");
}

void TestHttpAnnounce::scrapeReply()
{
    QFETCH(QByteArrayList, hashes);
    QFETCH(QByteArray, expected);

    ScrapeResult r;
    for (int i = 0; i < hashes.size(); ++i) {
        ScrapeEntry e;
        e.infoHash = *InfoHash::fromBytes(hashes[i]);
        e.complete = std::uint32_t(i + 1);
        e.incomplete = std::uint32_t(10 * (i + 1));
        e.downloaded = std::uint32_t(100 * (i + 1));
        r.files.push_back(e);
    }
    QCOMPARE(encodeScrapeReply(r), expected);
}

void TestHttpAnnounce::failure()
{
    QCOMPARE(encodeFailure(TrackerError::MissingInfoHash, 1800, 900),
             QByteArray("d14:failure reason17:missing info_hash8:intervali1800e"
                        "12:min intervali900ee"));
    QCOMPARE(encodeFailure(TrackerError::UnknownPasskey, 0, 0),
             QByteArray("d14:failure reason15:unknown passkey8:intervali0e12:min intervali0ee"));
    QCOMPARE(encodeFailure(QByteArrayView("maintenance: back at 12:00"), 4294967295u, 60),
             QByteArray("d14:failure reason26:maintenance: back at 12:008:intervali4294967295e"
                        "12:min intervali60ee"));
    QCOMPARE(encodeFailure(QByteArrayView(), 1, 2),
             QByteArray("d14:failure reason0:8:intervali1e12:min intervali2ee"));
}

QTEST_APPLESS_MAIN(TestHttpAnnounce)
#include "tst_httpannounce.moc"
