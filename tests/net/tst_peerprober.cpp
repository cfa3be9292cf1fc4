// Tests PeerProber with real loopback sockets: a listening port answers connectable, a closed
// one unreachable, a listener whose accept queue is full times out; the answer reaches the
// cache and the peer in the store; no more probes run at once than allowed.
#include "server/net/peerprober.h"
#include "server/peers/memorypeerstore.h"

#include <QTcpServer>
#include <QTcpSocket>
#include <QTest>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <vector>

using namespace sk;
using core::Reachability;

namespace {
proto::InfoHash torrent()
{
    proto::InfoHash h;
    h.bytes.fill(3);
    return h;
}

proto::PeerEndpoint loopback(quint16 port)
{
    return proto::PeerEndpoint::make(proto::IpAddress::fromV4(0x7F000001u), port);
}

// What an announce does: observe, then request the probe it was asked for.
Reachability ask(core::ReachabilityCache &c, const core::ProbeRequest &r, std::int64_t now)
{
    const core::ReachabilityCache::Observation o = c.observe(r.endpoint, now);
    if (o.probe)
        c.request(r);
    return o.state;
}

// A port with nothing listening (bound once, then released).
quint16 closedPort()
{
    QTcpServer s;
    if (!s.listen(QHostAddress::LocalHost, 0))
        return 0;
    const quint16 port = s.serverPort();
    s.close();
    return port;
}

// A listener that never accepts, with its one-entry accept queue filled: the kernel drops
// further SYNs, so a connect to it neither succeeds nor fails until it times out.
class FullListener
{
public:
    FullListener()
    {
        m_fd = ::socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (m_fd < 0 || ::bind(m_fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
            ::listen(m_fd, 0) != 0 ||
            ::getsockname(m_fd, reinterpret_cast<sockaddr *>(&a), &len) != 0)
            return;
        port = ntohs(a.sin_port);
        m_filler.connectToHost(QHostAddress::LocalHost, port);
        filled = m_filler.waitForConnected(2000);
    }
    ~FullListener()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    quint16 port = 0;
    bool filled = false;

private:
    int m_fd = -1;
    QTcpSocket m_filler;
};
} // namespace

class TestPeerProber : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init()
    {
        m_store = std::make_unique<peers::MemoryPeerStore>();
        m_settings = core::VerificationSettings();
        m_settings.enabled = true;
        m_settings.connectTimeoutMs = 300;
        m_settings.maxConcurrent = 4;
    }

    void answers_data()
    {
        QTest::addColumn<QString>("target");
        QTest::addColumn<int>("expected"); // a Reachability
        QTest::addColumn<bool>("timedOut");
        QTest::newRow("listening port")
            << QStringLiteral("listening") << int(Reachability::Connectable) << false;
        QTest::newRow("closed port")
            << QStringLiteral("closed") << int(Reachability::Unreachable) << false;
        QTest::newRow("silent port")
            << QStringLiteral("silent") << int(Reachability::Unreachable) << true;
    }
    void answers()
    {
        QFETCH(QString, target);
        QFETCH(int, expected);
        QFETCH(bool, timedOut);
        QTcpServer listening;
        FullListener silent;
        quint16 port = 0;
        if (target == QLatin1String("listening")) {
            QVERIFY(listening.listen(QHostAddress::LocalHost, 0));
            port = listening.serverPort();
        } else if (target == QLatin1String("closed")) {
            port = closedPort();
        } else {
            QVERIFY(silent.filled);
            port = silent.port;
        }
        QVERIFY(port != 0);

        core::ReachabilityCache cache(m_settings);
        net::PeerProber prober(cache, *m_store, m_clock);
        const core::ProbeRequest r = announcePeer(1, port);
        prober.start();
        QCOMPARE(ask(cache, r, m_clock.now()), Reachability::Unknown);
        QTRY_COMPARE_WITH_TIMEOUT(int(cache.lookup(r.endpoint)), expected, 5000);
        // The peer that asked carries the answer without announcing again.
        QTRY_COMPARE(int(m_store->peers(torrent()).at(0).reachability), expected);
        const core::ReachabilityStats st = cache.stats();
        QCOMPARE(st.timedOut, std::uint64_t(timedOut ? 1 : 0));
        QCOMPARE(st.inFlight(), std::size_t(0));
        QTRY_COMPARE(prober.stats().inFlight, std::uint32_t(0));
        QCOMPARE(prober.stats().started, std::uint64_t(1));
        QCOMPARE(st.failed, std::uint64_t(0));
        // The next announce of the peer reads the answer from the cache.
        QCOMPARE(int(ask(cache, r, m_clock.now())), expected);
    }

    // Six silent endpoints with room for two probes: never more than two at once, and all
    // six answered in the end.
    void concurrencyIsBounded()
    {
        m_settings.maxConcurrent = 2;
        m_settings.connectTimeoutMs = 200;
        std::vector<std::unique_ptr<FullListener>> silent;
        core::ReachabilityCache cache(m_settings);
        net::PeerProber prober(cache, *m_store, m_clock);
        prober.start();
        for (int i = 0; i < 6; ++i) {
            silent.push_back(std::make_unique<FullListener>());
            QVERIFY(silent.back()->filled);
            ask(cache, announcePeer(core::UserId(i + 1), silent.back()->port), m_clock.now());
        }
        // Every peer answered (the store is the last thing a probe touches).
        const auto answered = [this] {
            int n = 0;
            for (const core::PeerInfo &p : m_store->peers(torrent()))
                n += p.reachability == Reachability::Unreachable;
            return n;
        };
        QTRY_COMPARE_WITH_TIMEOUT(answered(), 6, 10000);
        QCOMPARE(cache.stats().timedOut, std::uint64_t(6));
        const net::ProberStats ps = prober.stats();
        QCOMPARE(ps.started, std::uint64_t(6));
        QVERIFY2(ps.peakInFlight <= 2, qPrintable(QString::number(ps.peakInFlight)));
    }

    // A peer that moved to another port before the answer keeps what its move brought.
    void answerForAnOldEndpointIsNotApplied()
    {
        QTcpServer listening;
        QVERIFY(listening.listen(QHostAddress::LocalHost, 0));
        core::ReachabilityCache cache(m_settings);
        const core::ProbeRequest old = announcePeer(1, listening.serverPort());
        announcePeer(1, closedPort()); // the same peer, from another port now
        net::PeerProber prober(cache, *m_store, m_clock);
        prober.start();
        ask(cache, old, m_clock.now());
        QTRY_COMPARE(int(cache.lookup(old.endpoint)), int(Reachability::Connectable));
        QCOMPARE(int(m_store->peers(torrent()).at(0).reachability), int(Reachability::Unknown));
    }

    void stopAbandonsProbesUnderWay()
    {
        FullListener silent;
        QVERIFY(silent.filled);
        m_settings.connectTimeoutMs = 60000;
        core::ReachabilityCache cache(m_settings);
        auto prober = std::make_unique<net::PeerProber>(cache, *m_store, m_clock);
        prober->start();
        ask(cache, announcePeer(1, silent.port), m_clock.now());
        QTRY_COMPARE(prober->stats().inFlight, std::uint32_t(1));
        prober.reset(); // the socket closed on the prober's thread, long before its timeout
        const core::ReachabilityStats st = cache.stats();
        QCOMPARE(st.answeredUnreachable, std::uint64_t(0));
        // Nothing is left pending: the endpoint's next announce asks again.
        QCOMPARE(st.pending, std::size_t(0));
        QCOMPARE(st.failed, std::uint64_t(1));
        QCOMPARE(ask(cache, announcePeer(1, silent.port), m_clock.now()), Reachability::Unknown);
        QCOMPARE(cache.stats().queued, std::size_t(1));
    }

private:
    // Puts a seeding peer of `user` at 127.0.0.1:port into the store; returns its probe.
    core::ProbeRequest announcePeer(core::UserId user, quint16 port)
    {
        core::PeerAnnounce a;
        a.infoHash = torrent();
        a.userId = user;
        a.peerId.bytes.fill(static_cast<unsigned char>('A' + user));
        a.endpoint = loopback(port);
        a.now = m_clock.now();
        proto::AnnounceResult out;
        m_store->announce(a, out);
        return core::ProbeRequest{a.endpoint, a.infoHash, a.userId, a.peerId};
    }

    core::ManualClock m_clock;
    core::VerificationSettings m_settings;
    std::unique_ptr<peers::MemoryPeerStore> m_store;
};

QTEST_GUILESS_MAIN(TestPeerProber)
#include "tst_peerprober.moc"
