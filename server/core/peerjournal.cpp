#include "peerjournal.h"

#include <QtEndian>

#include <algorithm>
#include <cstring>

namespace sk::core::journal {

namespace {

template<typename T> T get(const char *at)
{
    return qFromLittleEndian<T>(at);
}

bool allZero(const char *p, std::size_t n)
{
    return std::all_of(p, p + n, [](char c) { return c == 0; });
}

constexpr std::uint8_t kKindBits = 0x03;
constexpr std::uint8_t kV6Bit = 0x04;

char *putVarint(char *at, std::uint64_t v)
{
    while (v >= 0x80) {
        *at++ = static_cast<char>((v & 0x7F) | 0x80);
        v >>= 7;
    }
    *at++ = static_cast<char>(v);
    return at;
}

std::uint64_t zigzag(std::int64_t v)
{
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

std::int64_t unzigzag(std::uint64_t v)
{
    return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

// Reads entries of the compact format; every read fails past the end.
class Reader
{
public:
    explicit Reader(QByteArrayView blob)
        : m_at(reinterpret_cast<const std::uint8_t *>(blob.data())), m_end(m_at + blob.size())
    {}
    bool atEnd() const { return m_at == m_end; }
    bool byte(std::uint8_t &out)
    {
        if (m_at == m_end)
            return false;
        out = *m_at++;
        return true;
    }
    // Shortest form only: no group of zeros at the end, nothing past 64 bits.
    bool varint(std::uint64_t &out)
    {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            std::uint8_t c = 0;
            if (!byte(c) || (shift == 63 && c > 1))
                return false;
            v |= std::uint64_t(c & 0x7F) << shift;
            if (!(c & 0x80)) {
                if (c == 0 && shift > 0)
                    return false;
                out = v;
                return true;
            }
        }
        return false;
    }
    bool id(std::uint32_t &out)
    {
        std::uint64_t v = 0;
        if (!varint(v) || v > 0xFFFFFFFFu)
            return false;
        out = static_cast<std::uint32_t>(v);
        return true;
    }
    bool bytes(void *to, std::size_t n)
    {
        if (std::size_t(m_end - m_at) < n)
            return false;
        std::memcpy(to, m_at, n);
        m_at += n;
        return true;
    }

private:
    const std::uint8_t *m_at;
    const std::uint8_t *m_end;
};

bool decodeCompact(QByteArrayView entries, std::vector<Entry> &out)
{
    Reader r(entries);
    if (r.atEnd())
        return false; // append() never writes a format byte alone
    while (!r.atEnd()) {
        Entry e;
        std::uint8_t head = 0;
        r.byte(head);
        const std::uint8_t kind = head & kKindBits;
        const bool v6 = head & kV6Bit;
        if (kind == 0 || (head & ~(kKindBits | kV6Bit)) != 0 || !r.id(e.peer.torrent))
            return false;
        e.kind = static_cast<EntryKind>(kind);
        if (e.kind == EntryKind::Watermark) {
            if (v6 || !r.varint(e.sequence))
                return false;
            out.push_back(e);
            continue;
        }
        std::uint64_t lastAnnounce = 0;
        e.peer.endpoint.v6 = v6;
        if (!r.id(e.peer.user) ||
            !r.bytes(e.peer.peerId.bytes.data(), e.peer.peerId.bytes.size()) ||
            !r.varint(e.peer.uploaded) || !r.varint(e.peer.downloaded) || !r.varint(e.peer.left) ||
            !r.varint(lastAnnounce) || !r.varint(e.sequence) ||
            !r.bytes(e.peer.endpoint.compact.data(),
                     static_cast<std::size_t>(e.peer.endpoint.compactSize())))
            return false;
        e.peer.lastAnnounce = unzigzag(lastAnnounce);
        out.push_back(e);
    }
    return true;
}

// The first format: fixed entries of 96 bytes, little-endian: kind, v6 flag, 2 zero bytes,
// torrent, user, peer_id, uploaded, downloaded, left, last announce, sequence, the 18 compact
// endpoint bytes (an IPv4 one uses 6, the rest zero), 6 zero bytes.
constexpr qsizetype kFixedEntrySize = 96;
constexpr std::size_t kFixedIdAt = 12;
constexpr std::size_t kFixedEndpointAt = 72;

bool decodeFixed(QByteArrayView blob, std::vector<Entry> &out)
{
    if (blob.size() % kFixedEntrySize != 0)
        return false;
    for (qsizetype at = 0; at < blob.size(); at += kFixedEntrySize) {
        const char *p = blob.data() + at;
        const auto kind = static_cast<std::uint8_t>(p[0]);
        const auto v6 = static_cast<std::uint8_t>(p[1]);
        const bool valid = kind >= 1 && kind <= 3 && v6 <= 1 && allZero(p + 2, 2) &&
                           allZero(p + kFixedEndpointAt + (v6 ? 18 : 6), v6 ? 6 : 18);
        if (!valid)
            return false;
        Entry e;
        e.kind = static_cast<EntryKind>(kind);
        e.peer.torrent = get<quint32>(p + 4);
        e.sequence = get<quint64>(p + 64);
        if (e.kind == EntryKind::Watermark) { // the rest means nothing for a watermark
            out.push_back(e);
            continue;
        }
        e.peer.endpoint.v6 = v6 == 1;
        e.peer.user = get<quint32>(p + 8);
        std::memcpy(e.peer.peerId.bytes.data(), p + kFixedIdAt, e.peer.peerId.bytes.size());
        e.peer.uploaded = get<quint64>(p + 32);
        e.peer.downloaded = get<quint64>(p + 40);
        e.peer.left = get<quint64>(p + 48);
        e.peer.lastAnnounce = get<qint64>(p + 56);
        std::memcpy(e.peer.endpoint.compact.data(), p + kFixedEndpointAt,
                    static_cast<std::size_t>(e.peer.endpoint.compactSize()));
        out.push_back(e);
    }
    return true;
}

} // namespace

void append(QByteArray &blob, const Entry &e)
{
    if (blob.isEmpty())
        blob.append(kCompactFormat);
    char buffer[kMaxEntrySize];
    char *p = buffer;
    const bool watermark = e.kind == EntryKind::Watermark;
    const bool v6 = !watermark && e.peer.endpoint.v6;
    *p++ = static_cast<char>(static_cast<std::uint8_t>(e.kind) | (v6 ? kV6Bit : 0));
    p = putVarint(p, e.peer.torrent);
    if (!watermark) {
        p = putVarint(p, e.peer.user);
        std::memcpy(p, e.peer.peerId.bytes.data(), e.peer.peerId.bytes.size());
        p += e.peer.peerId.bytes.size();
        p = putVarint(p, e.peer.uploaded);
        p = putVarint(p, e.peer.downloaded);
        p = putVarint(p, e.peer.left);
        p = putVarint(p, zigzag(e.peer.lastAnnounce));
    }
    p = putVarint(p, e.sequence);
    if (!watermark) {
        const auto n = static_cast<std::size_t>(e.peer.endpoint.compactSize());
        std::memcpy(p, e.peer.endpoint.compact.data(), n);
        p += n;
    }
    blob.append(buffer, p - buffer);
}

bool decode(QByteArrayView blob, std::vector<Entry> &out)
{
    if (blob.isEmpty())
        return true;
    const std::size_t first = out.size();
    const bool ok = blob.front() == kCompactFormat ? decodeCompact(blob.sliced(1), out)
                                                   : decodeFixed(blob, out);
    if (!ok)
        out.resize(first);
    return ok;
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
