// libFuzzer target for the HTTP tracker front-end codecs: request parser, routing, queries,
// replies.
#include "fuzzcheck.h"
#include "shared/protocol/httpannounce.h"
#include "shared/protocol/httpparser.h"

#include <cstddef>
#include <cstdint>

using namespace sk::proto;
using sk::fuzz::check;

namespace {

bool inside(QByteArrayView part, QByteArrayView whole)
{
    return part.isEmpty() || (part.data() >= whole.data() &&
                              part.data() + part.size() <= whole.data() + whole.size());
}

const AnnounceResult &fixedResult()
{
    static const AnnounceResult r = [] {
        AnnounceResult a;
        a.interval = 1800;
        a.minInterval = 900;
        a.complete = 2;
        a.incomplete = 1;
        a.downloaded = 5;
        a.peers4 = QByteArray("\xc0\x00\x02\x01\x1a\xe1\x0a\x00\x00\x01\x00\x50", 12);
        a.peers6 = QByteArray("\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01\xc8\xd5", 18);
        a.peerIds4.push_back(*PeerId::fromBytes("-qB4520-aaaaaaaaaaaa"));
        a.peerIds6.push_back(*PeerId::fromBytes("-TR3000-bbbbbbbbbbbb"));
        a.warning = "fuzz";
        return a;
    }();
    return r;
}

// Routes and answers one complete request the way the listener will.
void handle(const http::Request &req, QByteArray &out)
{
    const http::Target t = http::parseTarget(req.target);
    check(inside(t.query, req.target));
    QByteArray body;
    if (t.error != TrackerError::None) {
        body = http::encodeFailure(t.error, 1800, 900);
    } else if (t.kind == http::Target::Kind::Announce) {
        AnnounceRequest a;
        const TrackerError e = http::parseAnnounceQuery(t.query, a);
        body = e == TrackerError::None
                   ? http::encodeAnnounceReply(fixedResult(), a.compact, a.noPeerId)
                   : http::encodeFailure(e, 1800, 900);
    } else {
        ScrapeRequest s;
        constexpr int maxHashes = 74;
        const TrackerError e = http::parseScrapeQuery(t.query, s, maxHashes);
        check(s.infoHashes.size() <= std::size_t(maxHashes));
        if (e == TrackerError::None) {
            ScrapeResult r;
            for (const InfoHash &h : s.infoHashes)
                r.files.push_back({h, 1, 2, 3});
            body = http::encodeScrapeReply(r);
        } else {
            check(s.infoHashes.empty());
            body = http::encodeFailure(e, 1800, 900);
        }
    }
    http::appendResponse(out, 200, "text/plain", body, req.keepAlive, req.head);
}

// Parses `input` as a pipelined stream, as a connection does with its receive buffer.
void runStream(QByteArrayView input, const http::Limits &limits, bool answer)
{
    QByteArray out;
    QByteArrayView rest = input;
    bool first = true;
    for (;;) {
        const http::Result r = http::parse(rest, limits);
        if (r.status == http::Status::NeedMore) {
            check(r.consumed == 0 && r.error == http::Error::None);
            break;
        }
        if (r.status == http::Status::Failed) {
            check(r.consumed == 0 && r.error != http::Error::None);
            const int status = http::statusFor(r.error);
            check(status >= 400 && status < 600);
            http::appendResponse(out, status, "text/plain", http::reasonPhrase(status), false,
                                 r.request.head);
            break;
        }
        check(r.error == http::Error::None);
        check(r.consumed > 0 && r.consumed <= rest.size());
        check(inside(r.request.target, rest.first(r.consumed)));
        check(inside(r.request.forwardedFor, rest.first(r.consumed)));
        check(!r.request.target.isEmpty() && r.request.target[0] == '/');
        check(r.request.target.size() <= limits.maxRequestLine);
        check(r.request.minorVersion == 0 || r.request.minorVersion == 1);
        if (first) {
            // Every strict prefix of an accepted request is NeedMore: what the connection sees
            // while the request is still arriving.
            const http::Result p = http::parse(rest.first(r.consumed - 1), limits);
            check(p.status == http::Status::NeedMore);
            first = false;
        }
        if (answer)
            handle(r.request, out);
        rest = rest.sliced(r.consumed);
    }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t *data, std::size_t size)
{
    const QByteArrayView input(data, static_cast<qsizetype>(size));
    runStream(input, http::Limits(), true);

    // Tiny limits reach the bound checks with short inputs.
    http::Limits tiny;
    tiny.maxRequestLine = 48;
    tiny.maxHeaders = 3;
    tiny.maxHeaderBytes = 64;
    runStream(input, tiny, false);

    // The query parsers also take any bytes directly (the UDP codec's BEP 41 URL data, say).
    AnnounceRequest a;
    (void)http::parseAnnounceQuery(input, a);
    ScrapeRequest s;
    (void)http::parseScrapeQuery(input, s, 8);
    check(s.infoHashes.size() <= 8);
    (void)http::parseTarget(input);
    return 0;
}
