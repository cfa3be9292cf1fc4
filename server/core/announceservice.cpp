#include "announceservice.h"

#include "random.h"

#include <algorithm>

namespace sk::core {

using proto::TrackerError;

AnnounceService::AnnounceService(const Registry &registry, PeerStore &peers, const Clock &clock,
                                 const TrackerSettings &settings, StatsLedger *ledger,
                                 AccessLists access)
    : m_registry(registry), m_peers(peers), m_clock(clock), m_settings(settings), m_ledger(ledger),
      m_access(access)
{}

bool AnnounceService::banned(const proto::IpAddress &source,
                             const std::optional<proto::IpAddress> &claimed, std::int64_t now) const
{
    if (!m_access.bans)
        return false;
    return m_access.bans->banned(source, now) ||
           (m_settings.trustClientIp && claimed && m_access.bans->banned(*claimed, now));
}

std::uint32_t AnnounceService::jitteredInterval() const
{
    const std::uint32_t base = m_settings.announceInterval;
    const std::uint32_t spread = base / 100 * m_settings.intervalJitterPercent;
    if (spread == 0)
        return base;
    // Only ever shorten: a client must never be told to wait longer than the reaper allows.
    return base - static_cast<std::uint32_t>(fastRandom() % (spread + 1));
}

TrackerError AnnounceService::authenticate(const std::optional<proto::Passkey> &passkey,
                                           UserInfo &user) const
{
    if (!passkey)
        return TrackerError::MissingPasskey;
    const auto found = m_registry.userByPasskey(*passkey);
    if (!found)
        return TrackerError::UnknownPasskey;
    user = *found;
    return TrackerError::None;
}

TrackerError AnnounceService::announce(const proto::AnnounceRequest &request, PeerFamilies families,
                                       proto::AnnounceResult &out)
{
    m_counters.announces.fetch_add(1, std::memory_order_relaxed);
    const std::int64_t now = m_clock.now();
    UserInfo user;
    // A flood is refused before any lookup; a banned address learns nothing else, not even
    // whether its passkey is valid.
    TrackerError error = TrackerError::None;
    if (m_access.limiter && !m_access.limiter->allow(request.clientIp, RateKind::Announce))
        error = TrackerError::RateLimited;
    else if (banned(request.clientIp, request.claimedIp, now))
        error = TrackerError::BannedAddress;
    else
        error = authenticate(request.passkey, user);
    if (error == TrackerError::None && m_settings.enforceClientWhitelist && m_access.clients &&
        !m_access.clients->allows(request.peerId))
        error = TrackerError::ClientNotAllowed;
    // A peer without a port cannot be reached: refuse it here so that HTTP and UDP agree.
    if (error == TrackerError::None && request.port == 0 &&
        request.event != proto::AnnounceEvent::Stopped)
        error = TrackerError::InvalidPort;
    std::optional<TorrentInfo> torrent;
    if (error == TrackerError::None) {
        torrent = m_registry.torrent(request.infoHash);
        if (!torrent && m_settings.enforceRegistration)
            error = TrackerError::UnregisteredTorrent;
    }
    // Leeching needs the account's permission and, past the grace bytes, the minimum ratio;
    // seeding and stopping never do.
    if (error == TrackerError::None && request.left > 0 &&
        request.event != proto::AnnounceEvent::Stopped &&
        !user.mayLeech(m_settings.minRatio, m_settings.ratioGraceBytes))
        error = user.canLeech ? TrackerError::RatioTooLow : TrackerError::LeechingDisabled;
    if (error != TrackerError::None) {
        m_counters.failures.fetch_add(1, std::memory_order_relaxed);
        return error;
    }

    const proto::IpAddress &ip =
        m_settings.trustClientIp && request.claimedIp ? *request.claimedIp : request.clientIp;

    PeerAnnounce a;
    a.infoHash = request.infoHash;
    a.userId = user.id;
    a.peerId = request.peerId;
    a.endpoint = proto::PeerEndpoint::make(ip, request.port);
    a.uploaded = request.uploaded;
    a.downloaded = request.downloaded;
    a.left = request.left;
    a.event = request.event;
    a.now = now;
    const std::uint32_t wanted = request.numwant < 0 ? m_settings.defaultNumwant
                                                     : static_cast<std::uint32_t>(request.numwant);
    // A stopping peer needs no peers.
    a.numwant = request.event == proto::AnnounceEvent::Stopped
                    ? 0
                    : std::min(wanted, m_settings.maxNumwant);
    a.families = families;
    a.wantPeerIds = !request.compact && !request.noPeerId;
    a.excludeOwnUser = m_settings.excludeOwnPeers;

    ReachabilityCache::Observation seen;
    // Only the address the request came from is probed: a claimed one (trust_client_ip)
    // could aim the prober at any host and port and read the answer from the warning.
    if (m_access.reach && a.event != proto::AnnounceEvent::Stopped && ip == request.clientIp) {
        seen = m_access.reach->observe(a.endpoint, now);
        a.reachability = seen.state;
    }

    // Unregistered torrents (only with enforce_registration off) have no id to account on.
    std::optional<StatsLedger::Scope> ledger;
    if (m_ledger && torrent)
        ledger.emplace(*m_ledger);
    const AnnounceOutcome outcome = m_peers.announce(a, out);
    if (m_access.reach) {
        // Queued only now that the peer is in the store, where the answer will look for it.
        if (seen.probe)
            m_access.reach->request(ProbeRequest{a.endpoint, a.infoHash, a.userId, a.peerId});
        // The client learns why few peers reach it (HTTP only: UDP has no warning field).
        if (a.reachability == Reachability::Unreachable &&
            m_access.reach->settings().warnUnreachable)
            out.warning = QByteArrayLiteral("the tracker could not connect to your client on "
                                            "port ") +
                          QByteArray::number(request.port) +
                          QByteArrayLiteral("; other peers may not reach it either: check its "
                                            "port forwarding");
    }
    if (ledger) {
        StatsRecord r;
        r.sequence = outcome.sequence;
        r.user = user.id;
        r.torrent = torrent->id;
        r.peerId = a.peerId;
        r.credit = computeCredit(outcome.previous, a.uploaded, a.downloaded, torrent->policy,
                                 m_settings.globalFreeleech, a.now);
        r.uploaded = a.uploaded;
        r.downloaded = a.downloaded;
        r.left = a.left;
        r.endpoint = a.endpoint;
        r.lastAnnounce = a.now;
        r.stopped = a.event == proto::AnnounceEvent::Stopped;
        r.completed = a.event == proto::AnnounceEvent::Completed &&
                      !(outcome.previous && outcome.previous->left == 0);
        // Seeding time runs between two announces of a client that seeded at both; a client
        // the store forgot (timed out, vanished) starts again from zero.
        if (outcome.previous && outcome.previous->left == 0 && a.left == 0 &&
            a.now > outcome.previous->lastAnnounce)
            r.seedtime = static_cast<std::uint32_t>(std::min<std::int64_t>(
                a.now - outcome.previous->lastAnnounce, m_settings.seedtimeMaxGap));
        ledger->append(r);
        ledger.reset();
        if (m_access.cheats && r.credit.rawUploaded > 0)
            flagCheats(r, a, outcome.previous, out);
    }
    out.interval = jitteredInterval();
    out.minInterval = m_settings.minAnnounceInterval;
    return TrackerError::None;
}

void AnnounceService::flagCheats(const StatsRecord &r, const PeerAnnounce &a,
                                 const std::optional<PreviousPeer> &previous,
                                 const proto::AnnounceResult &out) const
{
    const bool leeching = a.left > 0 && a.event != proto::AnnounceEvent::Stopped;
    const std::uint32_t others = out.incomplete - (leeching && out.incomplete > 0 ? 1 : 0);
    const std::int64_t seconds = previous ? a.now - previous->lastAnnounce : 0;
    CheatFlag f;
    f.user = r.user;
    f.torrent = r.torrent;
    f.peerId = a.peerId;
    f.ip = a.endpoint.ip();
    f.uploaded = r.credit.rawUploaded;
    f.seconds = seconds;
    f.leechers = others;
    f.at = a.now;
    if (m_settings.cheatMinBytes > 0 && others == 0 &&
        r.credit.rawUploaded >= m_settings.cheatMinBytes) {
        f.kind = CheatKind::NoLeechers;
        m_access.cheats->append(f);
    }
    if (m_settings.cheatMaxUploadRate > 0 &&
        r.credit.rawUploaded / std::uint64_t(std::max<std::int64_t>(seconds, 1)) >
            m_settings.cheatMaxUploadRate) {
        f.kind = CheatKind::TooFast;
        m_access.cheats->append(f);
    }
}

TrackerError AnnounceService::scrape(const proto::ScrapeRequest &request, bool anonymous,
                                     proto::ScrapeResult &out)
{
    m_counters.scrapes.fetch_add(1, std::memory_order_relaxed);
    UserInfo user;
    TrackerError error = TrackerError::None;
    if (m_access.limiter && !m_access.limiter->allow(request.clientIp, RateKind::Scrape))
        error = TrackerError::RateLimited;
    else if (banned(request.clientIp, std::nullopt, m_clock.now()))
        error = TrackerError::BannedAddress;
    else if (!anonymous || request.passkey)
        error = authenticate(request.passkey, user);
    if (error != TrackerError::None) {
        m_counters.failures.fetch_add(1, std::memory_order_relaxed);
        return error;
    }
    // A private tracker does not hand its catalogue to anyone who asks: no full scrape.
    if (request.infoHashes.empty()) {
        m_counters.failures.fetch_add(1, std::memory_order_relaxed);
        return TrackerError::MissingInfoHash;
    }
    out.files.clear();
    out.files.reserve(request.infoHashes.size());
    for (const proto::InfoHash &ih : request.infoHashes) {
        // Unregistered torrents scrape as zeros: a scrape must not reveal which hashes exist
        // beyond what the user could learn by announcing.
        if (m_settings.enforceRegistration && !m_registry.torrentId(ih)) {
            proto::ScrapeEntry e;
            e.infoHash = ih;
            out.files.push_back(e);
            continue;
        }
        out.files.push_back(m_peers.scrape(ih));
    }
    return TrackerError::None;
}

} // namespace sk::core
