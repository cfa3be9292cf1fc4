#include "swarm.h"
#include "memorypeerstore.h"

#include "server/core/random.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstring>
#include <random>

namespace sk::peers {

namespace {
constexpr std::size_t npos = static_cast<std::size_t>(-1);

// A per-process secret in the index hash: peer_ids are client-chosen, and without it a user
// could pick ids that all land in one probe run and slow every lookup in a swarm.
std::uint64_t makeIndexSeed()
{
    std::random_device rd;
    return (std::uint64_t(rd()) << 32) ^ rd();
}
const std::uint64_t kIndexSeed = makeIndexSeed();

// Each swarm numbers its announces from its own base; a swarm created later (say, after its
// torrent was removed and added again) starts above every earlier one.
std::atomic<std::uint64_t> g_swarmEpoch{0};

Peer makePeer(const core::PeerAnnounce &a)
{
    Peer p;
    p.uploaded = a.uploaded;
    p.downloaded = a.downloaded;
    p.left = a.left;
    p.userId = a.userId;
    p.lastAnnounce = static_cast<std::uint32_t>(a.now);
    p.peerId = a.peerId;
    p.endpoint = a.endpoint;
    p.reachability = a.reachability;
    return p;
}

bool familyMatches(core::PeerFamilies f, const proto::PeerEndpoint &e)
{
    switch (f) {
    case core::PeerFamilies::Any:
        return true;
    case core::PeerFamilies::V4Only:
        return !e.v6;
    case core::PeerFamilies::V6Only:
        return e.v6;
    }
    return true;
}
} // namespace

using Swarm = MemoryPeerStore::Swarm;

Swarm::Swarm() : m_sequence((g_swarmEpoch.fetch_add(1, std::memory_order_relaxed) + 1) << 32) {}

std::size_t Swarm::hashKey(std::uint32_t user, const proto::PeerId &id)
{
    return id.hash(kIndexSeed ^ (std::uint64_t(user) * 0x9E3779B97F4A7C15ull));
}

std::size_t Swarm::findSlot(std::uint32_t user, const proto::PeerId &id) const
{
    if (m_index.empty())
        return npos;
    const std::size_t mask = m_index.size() - 1;
    for (std::size_t i = hashKey(user, id) & mask;; i = (i + 1) & mask) {
        const Ref r = m_index[i];
        if (r == kEmpty)
            return npos;
        const Peer &p = at(r);
        if (p.userId == user && p.peerId == id)
            return i;
    }
}

void Swarm::indexInsert(Ref ref)
{
    const std::size_t count = m_seeders.size() + m_leechers.size(); // includes the new peer
    if (count * 10 > m_index.size() * 7) { // keep the load under 0.7 for short probes
        // The new peer is already in its vector, so the rehash places it too.
        indexRehash(std::max<std::size_t>(8, m_index.size() * 2));
        return;
    }
    const Peer &p = at(ref);
    const std::size_t mask = m_index.size() - 1;
    std::size_t i = hashKey(p.userId, p.peerId) & mask;
    while (m_index[i] != kEmpty)
        i = (i + 1) & mask;
    m_index[i] = ref;
}

void Swarm::indexErase(std::size_t slot)
{
    // Backward-shift deletion: later entries of the same probe run move up so lookups never
    // stop early at the hole, and no tombstones accumulate under churn.
    const std::size_t mask = m_index.size() - 1;
    std::size_t hole = slot;
    for (std::size_t j = (slot + 1) & mask; m_index[j] != kEmpty; j = (j + 1) & mask) {
        const Peer &p = at(m_index[j]);
        const std::size_t home = hashKey(p.userId, p.peerId) & mask;
        // Move j into the hole unless its home lies cyclically in (hole, j].
        const bool homeBetween =
            hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
        if (!homeBetween) {
            m_index[hole] = m_index[j];
            hole = j;
        }
    }
    m_index[hole] = kEmpty;
}

void Swarm::indexRehash(std::size_t capacity)
{
    m_index.assign(capacity, kEmpty);
    const std::size_t mask = capacity - 1;
    auto place = [&](Ref ref) {
        const Peer &p = at(ref);
        std::size_t i = hashKey(p.userId, p.peerId) & mask;
        while (m_index[i] != kEmpty)
            i = (i + 1) & mask;
        m_index[i] = ref;
    };
    for (std::size_t i = 0; i < m_seeders.size(); ++i)
        place(static_cast<Ref>(i) | kSeederBit);
    for (std::size_t i = 0; i < m_leechers.size(); ++i)
        place(static_cast<Ref>(i));
}

Swarm::Ref Swarm::append(bool seeder, const Peer &p)
{
    std::vector<Peer> &list = seeder ? m_seeders : m_leechers;
    // Grow by half instead of doubling: a swarm that just crossed a power of two would
    // otherwise carry up to 50% empty slots, the largest part of a peer's memory.
    if (list.size() == list.capacity())
        list.reserve(list.capacity() < 4 ? 4 : list.capacity() + list.capacity() / 2);
    list.push_back(p);
    const Ref ref = static_cast<Ref>(list.size() - 1) | (seeder ? kSeederBit : 0);
    indexInsert(ref);
    return ref;
}

void Swarm::removeAt(Ref ref)
{
    std::vector<Peer> &list = listOf(ref);
    const std::size_t pos = ref & ~kSeederBit;
    const Ref flag = ref & kSeederBit;
    indexErase(findSlot(list[pos].userId, list[pos].peerId));
    const std::size_t last = list.size() - 1;
    if (pos != last) {
        // The last peer moves into the gap: repoint its index entry.
        const std::size_t slot = findSlot(list[last].userId, list[last].peerId);
        list[pos] = list[last];
        m_index[slot] = static_cast<Ref>(pos) | flag;
    }
    list.pop_back();
    const std::size_t count = m_seeders.size() + m_leechers.size();
    if (m_index.size() > 16 && count * 8 < m_index.size()) // give memory back after a drain
        indexRehash(m_index.size() / 2);
    if (list.capacity() > 64 && list.size() * 4 < list.capacity())
        list.shrink_to_fit();
}

core::AnnounceOutcome Swarm::announce(const core::PeerAnnounce &a, proto::AnnounceResult &out)
{
    core::AnnounceOutcome outcome;
    outcome.sequence = ++m_sequence;
    std::optional<core::PreviousPeer> &previous = outcome.previous;
    const std::size_t slot = findSlot(a.userId, a.peerId);
    const bool seeds = a.left == 0;
    bool wasSeeder = false;
    if (slot != npos) {
        const Ref ref = m_index[slot];
        Peer &p = at(ref);
        previous = core::PreviousPeer{p.uploaded, p.downloaded, p.left, p.lastAnnounce};
        wasSeeder = (ref & kSeederBit) != 0;
        if (a.event == proto::AnnounceEvent::Stopped) {
            removeAt(ref);
        } else {
            Peer next = makePeer(a);
            // A probe of this endpoint still under way: what the peer had there stays.
            if (next.reachability == core::Reachability::Unknown && p.endpoint == a.endpoint)
                next.reachability = p.reachability;
            if (wasSeeder == seeds) {
                p = next;
            } else {
                removeAt(ref);
                append(seeds, next);
            }
        }
    } else if (a.event != proto::AnnounceEvent::Stopped) {
        append(seeds, makePeer(a));
    }
    // BEP 48 `downloaded`: completed events, once per peer session that was not seeding yet.
    if (a.event == proto::AnnounceEvent::Completed && !wasSeeder)
        ++m_completed;

    out.complete = seeders();
    out.incomplete = leechers();
    out.downloaded = m_completed;
    if (a.numwant > 0 && a.event != proto::AnnounceEvent::Stopped)
        select(a, seeds, out);
    return outcome;
}

void Swarm::select(const core::PeerAnnounce &a, bool requesterSeeds,
                   proto::AnnounceResult &out) const
{
    std::uint32_t wanted = a.numwant;
    // The IPv4 list is sized for the most peers the reply can take (no allocation when the
    // caller reuses its result), written through a plain pointer (an append per peer was a
    // library call with its checks, a few percent of an announce) and cut to what was written
    // at the end. IPv6 peers, fewer, are appended.
    const qsizetype base4 = out.peers4.size();
    char *w4 = nullptr;
    if (a.families != core::PeerFamilies::V6Only) {
        out.peers4.resize(base4 + qsizetype(std::min<std::size_t>(wanted, size())) * 6);
        w4 = out.peers4.data() + base4;
    }
    char *const start4 = w4;
    auto put = [&](const Peer &p) {
        if (p.endpoint.v6) {
            out.peers6.append(p.endpoint.compactView());
            if (a.wantPeerIds)
                out.peerIds6.push_back(p.peerId);
        } else {
            std::memcpy(w4, p.endpoint.compact.data(), 6);
            w4 += 6;
            if (a.wantPeerIds)
                out.peerIds4.push_back(p.peerId);
        }
        --wanted;
    };
    // Never the announcer itself; by default none of its user's other clients either.
    auto eligible = [&](const Peer &p) {
        return !(p.userId == a.userId && (a.excludeOwnUser || p.peerId == a.peerId)) &&
               familyMatches(a.families, p.endpoint);
    };
    // The seeder list first for a leecher (seeders need leechers only), then the leechers.
    struct Pass
    {
        const std::vector<Peer> *list = nullptr;
        std::size_t start = 0;   // a random window start spreads load without shuffling
        std::size_t scanned = 0; // entries the first pass looked at
        std::size_t skipped = 0; // of them, eligible but known unreachable
    };
    std::array<Pass, 2> passes{};
    std::size_t lists = 0;
    if (!requesterSeeds)
        passes[lists++].list = &m_seeders;
    passes[lists++].list = &m_leechers;
    // First pass, over every list: peers not known to refuse connections. Each list's scan
    // is bounded, so a swarm of mostly unreachable peers costs a few hundred steps, not a
    // walk of the swarm.
    for (std::size_t l = 0; l < lists; ++l) {
        Pass &ps = passes[l];
        const std::vector<Peer> &list = *ps.list;
        const std::size_t n = list.size();
        if (n == 0 || wanted == 0)
            continue;
        ps.start = n > wanted ? core::fastRandom() % n : 0;
        const std::size_t window = std::min<std::size_t>(n, std::max<std::size_t>(256, 4 * wanted));
        for (std::size_t i = ps.start; ps.scanned < window && wanted > 0; ++ps.scanned) {
            const Peer &p = list[i];
            if (eligible(p)) {
                if (p.reachability == core::Reachability::Unreachable)
                    ++ps.skipped;
                else
                    put(p);
            }
            i = i + 1 == n ? 0 : i + 1;
        }
    }
    // Only when that left room: past each window, peers as they come; known unreachable
    // peers last of all.
    for (std::size_t l = 0; l < lists && wanted > 0; ++l) {
        const Pass &ps = passes[l];
        const std::size_t n = ps.list->size();
        for (std::size_t k = ps.scanned; k < n && wanted > 0; ++k) {
            const Peer &p = (*ps.list)[(ps.start + k) % n];
            if (eligible(p))
                put(p);
        }
    }
    for (std::size_t l = 0; l < lists && wanted > 0; ++l) {
        const Pass &ps = passes[l];
        const std::size_t n = ps.list->size();
        for (std::size_t k = 0, seen = 0; k < ps.scanned && seen < ps.skipped && wanted > 0; ++k) {
            const Peer &p = (*ps.list)[(ps.start + k) % n];
            if (eligible(p) && p.reachability == core::Reachability::Unreachable) {
                ++seen;
                put(p);
            }
        }
    }
    if (start4)
        out.peers4.resize(base4 + (w4 - start4));
}

bool Swarm::setReachability(core::UserId user, const proto::PeerId &id,
                            const proto::PeerEndpoint &endpoint, core::Reachability r)
{
    const std::size_t slot = findSlot(user, id);
    if (slot == npos)
        return false;
    Peer &p = at(m_index[slot]);
    if (!(p.endpoint == endpoint))
        return false; // it moved since the probe started: its next announce brings the answer
    p.reachability = r;
    return true;
}

void Swarm::list(std::vector<core::PeerInfo> &out) const
{
    out.reserve(out.size() + size());
    for (const std::vector<Peer> *v : {&m_seeders, &m_leechers}) {
        for (const Peer &p : *v) {
            core::PeerInfo i;
            i.userId = p.userId;
            i.peerId = p.peerId;
            i.endpoint = p.endpoint;
            i.uploaded = p.uploaded;
            i.downloaded = p.downloaded;
            i.left = p.left;
            i.lastAnnounce = p.lastAnnounce;
            i.seeder = v == &m_seeders;
            i.reachability = p.reachability;
            out.push_back(i);
        }
    }
}

std::size_t Swarm::expire(std::int64_t cutoff)
{
    std::size_t removed = 0;
    for (Ref flag : {kSeederBit, Ref(0)}) {
        std::vector<Peer> &list = flag ? m_seeders : m_leechers;
        for (std::size_t i = list.size(); i-- > 0;) {
            if (std::int64_t(list[i].lastAnnounce) < cutoff) {
                removeAt(static_cast<Ref>(i) | flag);
                ++removed;
            }
        }
    }
    return removed;
}

std::size_t Swarm::removeUser(core::UserId user)
{
    std::size_t removed = 0;
    for (Ref flag : {kSeederBit, Ref(0)}) {
        std::vector<Peer> &list = flag ? m_seeders : m_leechers;
        for (std::size_t i = list.size(); i-- > 0;) {
            if (list[i].userId == user) {
                removeAt(static_cast<Ref>(i) | flag);
                ++removed;
            }
        }
    }
    return removed;
}

bool Swarm::consistent() const
{
    std::size_t used = 0;
    for (Ref r : m_index)
        used += r != kEmpty;
    if (used != m_seeders.size() + m_leechers.size())
        return false;
    for (std::size_t i = 0; i < m_seeders.size(); ++i) {
        const std::size_t s = findSlot(m_seeders[i].userId, m_seeders[i].peerId);
        if (s == npos || m_index[s] != (static_cast<Ref>(i) | kSeederBit))
            return false;
    }
    for (std::size_t i = 0; i < m_leechers.size(); ++i) {
        const std::size_t s = findSlot(m_leechers[i].userId, m_leechers[i].peerId);
        if (s == npos || m_index[s] != static_cast<Ref>(i))
            return false;
    }
    return true;
}

} // namespace sk::peers
