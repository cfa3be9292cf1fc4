#include "udpprotocol.h"

#include <algorithm>
#include <cstring>

namespace sk::proto::udp {

namespace {

// BEP 15: "All numbers are big-endian." Built from single bytes so nothing depends on the
// host's byte order or on the alignment of the datagram buffer.
std::uint16_t readU16(const unsigned char *p)
{
    return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}

std::uint32_t readU32(const unsigned char *p)
{
    return std::uint32_t(p[0]) << 24 | std::uint32_t(p[1]) << 16 | std::uint32_t(p[2]) << 8 |
           std::uint32_t(p[3]);
}

std::uint64_t readU64(const unsigned char *p)
{
    return std::uint64_t(readU32(p)) << 32 | readU32(p + 4);
}

void writeU16(char *p, std::uint16_t v)
{
    p[0] = static_cast<char>(v >> 8);
    p[1] = static_cast<char>(v);
}

void writeU32(char *p, std::uint32_t v)
{
    p[0] = static_cast<char>(v >> 24);
    p[1] = static_cast<char>(v >> 16);
    p[2] = static_cast<char>(v >> 8);
    p[3] = static_cast<char>(v);
}

void writeU64(char *p, std::uint64_t v)
{
    writeU32(p, static_cast<std::uint32_t>(v >> 32));
    writeU32(p + 4, static_cast<std::uint32_t>(v));
}

void appendU16(QByteArray &out, std::uint16_t v)
{
    char b[2];
    writeU16(b, v);
    out.append(b, 2);
}

void appendU32(QByteArray &out, std::uint32_t v)
{
    char b[4];
    writeU32(b, v);
    out.append(b, 4);
}

void appendU64(QByteArray &out, std::uint64_t v)
{
    char b[8];
    writeU64(b, v);
    out.append(b, 8);
}

// BEP 15 announce request offsets.
constexpr std::size_t offInfoHash = 16;
constexpr std::size_t offPeerId = 36;
constexpr std::size_t offDownloaded = 56;
constexpr std::size_t offLeft = 64;
constexpr std::size_t offUploaded = 72;
constexpr std::size_t offEvent = 80;
constexpr std::size_t offIp = 84;
constexpr std::size_t offKey = 88;
constexpr std::size_t offNumWant = 92;
constexpr std::size_t offPort = 96;
static_assert(offPort + 2 == announceRequestSize);

// BEP 41: options follow the 98 fixed bytes up to the end of the datagram or EndOfOptions.
ParseError parseOptions(const unsigned char *p, std::size_t size, Packet &packet)
{
    std::size_t i = announceRequestSize;
    while (i < size) {
        const unsigned char type = p[i++];
        if (type == static_cast<unsigned char>(OptionType::EndOfOptions))
            break; // BEP 41: anything after EndOfOptions is not options; ignore it
        if (type == static_cast<unsigned char>(OptionType::Nop))
            continue;
        // Every other type, URLData or unknown, has a length byte (BEP 41), so unknown
        // options from newer clients are skipped rather than rejected.
        if (i >= size)
            return ParseError::MalformedOptions;
        const std::size_t length = p[i++];
        if (length > size - i)
            return ParseError::MalformedOptions;
        if (type == static_cast<unsigned char>(OptionType::UrlData)) {
            if (length > maxUrlDataLength - packet.urlDataSize)
                return ParseError::UrlDataTooLong;
            std::memcpy(packet.urlDataBytes.data() + packet.urlDataSize, p + i, length);
            packet.urlDataSize += length;
        }
        i += length;
    }
    return ParseError::None;
}

ParseError parseAnnounce(const unsigned char *p, std::size_t size, Packet &packet)
{
    if (size < announceRequestSize)
        return ParseError::TooShort;
    AnnounceRequest &a = packet.announce;
    std::memcpy(a.infoHash.bytes.data(), p + offInfoHash, InfoHash::size);
    std::memcpy(a.peerId.bytes.data(), p + offPeerId, PeerId::size);
    a.downloaded = readU64(p + offDownloaded);
    a.left = readU64(p + offLeft);
    a.uploaded = readU64(p + offUploaded);
    const std::uint32_t event = readU32(p + offEvent);
    if (event > static_cast<std::uint32_t>(AnnounceEvent::Stopped))
        return ParseError::InvalidEvent;
    a.event = static_cast<AnnounceEvent>(event); // BEP 15 numbering, see AnnounceEvent
    // BEP 15: "IP address: 0 // default", i.e. use the datagram's source address.
    if (const std::uint32_t ip = readU32(p + offIp); ip != 0)
        a.claimedIp = IpAddress::fromV4(ip);
    // BEP 15 always sends a key; clients without one still fill the field.
    a.key = readU32(p + offKey);
    a.hasKey = true;
    // BEP 15: "num_want: -1 // default". Other negatives mean nothing; treat them alike.
    const auto numWant = static_cast<std::int32_t>(readU32(p + offNumWant));
    a.numwant = numWant < 0 ? -1 : numWant;
    a.port = readU16(p + offPort);
    a.compact = true; // BEP 15 has compact peers only

    if (const ParseError e = parseOptions(p, size, packet); e != ParseError::None)
        return e;
    packet.urlDataPresent = packet.urlDataSize > 0;
    bool malformed = false;
    a.passkey = passkeyFromUrlData(packet.urlData(), &malformed);
    packet.passkeyMalformed = malformed;
    return ParseError::None;
}

ParseError parseScrape(const unsigned char *p, std::size_t size, std::size_t limit, Packet &packet)
{
    // BEP 15: the hash count is implied by the length, so trailing bytes (or BEP 41 options)
    // can't be told apart from a truncated hash; reject anything but whole hashes.
    const std::size_t payload = size - requestHeaderSize;
    if (payload == 0 || payload % infoHashSize != 0)
        return ParseError::BadScrapeLength;
    const std::size_t n = payload / infoHashSize;
    if (n > limit)
        return ParseError::TooManyInfoHashes;
    packet.scrape.infoHashes.resize(n);
    for (std::size_t k = 0; k < n; ++k)
        std::memcpy(packet.scrape.infoHashes[k].bytes.data(),
                    p + requestHeaderSize + k * infoHashSize, infoHashSize);
    return ParseError::None;
}

// Checks the common reply header: at least `minSize` bytes and the expected action.
bool replyHeaderOk(const char *data, std::size_t size, std::size_t minSize, Action action)
{
    return data != nullptr && size >= minSize &&
           readU32(reinterpret_cast<const unsigned char *>(data)) ==
               static_cast<std::uint32_t>(action);
}

} // namespace

const char *errorMessage(ParseError e)
{
    static_assert(maxUrlDataLength == 1024, "keep the UrlDataTooLong text in step");
    switch (e) {
    case ParseError::None:
        return "";
    case ParseError::TooShort:
        return "malformed packet: too short for its action";
    case ParseError::BadProtocolId:
        return "malformed connect request: wrong protocol id";
    case ParseError::UnknownAction:
        return "unknown action: expected connect, announce or scrape";
    case ParseError::BadScrapeLength:
        return "malformed scrape: expected 16 bytes plus one or more 20-byte info_hashes";
    case ParseError::TooManyInfoHashes:
        // Same text as the HTTP front-end so clients see one message for one problem.
        return failureReason(TrackerError::TooManyInfoHashes);
    case ParseError::InvalidEvent:
        return failureReason(TrackerError::InvalidEvent);
    case ParseError::MalformedOptions:
        return "malformed BEP 41 options: an option runs past the end of the packet";
    case ParseError::UrlDataTooLong:
        return "BEP 41 URL data too long: at most 1024 bytes";
    }
    return "malformed packet";
}

ParseResult parse(const char *data, std::size_t size, std::size_t scrapeHashLimit)
{
    ParseResult r;
    if (data == nullptr || size < requestHeaderSize) {
        r.error = ParseError::TooShort;
        return r;
    }
    const auto *p = reinterpret_cast<const unsigned char *>(data);
    Packet &packet = r.packet;
    packet.connectionId = readU64(p);
    packet.transactionId = readU32(p + 12);
    r.transactionKnown = true;

    switch (readU32(p + 8)) {
    case static_cast<std::uint32_t>(Action::Connect):
        packet.kind = Kind::Connect;
        // BEP 15: a connect request is exactly the 16-byte header; the connection id field
        // must hold the protocol id. Extra bytes are ignored, as other trackers do.
        if (packet.connectionId != protocolId)
            r.error = ParseError::BadProtocolId;
        break;
    case static_cast<std::uint32_t>(Action::Announce):
        packet.kind = Kind::Announce;
        r.error = parseAnnounce(p, size, packet);
        break;
    case static_cast<std::uint32_t>(Action::Scrape):
        packet.kind = Kind::Scrape;
        r.error = parseScrape(p, size, scrapeHashLimit, packet);
        break;
    default:
        r.error = ParseError::UnknownAction;
        break;
    }
    return r;
}

ParseResult parse(QByteArrayView datagram, std::size_t scrapeHashLimit)
{
    return parse(datagram.data(), static_cast<std::size_t>(datagram.size()), scrapeHashLimit);
}

std::optional<Passkey> passkeyFromUrlData(QByteArrayView urlData, bool *malformed)
{
    static constexpr QByteArrayView suffix("/announce");
    constexpr qsizetype pathSize = 1 + Passkey::length + 9; // "/<passkey>/announce"
    static_assert(suffix.size() == 9);

    if (malformed)
        *malformed = false;
    if (urlData.isEmpty())
        return std::nullopt;
    std::optional<Passkey> passkey;
    if (urlData.size() >= pathSize && urlData[0] == '/' &&
        urlData.sliced(1 + Passkey::length, suffix.size()) == suffix &&
        (urlData.size() == pathSize || urlData[pathSize] == '?'))
        passkey = Passkey::fromText(urlData.sliced(1, Passkey::length));
    if (!passkey && malformed)
        *malformed = true;
    return passkey;
}

std::size_t writeConnectReply(char *out, std::size_t cap, std::uint32_t transactionId,
                              std::uint64_t connectionId)
{
    if (out == nullptr || cap < connectReplySize)
        return 0;
    writeU32(out, static_cast<std::uint32_t>(Action::Connect));
    writeU32(out + 4, transactionId);
    writeU64(out + 8, connectionId);
    return connectReplySize;
}

std::size_t writeAnnounceReply(char *out, std::size_t cap, std::uint32_t transactionId,
                               std::uint32_t interval, std::uint32_t leechers,
                               std::uint32_t seeders, QByteArrayView compactPeers)
{
    const auto peersSize = static_cast<std::size_t>(compactPeers.size());
    if (out == nullptr || cap < announceReplyHeaderSize ||
        peersSize > cap - announceReplyHeaderSize)
        return 0;
    writeU32(out, static_cast<std::uint32_t>(Action::Announce));
    writeU32(out + 4, transactionId);
    writeU32(out + 8, interval);
    writeU32(out + 12, leechers); // BEP 15: leechers before seeders
    writeU32(out + 16, seeders);
    if (peersSize > 0)
        std::memcpy(out + announceReplyHeaderSize, compactPeers.data(), peersSize);
    return announceReplyHeaderSize + peersSize;
}

std::size_t writeScrapeReply(char *out, std::size_t cap, std::uint32_t transactionId,
                             const ScrapeResult &result)
{
    const std::size_t n = result.files.size();
    if (out == nullptr || cap < scrapeReplyHeaderSize ||
        n > (cap - scrapeReplyHeaderSize) / scrapeReplyEntrySize)
        return 0;
    writeU32(out, static_cast<std::uint32_t>(Action::Scrape));
    writeU32(out + 4, transactionId);
    char *p = out + scrapeReplyHeaderSize;
    for (const ScrapeEntry &e : result.files) {
        // BEP 15 order: seeders, completed, leechers.
        writeU32(p, e.complete);
        writeU32(p + 4, e.downloaded);
        writeU32(p + 8, e.incomplete);
        p += scrapeReplyEntrySize;
    }
    return scrapeReplyHeaderSize + n * scrapeReplyEntrySize;
}

std::size_t writeErrorReply(char *out, std::size_t cap, std::uint32_t transactionId,
                            QByteArrayView message)
{
    const auto messageSize = static_cast<std::size_t>(message.size());
    if (out == nullptr || cap < errorReplyHeaderSize || messageSize > cap - errorReplyHeaderSize)
        return 0;
    writeU32(out, static_cast<std::uint32_t>(Action::Error));
    writeU32(out + 4, transactionId);
    if (messageSize > 0)
        std::memcpy(out + errorReplyHeaderSize, message.data(), messageSize);
    return errorReplyHeaderSize + messageSize;
}

std::optional<ConnectReply> parseConnectReply(const char *data, std::size_t size)
{
    if (!replyHeaderOk(data, size, connectReplySize, Action::Connect))
        return std::nullopt;
    const auto *p = reinterpret_cast<const unsigned char *>(data);
    ConnectReply r;
    r.transactionId = readU32(p + 4);
    r.connectionId = readU64(p + 8);
    return r;
}

std::optional<AnnounceReply> parseAnnounceReply(const char *data, std::size_t size,
                                                std::size_t peerEntrySize)
{
    if (peerEntrySize != peerEntrySizeV4 && peerEntrySize != peerEntrySizeV6)
        return std::nullopt;
    if (!replyHeaderOk(data, size, announceReplyHeaderSize, Action::Announce) ||
        (size - announceReplyHeaderSize) % peerEntrySize != 0)
        return std::nullopt;
    const auto *p = reinterpret_cast<const unsigned char *>(data);
    AnnounceReply r;
    r.transactionId = readU32(p + 4);
    r.interval = readU32(p + 8);
    r.leechers = readU32(p + 12);
    r.seeders = readU32(p + 16);
    const std::size_t n = (size - announceReplyHeaderSize) / peerEntrySize;
    r.peers.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
        PeerEndpoint &e = r.peers[k];
        e.v6 = peerEntrySize == peerEntrySizeV6;
        std::memcpy(e.compact.data(), p + announceReplyHeaderSize + k * peerEntrySize,
                    peerEntrySize);
    }
    return r;
}

std::optional<ScrapeReply> parseScrapeReply(const char *data, std::size_t size)
{
    if (!replyHeaderOk(data, size, scrapeReplyHeaderSize, Action::Scrape) ||
        (size - scrapeReplyHeaderSize) % scrapeReplyEntrySize != 0)
        return std::nullopt;
    const auto *p = reinterpret_cast<const unsigned char *>(data);
    ScrapeReply r;
    r.transactionId = readU32(p + 4);
    const std::size_t n = (size - scrapeReplyHeaderSize) / scrapeReplyEntrySize;
    r.files.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
        const unsigned char *e = p + scrapeReplyHeaderSize + k * scrapeReplyEntrySize;
        r.files[k].seeders = readU32(e);
        r.files[k].completed = readU32(e + 4);
        r.files[k].leechers = readU32(e + 8);
    }
    return r;
}

std::optional<ErrorReply> parseErrorReply(const char *data, std::size_t size)
{
    if (!replyHeaderOk(data, size, errorReplyHeaderSize, Action::Error))
        return std::nullopt;
    ErrorReply r;
    r.transactionId = readU32(reinterpret_cast<const unsigned char *>(data) + 4);
    r.message = QByteArray(data + errorReplyHeaderSize,
                           static_cast<qsizetype>(size - errorReplyHeaderSize));
    return r;
}

QByteArray buildConnectRequest(std::uint32_t transactionId)
{
    QByteArray out;
    out.reserve(connectRequestSize);
    appendU64(out, protocolId);
    appendU32(out, static_cast<std::uint32_t>(Action::Connect));
    appendU32(out, transactionId);
    return out;
}

QByteArray buildAnnounceRequest(std::uint64_t connectionId, std::uint32_t transactionId,
                                const AnnounceRequest &request, QByteArrayView urlData,
                                bool endOfOptions)
{
    const qsizetype chunks = (urlData.size() + qsizetype(maxUrlDataOptionLength) - 1) /
                             qsizetype(maxUrlDataOptionLength);
    QByteArray out;
    out.reserve(qsizetype(announceRequestSize) + urlData.size() + 2 * chunks + 1);
    appendU64(out, connectionId);
    appendU32(out, static_cast<std::uint32_t>(Action::Announce));
    appendU32(out, transactionId);
    out.append(request.infoHash.view());
    out.append(request.peerId.view());
    appendU64(out, request.downloaded);
    appendU64(out, request.left);
    appendU64(out, request.uploaded);
    appendU32(out, static_cast<std::uint32_t>(request.event));
    // BEP 15's IP field is 32 bits: an IPv6 claim can't be expressed, so send "default".
    const bool v4Claim = request.claimedIp && !request.claimedIp->v6;
    appendU32(out, v4Claim ? request.claimedIp->v4HostOrder() : 0);
    appendU32(out, request.key);
    appendU32(out, static_cast<std::uint32_t>(request.numwant));
    appendU16(out, request.port);

    // BEP 41: URLData options of at most 255 bytes each, concatenated by the tracker.
    for (qsizetype pos = 0; pos < urlData.size(); pos += qsizetype(maxUrlDataOptionLength)) {
        const QByteArrayView chunk =
            urlData.sliced(pos, std::min(qsizetype(maxUrlDataOptionLength), urlData.size() - pos));
        out.append(static_cast<char>(OptionType::UrlData));
        out.append(static_cast<char>(chunk.size()));
        out.append(chunk);
    }
    if (!urlData.isEmpty() && endOfOptions)
        out.append(static_cast<char>(OptionType::EndOfOptions));
    return out;
}

QByteArray buildScrapeRequest(std::uint64_t connectionId, std::uint32_t transactionId,
                              const std::vector<InfoHash> &infoHashes)
{
    QByteArray out;
    out.reserve(qsizetype(requestHeaderSize + infoHashSize * infoHashes.size()));
    appendU64(out, connectionId);
    appendU32(out, static_cast<std::uint32_t>(Action::Scrape));
    appendU32(out, transactionId);
    for (const InfoHash &h : infoHashes)
        out.append(h.view());
    return out;
}

QByteArray announceUrlData(const Passkey &passkey)
{
    QByteArray out;
    out.reserve(1 + Passkey::length + 9);
    out.append('/');
    out.append(passkey.chars.data(), Passkey::length);
    out.append("/announce");
    return out;
}

} // namespace sk::proto::udp
