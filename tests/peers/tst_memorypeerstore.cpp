// Tests MemoryPeerStore and its Swarm: selection rules, seeder/leecher moves, expiry, index
// integrity.
#include "server/peers/memorypeerstore.h"
#include "server/peers/swarm.h"

#include <QTest>

#include <random>
#include <set>

using namespace sk;
using peers::MemoryPeerStore;

namespace {
proto::InfoHash hashOf(int i)
{
    proto::InfoHash h;
    h.bytes.fill(static_cast<unsigned char>(i));
    h.bytes[19] = static_cast<unsigned char>(i >> 8);
    return h;
}
proto::PeerId peerIdOf(int i)
{
    proto::PeerId p;
    const QByteArray s = QByteArray("-SK0001-") + QByteArray::number(i).rightJustified(12, '0');
    std::memcpy(p.bytes.data(), s.constData(), 20);
    return p;
}
core::PeerAnnounce announce(int torrent, core::UserId user, int peer, std::uint64_t left,
                            std::int64_t now = 1000, std::uint32_t numwant = 50,
                            proto::AnnounceEvent ev = proto::AnnounceEvent::None, bool v6 = false)
{
    core::PeerAnnounce a;
    a.infoHash = hashOf(torrent);
    a.userId = user;
    a.peerId = peerIdOf(peer);
    proto::IpAddress ip = proto::IpAddress::fromV4(0x0A000000u + static_cast<std::uint32_t>(peer));
    if (v6) {
        unsigned char b[16] = {0x20, 0x01, 0x0d, 0xb8};
        b[15] = static_cast<unsigned char>(peer);
        ip = proto::IpAddress::fromV6(b);
    }
    a.endpoint = proto::PeerEndpoint::make(ip, static_cast<std::uint16_t>(10000 + peer));
    a.left = left;
    a.now = now;
    a.numwant = numwant;
    a.event = ev;
    return a;
}
std::set<QByteArray> entries(const QByteArray &compact, int size)
{
    std::set<QByteArray> out;
    for (int i = 0; i + size <= compact.size(); i += size)
        out.insert(compact.mid(i, size));
    return out;
}
} // namespace

class TestMemoryPeerStore : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void selection_data();
    void selection();
    void neverOwnUser();
    void ownUserWhenAllowed();
    void seederBecomesLeecherAndBack();
    void stoppedRemoves();
    void prefersReachablePeers_data();
    void prefersReachablePeers();
    void reachableLeechersBeforeUnreachableSeeders();
    void reachabilityFollowsTheEndpoint();
    void peersListsTheSwarm();
    void isSeedingFollowsTheSwarm();
    void seedingTorrentsPerUser();
    void completedCountsOnce();
    void previousCounters();
    void expireDropsStalePeers();
    void familiesFilter();
    void numwantCaps();
    void removeUserAndSwarm();
    void randomChurnKeepsIndexConsistent();
};

void TestMemoryPeerStore::selection_data()
{
    QTest::addColumn<int>("seeders");
    QTest::addColumn<int>("leechers");
    QTest::addColumn<bool>("askerSeeds");
    QTest::addColumn<int>("numwant");
    QTest::addColumn<int>("expectSeeders"); // in the reply
    QTest::addColumn<int>("expectLeechers");
    QTest::newRow("leecher gets seeders first") << 5 << 5 << false << 3 << 3 << 0;
    QTest::newRow("leecher gets seeders then leechers") << 2 << 5 << false << 4 << 2 << 2;
    QTest::newRow("leecher gets all") << 2 << 3 << false << 50 << 2 << 3;
    QTest::newRow("seeder gets leechers only") << 5 << 4 << true << 50 << 0 << 4;
    QTest::newRow("seeder with no leechers gets nothing") << 5 << 0 << true << 50 << 0 << 0;
    QTest::newRow("numwant 0") << 5 << 5 << false << 0 << 0 << 0;
}

void TestMemoryPeerStore::selection()
{
    QFETCH(int, seeders);
    QFETCH(int, leechers);
    QFETCH(bool, askerSeeds);
    QFETCH(int, numwant);
    QFETCH(int, expectSeeders);
    QFETCH(int, expectLeechers);
    MemoryPeerStore store;
    proto::AnnounceResult ignore;
    std::set<QByteArray> seederBytes;
    for (int i = 0; i < seeders; ++i) {
        const auto a = announce(1, 100 + i, i, 0);
        store.announce(a, ignore);
        seederBytes.insert(a.endpoint.compactView().toByteArray());
    }
    for (int i = 0; i < leechers; ++i)
        store.announce(announce(1, 200 + i, 100 + i, 5), ignore);
    proto::AnnounceResult out;
    store.announce(announce(1, 1, 999, askerSeeds ? 0 : 7, 1000, std::uint32_t(numwant)), out);
    const auto got = entries(out.peers4, 6);
    int s = 0;
    for (const QByteArray &e : got)
        s += seederBytes.count(e) ? 1 : 0;
    QCOMPARE(int(got.size()), expectSeeders + expectLeechers);
    QCOMPARE(out.peers4.size(), qsizetype(got.size() * 6)); // no duplicates
    QCOMPARE(s, expectSeeders);
    QCOMPARE(out.complete, std::uint32_t(seeders + (askerSeeds ? 1 : 0)));
    QCOMPARE(out.incomplete, std::uint32_t(leechers + (askerSeeds ? 0 : 1)));
}

void TestMemoryPeerStore::neverOwnUser()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    store.announce(announce(1, 7, 1, 0), out); // user 7 seeds from one client
    store.announce(announce(1, 8, 2, 0), out); // user 8 seeds
    proto::AnnounceResult mine;
    store.announce(announce(1, 7, 3, 10), mine); // user 7 leeches from another client
    QCOMPARE(mine.peers4.size(), 6);
    QCOMPARE(mine.peers4, announce(1, 8, 2, 0).endpoint.compactView().toByteArray());
}

void TestMemoryPeerStore::ownUserWhenAllowed()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    store.announce(announce(1, 7, 1, 0), out); // user 7's seedbox
    auto a = announce(1, 7, 3, 10);            // user 7's home client
    a.excludeOwnUser = false;
    proto::AnnounceResult mine;
    store.announce(a, mine);
    QCOMPARE(mine.peers4, announce(1, 7, 1, 0).endpoint.compactView().toByteArray());
    proto::AnnounceResult again; // the announcer itself is never among its peers
    store.announce(a, again);
    QCOMPARE(again.peers4.size(), 6);
}

void TestMemoryPeerStore::seederBecomesLeecherAndBack()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    store.announce(announce(1, 1, 1, 10), out);
    QCOMPARE(out.incomplete, 1u);
    QCOMPARE(out.complete, 0u);
    store.announce(announce(1, 1, 1, 0), out);
    QCOMPARE(out.incomplete, 0u);
    QCOMPARE(out.complete, 1u);
    store.announce(announce(1, 1, 1, 3), out);
    QCOMPARE(out.incomplete, 1u);
    QCOMPARE(out.complete, 0u);
    QCOMPARE(store.stats().peers, 1u);
}

// Seeders some of which refused the connectability probe: a leecher gets the others first,
// then unreachable ones only to fill its numwant.
void TestMemoryPeerStore::prefersReachablePeers_data()
{
    QTest::addColumn<int>("seeders");
    QTest::addColumn<int>("unreachableEvery"); // every n-th seeder is unreachable; 1: all
    QTest::addColumn<int>("numwant");
    QTest::addColumn<int>("expectReachable");
    QTest::addColumn<int>("expectUnreachable");
    QTest::newRow("exactly the reachable ones") << 9 << 3 << 6 << 6 << 0;
    QTest::newRow("fewer than the reachable ones") << 9 << 3 << 4 << 4 << 0;
    QTest::newRow("unreachable ones fill the rest") << 9 << 3 << 8 << 6 << 2;
    QTest::newRow("all of them") << 9 << 3 << 50 << 6 << 3;
    QTest::newRow("all unreachable still get peers") << 6 << 1 << 4 << 0 << 4;
    QTest::newRow("large swarm, half unreachable") << 1000 << 2 << 50 << 50 << 0;
}

void TestMemoryPeerStore::prefersReachablePeers()
{
    QFETCH(int, seeders);
    QFETCH(int, unreachableEvery);
    QFETCH(int, numwant);
    QFETCH(int, expectReachable);
    QFETCH(int, expectUnreachable);
    MemoryPeerStore store;
    proto::AnnounceResult ignore;
    std::set<QByteArray> unreachable;
    for (int i = 0; i < seeders; ++i) {
        const auto a = announce(1, core::UserId(100 + i), i, 0);
        store.announce(a, ignore);
        const bool refused = (i + 1) % unreachableEvery == 0;
        QVERIFY(store.setReachability(a.infoHash, a.userId, a.peerId, a.endpoint,
                                      refused ? core::Reachability::Unreachable
                                              : core::Reachability::Connectable));
        if (refused)
            unreachable.insert(a.endpoint.compactView().toByteArray());
    }
    // Many announces: the window start is random, the preference must hold for each.
    for (int round = 0; round < 40; ++round) {
        proto::AnnounceResult out;
        store.announce(announce(1, 1, 5000, 7, 1000, std::uint32_t(numwant)), out);
        const auto got = entries(out.peers4, 6);
        QCOMPARE(out.peers4.size(), qsizetype(got.size() * 6)); // no duplicates
        int bad = 0;
        for (const QByteArray &e : got)
            bad += unreachable.count(e) ? 1 : 0;
        QCOMPARE(int(got.size()) - bad, expectReachable);
        QCOMPARE(bad, expectUnreachable);
    }
}

// Known unreachable peers come last across both lists: a leecher gets connectable leechers
// before unreachable seeders.
void TestMemoryPeerStore::reachableLeechersBeforeUnreachableSeeders()
{
    MemoryPeerStore store;
    proto::AnnounceResult ignore;
    std::set<QByteArray> seeders;
    for (int i = 0; i < 5; ++i) {
        const auto s = announce(1, core::UserId(100 + i), i, 0);
        store.announce(s, ignore);
        QVERIFY(store.setReachability(s.infoHash, s.userId, s.peerId, s.endpoint,
                                      core::Reachability::Unreachable));
        seeders.insert(s.endpoint.compactView().toByteArray());
        const auto l = announce(1, core::UserId(200 + i), 100 + i, 7);
        store.announce(l, ignore);
        QVERIFY(store.setReachability(l.infoHash, l.userId, l.peerId, l.endpoint,
                                      core::Reachability::Connectable));
    }
    for (const auto &[numwant, expectSeeders] : {std::pair{5, 0}, std::pair{7, 2}}) {
        proto::AnnounceResult out;
        store.announce(announce(1, 1, 999, 7, 1000, std::uint32_t(numwant)), out);
        const auto got = entries(out.peers4, 6);
        QCOMPARE(int(got.size()), numwant);
        int s = 0;
        for (const QByteArray &e : got)
            s += seeders.count(e) ? 1 : 0;
        QCOMPARE(s, expectSeeders);
    }
}

// A probe's answer belongs to an endpoint: it stays while the peer announces from there
// (an announce that brings no answer keeps it), and goes when the peer moves.
void TestMemoryPeerStore::reachabilityFollowsTheEndpoint()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    auto a = announce(1, 1, 1, 0);
    const auto state = [&store] { return int(store.peers(hashOf(1)).at(0).reachability); };
    store.announce(a, out);
    QCOMPARE(state(), int(core::Reachability::Unknown));
    QVERIFY(store.setReachability(a.infoHash, 1, a.peerId, a.endpoint,
                                  core::Reachability::Connectable));
    QVERIFY(!store.setReachability(a.infoHash, 2, a.peerId, a.endpoint,
                                   core::Reachability::Unreachable)); // no such peer
    QVERIFY(!store.setReachability(hashOf(2), 1, a.peerId, a.endpoint,
                                   core::Reachability::Unreachable)); // no such swarm
    a.now += 60;
    store.announce(a, out); // no answer brought: the old one stays
    QCOMPARE(state(), int(core::Reachability::Connectable));
    a.left = 5; // moves to the leecher list: still the same endpoint
    store.announce(a, out);
    QCOMPARE(state(), int(core::Reachability::Connectable));
    a.reachability = core::Reachability::Unreachable; // the cache's newer answer
    store.announce(a, out);
    QCOMPARE(state(), int(core::Reachability::Unreachable));
    const proto::PeerEndpoint old = a.endpoint;
    a.endpoint = proto::PeerEndpoint::make(old.ip(), 7777);
    a.reachability = core::Reachability::Unknown;
    store.announce(a, out); // another port: nothing known about it yet
    QCOMPARE(state(), int(core::Reachability::Unknown));
    QVERIFY(!store.setReachability(a.infoHash, 1, a.peerId, old,
                                   core::Reachability::Connectable)); // a stale answer
    QCOMPARE(state(), int(core::Reachability::Unknown));
}

void TestMemoryPeerStore::peersListsTheSwarm()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    QVERIFY(store.peers(hashOf(1)).empty());
    store.announce(announce(1, 5, 3, 0, 1100), out);
    auto leech = announce(1, 2, 4, 300, 1200);
    leech.uploaded = 11;
    leech.downloaded = 22;
    store.announce(leech, out);
    store.announce(announce(1, 2, 1, 0, 1300), out);
    store.announce(announce(2, 9, 9, 0), out); // another torrent
    const std::vector<core::PeerInfo> peers = store.peers(hashOf(1));
    QCOMPARE(peers.size(), std::size_t(3));
    // Ordered by (user, peer_id), whatever list each is in.
    QCOMPARE(peers[0].userId, core::UserId(2));
    QVERIFY(peers[0].peerId == peerIdOf(1));
    QVERIFY(peers[0].seeder);
    QVERIFY(peers[1].peerId == peerIdOf(4));
    QVERIFY(!peers[1].seeder);
    QCOMPARE(peers[1].left, std::uint64_t(300));
    QCOMPARE(peers[1].uploaded, std::uint64_t(11));
    QCOMPARE(peers[1].downloaded, std::uint64_t(22));
    QCOMPARE(peers[1].lastAnnounce, std::int64_t(1200));
    QVERIFY(peers[1].endpoint == leech.endpoint);
    QCOMPARE(peers[2].userId, core::UserId(5));
}

// Whether a user seeds a torrent: any of its clients in the seeder list, now.
void TestMemoryPeerStore::isSeedingFollowsTheSwarm()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    QVERIFY(!store.isSeeding(hashOf(1), 1)); // no swarm
    store.announce(announce(1, 1, 1, 10), out);
    store.announce(announce(1, 2, 2, 0), out);
    QVERIFY(!store.isSeeding(hashOf(1), 1)); // leeching
    QVERIFY(store.isSeeding(hashOf(1), 2));
    QVERIFY(!store.isSeeding(hashOf(2), 2));   // other torrent
    store.announce(announce(1, 1, 3, 0), out); // a second client of user 1 seeds
    QVERIFY(store.isSeeding(hashOf(1), 1));
    store.announce(announce(1, 1, 3, 0, 1001, 50, proto::AnnounceEvent::Stopped), out);
    QVERIFY(!store.isSeeding(hashOf(1), 1));
    store.expire(2000);
    QVERIFY(!store.isSeeding(hashOf(1), 2)); // timed out
}

// Torrents seeded per user: a user counts once per torrent, however many clients seed it.
void TestMemoryPeerStore::seedingTorrentsPerUser()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    const auto all = [](const proto::InfoHash &) { return true; };
    QVERIFY(store.seedingTorrentsPerUser(all).empty());
    store.announce(announce(1, 1, 1, 0), out);
    store.announce(announce(1, 1, 2, 0), out); // second client, same torrent
    store.announce(announce(2, 1, 3, 0), out);
    store.announce(announce(2, 2, 4, 0), out);
    store.announce(announce(3, 3, 5, 7), out); // leeching only
    using Counts = std::vector<std::pair<core::UserId, std::uint32_t>>;
    QCOMPARE(store.seedingTorrentsPerUser(all), (Counts{{1, 2}, {2, 1}}));
    // Only the torrents asked for count.
    const auto firstOnly = [](const proto::InfoHash &ih) { return ih == hashOf(1); };
    QCOMPARE(store.seedingTorrentsPerUser(firstOnly), (Counts{{1, 1}}));
}

void TestMemoryPeerStore::stoppedRemoves()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    store.announce(announce(1, 1, 1, 10), out);
    store.announce(announce(1, 2, 2, 0), out);
    proto::AnnounceResult stopped;
    store.announce(announce(1, 1, 1, 10, 1001, 50, proto::AnnounceEvent::Stopped), stopped);
    QCOMPARE(stopped.incomplete, 0u);
    QCOMPARE(stopped.complete, 1u);
    QVERIFY(stopped.peers4.isEmpty()); // a stopping peer needs none
    // Stopping an unknown peer in an unknown swarm creates nothing.
    store.announce(announce(2, 1, 1, 10, 1001, 50, proto::AnnounceEvent::Stopped), out);
    QCOMPARE(store.stats().swarms, 1u);
}

void TestMemoryPeerStore::completedCountsOnce()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    store.announce(announce(1, 1, 1, 10), out);
    store.announce(announce(1, 1, 1, 0, 1001, 50, proto::AnnounceEvent::Completed), out);
    QCOMPARE(out.downloaded, 1u);
    // A repeated completed from a peer already seeding is not a new download.
    store.announce(announce(1, 1, 1, 0, 1002, 50, proto::AnnounceEvent::Completed), out);
    QCOMPARE(out.downloaded, 1u);
    QCOMPARE(store.scrape(hashOf(1)).downloaded, 1u);
    QCOMPARE(store.scrape(hashOf(1)).complete, 1u);
    QCOMPARE(store.scrape(hashOf(2)).complete, 0u);
}

void TestMemoryPeerStore::previousCounters()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    auto a = announce(1, 1, 1, 10);
    a.uploaded = 100;
    a.downloaded = 50;
    const auto first = store.announce(a, out);
    QVERIFY(!first.previous);
    a.uploaded = 300;
    const auto second = store.announce(a, out);
    const auto &prev = second.previous;
    QVERIFY(prev);
    QCOMPARE(prev->uploaded, 100u);
    QCOMPARE(prev->downloaded, 50u);
    QCOMPARE(prev->left, 10u);
    // Sequences order the announces of a swarm, and a swarm created later starts above.
    QVERIFY(second.sequence > first.sequence);
    store.removeSwarm(a.infoHash);
    const auto recreated = store.announce(a, out);
    QVERIFY(!recreated.previous);
    QVERIFY(recreated.sequence > second.sequence);
}

void TestMemoryPeerStore::expireDropsStalePeers()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    for (int i = 0; i < 20; ++i)
        store.announce(announce(1, 1 + i, i, i % 2 ? 0 : 5, 1000 + i), out);
    QCOMPARE(store.expire(1010), 10u);
    QCOMPARE(store.stats().peers, 10u);
    QCOMPARE(store.expire(5000), 10u);
    QCOMPARE(store.stats().swarms, 0u); // empty swarm without downloads is dropped
}

void TestMemoryPeerStore::familiesFilter()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    store.announce(announce(1, 1, 1, 0), out);
    store.announce(announce(1, 2, 2, 0, 1000, 50, proto::AnnounceEvent::None, true), out);
    auto a = announce(1, 3, 3, 10);
    proto::AnnounceResult any;
    store.announce(a, any);
    QCOMPARE(any.peers4.size(), 6);
    QCOMPARE(any.peers6.size(), 18);
    a.families = core::PeerFamilies::V4Only;
    proto::AnnounceResult v4;
    store.announce(a, v4);
    QCOMPARE(v4.peers4.size(), 6);
    QCOMPARE(v4.peers6.size(), 0);
    a.families = core::PeerFamilies::V6Only;
    a.wantPeerIds = true;
    proto::AnnounceResult v6;
    store.announce(a, v6);
    QCOMPARE(v6.peers6.size(), 18);
    QCOMPARE(v6.peerIds6.size(), 1u);
    QCOMPARE(v6.peerIds6[0], peerIdOf(2));
}

void TestMemoryPeerStore::numwantCaps()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    for (int i = 0; i < 300; ++i)
        store.announce(announce(1, 10 + i, i, 0), out);
    proto::AnnounceResult r;
    store.announce(announce(1, 1, 1000, 10, 1000, 37), r);
    QCOMPARE(r.peers4.size(), 37 * 6);
    QCOMPARE(int(entries(r.peers4, 6).size()), 37);
}

void TestMemoryPeerStore::removeUserAndSwarm()
{
    MemoryPeerStore store;
    proto::AnnounceResult out;
    store.announce(announce(1, 1, 1, 0), out);
    store.announce(announce(1, 2, 2, 0), out);
    store.announce(announce(2, 1, 3, 0), out);
    store.removeUser(1);
    QCOMPARE(store.stats().peers, 1u);
    store.removeSwarm(hashOf(1));
    QCOMPARE(store.stats().peers, 0u);
}

void TestMemoryPeerStore::randomChurnKeepsIndexConsistent()
{
    // Random inserts, moves, stops and expiries against a reference model.
    MemoryPeerStore::Swarm swarm;
    std::map<int, std::pair<bool, std::int64_t>> model; // peer -> (seeding, last announce)
    std::mt19937 rng(12345);
    proto::AnnounceResult out;
    for (int step = 0; step < 20000; ++step) {
        const int peer = int(rng() % 500);
        const std::int64_t now = 1000 + step / 10;
        const int action = int(rng() % 10);
        if (action == 0) {
            swarm.announce(announce(1, 1 + peer, peer, 0, now, 0, proto::AnnounceEvent::Stopped),
                           out);
            model.erase(peer);
        } else if (action == 1 && step % 100 == 0) {
            const std::int64_t cutoff = now - 50;
            swarm.expire(cutoff);
            for (auto it = model.begin(); it != model.end();)
                it = it->second.second < cutoff ? model.erase(it) : std::next(it);
        } else {
            const bool seeds = rng() % 2;
            swarm.announce(announce(1, 1 + peer, peer, seeds ? 0 : 9, now, 5), out);
            model[peer] = {seeds, now};
        }
        if (step % 997 == 0)
            QVERIFY(swarm.consistent());
    }
    QVERIFY(swarm.consistent());
    std::size_t s = 0;
    for (const auto &[p, v] : model)
        s += v.first;
    QCOMPARE(std::size_t(swarm.seeders()), s);
    QCOMPARE(std::size_t(swarm.leechers()), model.size() - s);
}

QTEST_GUILESS_MAIN(TestMemoryPeerStore)
#include "tst_memorypeerstore.moc"
