#include "httpannounce.h"

#include "bytescan.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <limits>
#include <numeric>

namespace sk::proto::http {

namespace {

using bytescan::find;
using bytescan::is;

// --- percent-decoding -------------------------------------------------------------------------

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

// Decodes `in` by the policy in the header. Returns the full decoded length, or -1 if the input
// is malformed. Writes only the first `cap` decoded bytes to `out` (nothing when cap is 0), so
// a value can be validated without storing it and an oversized one is seen by its length.
qsizetype percentDecode(QByteArrayView in, char *out, qsizetype cap)
{
    qsizetype n = 0;
    const qsizetype size = in.size();
    for (qsizetype i = 0; i < size; ++i) {
        char c = in[i];
        const auto u = static_cast<unsigned char>(c);
        if (c == '%') {
            if (i + 2 >= size)
                return -1;
            const int hi = hexValue(in[i + 1]);
            const int lo = hexValue(in[i + 2]);
            if (hi < 0 || lo < 0)
                return -1;
            c = static_cast<char>(hi << 4 | lo);
            i += 2;
        } else if (c == '+') {
            c = ' ';
        } else if (u <= 0x20 || u >= 0x7f) {
            return -1;
        }
        if (n < cap)
            out[n] = c;
        ++n;
    }
    return n;
}

// Walks the '&'-separated pairs of a query. For each non-empty pair calls
// f(decodedKey, rawValue) -> bool (false stops the walk with false). Returns false on a
// malformed or empty key. A key longer than 17 bytes is passed truncated to 17 bytes, which is
// still longer than any known key, so it stays unknown; its value is validated by the callback.
template<typename F> bool forEachPair(QByteArrayView query, F &&f)
{
    constexpr qsizetype keyCap = 17;
    qsizetype start = 0;
    const qsizetype size = query.size();
    while (start < size) {
        qsizetype amp = find(query, '&', start);
        if (amp < 0)
            amp = size;
        const QByteArrayView pair = query.sliced(start, amp - start);
        start = amp + 1;
        if (pair.isEmpty())
            continue;
        const qsizetype eq = find(pair, '=');
        const QByteArrayView rawKey = eq < 0 ? pair : pair.first(eq);
        const QByteArrayView rawValue = eq < 0 ? QByteArrayView() : pair.sliced(eq + 1);
        char key[keyCap];
        const qsizetype keyLen = percentDecode(rawKey, key, keyCap);
        if (keyLen <= 0)
            return false;
        if (!f(QByteArrayView(key, std::min(keyLen, keyCap)), rawValue))
            return false;
    }
    return true;
}

// --- announce fields --------------------------------------------------------------------------

enum Param
{
    PInfoHash,
    PPeerId,
    PPort,
    PUploaded,
    PDownloaded,
    PLeft,
    PEvent,
    PCompact,
    PNoPeerId,
    PNumwant,
    PKey,
    PIp,
    PIpv4,
    PIpv6,
    ParamCount,
    PUnknown = ParamCount,
};

Param paramFor(QByteArrayView key)
{
    switch (key.size()) {
    case 2:
        return is(key, "ip") ? PIp : PUnknown;
    case 3:
        return is(key, "key") ? PKey : PUnknown;
    case 4:
        if (is(key, "port"))
            return PPort;
        if (is(key, "left"))
            return PLeft;
        if (is(key, "ipv4"))
            return PIpv4;
        if (is(key, "ipv6"))
            return PIpv6;
        return PUnknown;
    case 5:
        return is(key, "event") ? PEvent : PUnknown;
    case 7:
        if (is(key, "peer_id"))
            return PPeerId;
        if (is(key, "compact"))
            return PCompact;
        if (is(key, "numwant"))
            return PNumwant;
        return PUnknown;
    case 8:
        return is(key, "uploaded") ? PUploaded : PUnknown;
    case 9:
        return is(key, "info_hash") ? PInfoHash : PUnknown;
    case 10:
        if (is(key, "downloaded"))
            return PDownloaded;
        if (is(key, "no_peer_id"))
            return PNoPeerId;
        return PUnknown;
    default:
        return PUnknown;
    }
}

// A decoded parameter value. 64 bytes hold every valid value (20-byte ids, a 64-byte key, a
// "[v6]:port", 20-digit numbers); a longer value is kept as its length only and is invalid
// for every parameter (a number padded past 64 digits with zeros included).
struct Field
{
    static constexpr qsizetype cap = 64;
    bool present = false;
    qsizetype length = 0;
    char bytes[cap];

    QByteArrayView view() const { return QByteArrayView(bytes, std::min(length, cap)); }
    bool fits() const { return length <= cap; }
};

// Decimal without sign, whitespace or overflow.
std::optional<std::uint64_t> parseU64(const Field &f)
{
    if (!f.fits() || f.length == 0)
        return std::nullopt;
    std::uint64_t v = 0;
    for (char c : f.view()) {
        if (c < '0' || c > '9')
            return std::nullopt;
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - d) / 10)
            return std::nullopt;
        v = v * 10 + d;
    }
    return v;
}

std::optional<std::int32_t> parseNumwant(const Field &f)
{
    if (!f.fits() || f.length == 0)
        return std::nullopt;
    const QByteArrayView v = f.view();
    if (is(v, "-1"))
        return -1;
    // Clients ask for "as many as possible" with large values; the core caps numwant anyway.
    constexpr std::int64_t max = std::numeric_limits<std::int32_t>::max();
    std::int64_t n = 0;
    for (char c : v) {
        if (c < '0' || c > '9')
            return std::nullopt;
        n = std::min(n * 10 + (c - '0'), max);
    }
    return static_cast<std::int32_t>(n);
}

// A stable 32-bit FNV-1a: the same key string must map to the same u32 across restarts.
std::uint32_t hashKey(QByteArrayView v)
{
    std::uint32_t h = 2166136261u;
    for (char c : v)
        h = (h ^ static_cast<unsigned char>(c)) * 16777619u;
    return h;
}

bool isDecimalPort(QByteArrayView v)
{
    if (v.isEmpty() || v.size() > 5)
        return false;
    return std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// "a.b.c.d", "a.b.c.d:port", an IPv6 address, "[v6]" or "[v6]:port". The port is only skipped:
// the announce's port= parameter is what counts.
std::optional<IpAddress> parseClaimedIp(QByteArrayView v)
{
    if (v.isEmpty())
        return std::nullopt;
    if (v[0] == '[') {
        const qsizetype close = find(v, ']');
        if (close < 0)
            return std::nullopt;
        const QByteArrayView rest = v.sliced(close + 1);
        if (!rest.isEmpty() && (rest[0] != ':' || !isDecimalPort(rest.sliced(1))))
            return std::nullopt;
        return IpAddress::parse(v.sliced(1, close - 1));
    }
    const qsizetype colon = find(v, ':');
    if (colon >= 0 && find(v, ':', colon + 1) < 0) {
        // Exactly one colon: IPv4 with a port (an IPv6 address has at least two).
        if (!isDecimalPort(v.sliced(colon + 1)))
            return std::nullopt;
        const auto a = IpAddress::parse(v.first(colon));
        if (!a || a->v6)
            return std::nullopt;
        return a;
    }
    return IpAddress::parse(v);
}

// --- bencoding --------------------------------------------------------------------------------

// Writes a reply into space reserved up front: one allocation per reply and no per-append
// bookkeeping (QByteArray::append is an out-of-line insert). The caller passes an upper bound
// on the bytes it will write; finish() trims to what was written.
class Writer
{
public:
    static constexpr qsizetype maxDecimal = 20; // digits of 2^64-1
    static constexpr qsizetype maxInt = maxDecimal + 2;

    Writer(QByteArray &out, qsizetype bound) : m_out(out)
    {
        const qsizetype start = out.size();
        out.resize(start + bound);
        m_p = out.data() + start;
    }
    void finish() { m_out.resize(m_p - m_out.constData()); }

    template<std::size_t N> void literal(const char (&s)[N])
    {
        std::memcpy(m_p, s, N - 1);
        m_p += N - 1;
    }
    void raw(QByteArrayView v)
    {
        if (v.isEmpty())
            return;
        std::memcpy(m_p, v.data(), static_cast<std::size_t>(v.size()));
        m_p += v.size();
    }
    void ch(char c) { *m_p++ = c; }
    void decimal(std::uint64_t v) { m_p = std::to_chars(m_p, m_p + maxDecimal, v).ptr; }
    void integer(std::uint64_t v)
    {
        ch('i');
        decimal(v);
        ch('e');
    }
    void string(QByteArrayView s)
    {
        decimal(static_cast<std::uint64_t>(s.size()));
        ch(':');
        raw(s);
    }

private:
    QByteArray &m_out;
    char *m_p = nullptr;
};

void writeIpText(Writer &w, const IpAddress &ip)
{
    if (ip.v6) {
        // Dictionary replies are the rare, legacy path; QHostAddress gives RFC 5952 text.
        w.string(ip.toString().toLatin1());
        return;
    }
    char buf[16];
    char *p = buf;
    for (int i = 0; i < 4; ++i) {
        if (i > 0)
            *p++ = '.';
        p = std::to_chars(p, buf + sizeof buf, ip.bytes[static_cast<std::size_t>(i)]).ptr;
    }
    w.string(QByteArrayView(buf, p - buf));
}

// Upper bound of one dictionary peer: "d2:ip" + "45:" + 45 bytes of text (the longest IPv6 form)
// + "7:peer id20:" + 20 + "4:port" + an integer + "e".
constexpr qsizetype maxDictPeer = 5 + 3 + 45 + 12 + 20 + 6 + Writer::maxInt + 1;

// BEP 3 dictionary peers from compact entries of `stride` bytes (address, then port).
void writeDictPeers(Writer &w, const QByteArray &compact, qsizetype stride,
                    const std::vector<PeerId> &ids, bool noPeerId)
{
    const qsizetype count = compact.size() / stride;
    const auto *bytes = reinterpret_cast<const unsigned char *>(compact.constData());
    for (qsizetype i = 0; i < count; ++i) {
        const unsigned char *e = bytes + i * stride;
        const IpAddress ip =
            stride == 18 ? IpAddress::fromV6(e)
                         : IpAddress::fromV4(std::uint32_t(e[0]) << 24 | std::uint32_t(e[1]) << 16 |
                                             std::uint32_t(e[2]) << 8 | e[3]);
        const unsigned port = unsigned(e[stride - 2]) << 8 | e[stride - 1];
        w.literal("d2:ip");
        writeIpText(w, ip);
        if (!noPeerId && static_cast<std::size_t>(i) < ids.size()) {
            w.literal("7:peer id");
            w.string(ids[static_cast<std::size_t>(i)].view());
        }
        w.literal("4:port");
        w.integer(port);
        w.ch('e');
    }
}

} // namespace

Target parseTarget(QByteArrayView target)
{
    Target t;
    QByteArrayView path = target;
    const qsizetype q = find(target, '?');
    if (q >= 0) {
        path = target.first(q);
        t.query = target.sliced(q + 1);
    }

    // The last segment names the endpoint; what precedes it is either nothing or "/<passkey>".
    const qsizetype slash = path.lastIndexOf('/');
    if (slash < 0) {
        t.error = TrackerError::UnknownPath;
        return t;
    }
    const QByteArrayView endpoint = path.sliced(slash + 1);
    if (is(endpoint, "announce"))
        t.kind = Target::Kind::Announce;
    else if (is(endpoint, "scrape"))
        t.kind = Target::Kind::Scrape;
    else {
        t.error = TrackerError::UnknownPath;
        return t;
    }
    if (slash == 0)
        return t;                                    // "/announce": the core answers MissingPasskey
    const QByteArrayView prefix = path.first(slash); // "/<passkey>"
    if (prefix[0] != '/' || find(prefix, '/', 1) >= 0) {
        t.error = TrackerError::UnknownPath;
        return t;
    }
    t.passkey = Passkey::fromText(prefix.sliced(1));
    if (!t.passkey)
        t.error = TrackerError::MalformedPasskey;
    return t;
}

TrackerError parseAnnounceQuery(QByteArrayView query, AnnounceRequest &out)
{
    out.claimedIp.reset();
    out.port = 0;
    out.uploaded = 0;
    out.downloaded = 0;
    out.left = 0;
    out.event = AnnounceEvent::None;
    out.numwant = -1;
    out.key = 0;
    out.hasKey = false;
    out.compact = true;
    out.noPeerId = false;

    Field fields[ParamCount];
    bool duplicate = false;
    const bool wellFormed = forEachPair(query, [&](QByteArrayView key, QByteArrayView raw) {
        const Param p = paramFor(key);
        if (p == PUnknown)
            return percentDecode(raw, nullptr, 0) >= 0;
        Field &f = fields[p];
        if (f.present) {
            // Keep going: a malformed escape later in the query outranks this error.
            duplicate = true;
            return percentDecode(raw, nullptr, 0) >= 0;
        }
        f.present = true;
        f.length = percentDecode(raw, f.bytes, Field::cap);
        return f.length >= 0;
    });
    if (!wellFormed)
        return TrackerError::MalformedQuery;
    if (duplicate)
        return TrackerError::DuplicateParameter;

    // The event is needed to judge port=0, but its own error is reported after the numbers.
    bool eventValid = true;
    if (fields[PEvent].present) {
        const QByteArrayView e =
            fields[PEvent].fits() ? fields[PEvent].view() : QByteArrayView("-");
        if (is(e, "started"))
            out.event = AnnounceEvent::Started;
        else if (is(e, "completed"))
            out.event = AnnounceEvent::Completed;
        else if (is(e, "stopped"))
            out.event = AnnounceEvent::Stopped;
        else if (e.isEmpty() || is(e, "empty") || is(e, "paused"))
            out.event = AnnounceEvent::None; // BEP 21 "paused" is a regular announce here
        else
            eventValid = false;
    }

    const Field &ih = fields[PInfoHash];
    if (!ih.present)
        return TrackerError::MissingInfoHash;
    if (ih.length != InfoHash::size)
        return TrackerError::InvalidInfoHash;
    out.infoHash = *InfoHash::fromBytes(ih.view());

    const Field &pid = fields[PPeerId];
    if (!pid.present)
        return TrackerError::MissingPeerId;
    if (pid.length != PeerId::size)
        return TrackerError::InvalidPeerId;
    out.peerId = *PeerId::fromBytes(pid.view());

    if (!fields[PPort].present)
        return TrackerError::MissingPort;
    const auto port = parseU64(fields[PPort]);
    // Port 0 is tolerated only when the client leaves: it may have closed its listen socket.
    if (!port || *port > 65535 ||
        (*port == 0 && !(eventValid && out.event == AnnounceEvent::Stopped)))
        return TrackerError::InvalidPort;
    out.port = static_cast<std::uint16_t>(*port);

    struct Counter
    {
        Param param;
        std::uint64_t AnnounceRequest::*member;
        TrackerError missing;
        TrackerError invalid;
    };
    static constexpr Counter counters[] = {
        {PUploaded, &AnnounceRequest::uploaded, TrackerError::MissingUploaded,
         TrackerError::InvalidUploaded},
        {PDownloaded, &AnnounceRequest::downloaded, TrackerError::MissingDownloaded,
         TrackerError::InvalidDownloaded},
        {PLeft, &AnnounceRequest::left, TrackerError::MissingLeft, TrackerError::InvalidLeft},
    };
    for (const Counter &c : counters) {
        if (!fields[c.param].present)
            return c.missing;
        const auto v = parseU64(fields[c.param]);
        if (!v)
            return c.invalid;
        out.*c.member = *v;
    }

    if (!eventValid)
        return TrackerError::InvalidEvent;

    if (const Field &f = fields[PCompact]; f.present) {
        if (!is(f.view(), "0") && !is(f.view(), "1"))
            return TrackerError::InvalidCompact;
        out.compact = is(f.view(), "1");
    }

    if (const Field &f = fields[PNoPeerId]; f.present) {
        if (!is(f.view(), "0") && !is(f.view(), "1"))
            return TrackerError::MalformedQuery;
        out.noPeerId = is(f.view(), "1");
    }

    if (const Field &f = fields[PNumwant]; f.present) {
        const auto n = parseNumwant(f);
        if (!n)
            return TrackerError::InvalidNumwant;
        out.numwant = *n;
    }

    if (const Field &f = fields[PKey]; f.present) {
        // BEP 3 leaves the key's format open; 64 bytes is far above any client's.
        if (!f.fits())
            return TrackerError::InvalidKey;
        const QByteArrayView k = f.view();
        if (!k.isEmpty()) {
            std::uint32_t hex = 0;
            const bool isHex = k.size() <= 8 && std::all_of(k.begin(), k.end(), [&hex](char c) {
                                   const int d = hexValue(c);
                                   hex = hex << 4 | static_cast<std::uint32_t>(d);
                                   return d >= 0;
                               });
            out.key = isHex ? hex : hashKey(k);
            out.hasKey = true;
        }
    }

    // BEP 7 ipv6=/ipv4= first, then BEP 3 ip=; a value of the wrong family is ignored.
    const auto claimed = [&fields](Param p) -> std::optional<IpAddress> {
        const Field &f = fields[p];
        if (!f.present || !f.fits())
            return std::nullopt;
        return parseClaimedIp(f.view());
    };
    if (const auto v6 = claimed(PIpv6); v6 && v6->v6)
        out.claimedIp = v6;
    else if (const auto v4 = claimed(PIpv4); v4 && !v4->v6)
        out.claimedIp = v4;
    else
        out.claimedIp = claimed(PIp);

    return TrackerError::None;
}

TrackerError parseScrapeQuery(QByteArrayView query, ScrapeRequest &out, int maxInfoHashes)
{
    out.infoHashes.clear();
    qsizetype count = 0;
    bool invalid = false;
    const bool wellFormed = forEachPair(query, [&](QByteArrayView key, QByteArrayView raw) {
        if (!is(key, "info_hash"))
            return percentDecode(raw, nullptr, 0) >= 0;
        char buf[InfoHash::size];
        const qsizetype len = percentDecode(raw, buf, InfoHash::size);
        if (len < 0)
            return false;
        if (len != InfoHash::size) {
            invalid = true;
            return true;
        }
        // Counted past the bound but not stored: the vector never grows beyond it.
        if (++count <= maxInfoHashes)
            out.infoHashes.push_back(*InfoHash::fromBytes(QByteArrayView(buf, len)));
        return true;
    });
    if (!wellFormed) {
        out.infoHashes.clear();
        return TrackerError::MalformedQuery;
    }
    if (invalid) {
        out.infoHashes.clear();
        return TrackerError::InvalidInfoHash;
    }
    if (count > maxInfoHashes) {
        out.infoHashes.clear();
        return TrackerError::TooManyInfoHashes;
    }
    return TrackerError::None;
}

QByteArray encodeAnnounceReply(const AnnounceResult &r, bool compact, bool noPeerId)
{
    // Keys and framing stay under 128 bytes; 5 integers and 3 string lengths are at most 22
    // and 21 bytes each.
    qsizetype bound = 128 + 5 * Writer::maxInt + 3 * (Writer::maxDecimal + 1) + r.warning.size();
    if (compact)
        bound += r.peers4.size() + r.peers6.size();
    else
        bound += (r.peers4.size() / 6 + r.peers6.size() / 18) * maxDictPeer;

    QByteArray out;
    Writer w(out, bound);
    w.literal("d8:complete");
    w.integer(r.complete);
    w.literal("10:downloaded");
    w.integer(r.downloaded);
    w.literal("10:incomplete");
    w.integer(r.incomplete);
    w.literal("8:interval");
    w.integer(r.interval);
    w.literal("12:min interval");
    w.integer(r.minInterval);
    w.literal("5:peers");
    if (compact) {
        // BEP 23: always present, even empty, so clients that require the key are satisfied.
        w.string(r.peers4);
        // BEP 7: IPv6 peers go in their own key, sent only when there are some.
        if (!r.peers6.isEmpty()) {
            w.literal("6:peers6");
            w.string(r.peers6);
        }
    } else {
        w.ch('l');
        writeDictPeers(w, r.peers4, 6, r.peerIds4, noPeerId);
        writeDictPeers(w, r.peers6, 18, r.peerIds6, noPeerId);
        w.ch('e');
    }
    if (!r.warning.isEmpty()) {
        w.literal("15:warning message");
        w.string(r.warning);
    }
    w.ch('e');
    w.finish();
    return out;
}

QByteArray encodeScrapeReply(const ScrapeResult &r)
{
    // Bencoded dictionaries need sorted, unique keys; the core returns request order, which may
    // repeat a hash. A stable sort keeps the first entry of each hash.
    std::vector<std::size_t> order(r.files.size());
    std::iota(order.begin(), order.end(), std::size_t(0));
    std::stable_sort(order.begin(), order.end(), [&r](std::size_t a, std::size_t b) {
        return r.files[a].infoHash < r.files[b].infoHash;
    });

    // Per file: "20:" + hash + "d8:complete" "10:downloaded" "10:incomplete" (34) + 3 integers
    // + "e".
    constexpr qsizetype maxEntry = 3 + 20 + 34 + 3 * Writer::maxInt + 1;
    QByteArray out;
    Writer w(out, 16 + static_cast<qsizetype>(order.size()) * maxEntry);
    w.literal("d5:filesd");
    const ScrapeEntry *previous = nullptr;
    for (std::size_t i : order) {
        const ScrapeEntry &e = r.files[i];
        if (previous && previous->infoHash == e.infoHash)
            continue;
        previous = &e;
        w.string(e.infoHash.view());
        w.literal("d8:complete");
        w.integer(e.complete);
        w.literal("10:downloaded");
        w.integer(e.downloaded);
        w.literal("10:incomplete");
        w.integer(e.incomplete);
        w.ch('e');
    }
    w.literal("ee");
    w.finish();
    return out;
}

QByteArray encodeFailure(TrackerError e, std::uint32_t interval, std::uint32_t minInterval)
{
    return encodeFailure(QByteArrayView(failureReason(e)), interval, minInterval);
}

QByteArray encodeFailure(QByteArrayView reason, std::uint32_t interval, std::uint32_t minInterval)
{
    QByteArray out;
    Writer w(out, 64 + Writer::maxDecimal + 2 * Writer::maxInt + reason.size());
    w.literal("d14:failure reason");
    w.string(reason);
    w.literal("8:interval");
    w.integer(interval);
    w.literal("12:min interval");
    w.integer(minInterval);
    w.ch('e');
    w.finish();
    return out;
}

} // namespace sk::proto::http
