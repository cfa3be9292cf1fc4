// Passkey: the 32-character secret in a user's announce URL that identifies the user.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QString>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>

namespace sk::proto {

struct Passkey
{
    // Like Ocelot and Gazelle: 32 characters from [0-9A-Za-z]. A fixed size keeps the
    // in-memory passkey map free of heap-allocated keys.
    static constexpr int length = 32;
    std::array<char, length> chars{};

    static bool isValidChar(char c)
    {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
    static std::optional<Passkey> fromText(QByteArrayView text)
    {
        if (text.size() != length)
            return std::nullopt;
        Passkey p;
        for (int i = 0; i < length; ++i) {
            if (!isValidChar(text[i]))
                return std::nullopt;
            p.chars[static_cast<std::size_t>(i)] = text[i];
        }
        return p;
    }
    static std::optional<Passkey> fromText(const QByteArray &text)
    {
        return fromText(QByteArrayView(text));
    }
    static std::optional<Passkey> fromText(const QString &text)
    {
        return fromText(QByteArrayView(text.toLatin1()));
    }
    QByteArray toByteArray() const { return QByteArray(chars.data(), length); }
    QString toString() const { return QString::fromLatin1(chars.data(), length); }

    friend bool operator==(const Passkey &, const Passkey &) = default;

    // Multiply-xorshift over four 8-byte words (FNV byte by byte was slower per announce).
    std::size_t hash() const
    {
        std::uint64_t h = 0x9E3779B97F4A7C15ull;
        for (std::size_t i = 0; i < chars.size(); i += 8) {
            std::uint64_t w;
            std::memcpy(&w, chars.data() + i, sizeof w);
            h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
            h ^= h >> 31;
        }
        h ^= h >> 30; // splitmix64's finalizer, as in FixedBytes::hash
        h *= 0xBF58476D1CE4E5B9ull;
        h ^= h >> 27;
        h *= 0x94D049BB133111EBull;
        h ^= h >> 31;
        return static_cast<std::size_t>(h);
    }
};

struct PasskeyHash
{
    std::size_t operator()(const Passkey &p) const noexcept { return p.hash(); }
};

} // namespace sk::proto
