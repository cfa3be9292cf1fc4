// The /ws live feed through the real swarmkeeperd and real QWebSocket clients: the handshake
// refused with a JSON error for a missing or bad token, a plain GET or an unknown event type;
// hello, per-second stats ticks with a growing seq, a `ban` event after a ban through the
// API, subscriptions by ?types= and by message, user events without passkeys for readonly
// tokens, coalesced swarm changes; a client that never reads is closed as too slow (and the
// server's memory stays bounded), a client that never answers pings is dropped, and one that
// does stays.
#include "shared/api/dto.h"
#include "trackerprocess.h"

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QNetworkRequest>
#include <QTest>
#include <QWebSocket>

#include <memory>

using namespace sk;
using itest::TrackerProcess;

namespace {

// A QWebSocket client that keeps every JSON message it gets.
class FeedClient
{
public:
    explicit FeedClient(QNetworkRequest request)
    {
        QObject::connect(&m_socket, &QWebSocket::textMessageReceived, [this](const QString &m) {
            m_messages.append(QJsonDocument::fromJson(m.toUtf8()).object());
        });
        QObject::connect(&m_socket, &QWebSocket::disconnected, [this] {
            m_closeCode = m_socket.closeCode();
            m_closeReason = m_socket.closeReason();
            m_closed = true;
        });
        m_socket.open(request);
    }
    ~FeedClient()
    {
        // The members below m_socket are gone before it: no signal may reach them.
        m_socket.disconnect();
        m_socket.abort();
    }
    bool waitConnected()
    {
        QDeadlineTimer d(itest::kReplyTimeoutMs);
        while (m_socket.state() != QAbstractSocket::ConnectedState && !m_closed && !d.hasExpired())
            QTest::qWait(20);
        return m_socket.state() == QAbstractSocket::ConnectedState;
    }
    // The first message of `type` not taken yet (waiting up to `ms`), or an empty object.
    QJsonObject take(const QString &type, int ms = itest::kReplyTimeoutMs)
    {
        QDeadlineTimer d(ms);
        for (;;) {
            for (qsizetype i = m_taken; i < m_messages.size(); ++i) {
                if (m_messages[i].value(QStringLiteral("type")).toString() == type) {
                    const QJsonObject o = m_messages[i];
                    m_messages.remove(i);
                    return o;
                }
            }
            if (d.hasExpired() || m_closed)
                return {};
            QTest::qWait(20);
        }
    }
    QList<QJsonObject> messages() const { return m_messages; }
    void send(const QJsonObject &o)
    {
        m_socket.sendTextMessage(QString::fromUtf8(QJsonDocument(o).toJson()));
    }
    bool closed() const { return m_closed; }
    QWebSocket &socket() { return m_socket; }

private:
    QWebSocket m_socket;
    QList<QJsonObject> m_messages;
    qsizetype m_taken = 0;
    bool m_closed = false;
    int m_closeCode = 0;
    QString m_closeReason;
};

} // namespace

class TestLiveFeed : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void handshakeRefused_data();
    void handshakeRefused();
    void statsTicks();
    void banEvent();
    void subscribeByMessage();
    void readonlySeesNoPasskeys();
    void swarmChanges();
    void slowClientClosed();
    void silentClientDropped();
    void cleanupTestCase();

private:
    QNetworkRequest request(const QString &query = {}, const QByteArray &token = {}) const
    {
        QNetworkRequest r(
            QUrl(QStringLiteral("ws://127.0.0.1:%1/ws%2").arg(m_server.adminPort()).arg(query)));
        r.setRawHeader("Authorization",
                       "Bearer " + (token.isEmpty() ? m_server.adminToken() : token));
        return r;
    }
    // A WebSocket upgrade request written by hand; the status and body of the answer.
    // `target`: "/ws?…" for a GET, or "METHOD /ws?…".
    static std::pair<int, QByteArray> rawUpgrade(quint16 port, const QByteArray &target,
                                                 const QByteArray &headers)
    {
        itest::RawHttpConnection c;
        if (!c.connectTo(QHostAddress(QHostAddress::LocalHost), port))
            return {0, {}};
        const QByteArray line = target.startsWith('/') ? "GET " + target : target;
        c.send(QByteArray(line + " HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + "\r\n"));
        const auto reply = c.readReply();
        return reply ? std::pair{reply->status, reply->body} : std::pair{0, QByteArray()};
    }
    static double metric(TrackerProcess &server, const QByteArray &series)
    {
        const QByteArray body =
            server
                .adminRaw("GET", QStringLiteral("/metrics"), {},
                          {{QByteArray("Authorization"), "Bearer " + server.adminToken()}})
                .body;
        for (const QByteArray &line : body.split('\n'))
            if (line.startsWith(QByteArray(series + ' ')))
                return line.mid(series.size() + 1).toDouble();
        return -1;
    }
    static qint64 rssKiB(qint64 pid)
    {
        QFile f(QStringLiteral("/proc/%1/status").arg(pid));
        if (!f.open(QIODevice::ReadOnly))
            return -1;
        for (const QByteArray &line : f.readAll().split('\n'))
            if (line.startsWith("VmRSS:"))
                return line.mid(6).trimmed().split(' ').first().toLongLong();
        return -1;
    }

    TrackerProcess m_server;
    QByteArray m_readonly;
};

void TestLiveFeed::initTestCase()
{
    QVERIFY(m_server.start());
    const auto r = m_server.adminRequest("POST", QStringLiteral("/admin/tokens"),
                                         itest::jsonObject({{"name", QStringLiteral("watcher")},
                                                            {"role", QStringLiteral("readonly")}}));
    QCOMPARE(r.status, 201);
    m_readonly = r.json.value(QStringLiteral("token")).toString().toLatin1();
}

void TestLiveFeed::handshakeRefused_data()
{
    const QByteArray upgrade = "Connection: Upgrade\r\nUpgrade: websocket\r\n"
                               "Sec-WebSocket-Version: 13\r\n"
                               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n";
    const QByteArray bearer = "Authorization: Bearer " + itest::defaultAdminToken + "\r\n";
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<QByteArray>("headers");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("code");
    QTest::newRow("no token") << QByteArray("/ws") << upgrade << 401 << QByteArray("unauthorized");
    QTest::newRow("unknown token")
        << QByteArray("/ws?token=nope") << upgrade << 401 << QByteArray("unauthorized");
    QTest::newRow("token in a bad header")
        << QByteArray("/ws") << QByteArray(upgrade + "Authorization: Basic eDp5\r\n") << 401
        << QByteArray("unauthorized");
    QTest::newRow("plain GET") << QByteArray("/ws") << QByteArray(bearer + "Connection: close\r\n")
                               << 400 << QByteArray("upgrade_required");
    QTest::newRow("not a GET") << QByteArray("POST /ws") << QByteArray(upgrade + bearer) << 405
                               << QByteArray("method_not_allowed");
    QTest::newRow("unknown type") << QByteArray("/ws?types=stats,gossip")
                                  << QByteArray(upgrade + bearer) << 400
                                  << QByteArray("invalid_parameter");
}

void TestLiveFeed::handshakeRefused()
{
    QFETCH(QByteArray, target);
    QFETCH(QByteArray, headers);
    QFETCH(int, status);
    QFETCH(QByteArray, code);
    const auto [got, body] = rawUpgrade(m_server.adminPort(), target, headers);
    QCOMPARE(got, status);
    const QJsonObject error =
        QJsonDocument::fromJson(body).object().value(QStringLiteral("error")).toObject();
    QCOMPARE(error.value(QStringLiteral("code")).toString().toLatin1(), code);
    QVERIFY(!error.value(QStringLiteral("message")).toString().isEmpty());
    // The server is still fine.
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/version")).status, 200);
}

void TestLiveFeed::statsTicks()
{
    FeedClient c(request());
    QVERIFY(c.waitConnected());
    const QJsonObject hello = c.take(QStringLiteral("hello"));
    QCOMPARE(hello.value(QStringLiteral("role")).toString(), QStringLiteral("admin"));
    QCOMPARE(hello.value(QStringLiteral("types")).toArray().size(), 8);
    const QJsonObject first = c.take(QStringLiteral("stats"), 3000);
    const QJsonObject second = c.take(QStringLiteral("stats"), 3000);
    QVERIFY(!first.isEmpty() && !second.isEmpty());
    QVERIFY(second.value(QStringLiteral("seq")).toInteger() >
            first.value(QStringLiteral("seq")).toInteger());
    const auto dto = api::TrackerStatsDto::fromJson(second);
    QVERIFY(dto.has_value());
    QVERIFY(second.contains(QStringLiteral("announces_per_second")));
    QCOMPARE(metric(m_server, "swarmkeeper_websocket_clients"), 1.0);
    // Every message's seq: non-decreasing, events strictly increasing.
    qint64 last = -1;
    for (const QJsonObject &m : c.messages()) {
        QVERIFY(m.value(QStringLiteral("seq")).toInteger() >= last);
        last = m.value(QStringLiteral("seq")).toInteger();
    }
}

void TestLiveFeed::banEvent()
{
    FeedClient c(request(QStringLiteral("?types=ban")));
    QVERIFY(c.waitConnected());
    QCOMPARE(c.take(QStringLiteral("hello")).value(QStringLiteral("types")).toArray(),
             QJsonArray{QStringLiteral("ban")});
    const auto r = m_server.adminRequest("POST", QStringLiteral("/admin/bans"),
                                         itest::jsonObject({{"ip", QStringLiteral("203.0.113.9")},
                                                            {"reason", QStringLiteral("feed")}}));
    QCOMPARE(r.status, 201);
    const QJsonObject e = c.take(QStringLiteral("ban"));
    QCOMPARE(e.value(QStringLiteral("method")).toString(), QStringLiteral("POST"));
    QCOMPARE(e.value(QStringLiteral("path")).toString(), QStringLiteral("/admin/bans"));
    QCOMPARE(e.value(QStringLiteral("target")).toString(), QStringLiteral("203.0.113.9"));
    QCOMPARE(e.value(QStringLiteral("by")).toString(), QStringLiteral("env"));
    QCOMPARE(e.value(QStringLiteral("data")).toObject().value(QStringLiteral("reason")).toString(),
             QStringLiteral("feed"));
    QVERIFY(e.value(QStringLiteral("seq")).toInteger() > 0);
    QVERIFY(e.value(QStringLiteral("at")).toString().endsWith(QLatin1Char('Z')));
    QCOMPARE(m_server.adminRequest("DELETE", QStringLiteral("/admin/bans/203.0.113.9")).status,
             200);
    const QJsonObject lifted = c.take(QStringLiteral("ban"));
    QCOMPARE(lifted.value(QStringLiteral("method")).toString(), QStringLiteral("DELETE"));
    QVERIFY(lifted.value(QStringLiteral("seq")).toInteger() >
            e.value(QStringLiteral("seq")).toInteger());
    // A refused change is no event; and the subscription keeps the ticks away.
    QCOMPARE(m_server.adminRequest("DELETE", QStringLiteral("/admin/bans/203.0.113.9")).status,
             404);
    QTest::qWait(1500);
    for (const QJsonObject &m : c.messages())
        QCOMPARE(m.value(QStringLiteral("type")).toString(), QStringLiteral("hello"));
}

void TestLiveFeed::subscribeByMessage()
{
    FeedClient c(request());
    QVERIFY(c.waitConnected());
    QVERIFY(!c.take(QStringLiteral("hello")).isEmpty());
    c.send(itest::jsonObject({{"subscribe", QJsonArray{QStringLiteral("gossip")}}}));
    QVERIFY(c.take(QStringLiteral("error"))
                .value(QStringLiteral("message"))
                .toString()
                .contains(QStringLiteral("gossip")));
    c.send(itest::jsonObject({{"hello", 1}}));
    QVERIFY(!c.take(QStringLiteral("error")).isEmpty());
    c.send(itest::jsonObject({{"subscribe", QJsonArray{QStringLiteral("user")}}}));
    QCOMPARE(c.take(QStringLiteral("subscribed")).value(QStringLiteral("types")).toArray(),
             QJsonArray{QStringLiteral("user")});
    const QJsonObject u = m_server.createUser(QStringLiteral("feed-user"));
    QVERIFY(!u.isEmpty());
    const QJsonObject e = c.take(QStringLiteral("user"));
    QCOMPARE(e.value(QStringLiteral("target")).toString(),
             QString::number(u.value(QStringLiteral("id")).toInteger()));
    QCOMPARE(e.value(QStringLiteral("data")).toObject().value(QStringLiteral("passkey")),
             u.value(QStringLiteral("passkey")));
    // Back to everything: ticks come again.
    c.send(itest::jsonObject({{"subscribe", QJsonArray{QStringLiteral("*")}}}));
    QCOMPARE(c.take(QStringLiteral("subscribed")).value(QStringLiteral("types")).toArray().size(),
             8);
    QVERIFY(!c.take(QStringLiteral("stats"), 3000).isEmpty());
}

void TestLiveFeed::readonlySeesNoPasskeys()
{
    FeedClient c(request(QStringLiteral("?types=user"), m_readonly));
    QVERIFY(c.waitConnected());
    QCOMPARE(c.take(QStringLiteral("hello")).value(QStringLiteral("role")).toString(),
             QStringLiteral("readonly"));
    const QJsonObject u = m_server.createUser(QStringLiteral("secretive"));
    const QJsonObject e = c.take(QStringLiteral("user"));
    QCOMPARE(e.value(QStringLiteral("data")).toObject().value(QStringLiteral("name")).toString(),
             QStringLiteral("secretive"));
    QVERIFY(!e.value(QStringLiteral("data")).toObject().contains(QStringLiteral("passkey")));
    QVERIFY(!QJsonDocument(e).toJson().contains(
        u.value(QStringLiteral("passkey")).toString().toLatin1()));
    // The token also works as ?token=.
    QNetworkRequest r(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws?token=%2")
                               .arg(m_server.adminPort())
                               .arg(QString::fromLatin1(m_readonly))));
    FeedClient q(r);
    QVERIFY(q.waitConnected());
    QCOMPARE(q.take(QStringLiteral("hello")).value(QStringLiteral("token")).toString(),
             QStringLiteral("watcher"));
}

void TestLiveFeed::swarmChanges()
{
    const proto::InfoHash hash = itest::randomInfoHash();
    QVERIFY(!m_server.createTorrent(hash).isEmpty());
    const QString passkey =
        m_server.createUser(QStringLiteral("swarmer")).value(QStringLiteral("passkey")).toString();
    FeedClient c(request(QStringLiteral("?types=swarm")));
    QVERIFY(c.waitConnected());
    QVERIFY(m_server.announce(passkey, itest::counterQuery(hash, "feed-seed", 0, 0, "started")));
    QVERIFY(m_server.announce(passkey, itest::counterQuery(hash, "feed-leech", 0, 10, "started")));
    // Changes are coalesced per second: wait for the event that holds both peers.
    const auto find = [&](const QJsonObject &e) {
        for (const auto &v : e.value(QStringLiteral("swarms")).toArray())
            if (v.toObject().value(QStringLiteral("info_hash")).toString() == hash.toHexString())
                return v.toObject();
        return QJsonObject{};
    };
    QJsonObject mine;
    QDeadlineTimer d(8000);
    while (!d.hasExpired() && mine.value(QStringLiteral("peers")).toInteger() != 2) {
        const QJsonObject e = c.take(QStringLiteral("swarm"), 3000);
        if (!find(e).isEmpty())
            mine = find(e);
    }
    QCOMPARE(mine.value(QStringLiteral("seeders")).toInteger(), 1);
    QCOMPARE(mine.value(QStringLiteral("leechers")).toInteger(), 1);
    QVERIFY(mine.value(QStringLiteral("torrent_id")).toInteger() > 0);
    // Both stop: the swarm is reported gone.
    QVERIFY(m_server.announce(passkey, itest::counterQuery(hash, "feed-seed", 0, 0, "stopped")));
    QVERIFY(m_server.announce(passkey, itest::counterQuery(hash, "feed-leech", 0, 10, "stopped")));
    bool removed = false;
    QDeadlineTimer d2(8000);
    while (!removed && !d2.hasExpired()) {
        const QJsonObject e = c.take(QStringLiteral("swarm"), 3000);
        removed = e.value(QStringLiteral("removed")).toArray().contains(hash.toHexString());
    }
    QVERIFY(removed);
}

void TestLiveFeed::slowClientClosed()
{
    // A client that completes the handshake and then reads nothing: the kernel buffers fill,
    // then the server's queue passes ws.max_queued_bytes and the server closes it.
    TrackerProcess server;
    QVERIFY(server.start({QStringLiteral("--set"), QStringLiteral("ws.max_queued_bytes=16384")}));
    QTcpSocket raw;
    raw.setReadBufferSize(256); // Qt stops reading from the kernel past this
    raw.connectToHost(QHostAddress(QHostAddress::LocalHost), server.adminPort());
    QVERIFY(raw.waitForConnected(itest::kReplyTimeoutMs));
    raw.setSocketOption(QAbstractSocket::ReceiveBufferSizeSocketOption, 2048);
    raw.write("GET /ws?token=" + server.adminToken() +
              " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
              "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    QVERIFY(raw.waitForBytesWritten(itest::kReplyTimeoutMs));
    QVERIFY(raw.waitForReadyRead(itest::kReplyTimeoutMs));
    QVERIFY(raw.peek(12).startsWith("HTTP/1.1 101"));
    QDeadlineTimer connected(itest::kReplyTimeoutMs);
    while (metric(server, "swarmkeeper_websocket_clients") != 1.0 && !connected.hasExpired())
        QTest::qWait(50);
    QCOMPARE(metric(server, "swarmkeeper_websocket_clients"), 1.0);
    const qint64 rssBefore = rssKiB(server.processId());

    // Events of about 1 KiB each (a ban with a long reason), until the server gives up on
    // the client; bounded in count.
    const QString reason(900, QLatin1Char('r'));
    int calls = 0;
    while (metric(server, "swarmkeeper_websocket_dropped_total{reason=\"slow\"}") < 1.0 &&
           calls < 20000) {
        const QString ip = QStringLiteral("198.51.%1.%2").arg(calls / 250).arg(calls % 250 + 1);
        QCOMPARE(server
                     .adminRequest("POST", QStringLiteral("/admin/bans"),
                                   itest::jsonObject({{"ip", ip}, {"reason", reason}}))
                     .status,
                 201);
        ++calls;
    }
    QVERIFY2(calls < 20000, "the slow client was never closed");
    QDeadlineTimer gone(itest::kReplyTimeoutMs);
    while (metric(server, "swarmkeeper_websocket_clients") != 0.0 && !gone.hasExpired())
        QTest::qWait(50);
    QCOMPARE(metric(server, "swarmkeeper_websocket_clients"), 0.0);
    qInfo("slow client closed after %d events of ~1 KiB", calls);
    // What the server queued for it is bounded by ws.max_queued_bytes, not by the events sent:
    // its resident memory grew by far less than the bytes published.
    const qint64 grown = rssKiB(server.processId()) - rssBefore;
#ifndef SK_SANITIZED // ASan's quarantine keeps every freed block resident for a while
    QVERIFY2(grown < 32 * 1024, qPrintable(QStringLiteral("RSS grew by %1 KiB").arg(grown)));
#else
    qInfo("RSS grew by %lld KiB (not checked under ASan)", grown);
#endif
    // The server still serves a new client.
    FeedClient c(QNetworkRequest(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws?token=%2")
                                          .arg(server.adminPort())
                                          .arg(QString::fromLatin1(server.adminToken())))));
    QVERIFY(c.waitConnected());
    QVERIFY(!c.take(QStringLiteral("hello")).isEmpty());
    QVERIFY(server.stop());
}

void TestLiveFeed::silentClientDropped()
{
    // Pings every second, dropped after 2 s without an answer: a raw client never answers, a
    // QWebSocket does (Qt answers pings by itself) and stays.
    TrackerProcess server;
    QVERIFY(server.start({QStringLiteral("--set"), QStringLiteral("ws.ping_interval=1"),
                          QStringLiteral("--set"), QStringLiteral("ws.idle_timeout=2")}));
    QTcpSocket raw;
    raw.connectToHost(QHostAddress(QHostAddress::LocalHost), server.adminPort());
    QVERIFY(raw.waitForConnected(itest::kReplyTimeoutMs));
    raw.write("GET /ws?types=hnr&token=" + server.adminToken() +
              " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
              "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n");
    QVERIFY(raw.waitForReadyRead(itest::kReplyTimeoutMs));
    FeedClient live(QNetworkRequest(QUrl(QStringLiteral("ws://127.0.0.1:%1/ws?types=hnr&token=%2")
                                             .arg(server.adminPort())
                                             .arg(QString::fromLatin1(server.adminToken())))));
    QVERIFY(live.waitConnected());
    QDeadlineTimer d(10000);
    while (raw.state() == QAbstractSocket::ConnectedState && !d.hasExpired()) {
        raw.readAll(); // reads, but never answers a ping
        raw.waitForReadyRead(100);
        QCoreApplication::processEvents();
    }
    QCOMPARE(raw.state(), QAbstractSocket::UnconnectedState);
    QCOMPARE(metric(server, "swarmkeeper_websocket_dropped_total{reason=\"idle\"}"), 1.0);
    QTest::qWait(1500); // past another idle timeout: the answering client is still there
    QVERIFY(!live.closed());
    QCOMPARE(metric(server, "swarmkeeper_websocket_clients"), 1.0);
    QVERIFY(server.stop());
}

void TestLiveFeed::cleanupTestCase()
{
    QVERIFY(m_server.stop());
}

QTEST_GUILESS_MAIN(TestLiveFeed)
#include "tst_livefeed.moc"
