// FixedBytes: a fixed-size binary value (info_hash, peer_id) with hex conversion and hashing.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
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

    // Word by word: the defaulted == ends in an out-of-line memcmp call, which showed up on
    // the announce path's profile (peer lookups compare peer_ids).
    friend bool operator==(const FixedBytes &a, const FixedBytes &b)
    {
        std::uint64_t diff = 0;
        std::size_t i = 0;
        for (; i + 8 <= N; i += 8)
            diff |= a.word(i) ^ b.word(i);
        return diff == 0 && (i == N || a.tail(i) == b.tail(i));
    }
    friend auto operator<=>(const FixedBytes &, const FixedBytes &) = default;

    // Multiply-xorshift over 8-byte words. info_hashes are uniform already; mixing keeps
    // peer_ids (mostly ASCII client prefixes and digits) spread too. A secret seed enters
    // before the first word, so inputs built to collide need the seed, not just the code.
    std::size_t hash(std::uint64_t seed = 0) const
    {
        std::uint64_t h = (0x9E3779B97F4A7C15ull ^ N) + seed;
        std::size_t i = 0;
        for (; i + 8 <= N; i += 8) {
            h = (h ^ word(i)) * 0xBF58476D1CE4E5B9ull;
            h ^= h >> 31;
        }
        if (i < N)
            h ^= tail(i);
        // splitmix64's finalizer: a product only carries low bits upward, so without a full
        // final mix ids differing in their last digits crowd the low bits an index uses.
        h ^= h >> 30;
        h *= 0xBF58476D1CE4E5B9ull;
        h ^= h >> 27;
        h *= 0x94D049BB133111EBull;
        h ^= h >> 31;
        return static_cast<std::size_t>(h);
    }

private:
    std::uint64_t word(std::size_t at) const
    {
        std::uint64_t w;
        std::memcpy(&w, bytes.data() + at, sizeof w);
        return w;
    }
    std::uint64_t tail(std::size_t at) const // the last N - at (< 8) bytes
    {
        std::uint64_t w = 0;
        std::memcpy(&w, bytes.data() + at, N - at);
        return w;
    }

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
