// IpAddress and PeerEndpoint: compact, allocation-free IPv4/IPv6 values for the announce path.
#pragma once

#include <QByteArrayView>
#include <QHostAddress>
#include <QString>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>

namespace sk::proto {

struct IpAddress
{
    // Network byte order. IPv4 uses the first 4 bytes; IPv4-mapped IPv6 is folded to IPv4.
    std::array<unsigned char, 16> bytes{};
    bool v6 = false;

    static IpAddress fromV4(std::uint32_t hostOrder)
    {
        IpAddress a;
        a.bytes[0] = static_cast<unsigned char>(hostOrder >> 24);
        a.bytes[1] = static_cast<unsigned char>(hostOrder >> 16);
        a.bytes[2] = static_cast<unsigned char>(hostOrder >> 8);
        a.bytes[3] = static_cast<unsigned char>(hostOrder);
        return a;
    }
    // 16 bytes in network order; an IPv4-mapped address (::ffff:a.b.c.d) becomes IPv4.
    static IpAddress fromV6(const unsigned char *b16)
    {
        static constexpr unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        IpAddress a;
        if (std::memcmp(b16, mapped, 12) == 0) {
            std::memcpy(a.bytes.data(), b16 + 12, 4);
            return a;
        }
        std::memcpy(a.bytes.data(), b16, 16);
        a.v6 = true;
        return a;
    }
    static std::optional<IpAddress> fromHostAddress(const QHostAddress &h)
    {
        bool ok = false;
        const quint32 v4 = h.toIPv4Address(&ok); // also unwraps ::ffff:a.b.c.d
        if (ok)
            return fromV4(v4);
        if (h.protocol() != QAbstractSocket::IPv6Protocol)
            return std::nullopt;
        const Q_IPV6ADDR v6 = h.toIPv6Address();
        return fromV6(v6.c);
    }
    // Textual IPv4 or IPv6 (as in the `ip=` announce parameter), or nothing.
    static std::optional<IpAddress> parse(QByteArrayView text)
    {
        if (text.isEmpty() || text.size() > 45)
            return std::nullopt;
        QHostAddress h;
        if (!h.setAddress(QString::fromLatin1(text.data(), text.size())))
            return std::nullopt;
        return fromHostAddress(h);
    }

    std::uint32_t v4HostOrder() const
    {
        return std::uint32_t(bytes[0]) << 24 | std::uint32_t(bytes[1]) << 16 |
               std::uint32_t(bytes[2]) << 8 | std::uint32_t(bytes[3]);
    }
    int byteLength() const { return v6 ? 16 : 4; }
    QHostAddress toHostAddress() const
    {
        if (!v6)
            return QHostAddress(v4HostOrder());
        return QHostAddress(bytes.data());
    }
    QString toString() const { return toHostAddress().toString(); }

    friend bool operator==(const IpAddress &, const IpAddress &) = default;
};

// A peer's address and port as BEP 23 / BEP 7 compact bytes: 4+2 (IPv4) or 16+2 (IPv6),
// stored ready to be copied into a reply.
struct PeerEndpoint
{
    std::array<unsigned char, 18> compact{};
    bool v6 = false;

    static PeerEndpoint make(const IpAddress &ip, std::uint16_t port)
    {
        PeerEndpoint e;
        e.v6 = ip.v6;
        const int n = ip.byteLength();
        std::memcpy(e.compact.data(), ip.bytes.data(), static_cast<std::size_t>(n));
        e.compact[static_cast<std::size_t>(n)] = static_cast<unsigned char>(port >> 8);
        e.compact[static_cast<std::size_t>(n) + 1] = static_cast<unsigned char>(port);
        return e;
    }
    int compactSize() const { return v6 ? 18 : 6; }
    QByteArrayView compactView() const { return QByteArrayView(compact.data(), compactSize()); }
    IpAddress ip() const
    {
        IpAddress a;
        a.v6 = v6;
        std::memcpy(a.bytes.data(), compact.data(), v6 ? 16 : 4);
        return a;
    }
    std::uint16_t port() const
    {
        const int n = v6 ? 16 : 4;
        return static_cast<std::uint16_t>(compact[static_cast<std::size_t>(n)] << 8 |
                                          compact[static_cast<std::size_t>(n) + 1]);
    }

    friend bool operator==(const PeerEndpoint &, const PeerEndpoint &) = default;
};

} // namespace sk::proto
