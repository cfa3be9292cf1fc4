// Tests ReachabilityCache with explicit times: one probe per new endpoint, answers served
// until their TTL and then refreshed (the old answer standing meanwhile), the queue and cache
// bounds, the wakeup, clear, sweep and counters, and one probe per endpoint under threads.
#include "server/core/reachability.h"

#include <QTest>

#include <thread>
#include <vector>

using namespace sk;
using core::Reachability;

namespace {
constexpr std::int64_t kT0 = 1'700'000'000;

core::ProbeRequest request(std::uint32_t host, std::uint16_t port, core::UserId user = 1)
{
    core::ProbeRequest r;
    r.endpoint = proto::PeerEndpoint::make(proto::IpAddress::fromV4(0xC0000200u + host), port);
    r.infoHash.bytes.fill(7);
    r.user = user;
    r.peerId.bytes.fill(static_cast<unsigned char>(user));
    return r;
}

core::VerificationSettings settings(std::size_t maxQueue = 100, std::size_t maxCached = 10000)
{
    core::VerificationSettings s;
    s.enabled = true;
    s.cacheTtl = 600;
    s.maxQueue = maxQueue;
    s.maxCached = maxCached;
    return s;
}

// What an announce does: observe, then request the probe it was asked for.
Reachability ask(core::ReachabilityCache &c, const core::ProbeRequest &r, std::int64_t now)
{
    const core::ReachabilityCache::Observation o = c.observe(r.endpoint, now);
    if (o.probe)
        c.request(r);
    return o.state;
}

std::vector<core::ProbeRequest> takeAll(core::ReachabilityCache &c)
{
    std::vector<core::ProbeRequest> out;
    c.take(out, 1'000'000);
    return out;
}
} // namespace

class TestReachabilityCache : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void firstSightQueuesOneProbe()
    {
        core::ReachabilityCache c(settings());
        QCOMPARE(ask(c, request(1, 6881, 1), kT0), Reachability::Unknown);
        // Other peers (other users, other torrents) at the same endpoint wait for that probe.
        QCOMPARE(ask(c, request(1, 6881, 2), kT0), Reachability::Unknown);
        QCOMPARE(ask(c, request(1, 6881, 3), kT0 + 5), Reachability::Unknown);
        const auto probes = takeAll(c);
        QCOMPARE(probes.size(), std::size_t(1));
        QCOMPARE(probes[0].user, core::UserId(1)); // the first asker's peer gets the answer
        QVERIFY(probes[0].endpoint == request(1, 6881).endpoint);
        const core::ReachabilityStats st = c.stats();
        QCOMPARE(st.misses, std::uint64_t(1));
        QCOMPARE(st.hits, std::uint64_t(2));
        QCOMPARE(st.requested, std::uint64_t(1));
        QCOMPARE(st.pending, std::size_t(1));
        QCOMPARE(st.queued, std::size_t(0));
        QCOMPARE(st.inFlight(), std::size_t(1));
    }

    void endpointsAreAddressAndPort()
    {
        core::ReachabilityCache c(settings());
        ask(c, request(1, 6881), kT0);
        ask(c, request(1, 6882), kT0); // another port: another endpoint
        ask(c, request(2, 6881), kT0);
        unsigned char b[16] = {0x20, 0x01, 0x0d, 0xb8};
        core::ProbeRequest v6 = request(1, 6881);
        v6.endpoint = proto::PeerEndpoint::make(proto::IpAddress::fromV6(b), 6881);
        ask(c, v6, kT0);
        QCOMPARE(takeAll(c).size(), std::size_t(4));
        c.record(request(1, 6881).endpoint, Reachability::Connectable, kT0);
        QCOMPARE(c.lookup(request(1, 6881).endpoint), Reachability::Connectable);
        QCOMPARE(c.lookup(request(1, 6882).endpoint), Reachability::Unknown);
        QCOMPARE(c.lookup(v6.endpoint), Reachability::Unknown);
    }

    void answerThenAge_data()
    {
        QTest::addColumn<int>("answerValue"); // a Reachability
        QTest::addColumn<int>("age");
        QTest::addColumn<bool>("reprobed");
        QTest::newRow("fresh connectable") << int(Reachability::Connectable) << 0 << false;
        QTest::newRow("connectable just inside the TTL")
            << int(Reachability::Connectable) << 599 << false;
        QTest::newRow("connectable at the TTL") << int(Reachability::Connectable) << 600 << true;
        QTest::newRow("fresh unreachable") << int(Reachability::Unreachable) << 10 << false;
        QTest::newRow("unreachable long past the TTL")
            << int(Reachability::Unreachable) << 5000 << true;
    }
    // An answer is served as it is, also past its TTL (until the new probe answers), and only
    // a stale one queues a probe.
    void answerThenAge()
    {
        QFETCH(int, answerValue);
        const auto answer = Reachability(answerValue);
        QFETCH(int, age);
        QFETCH(bool, reprobed);
        core::ReachabilityCache c(settings());
        ask(c, request(1, 6881), kT0);
        QCOMPARE(takeAll(c).size(), std::size_t(1));
        c.record(request(1, 6881).endpoint, answer, kT0);
        QCOMPARE(ask(c, request(1, 6881), kT0 + age), answer);
        QCOMPARE(takeAll(c).size(), std::size_t(reprobed ? 1 : 0));
        // A refresh under way is not asked for twice.
        QCOMPARE(ask(c, request(1, 6881), kT0 + age), answer);
        QCOMPARE(takeAll(c).size(), std::size_t(0));
        if (reprobed) {
            const Reachability other = answer == Reachability::Connectable
                                           ? Reachability::Unreachable
                                           : Reachability::Connectable;
            c.record(request(1, 6881).endpoint, other, kT0 + age + 2);
            QCOMPARE(ask(c, request(1, 6881), kT0 + age + 3), other);
            QCOMPARE(takeAll(c).size(), std::size_t(0));
        }
    }

    void queueIsBounded()
    {
        core::ReachabilityCache c(settings(3));
        for (std::uint32_t h = 1; h <= 5; ++h)
            QCOMPARE(ask(c, request(h, 6881), kT0), Reachability::Unknown);
        core::ReachabilityStats st = c.stats();
        QCOMPARE(st.queued, std::size_t(3));
        QCOMPARE(st.dropped, std::uint64_t(2));
        QCOMPARE(st.cached, std::size_t(3)); // a dropped endpoint is not remembered ...
        QCOMPARE(takeAll(c).size(), std::size_t(3));
        ask(c, request(4, 6881), kT0 + 1); // ... so its next announce asks again
        QCOMPARE(takeAll(c).size(), std::size_t(1));
    }

    // A refresh the full queue dropped: the old answer stays and the next announce asks again.
    void droppedRefreshKeepsTheOldAnswer()
    {
        core::ReachabilityCache c(settings(1));
        ask(c, request(1, 6881), kT0);
        takeAll(c);
        c.record(request(1, 6881).endpoint, Reachability::Connectable, kT0);
        ask(c, request(2, 6881), kT0 + 600);                                      // fills the queue
        QCOMPARE(ask(c, request(1, 6881), kT0 + 600), Reachability::Connectable); // dropped
        QCOMPARE(c.stats().dropped, std::uint64_t(1));
        QCOMPARE(c.lookup(request(1, 6881).endpoint), Reachability::Connectable);
        takeAll(c);
        QCOMPARE(ask(c, request(1, 6881), kT0 + 601), Reachability::Connectable);
        const auto probes = takeAll(c);
        QCOMPARE(probes.size(), std::size_t(1));
        QVERIFY(probes[0].endpoint == request(1, 6881).endpoint);
    }

    // One IPv4 address (or IPv6 /64) holds at most maxPerAddress endpoints: its further
    // ports go unprobed while others are still served; freed room is usable again.
    void perAddressBound()
    {
        core::VerificationSettings s = settings();
        s.maxPerAddress = 3;
        core::ReachabilityCache c(s);
        for (std::uint16_t port = 1; port <= 5; ++port)
            ask(c, request(1, port), kT0);
        QCOMPARE(takeAll(c).size(), std::size_t(3));
        QCOMPARE(c.stats().dropped, std::uint64_t(2));
        ask(c, request(2, 1), kT0); // another address is not affected
        QCOMPARE(takeAll(c).size(), std::size_t(1));
        // A /64 counts as one address: ports on other hosts of it share the bound.
        unsigned char b[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1};
        for (int host = 1; host <= 4; ++host) {
            b[15] = static_cast<unsigned char>(host);
            core::ProbeRequest r = request(1, 6881);
            r.endpoint = proto::PeerEndpoint::make(proto::IpAddress::fromV6(b), 6881);
            ask(c, r, kT0);
        }
        QCOMPARE(takeAll(c).size(), std::size_t(3));
        // Answered and then swept, the first address's endpoints make room again.
        for (std::uint16_t port = 1; port <= 3; ++port)
            c.record(request(1, port).endpoint, Reachability::Connectable, kT0);
        QCOMPARE(c.sweep(kT0 + 600), std::size_t(3));
        ask(c, request(1, 4), kT0 + 600);
        QCOMPARE(takeAll(c).size(), std::size_t(1));
    }

    void cacheIsBounded()
    {
        core::ReachabilityCache c(settings(100000, 16)); // 16 shards: one endpoint each
        for (std::uint32_t h = 1; h <= 200; ++h)
            ask(c, request(h, 6881), kT0);
        const core::ReachabilityStats st = c.stats();
        QVERIFY2(st.cached <= 16, qPrintable(QString::number(st.cached)));
        QCOMPARE(st.requested + st.dropped, std::uint64_t(200));
        QCOMPARE(std::size_t(st.requested), st.cached);
    }

    void wakeupWhenTheQueueStopsBeingEmpty()
    {
        core::ReachabilityCache c(settings());
        int wakeups = 0;
        c.setWakeup([&wakeups] { ++wakeups; });
        ask(c, request(1, 6881), kT0);
        ask(c, request(2, 6881), kT0);
        ask(c, request(3, 6881), kT0);
        QCOMPARE(wakeups, 1);
        std::vector<core::ProbeRequest> some;
        QCOMPARE(c.take(some, 2), std::size_t(2));
        ask(c, request(4, 6881), kT0); // the queue still held one
        QCOMPARE(wakeups, 1);
        takeAll(c);
        ask(c, request(5, 6881), kT0);
        QCOMPARE(wakeups, 2);
        ask(c, request(5, 6881), kT0); // known endpoint: no probe, no wakeup
        QCOMPARE(wakeups, 2);
    }

    void clearForgetsAnswersButNotProbesUnderWay()
    {
        core::ReachabilityCache c(settings());
        ask(c, request(1, 6881), kT0);
        ask(c, request(2, 6881), kT0);
        takeAll(c);
        c.record(request(1, 6881).endpoint, Reachability::Connectable, kT0);
        QCOMPARE(c.clear(), std::size_t(1));
        QCOMPARE(c.lookup(request(1, 6881).endpoint), Reachability::Unknown);
        ask(c, request(2, 6881), kT0 + 1); // still under way: not asked for again
        QCOMPARE(takeAll(c).size(), std::size_t(0));
        c.record(request(2, 6881).endpoint, Reachability::Unreachable, kT0 + 2);
        QCOMPARE(c.lookup(request(2, 6881).endpoint), Reachability::Unreachable);
        ask(c, request(1, 6881), kT0 + 3); // forgotten: probed again
        QCOMPARE(takeAll(c).size(), std::size_t(1));
    }

    // A probe without an answer (a local error, the prober stopping) leaves nothing pending:
    // a new endpoint is forgotten, an answered one keeps its answer, and both are asked for
    // again at their next announce.
    void releaseEndsAProbeWithoutAnAnswer()
    {
        core::ReachabilityCache c(settings());
        ask(c, request(1, 6881), kT0);
        ask(c, request(2, 6881), kT0);
        takeAll(c);
        c.record(request(2, 6881).endpoint, Reachability::Connectable, kT0);
        QCOMPARE(ask(c, request(2, 6881), kT0 + 600), Reachability::Connectable); // refresh
        takeAll(c);
        c.release(request(1, 6881).endpoint);
        c.release(request(2, 6881).endpoint);
        core::ReachabilityStats st = c.stats();
        QCOMPARE(st.failed, std::uint64_t(2));
        QCOMPARE(st.pending, std::size_t(0));
        QCOMPARE(st.cached, std::size_t(1));
        QCOMPARE(c.lookup(request(2, 6881).endpoint), Reachability::Connectable);
        QCOMPARE(ask(c, request(1, 6881), kT0 + 601), Reachability::Unknown);
        QCOMPARE(ask(c, request(2, 6881), kT0 + 601), Reachability::Connectable);
        QCOMPARE(takeAll(c).size(), std::size_t(2));
    }

    void sweepDropsAnswersNobodyAskedFor()
    {
        core::ReachabilityCache c(settings());
        ask(c, request(1, 6881), kT0);
        ask(c, request(2, 6881), kT0);
        takeAll(c);
        c.record(request(1, 6881).endpoint, Reachability::Connectable, kT0);
        QCOMPARE(c.sweep(kT0 + 600 - 1), std::size_t(0));
        QCOMPARE(c.sweep(kT0 + 600), std::size_t(1)); // stale: its next announce asks anew
        QCOMPARE(c.stats().cached, std::size_t(1));   // the pending one stays
    }

    void countsAnswers()
    {
        core::ReachabilityCache c(settings());
        c.record(request(1, 1).endpoint, Reachability::Connectable, kT0);
        c.record(request(2, 1).endpoint, Reachability::Unreachable, kT0);
        c.record(request(3, 1).endpoint, Reachability::Unreachable, kT0, true);
        const core::ReachabilityStats st = c.stats();
        QCOMPARE(st.answeredConnectable, std::uint64_t(1));
        QCOMPARE(st.answeredUnreachable, std::uint64_t(2));
        QCOMPARE(st.timedOut, std::uint64_t(1));
        QCOMPARE(st.connectable, std::size_t(1));
        QCOMPARE(st.unreachable, std::size_t(2));
    }

    // Four announcing threads over 500 endpoints: each endpoint is probed exactly once.
    void oneProbePerEndpointUnderThreads()
    {
        core::ReachabilityCache c(settings(100000));
        std::vector<std::thread> threads;
        for (int t = 0; t < 4; ++t)
            threads.emplace_back([&c, t] {
                for (int i = 0; i < 20000; ++i)
                    ask(c, request(std::uint32_t((i * 7 + t) % 500), 6881, core::UserId(t + 1)),
                        kT0);
            });
        for (auto &th : threads)
            th.join();
        QCOMPARE(takeAll(c).size(), std::size_t(500));
        const core::ReachabilityStats st = c.stats();
        QCOMPARE(st.requested, std::uint64_t(500));
        QCOMPARE(st.hits + st.misses, std::uint64_t(80000));
    }
};

QTEST_GUILESS_MAIN(TestReachabilityCache)
#include "tst_reachabilitycache.moc"
