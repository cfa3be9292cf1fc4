// Tests AnnounceService: authentication, registration policy, numwant, intervals, scrape rules.
#include "server/core/announceservice.h"

#include <QTest>

#include <map>

using namespace sk;
using proto::TrackerError;

namespace {
// A PeerStore that records what the service asked of it.
class RecordingStore final : public core::PeerStore
{
public:
    core::AnnounceOutcome announce(const core::PeerAnnounce &a, proto::AnnounceResult &out) override
    {
        last = a;
        ++announces;
        if (onAnnounce)
            onAnnounce();
        out.complete = 3;
        out.incomplete = incomplete;
        core::AnnounceOutcome o;
        o.previous = previous;
        o.sequence = static_cast<std::uint64_t>(announces);
        return o;
    }
    proto::ScrapeEntry scrape(const proto::InfoHash &ih) const override
    {
        proto::ScrapeEntry e;
        e.infoHash = ih;
        e.complete = 9;
        return e;
    }
    std::size_t expire(std::int64_t) override { return 0; }
    void removeSwarm(const proto::InfoHash &) override {}
    void removeUser(core::UserId) override {}
    void setCompleted(const proto::InfoHash &, std::uint64_t) override {}
    bool isSeeding(const proto::InfoHash &, core::UserId) const override { return false; }
    std::vector<std::pair<core::UserId, std::uint32_t>>
    seedingTorrentsPerUser(const std::function<bool(const proto::InfoHash &)> &) const override
    {
        return {};
    }
    bool setReachability(const proto::InfoHash &, core::UserId, const proto::PeerId &,
                         const proto::PeerEndpoint &, core::Reachability) override
    {
        return false;
    }
    std::vector<core::PeerInfo> peers(const proto::InfoHash &) const override { return {}; }
    core::PeerStoreStats stats() const override { return {}; }
    std::vector<core::SwarmSummary> swarms() const override { return {}; }
    void snapshot(const SnapshotFn &) const override {}

    core::PeerAnnounce last;
    std::function<void()> onAnnounce;           // runs inside announce()
    std::optional<core::PreviousPeer> previous; // what the next announce reports as known
    int announces = 0;
    std::uint32_t incomplete = 4; // leechers the next reply counts
};

const proto::Passkey kPasskey =
    *proto::Passkey::fromText(QByteArrayView("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"));
const proto::Passkey kOther =
    *proto::Passkey::fromText(QByteArrayView("BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB"));

proto::InfoHash registered()
{
    proto::InfoHash h;
    h.bytes.fill(1);
    return h;
}

proto::AnnounceRequest request()
{
    proto::AnnounceRequest r;
    r.infoHash = registered();
    r.passkey = kPasskey;
    r.clientIp = proto::IpAddress::fromV4(0x7F000001);
    r.port = 6881;
    r.left = 10;
    return r;
}
} // namespace

class TestAnnounceService : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void init();
    void refusals_data();
    void refusals();
    void announcePassesPeer();
    void numwant_data();
    void numwant();
    void jitterOnlyShortens();
    void trustClientIp_data();
    void trustClientIp();
    void unregisteredAllowedWhenNotEnforced();
    void scrape_data();
    void scrape();
    void ledgerGetsCredit();
    void leechGate_data();
    void leechGate();
    void seedtime_data();
    void seedtime();
    void cheatFlags_data();
    void cheatFlags();
    void accessLists_data();
    void accessLists();
    void bannedScrape();
    void reachability_data();
    void reachability();

private:
    core::Registry m_registry;
    RecordingStore m_store;
    core::ManualClock m_clock;
};

void TestAnnounceService::init()
{
    m_registry.putUser({7, kPasskey, true});
    m_registry.putTorrent(1, registered());
    m_store = RecordingStore();
}

void TestAnnounceService::refusals_data()
{
    QTest::addColumn<int>("mutation");
    QTest::addColumn<int>("expected");
    QTest::newRow("no passkey") << 0 << int(TrackerError::MissingPasskey);
    QTest::newRow("unknown passkey") << 1 << int(TrackerError::UnknownPasskey);
    QTest::newRow("unregistered torrent") << 2 << int(TrackerError::UnregisteredTorrent);
    QTest::newRow("port 0") << 3 << int(TrackerError::InvalidPort);
}

void TestAnnounceService::refusals()
{
    QFETCH(int, mutation);
    QFETCH(int, expected);
    core::AnnounceService service(m_registry, m_store, m_clock, {});
    auto r = request();
    if (mutation == 0)
        r.passkey.reset();
    if (mutation == 1)
        r.passkey = kOther;
    if (mutation == 2)
        r.infoHash.bytes[0] = 9;
    if (mutation == 3)
        r.port = 0;
    proto::AnnounceResult out;
    QCOMPARE(int(service.announce(r, core::PeerFamilies::Any, out)), expected);
    QCOMPARE(m_store.announces, 0); // a refused announce changes nothing
    QCOMPARE(service.counters().failures.load(), 1u);
}

void TestAnnounceService::announcePassesPeer()
{
    core::AnnounceService service(m_registry, m_store, m_clock, {});
    auto r = request();
    r.uploaded = 11;
    r.downloaded = 22;
    r.event = proto::AnnounceEvent::Started;
    proto::AnnounceResult out;
    QCOMPARE(service.announce(r, core::PeerFamilies::V4Only, out), TrackerError::None);
    QCOMPARE(m_store.last.userId, 7u);
    QCOMPARE(m_store.last.uploaded, 11u);
    QCOMPARE(m_store.last.downloaded, 22u);
    QCOMPARE(m_store.last.now, m_clock.now());
    QCOMPARE(m_store.last.families, core::PeerFamilies::V4Only);
    QCOMPARE(m_store.last.endpoint.port(), 6881);
    QCOMPARE(out.complete, 3u);
    QCOMPARE(out.minInterval, 900u);
}

void TestAnnounceService::numwant_data()
{
    QTest::addColumn<int>("numwant");
    QTest::addColumn<int>("event");
    QTest::addColumn<int>("expected");
    QTest::newRow("default") << -1 << 0 << 50;
    QTest::newRow("asked 10") << 10 << 0 << 10;
    QTest::newRow("capped") << 5000 << 0 << 200;
    QTest::newRow("zero") << 0 << 0 << 0;
    QTest::newRow("stopped wants none") << 30 << int(proto::AnnounceEvent::Stopped) << 0;
}

void TestAnnounceService::numwant()
{
    QFETCH(int, numwant);
    QFETCH(int, event);
    QFETCH(int, expected);
    core::AnnounceService service(m_registry, m_store, m_clock, {});
    auto r = request();
    r.numwant = numwant;
    r.event = proto::AnnounceEvent(event);
    proto::AnnounceResult out;
    QCOMPARE(service.announce(r, core::PeerFamilies::Any, out), TrackerError::None);
    QCOMPARE(int(m_store.last.numwant), expected);
}

void TestAnnounceService::jitterOnlyShortens()
{
    core::TrackerSettings s;
    s.announceInterval = 1000;
    s.intervalJitterPercent = 10;
    core::AnnounceService service(m_registry, m_store, m_clock, s);
    std::uint32_t lo = 1000, hi = 0;
    for (int i = 0; i < 2000; ++i) {
        const auto v = service.jitteredInterval();
        lo = std::min(lo, v);
        hi = std::max(hi, v);
    }
    QVERIFY(hi <= 1000);
    QVERIFY(lo >= 900);
    QVERIFY(hi - lo > 50); // it does spread
}

void TestAnnounceService::trustClientIp_data()
{
    QTest::addColumn<bool>("trust");
    QTest::addColumn<quint32>("expected");
    QTest::newRow("source address by default") << false << 0x7F000001u;
    QTest::newRow("claimed address when trusted") << true << 0x0A000005u;
}

void TestAnnounceService::trustClientIp()
{
    QFETCH(bool, trust);
    QFETCH(quint32, expected);
    core::TrackerSettings s;
    s.trustClientIp = trust;
    core::AnnounceService service(m_registry, m_store, m_clock, s);
    auto r = request();
    r.claimedIp = proto::IpAddress::fromV4(0x0A000005u);
    proto::AnnounceResult out;
    QCOMPARE(service.announce(r, core::PeerFamilies::Any, out), TrackerError::None);
    QCOMPARE(m_store.last.endpoint.ip().v4HostOrder(), expected);
}

void TestAnnounceService::unregisteredAllowedWhenNotEnforced()
{
    core::TrackerSettings s;
    s.enforceRegistration = false;
    core::AnnounceService service(m_registry, m_store, m_clock, s);
    auto r = request();
    r.infoHash.bytes[0] = 9;
    proto::AnnounceResult out;
    QCOMPARE(service.announce(r, core::PeerFamilies::Any, out), TrackerError::None);
    QCOMPARE(m_store.announces, 1);
}

void TestAnnounceService::scrape_data()
{
    QTest::addColumn<bool>("withPasskey");
    QTest::addColumn<bool>("anonymous");
    QTest::addColumn<int>("hashes");
    QTest::addColumn<int>("expected");
    QTest::addColumn<int>("registeredCount"); // expected `complete` of the registered entry
    QTest::newRow("with passkey") << true << false << 1 << int(TrackerError::None) << 9;
    QTest::newRow("no passkey refused")
        << false << false << 1 << int(TrackerError::MissingPasskey) << 0;
    QTest::newRow("anonymous allowed (UDP)") << false << true << 1 << int(TrackerError::None) << 9;
    QTest::newRow("no hashes: no full scrape")
        << true << false << 0 << int(TrackerError::MissingInfoHash) << 0;
}

void TestAnnounceService::scrape()
{
    QFETCH(bool, withPasskey);
    QFETCH(bool, anonymous);
    QFETCH(int, hashes);
    QFETCH(int, expected);
    QFETCH(int, registeredCount);
    core::AnnounceService service(m_registry, m_store, m_clock, {});
    proto::ScrapeRequest r;
    if (withPasskey)
        r.passkey = kPasskey;
    if (hashes) {
        r.infoHashes.push_back(registered());
        proto::InfoHash unknown;
        unknown.bytes.fill(5);
        r.infoHashes.push_back(unknown);
    }
    proto::ScrapeResult out;
    QCOMPARE(int(service.scrape(r, anonymous, out)), expected);
    if (expected == int(TrackerError::None)) {
        QCOMPARE(out.files.size(), 2u);
        QCOMPARE(int(out.files[0].complete), registeredCount);
        QCOMPARE(out.files[1].complete, 0u); // unregistered scrapes as zeros
    }
}

// Every accounted announce reaches the ledger with its credit (torrent policy applied),
// the totals it brings the peer to and the store's sequence; refused ones never do.
void TestAnnounceService::ledgerGetsCredit()
{
    core::TorrentPolicy policy;
    policy.uploadMultiplier = 2.0;
    m_registry.putTorrent(1, registered(), policy);
    core::StatsLedger ledger;
    core::AnnounceService service(m_registry, m_store, m_clock, {}, &ledger);
    m_clock.set(5000);
    m_store.previous = core::PreviousPeer{100, 40, 10, 4000};
    auto r = request();
    r.uploaded = 400;
    r.downloaded = 90;
    r.event = proto::AnnounceEvent::Stopped;
    proto::AnnounceResult out;
    QCOMPARE(service.announce(r, core::PeerFamilies::Any, out), TrackerError::None);
    auto bad = request();
    bad.passkey = kOther;
    QCOMPARE(service.announce(bad, core::PeerFamilies::Any, out), TrackerError::UnknownPasskey);

    const auto records = ledger.takeAll();
    QCOMPARE(records.size(), std::size_t(1));
    const core::StatsRecord &rec = records.front();
    QCOMPARE(rec.user, 7u);
    QCOMPARE(rec.torrent, 1u);
    QCOMPARE(rec.credit.rawUploaded, 300u);
    QCOMPARE(rec.credit.uploaded, 600u);
    QCOMPARE(rec.credit.downloaded, 50u);
    QCOMPARE(rec.uploaded, 400u);
    QCOMPARE(rec.lastAnnounce, std::int64_t(5000));
    QVERIFY(rec.stopped);
    QCOMPARE(rec.sequence, 1u);
}

// Who may leech: the account's permission, then the ratio past the grace bytes; seeding
// (left = 0) and stopping are always allowed, and a refusal changes nothing.
void TestAnnounceService::leechGate_data()
{
    QTest::addColumn<bool>("canLeech");
    QTest::addColumn<quint64>("uploaded");
    QTest::addColumn<quint64>("downloaded");
    QTest::addColumn<double>("minRatio");
    QTest::addColumn<quint64>("left");
    QTest::addColumn<int>("event");
    QTest::addColumn<int>("expected");
    const int none = int(proto::AnnounceEvent::None);
    const int stopped = int(proto::AnnounceEvent::Stopped);
    const int ok = int(TrackerError::None);
    const int disabled = int(TrackerError::LeechingDisabled);
    const int ratio = int(TrackerError::RatioTooLow);
    // grace: 1000 bytes
    QTest::newRow("allowed, fresh") << true << 0ull << 0ull << 0.5 << 10ull << none << ok;
    QTest::newRow("disabled, leeching")
        << false << 0ull << 0ull << 0.5 << 10ull << none << disabled;
    QTest::newRow("disabled, seeding") << false << 0ull << 0ull << 0.5 << 0ull << none << ok;
    QTest::newRow("disabled, stopping") << false << 0ull << 0ull << 0.5 << 10ull << stopped << ok;
    QTest::newRow("low ratio within grace")
        << true << 0ull << 1000ull << 0.5 << 10ull << none << ok;
    QTest::newRow("low ratio past grace")
        << true << 499ull << 1001ull << 0.5 << 10ull << none << ratio;
    QTest::newRow("ratio exactly the minimum")
        << true << 500ull << 1000ull << 0.5 << 10ull << none << ok;
    QTest::newRow("at the minimum past grace")
        << true << 1001ull << 2002ull << 0.5 << 10ull << none << ok;
    QTest::newRow("low ratio, seeding") << true << 0ull << 5000ull << 0.5 << 0ull << none << ok;
    QTest::newRow("low ratio, rule off") << true << 0ull << 5000ull << 0.0 << 10ull << none << ok;
    QTest::newRow("disabled wins over ratio")
        << false << 0ull << 5000ull << 0.5 << 10ull << none << disabled;
}

void TestAnnounceService::leechGate()
{
    QFETCH(bool, canLeech);
    QFETCH(quint64, uploaded);
    QFETCH(quint64, downloaded);
    QFETCH(double, minRatio);
    QFETCH(quint64, left);
    QFETCH(int, event);
    QFETCH(int, expected);
    m_registry.putUser({7, kPasskey, canLeech, uploaded, downloaded});
    core::TrackerSettings settings;
    settings.minRatio = minRatio;
    settings.ratioGraceBytes = 1000;
    core::AnnounceService service(m_registry, m_store, m_clock, settings);
    auto r = request();
    r.left = left;
    r.event = static_cast<proto::AnnounceEvent>(event);
    proto::AnnounceResult out;
    QCOMPARE(int(service.announce(r, core::PeerFamilies::Any, out)), expected);
    QCOMPARE(m_store.announces, expected == int(TrackerError::None) ? 1 : 0);
}

// Bans (source address, and the claimed one when trusted; expiry at its second) and the
// client whitelist (when enforced and non-empty). A ban answers before the passkey is looked
// at; every refusal changes nothing.
void TestAnnounceService::accessLists_data()
{
    QTest::addColumn<QString>("ban");      // empty: none
    QTest::addColumn<qint64>("banExpiry"); // seconds after now; 0: permanent
    QTest::addColumn<QString>("claimed");  // ip= the client claims
    QTest::addColumn<bool>("trust");
    QTest::addColumn<QString>("allowed"); // whitelist prefix; empty: no whitelist
    QTest::addColumn<bool>("enforce");
    QTest::addColumn<QByteArray>("peerId");
    QTest::addColumn<bool>("validPasskey");
    QTest::addColumn<int>("event");
    QTest::addColumn<int>("expected");
    const int ok = int(TrackerError::None);
    const int banned = int(TrackerError::BannedAddress);
    const int client = int(TrackerError::ClientNotAllowed);
    const int stopped = int(proto::AnnounceEvent::Stopped);
    const QByteArray tr("-TR4050-aaaaaaaaaaaa");
    const QByteArray ut("-UT3550-aaaaaaaaaaaa");
    // the source address is 127.0.0.1
    QTest::newRow("no lists") << "" << 0ll << "" << false << "" << true << tr << true << 0 << ok;
    QTest::newRow("source banned")
        << "127.0.0.1" << 0ll << "" << false << "" << true << tr << true << 0 << banned;
    QTest::newRow("source range banned")
        << "127.0.0.0/8" << 0ll << "" << false << "" << true << tr << true << 0 << banned;
    QTest::newRow("ban answers before the passkey")
        << "127.0.0.0/8" << 0ll << "" << false << "" << true << tr << false << 0 << banned;
    QTest::newRow("banned, stopping too")
        << "127.0.0.1" << 0ll << "" << false << "" << true << tr << true << stopped << banned;
    QTest::newRow("ban expired") << "127.0.0.1" << -1ll << "" << false << "" << true << tr << true
                                 << 0 << ok;
    QTest::newRow("ban expiring later")
        << "127.0.0.1" << 1ll << "" << false << "" << true << tr << true << 0 << banned;
    QTest::newRow("other address banned")
        << "10.0.0.5" << 0ll << "" << false << "" << true << tr << true << 0 << ok;
    QTest::newRow("claimed banned, untrusted")
        << "10.0.0.5" << 0ll << "10.0.0.5" << false << "" << true << tr << true << 0 << ok;
    QTest::newRow("claimed banned, trusted")
        << "10.0.0.5" << 0ll << "10.0.0.5" << true << "" << true << tr << true << 0 << banned;
    QTest::newRow("whitelisted client")
        << "" << 0ll << "" << false << "-TR" << true << tr << true << 0 << ok;
    QTest::newRow("client not on the whitelist")
        << "" << 0ll << "" << false << "-TR" << true << ut << true << 0 << client;
    QTest::newRow("not on the whitelist, stopping")
        << "" << 0ll << "" << false << "-TR" << true << ut << true << stopped << client;
    QTest::newRow("whitelist not enforced")
        << "" << 0ll << "" << false << "-TR" << false << ut << true << 0 << ok;
    QTest::newRow("unknown passkey before the whitelist")
        << "" << 0ll << "" << false << "-TR" << true << ut << false << 0
        << int(TrackerError::UnknownPasskey);
}

void TestAnnounceService::accessLists()
{
    QFETCH(QString, ban);
    QFETCH(qint64, banExpiry);
    QFETCH(QString, claimed);
    QFETCH(bool, trust);
    QFETCH(QString, allowed);
    QFETCH(bool, enforce);
    QFETCH(QByteArray, peerId);
    QFETCH(bool, validPasskey);
    QFETCH(int, event);
    QFETCH(int, expected);
    core::BanList bans;
    if (!ban.isEmpty())
        bans.put({*proto::IpRange::parse(ban), {}, 0, banExpiry ? m_clock.now() + banExpiry : 0});
    core::ClientWhitelist clients;
    if (!allowed.isEmpty())
        clients.put({allowed.toLatin1(), {}, 0});
    core::TrackerSettings settings;
    settings.trustClientIp = trust;
    settings.enforceClientWhitelist = enforce;
    core::AnnounceService service(m_registry, m_store, m_clock, settings, nullptr,
                                  core::AccessLists{&bans, &clients});
    auto r = request();
    r.peerId = *proto::PeerId::fromBytes(peerId);
    if (!claimed.isEmpty())
        r.claimedIp = proto::IpAddress::parse(claimed.toLatin1());
    if (!validPasskey)
        r.passkey = kOther;
    r.event = static_cast<proto::AnnounceEvent>(event);
    proto::AnnounceResult out;
    QCOMPARE(int(service.announce(r, core::PeerFamilies::Any, out)), expected);
    QCOMPARE(m_store.announces, expected == int(TrackerError::None) ? 1 : 0);
}

void TestAnnounceService::bannedScrape()
{
    core::BanList bans;
    bans.put({*proto::IpRange::parse(u"127.0.0.0/8"), {}, 0, 0});
    core::AnnounceService service(m_registry, m_store, m_clock, {}, nullptr,
                                  core::AccessLists{&bans, nullptr});
    proto::ScrapeRequest s;
    s.infoHashes.push_back(registered());
    s.clientIp = proto::IpAddress::fromV4(0x7F000001);
    proto::ScrapeResult out;
    QCOMPARE(service.scrape(s, true, out), TrackerError::BannedAddress); // anonymous (UDP) too
    s.passkey = kPasskey;
    QCOMPARE(service.scrape(s, false, out), TrackerError::BannedAddress);
    s.clientIp = proto::IpAddress::fromV4(0x0A000001);
    QCOMPARE(service.scrape(s, false, out), TrackerError::None);
    QCOMPARE(out.files.size(), 1u);
}

// Seeding time: the gap since the previous announce when the client seeded at both ends,
// capped; nothing for a client the store did not know, or one that was leeching.
void TestAnnounceService::seedtime_data()
{
    QTest::addColumn<bool>("known");
    QTest::addColumn<quint64>("previousLeft");
    QTest::addColumn<qint64>("gap");
    QTest::addColumn<quint64>("left");
    QTest::addColumn<int>("event");
    QTest::addColumn<quint32>("expected");
    const int none = int(proto::AnnounceEvent::None);
    const int stopped = int(proto::AnnounceEvent::Stopped);
    const int completed = int(proto::AnnounceEvent::Completed);
    QTest::newRow("seeding on") << true << 0ull << 60ll << 0ull << none << 60u;
    QTest::newRow("gap capped") << true << 0ull << 5000ll << 0ull << none << 100u;
    QTest::newRow("gap at the cap") << true << 0ull << 100ll << 0ull << none << 100u;
    QTest::newRow("stopping a seed counts up to the stop")
        << true << 0ull << 40ll << 0ull << stopped << 40u;
    QTest::newRow("unknown client: nothing") << false << 0ull << 60ll << 0ull << none << 0u;
    QTest::newRow("was leeching, completes now")
        << true << 10ull << 60ll << 0ull << completed << 0u;
    QTest::newRow("leeching") << true << 10ull << 60ll << 5ull << none << 0u;
    QTest::newRow("seed that starts leeching again") << true << 0ull << 60ll << 5ull << none << 0u;
    QTest::newRow("same second") << true << 0ull << 0ll << 0ull << none << 0u;
    QTest::newRow("clock went back") << true << 0ull << -30ll << 0ull << none << 0u;
}

void TestAnnounceService::seedtime()
{
    QFETCH(bool, known);
    QFETCH(quint64, previousLeft);
    QFETCH(qint64, gap);
    QFETCH(quint64, left);
    QFETCH(int, event);
    QFETCH(quint32, expected);
    core::TrackerSettings settings;
    settings.seedtimeMaxGap = 100;
    core::StatsLedger ledger;
    core::AnnounceService service(m_registry, m_store, m_clock, settings, &ledger);
    if (known)
        m_store.previous = core::PreviousPeer{0, 0, previousLeft, m_clock.now() - gap};
    auto r = request();
    r.left = left;
    r.event = static_cast<proto::AnnounceEvent>(event);
    proto::AnnounceResult out;
    QCOMPARE(service.announce(r, core::PeerFamilies::Any, out), TrackerError::None);
    const auto records = ledger.takeAll();
    QCOMPARE(records.size(), 1u);
    QCOMPARE(records.front().seedtime, expected);
}

// Cheat flags: upload reported with no other leecher in the swarm (at least min bytes), and
// upload faster than the cap since the previous announce; nothing without credited upload.
void TestAnnounceService::cheatFlags_data()
{
    QTest::addColumn<quint64>("uploadedDelta");
    QTest::addColumn<qint64>("gap");
    QTest::addColumn<quint64>("left");
    QTest::addColumn<quint32>("leechers"); // in the reply, the announcer included if leeching
    QTest::addColumn<QStringList>("kinds");
    const QString none = QStringLiteral("upload_without_leechers");
    const QString fast = QStringLiteral("upload_too_fast");
    // min bytes 1000, cap 100 bytes/s
    QTest::newRow("upload to leechers, slow") << 5000ull << 100ll << 0ull << 2u << QStringList{};
    QTest::newRow("seeder uploads, no leechers")
        << 5000ull << 100ll << 0ull << 0u << QStringList{none};
    QTest::newRow("leecher alone uploads") << 5000ull << 100ll << 10ull << 1u << QStringList{none};
    QTest::newRow("leecher with another leecher")
        << 5000ull << 100ll << 10ull << 2u << QStringList{};
    QTest::newRow("below min bytes, no leechers") << 999ull << 100ll << 0ull << 0u << QStringList{};
    QTest::newRow("too fast") << 20000ull << 100ll << 0ull << 3u << QStringList{fast};
    QTest::newRow("exactly the cap") << 10000ull << 100ll << 0ull << 3u << QStringList{};
    QTest::newRow("both") << 20000ull << 100ll << 0ull << 0u << QStringList{none, fast};
    QTest::newRow("same second counts as one") << 150ull << 0ll << 0ull << 3u << QStringList{fast};
    QTest::newRow("no upload") << 0ull << 1ll << 0ull << 0u << QStringList{};
}

void TestAnnounceService::cheatFlags()
{
    QFETCH(quint64, uploadedDelta);
    QFETCH(qint64, gap);
    QFETCH(quint64, left);
    QFETCH(quint32, leechers);
    QFETCH(QStringList, kinds);
    core::TrackerSettings settings;
    settings.cheatMinBytes = 1000;
    settings.cheatMaxUploadRate = 100;
    core::StatsLedger ledger;
    core::CheatLog cheats;
    core::AnnounceService service(m_registry, m_store, m_clock, settings, &ledger,
                                  core::AccessLists{nullptr, nullptr, nullptr, &cheats});
    m_store.previous = core::PreviousPeer{1000, 0, left, m_clock.now() - gap};
    m_store.incomplete = leechers;
    auto r = request();
    r.uploaded = 1000 + uploadedDelta;
    r.left = left;
    proto::AnnounceResult out;
    QCOMPARE(service.announce(r, core::PeerFamilies::Any, out), TrackerError::None);
    QStringList got;
    for (const core::CheatFlag &f : cheats.takeAll()) {
        got << QString::fromLatin1(core::cheatKindName(f.kind));
        QCOMPARE(f.uploaded, uploadedDelta);
        QCOMPARE(f.user, 7u);
        QCOMPARE(f.seconds, gap);
    }
    QCOMPARE(got, kinds);
    // Flags never change the credit.
    QCOMPARE(ledger.takeAll().front().credit.rawUploaded, uploadedDelta);
}

// With verification on: the endpoint's cached answer rides the announce into the store, a new
// endpoint queues one probe (not for a stopping peer), and an unreachable peer is told why.
void TestAnnounceService::reachability_data()
{
    QTest::addColumn<int>("answer"); // recorded before the announce; Unknown: none
    QTest::addColumn<bool>("warn");  // verification.warn_unreachable
    QTest::addColumn<int>("event");
    QTest::addColumn<int>("probes"); // queued by the announce
    QTest::addColumn<bool>("warned");
    QTest::addColumn<bool>("claimed"); // trust_client_ip with another claimed address
    using R = core::Reachability;
    const int none = int(proto::AnnounceEvent::None);
    QTest::newRow("first sight queues a probe")
        << int(R::Unknown) << true << none << 1 << false << false;
    QTest::newRow("connectable: no warning")
        << int(R::Connectable) << true << none << 0 << false << false;
    QTest::newRow("unreachable: warned")
        << int(R::Unreachable) << true << none << 0 << true << false;
    QTest::newRow("unreachable, warnings off")
        << int(R::Unreachable) << false << none << 0 << false << false;
    QTest::newRow("stopping peer is not probed")
        << int(R::Unknown) << true << int(proto::AnnounceEvent::Stopped) << 0 << false << false;
    // A claimed address is never probed, nor its answer told: no scanning through us.
    QTest::newRow("claimed address is not probed")
        << int(R::Unknown) << true << none << 0 << false << true;
    QTest::newRow("claimed address's answer is not told")
        << int(R::Unreachable) << true << none << 0 << false << true;
}

void TestAnnounceService::reachability()
{
    QFETCH(int, answer);
    QFETCH(bool, warn);
    QFETCH(int, event);
    QFETCH(int, probes);
    QFETCH(bool, warned);
    QFETCH(bool, claimed);
    core::VerificationSettings vs;
    vs.enabled = true;
    vs.warnUnreachable = warn;
    core::ReachabilityCache cache(vs);
    auto r = request();
    r.event = static_cast<proto::AnnounceEvent>(event);
    core::TrackerSettings ts;
    if (claimed) {
        ts.trustClientIp = true;
        r.claimedIp = proto::IpAddress::fromV4(0x0A000001);
    }
    const auto endpoint = proto::PeerEndpoint::make(claimed ? *r.claimedIp : r.clientIp, r.port);
    if (answer != int(core::Reachability::Unknown))
        cache.record(endpoint, core::Reachability(answer), m_clock.now());
    core::AnnounceService service(m_registry, m_store, m_clock, ts, nullptr,
                                  core::AccessLists{nullptr, nullptr, nullptr, nullptr, &cache});
    // A probe is queued only once the peer is in the store: an answer arriving first would
    // find no peer to set.
    std::size_t queuedWhileAnnouncing = 99;
    m_store.onAnnounce = [&] { queuedWhileAnnouncing = cache.stats().queued; };
    proto::AnnounceResult out;
    QCOMPARE(service.announce(r, core::PeerFamilies::Any, out), TrackerError::None);
    QVERIFY(m_store.last.endpoint == endpoint);
    QCOMPARE(int(m_store.last.reachability), claimed ? int(core::Reachability::Unknown) : answer);
    std::vector<core::ProbeRequest> queued;
    cache.take(queued, 10);
    QCOMPARE(int(queued.size()), probes);
    QCOMPARE(queuedWhileAnnouncing, std::size_t(0));
    if (probes == 1) {
        QVERIFY(queued[0].endpoint == endpoint);
        QVERIFY(queued[0].infoHash == registered());
        QCOMPARE(queued[0].user, core::UserId(7));
    }
    QCOMPARE(out.warning.contains("could not connect to your client on port 6881"), warned);
    QCOMPARE(out.warning.isEmpty(), !warned);
}

QTEST_GUILESS_MAIN(TestAnnounceService)
#include "tst_announceservice.moc"
