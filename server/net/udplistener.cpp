#include "udplistener.h"

#include "shared/protocol/udpprotocol.h"

#include <QSocketNotifier>

#include <arpa/inet.h>
#include <chrono>
#include <cstring>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace sk::net {

namespace udp = proto::udp;
using proto::TrackerError;

namespace {
// Larger than any valid request (a 74-hash scrape is 1496 bytes, an announce with maximal
// BEP 41 data about 1.1 KiB); longer datagrams arrive truncated and are dropped.
constexpr std::size_t kInSize = 2048;
constexpr std::size_t kOutSize = 1536;

bool toAddress(const sockaddr_storage &ss, proto::IpAddress &ip, std::uint16_t &port)
{
    if (ss.ss_family == AF_INET) {
        const auto *sa = reinterpret_cast<const sockaddr_in *>(&ss);
        ip = proto::IpAddress::fromV4(ntohl(sa->sin_addr.s_addr));
        port = ntohs(sa->sin_port);
        return true;
    }
    if (ss.ss_family == AF_INET6) {
        const auto *sa = reinterpret_cast<const sockaddr_in6 *>(&ss);
        ip = proto::IpAddress::fromV6(sa->sin6_addr.s6_addr);
        port = ntohs(sa->sin6_port);
        return true;
    }
    return false;
}
} // namespace

struct UdpListener::Buffers
{
    explicit Buffers(int n)
        : in(static_cast<std::size_t>(n) * kInSize), out(static_cast<std::size_t>(n) * kOutSize),
          from(static_cast<std::size_t>(n)), inIov(static_cast<std::size_t>(n)),
          outIov(static_cast<std::size_t>(n)), inMsgs(static_cast<std::size_t>(n)),
          outMsgs(static_cast<std::size_t>(n))
    {}
    std::vector<char> in;
    std::vector<char> out;
    std::vector<sockaddr_storage> from;
    std::vector<iovec> inIov;
    std::vector<iovec> outIov;
    std::vector<mmsghdr> inMsgs;
    std::vector<mmsghdr> outMsgs;
};

UdpListener::UdpListener(int fd, core::AnnounceService &service, const ConnectionIds &ids,
                         const core::Clock &clock, const UdpSettings &settings,
                         core::MetricsShard *metrics, QObject *parent)
    : QObject(parent), m_fd(fd), m_service(service), m_ids(ids), m_clock(clock),
      m_settings(settings), m_metrics(metrics),
      m_notifier(new QSocketNotifier(fd, QSocketNotifier::Read, this)),
      m_buf(std::make_unique<Buffers>(settings.batchSize))
{
    connect(m_notifier, &QSocketNotifier::activated, this, &UdpListener::drain);
}

UdpListener::~UdpListener()
{
    m_notifier->setEnabled(false);
    ::close(m_fd);
}

void UdpListener::drain()
{
    Buffers &b = *m_buf;
    const int n = m_settings.batchSize;
    for (int round = 0; round < m_settings.maxBatchesPerWakeup; ++round) {
        for (int i = 0; i < n; ++i) {
            const auto k = static_cast<std::size_t>(i);
            b.inIov[k] = {b.in.data() + k * kInSize, kInSize};
            b.inMsgs[k].msg_hdr = {};
            b.inMsgs[k].msg_hdr.msg_name = &b.from[k];
            b.inMsgs[k].msg_hdr.msg_namelen = sizeof(sockaddr_storage);
            b.inMsgs[k].msg_hdr.msg_iov = &b.inIov[k];
            b.inMsgs[k].msg_hdr.msg_iovlen = 1;
        }
        const int got =
            ::recvmmsg(m_fd, b.inMsgs.data(), static_cast<unsigned>(n), MSG_DONTWAIT, nullptr);
        if (got <= 0)
            return;
        const std::int64_t now = m_clock.now();
        auto mark = std::chrono::steady_clock::now();
        unsigned replies = 0;
        for (int i = 0; i < got; ++i) {
            const auto k = static_cast<std::size_t>(i);
            const mmsghdr &m = b.inMsgs[k];
            proto::IpAddress ip;
            std::uint16_t port = 0;
            if ((m.msg_hdr.msg_flags & MSG_TRUNC) || !toAddress(b.from[k], ip, port) || port == 0)
                continue;
            char *out = b.out.data() + static_cast<std::size_t>(replies) * kOutSize;
            const std::size_t len =
                handle(b.in.data() + k * kInSize, m.msg_len, ip, port, now, mark, out, kOutSize);
            if (len == 0)
                continue;
            mmsghdr &o = b.outMsgs[replies];
            b.outIov[replies] = {out, len};
            o.msg_hdr = {};
            o.msg_hdr.msg_name = &b.from[k];
            o.msg_hdr.msg_namelen = m.msg_hdr.msg_namelen;
            o.msg_hdr.msg_iov = &b.outIov[replies];
            o.msg_hdr.msg_iovlen = 1;
            ++replies;
        }
        unsigned sent = 0;
        while (sent < replies) {
            const int r = ::sendmmsg(m_fd, b.outMsgs.data() + sent, replies - sent, MSG_DONTWAIT);
            if (r <= 0)
                break; // send buffer full: UDP may drop, the client retries (BEP 15)
            sent += static_cast<unsigned>(r);
        }
        if (got < n)
            return;
    }
}

std::size_t UdpListener::handle(const char *data, std::size_t size, const proto::IpAddress &ip,
                                std::uint16_t port, std::int64_t now,
                                std::chrono::steady_clock::time_point &mark, char *reply,
                                std::size_t cap)
{
    const udp::ParseResult r = udp::parse(data, size, m_settings.maxScrapeHashes);
    const std::uint32_t txid = r.packet.transactionId;
    const auto refused = [&](auto kind) {
        if (m_metrics)
            m_metrics->refused(core::Protocol::Udp, kind);
    };
    if (r.error != udp::ParseError::None) {
        refused(core::FrontError::MalformedPacket);
        // No transaction id, nobody to answer; a connect without the magic is not BEP 15.
        if (!r.transactionKnown || r.error == udp::ParseError::BadProtocolId)
            return 0;
        return udp::writeErrorReply(reply, cap, txid, QByteArrayView(udp::errorMessage(r.error)));
    }
    auto fail = [&](TrackerError e) {
        refused(e);
        return udp::writeErrorReply(reply, cap, txid, QByteArrayView(proto::failureReason(e)));
    };
    if (r.packet.kind == udp::Kind::Connect)
        return udp::writeConnectReply(reply, cap, txid, m_ids.issue(ip, port, now));
    if (!m_ids.check(r.packet.connectionId, ip, port, now)) {
        refused(core::FrontError::InvalidConnectionId);
        return udp::writeErrorReply(reply, cap, txid,
                                    QByteArrayView("invalid or expired connection id"));
    }

    if (r.packet.kind == udp::Kind::Scrape) {
        proto::ScrapeRequest req = r.packet.scrape;
        req.clientIp = ip;
        const TrackerError e = m_service.scrape(req, m_settings.anonymousScrape, m_scrape);
        if (e != TrackerError::None)
            return fail(e);
        if (m_metrics)
            m_metrics->scraped(core::Protocol::Udp);
        return udp::writeScrapeReply(reply, cap, txid, m_scrape);
    }

    if (r.packet.passkeyMalformed)
        return fail(TrackerError::MalformedPasskey);
    proto::AnnounceRequest req = r.packet.announce;
    req.clientIp = ip;
    const std::uint32_t cap4or6 = ip.v6 ? m_settings.maxPeersV6 : m_settings.maxPeersV4;
    const std::uint32_t wanted = req.numwant < 0 ? m_service.settings().defaultNumwant
                                                 : static_cast<std::uint32_t>(req.numwant);
    req.numwant = static_cast<std::int32_t>(std::min(wanted, cap4or6));

    m_result.peers4.resize(0);
    m_result.peers6.resize(0);
    const TrackerError e = m_service.announce(
        req, ip.v6 ? core::PeerFamilies::V6Only : core::PeerFamilies::V4Only, m_result);
    if (e != TrackerError::None)
        return fail(e);
    const std::size_t len =
        udp::writeAnnounceReply(reply, cap, txid, m_result.interval, m_result.incomplete,
                                m_result.complete, ip.v6 ? m_result.peers6 : m_result.peers4);
    if (m_metrics) {
        const auto done = std::chrono::steady_clock::now();
        m_metrics->announced(
            core::Protocol::Udp, req.event,
            std::uint64_t(
                std::chrono::duration_cast<std::chrono::nanoseconds>(done - mark).count()));
        mark = done;
    }
    return len;
}

} // namespace sk::net
