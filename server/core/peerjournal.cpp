#include "peerjournal.h"

#include <QtEndian>

#include <algorithm>
#include <cstring>

namespace sk::core::journal {

namespace {

template<typename T> void put(char *at, T v)
{
    qToLittleEndian(v, at);
}
template<typename T> T get(const char *at)
{
    return qFromLittleEndian<T>(at);
}

constexpr std::size_t kIdAt = 12;
constexpr std::size_t kEndpointAt = 72;

bool allZero(const char *p, std::size_t n)
{
    return std::all_of(p, p + n, [](char c) { return c == 0; });
}

} // namespace

void append(QByteArray &blob, const Entry &e)
{
    const qsizetype at = blob.size();
    blob.resize(at + kEntrySize, '\0');
    char *p = blob.data() + at;
    p[0] = static_cast<char>(e.kind);
    p[1] = e.peer.endpoint.v6 ? 1 : 0;
    put<quint32>(p + 4, e.peer.torrent);
    put<quint32>(p + 8, e.peer.user);
    std::memcpy(p + kIdAt, e.peer.peerId.bytes.data(), e.peer.peerId.bytes.size());
    put<quint64>(p + 32, e.peer.uploaded);
    put<quint64>(p + 40, e.peer.downloaded);
    put<quint64>(p + 48, e.peer.left);
    put<qint64>(p + 56, e.peer.lastAnnounce);
    put<quint64>(p + 64, e.sequence);
    // Only the bytes the endpoint uses: an IPv4 one leaves the rest zero, as decode wants.
    std::memcpy(p + kEndpointAt, e.peer.endpoint.compact.data(),
                static_cast<std::size_t>(e.peer.endpoint.compactSize()));
}

bool decode(QByteArrayView blob, std::vector<Entry> &out)
{
    if (blob.size() % kEntrySize != 0)
        return false;
    const std::size_t first = out.size();
    out.reserve(first + static_cast<std::size_t>(blob.size() / kEntrySize));
    for (qsizetype at = 0; at < blob.size(); at += kEntrySize) {
        const char *p = blob.data() + at;
        const auto kind = static_cast<std::uint8_t>(p[0]);
        const auto v6 = static_cast<std::uint8_t>(p[1]);
        const bool valid = kind >= 1 && kind <= 3 && v6 <= 1 && allZero(p + 2, 2) &&
                           allZero(p + kEndpointAt + (v6 ? 18 : 6), v6 ? 6 : 18);
        if (!valid) {
            out.resize(first);
            return false;
        }
        Entry e;
        e.kind = static_cast<EntryKind>(kind);
        e.peer.endpoint.v6 = v6 == 1;
        e.peer.torrent = get<quint32>(p + 4);
        e.peer.user = get<quint32>(p + 8);
        std::memcpy(e.peer.peerId.bytes.data(), p + kIdAt, e.peer.peerId.bytes.size());
        e.peer.uploaded = get<quint64>(p + 32);
        e.peer.downloaded = get<quint64>(p + 40);
        e.peer.left = get<quint64>(p + 48);
        e.peer.lastAnnounce = get<qint64>(p + 56);
        e.sequence = get<quint64>(p + 64);
        std::memcpy(e.peer.endpoint.compact.data(), p + kEndpointAt,
                    static_cast<std::size_t>(e.peer.endpoint.compactSize()));
        out.push_back(e);
    }
    return true;
}

void Fold::put(const Entry &e)
{
    const PeerKey key{e.peer.torrent, e.peer.user, e.peer.peerId};
    auto [it, inserted] = m_peers.try_emplace(key, e);
    if (!inserted && e.sequence > it->second.sequence)
        it->second = e;
}

void Fold::addSnapshot(const std::vector<Entry> &entries)
{
    for (const Entry &e : entries) {
        if (e.kind == EntryKind::Watermark) {
            std::uint64_t &w = m_watermarks[e.peer.torrent];
            w = std::max(w, e.sequence);
        } else if (e.kind == EntryKind::Live) {
            put(e); // a snapshot holds no departures
        }
    }
}

void Fold::addLog(const std::vector<Entry> &entries)
{
    for (const Entry &e : entries) {
        if (e.kind == EntryKind::Watermark)
            continue; // a log holds none
        const auto w = m_watermarks.find(e.peer.torrent);
        if (w != m_watermarks.end() && e.sequence <= w->second)
            continue; // the snapshot has this announce, or a later one of the peer
        put(e);
    }
}

std::vector<PeerRecord> Fold::peers(std::int64_t announcedSince) const
{
    std::vector<PeerRecord> out;
    out.reserve(m_peers.size());
    for (const auto &[key, e] : m_peers) {
        if (e.kind == EntryKind::Live && e.peer.lastAnnounce >= announcedSince)
            out.push_back(e.peer);
    }
    std::sort(out.begin(), out.end(), [](const PeerRecord &a, const PeerRecord &b) {
        return PeerKey{a.torrent, a.user, a.peerId} < PeerKey{b.torrent, b.user, b.peerId};
    });
    return out;
}

} // namespace sk::core::journal
