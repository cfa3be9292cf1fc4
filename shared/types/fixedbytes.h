// FixedBytes: a fixed-size binary value (info_hash, peer_id) with hex conversion and hashing.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <array>
#include <compare>
#include <cstddef>
#include <cstring>
#include <optional>

namespace sk::proto {

template<std::size_t N, typename Tag> struct FixedBytes
{
    static constexpr std::size_t size = N;
    std::array<unsigned char, N> bytes{};

    // Exactly N raw bytes, or nothing.
    static std::optional<FixedBytes> fromBytes(QByteArrayView raw)
    {
        if (static_cast<std::size_t>(raw.size()) != N)
            return std::nullopt;
        FixedBytes v;
        std::memcpy(v.bytes.data(), raw.data(), N);
        return v;
    }

    // Exactly 2N hex digits (either case), or nothing.
    static std::optional<FixedBytes> fromHex(QByteArrayView hex)
    {
        if (static_cast<std::size_t>(hex.size()) != 2 * N)
            return std::nullopt;
        FixedBytes v;
        for (std::size_t i = 0; i < N; ++i) {
            const int hi = hexValue(hex[2 * i]);
            const int lo = hexValue(hex[2 * i + 1]);
            if (hi < 0 || lo < 0)
                return std::nullopt;
            v.bytes[i] = static_cast<unsigned char>(hi << 4 | lo);
        }
        return v;
    }
    static std::optional<FixedBytes> fromHex(const QByteArray &hex)
    {
        return fromHex(QByteArrayView(hex));
    }
    static std::optional<FixedBytes> fromHex(const QString &hex)
    {
        return fromHex(QByteArrayView(hex.toLatin1()));
    }

    // Lowercase hex, the form the admin API uses.
    QByteArray toHex() const { return toByteArray().toHex(); }
    QString toHexString() const { return QString::fromLatin1(toHex()); }
    QByteArray toByteArray() const
    {
        return QByteArray(reinterpret_cast<const char *>(bytes.data()), N);
    }
    QByteArrayView view() const { return QByteArrayView(bytes.data(), N); }

    friend bool operator==(const FixedBytes &, const FixedBytes &) = default;
    friend auto operator<=>(const FixedBytes &, const FixedBytes &) = default;

    // The bytes are already uniformly distributed for info_hashes; mixing keeps peer_ids
    // (mostly ASCII client prefixes) spread too.
    std::size_t hash() const
    {
        std::uint64_t h = 1469598103934665603ull; // FNV-1a 64
        for (unsigned char c : bytes)
            h = (h ^ c) * 1099511628211ull;
        return static_cast<std::size_t>(h ^ (h >> 29));
    }

private:
    static int hexValue(char c)
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }
};

template<typename T> struct FixedBytesHash
{
    std::size_t operator()(const T &v) const noexcept { return v.hash(); }
};

using InfoHash = FixedBytes<20, struct InfoHashTag>;
using PeerId = FixedBytes<20, struct PeerIdTag>;

} // namespace sk::proto
