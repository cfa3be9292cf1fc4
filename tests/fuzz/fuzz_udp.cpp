// libFuzzer target for the BEP 15 / BEP 41 UDP codec: parse, rebuild, re-parse, compare.
#include "shared/protocol/udpprotocol.h"

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>

using namespace sk::proto;
namespace udp = sk::proto::udp;

namespace {

void check(bool ok, const char *what)
{
    if (!ok) {
        std::fprintf(stderr, "fuzz_udp: mismatch: %s\n", what);
        std::abort();
    }
}

void checkAnnounceRoundTrip(const udp::Packet &p, std::size_t scrapeLimit)
{
    const AnnounceRequest &a = p.announce;
    // A parsed claim is always IPv4 and never 0.0.0.0 (BEP 15: 0 means "default").
    check(!a.claimedIp || (!a.claimedIp->v6 && a.claimedIp->v4HostOrder() != 0), "claimed ip");
    check(a.numwant >= -1, "numwant normalised");
    check(a.hasKey && a.compact, "hasKey/compact");
    check(p.urlDataSize <= udp::maxUrlDataLength, "url data bound");
    check(p.urlDataPresent == (p.urlDataSize > 0), "urlDataPresent");
    check(!(p.passkeyMalformed && a.passkey), "malformed xor passkey");
    check(p.passkeyMalformed == (p.urlDataPresent && !a.passkey), "malformed iff data w/o key");

    for (bool endOfOptions : {true, false}) {
        const QByteArray rebuilt = udp::buildAnnounceRequest(p.connectionId, p.transactionId, a,
                                                             p.urlData(), endOfOptions);
        const udp::ParseResult r = udp::parse(rebuilt, scrapeLimit);
        check(r.error == udp::ParseError::None, "announce re-parse error");
        check(r.transactionKnown, "announce transactionKnown");
        const udp::Packet &q = r.packet;
        const AnnounceRequest &b = q.announce;
        check(q.kind == udp::Kind::Announce, "announce kind");
        check(q.connectionId == p.connectionId, "connectionId");
        check(q.transactionId == p.transactionId, "transactionId");
        check(b.infoHash == a.infoHash, "infoHash");
        check(b.peerId == a.peerId, "peerId");
        check(b.downloaded == a.downloaded, "downloaded");
        check(b.left == a.left, "left");
        check(b.uploaded == a.uploaded, "uploaded");
        check(b.event == a.event, "event");
        check(b.claimedIp == a.claimedIp, "claimedIp");
        check(b.key == a.key && b.hasKey == a.hasKey, "key");
        check(b.numwant == a.numwant, "numwant");
        check(b.port == a.port, "port");
        check(b.passkey == a.passkey, "passkey");
        check(q.urlData() == p.urlData(), "urlData");
        check(q.urlDataPresent == p.urlDataPresent, "urlDataPresent");
        check(q.passkeyMalformed == p.passkeyMalformed, "passkeyMalformed");
    }
}

void checkScrapeRoundTrip(const udp::Packet &p, std::size_t scrapeLimit)
{
    const std::vector<InfoHash> &hashes = p.scrape.infoHashes;
    check(!hashes.empty() && hashes.size() <= scrapeLimit, "scrape hash count");
    const QByteArray rebuilt = udp::buildScrapeRequest(p.connectionId, p.transactionId, hashes);
    const udp::ParseResult r = udp::parse(rebuilt, scrapeLimit);
    check(r.error == udp::ParseError::None, "scrape re-parse error");
    check(r.packet.kind == udp::Kind::Scrape, "scrape kind");
    check(r.packet.connectionId == p.connectionId, "scrape connectionId");
    check(r.packet.transactionId == p.transactionId, "scrape transactionId");
    check(r.packet.scrape.infoHashes == hashes, "scrape hashes");
}

// Reply parsers: whatever they accept must be written back to the same bytes.
void checkReplies(const char *data, std::size_t size)
{
    static std::array<char, 1 << 17> out;

    if (const auto c = udp::parseConnectReply(data, size)) {
        const std::size_t n =
            udp::writeConnectReply(out.data(), out.size(), c->transactionId, c->connectionId);
        check(n == udp::connectReplySize && std::memcmp(out.data(), data, n) == 0, "connect reply");
    }
    for (std::size_t entry : {udp::peerEntrySizeV4, udp::peerEntrySizeV6}) {
        if (const auto a = udp::parseAnnounceReply(data, size, entry)) {
            QByteArray peers;
            for (const PeerEndpoint &e : a->peers) {
                check(e.compactSize() == int(entry), "peer entry size");
                peers.append(e.compactView());
            }
            const std::size_t n =
                udp::writeAnnounceReply(out.data(), out.size(), a->transactionId, a->interval,
                                        a->leechers, a->seeders, peers);
            check(n == size && std::memcmp(out.data(), data, n) == 0, "announce reply");
        }
    }
    if (const auto s = udp::parseScrapeReply(data, size)) {
        ScrapeResult result;
        for (const udp::ScrapeCounts &c : s->files) {
            ScrapeEntry e;
            e.complete = c.seeders;
            e.downloaded = c.completed;
            e.incomplete = c.leechers;
            result.files.push_back(e);
        }
        const std::size_t n =
            udp::writeScrapeReply(out.data(), out.size(), s->transactionId, result);
        check(n == size && std::memcmp(out.data(), data, n) == 0, "scrape reply");
    }
    if (const auto e = udp::parseErrorReply(data, size)) {
        const std::size_t n =
            udp::writeErrorReply(out.data(), out.size(), e->transactionId, e->message);
        check(n == size && std::memcmp(out.data(), data, n) == 0, "error reply");
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    // Real datagrams are at most 65507 bytes; larger inputs add nothing.
    if (size > 65536)
        return 0;
    // A heap copy of exactly `size` bytes, so ASan flags any read past the end.
    const QByteArray input(reinterpret_cast<const char *>(data), static_cast<qsizetype>(size));
    const char *bytes = input.constData();

    for (std::size_t limit : {udp::maxScrapeHashes, std::size_t(3)}) {
        const udp::ParseResult r = udp::parse(bytes, size, limit);
        check(r.transactionKnown == (size >= udp::requestHeaderSize), "transactionKnown");
        check(r.error != udp::ParseError::None || r.transactionKnown, "success needs a header");
        check(udp::errorMessage(r.error) != nullptr, "errorMessage");
        if (r.error != udp::ParseError::None)
            continue;
        switch (r.packet.kind) {
        case udp::Kind::Connect:
            check(r.packet.connectionId == udp::protocolId, "connect protocol id");
            check(
                udp::parse(udp::buildConnectRequest(r.packet.transactionId)).packet.transactionId ==
                    r.packet.transactionId,
                "connect round trip");
            break;
        case udp::Kind::Announce:
            checkAnnounceRoundTrip(r.packet, limit);
            break;
        case udp::Kind::Scrape:
            checkScrapeRoundTrip(r.packet, limit);
            break;
        }
    }

    // The input as URL data on its own.
    bool malformed = false;
    const std::optional<Passkey> passkey = udp::passkeyFromUrlData(input, &malformed);
    check(!(passkey && malformed), "passkey and malformed");
    check(passkey || malformed || input.isEmpty(), "no passkey needs a reason");

    checkReplies(bytes, size);
    return 0;
}
