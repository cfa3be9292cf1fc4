// Bencode (BEP 3): a value tree, a strict canonical decoder, an encoder and a streaming writer.
#pragma once

#include <QByteArray>
#include <QByteArrayView>
#include <QtGlobal>

#include <cstring>
#include <map>
#include <optional>
#include <utility>
#include <variant>
#include <vector>

namespace sk::proto::bencode {

// BEP 3: "Keys must be strings and appear in sorted order (sorted as raw strings, not
// alphanumerics)". Compares unsigned bytes, then length, so "a" < "aa" < "b" < "\xff".
// Transparent, so Value::find() looks keys up by view without building a QByteArray.
struct KeyLess
{
    using is_transparent = void;
    bool operator()(QByteArrayView a, QByteArrayView b) const noexcept
    {
        const qsizetype common = qMin(a.size(), b.size());
        if (common > 0) {
            if (const int c = std::memcmp(a.data(), b.data(), static_cast<std::size_t>(common)))
                return c < 0;
        }
        return a.size() < b.size();
    }
};

class Value
{
public:
    enum class Type : unsigned char
    {
        Integer,
        String,
        List,
        Dict
    };
    using List = std::vector<Value>;
    // Ordered by KeyLess, so encode() writes the keys in the order BEP 3 requires however the
    // dictionary was filled. (The standard only guarantees incomplete element types for
    // vector; libstdc++ and libc++ both accept this map, which the tests build with.)
    using Dict = std::map<QByteArray, Value, KeyLess>;

    Value() = default; // the integer 0
    Value(qint64 i) : m_data(i) {}
    Value(QByteArray bytes) : m_data(std::move(bytes)) {}
    Value(List list) : m_data(std::move(list)) {}
    Value(Dict dict) : m_data(std::move(dict)) {}

    static Value fromInt(qint64 i) { return Value(i); }
    static Value fromBytes(QByteArrayView bytes) { return Value(bytes.toByteArray()); }
    static Value fromList(List list = {}) { return Value(std::move(list)); }
    static Value fromDict(Dict dict = {}) { return Value(std::move(dict)); }

    Type type() const { return static_cast<Type>(m_data.index()); }
    bool isInt() const { return type() == Type::Integer; }
    bool isString() const { return type() == Type::String; }
    bool isList() const { return type() == Type::List; }
    bool isDict() const { return type() == Type::Dict; }

    // The accessors return the fallback (or an empty container) for a value of another type,
    // so a reply parser can read optional fields without checking every type first.
    qint64 toInt(qint64 fallback = 0) const;
    QByteArray toBytes() const;
    const List &list() const;
    const Dict &dict() const;
    // The value stored under `key`, or nullptr if this is not a dictionary or has no such key.
    const Value *find(QByteArrayView key) const;

    friend bool operator==(const Value &, const Value &) = default;

private:
    // Alternative order matches Type.
    std::variant<qint64, QByteArray, List, Dict> m_data;
};

// Every limit is checked before the memory it guards is allocated.
struct DecodeLimits
{
    // Real documents nest shallowly (a scrape reply is 3 levels, a metainfo file 4-5); the
    // bound keeps the decoder's stack, and the recursion in ~Value() and encode(), small.
    int maxDepth = 64;
    // Covers the metainfo of a very large torrent (about 200k piece hashes) and a full scrape
    // of tens of thousands of torrents, while a hostile peer cannot make us hold more.
    qsizetype maxInputSize = 4 << 20;
    // Every integer, string (dictionary keys included), list and dictionary counts as one.
    // Each costs a Value node (tens of bytes) for as little as 2 input bytes, so this caps the
    // tree's memory independently of maxInputSize.
    qsizetype maxElements = 1 << 20;
};

enum class DecodeError : unsigned char
{
    None = 0,
    Empty,               // no input at all
    Truncated,           // the input ended inside a value
    UnexpectedByte,      // a byte that cannot start a value here (e.g. 'e' at the top level)
    InvalidInteger,      // "ie", "i-e", "i+1e", "i1.5e": not an optional '-' and digits
    LeadingZero,         // "i03e", "01:a": BEP 3 forbids leading zeros
    NegativeZero,        // "i-0e": BEP 3 forbids it
    IntegerOverflow,     // does not fit in qint64
    InvalidStringLength, // a non-digit before the ':' of a string length
    StringPastEnd,       // the declared length runs past the end of the input
    NonStringKey,        // a dictionary key that is an integer, list or dictionary
    UnsortedKeys,        // a key that sorts before the previous one (BEP 3: sorted raw strings)
    DuplicateKey,        // a key equal to the previous one
    TooDeep,             // more than DecodeLimits::maxDepth nested lists and dictionaries
    InputTooLarge,       // more than DecodeLimits::maxInputSize bytes
    TooManyElements,     // more than DecodeLimits::maxElements values
    TrailingData,        // bytes after a complete top-level value
};

// A short, stable, lowercase description for logs and tests ("leading zero").
const char *toString(DecodeError e);

struct DecodeResult
{
    std::optional<Value> value; // set exactly when error is None
    DecodeError error = DecodeError::None;
    // Where the error was found: the byte that broke the rule, the start of the value that
    // broke it, or the input size when more bytes were needed. The input size on success.
    qsizetype offset = 0;
};

// Strict: accepts only the canonical encoding, so decode(x) succeeding implies
// encode(*decode(x).value) == x, and the whole input must be one value. Iterative, never reads
// past the input, and allocates O(input size).
DecodeResult decode(QByteArrayView input, const DecodeLimits &limits = {});

// The canonical encoding: dictionary keys in KeyLess order. Recursive; the depth of `v` is the
// recursion depth.
QByteArray encode(const Value &v);

// Appends bencode to a byte array without building a Value tree, for replies built on the
// announce path. It writes exactly what it is told: the caller must write each dictionary's
// keys (with string()) in KeyLess order with no repeats, follow each key with one value, and
// close every beginDict()/beginList() with end(). Only an end() with nothing open is caught, by
// Q_ASSERT in debug builds.
class Writer
{
public:
    explicit Writer(QByteArray &out) : m_out(out) {}

    void integer(qint64 i);
    void string(QByteArrayView bytes);
    void beginDict();
    void beginList();
    void end();

private:
    QByteArray &m_out;
    int m_depth = 0;
};

} // namespace sk::proto::bencode
