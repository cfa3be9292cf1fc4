#include "bencode.h"

#include <limits>

namespace sk::proto::bencode {

qint64 Value::toInt(qint64 fallback) const
{
    const qint64 *i = std::get_if<qint64>(&m_data);
    return i ? *i : fallback;
}

QByteArray Value::toBytes() const
{
    const QByteArray *bytes = std::get_if<QByteArray>(&m_data);
    return bytes ? *bytes : QByteArray();
}

const Value::List &Value::list() const
{
    static const List empty;
    const List *l = std::get_if<List>(&m_data);
    return l ? *l : empty;
}

const Value::Dict &Value::dict() const
{
    static const Dict empty;
    const Dict *d = std::get_if<Dict>(&m_data);
    return d ? *d : empty;
}

const Value *Value::find(QByteArrayView key) const
{
    const Dict *d = std::get_if<Dict>(&m_data);
    if (!d)
        return nullptr;
    const auto it = d->find(key);
    return it == d->end() ? nullptr : &it->second;
}

const char *toString(DecodeError e)
{
    switch (e) {
    case DecodeError::None:
        return "no error";
    case DecodeError::Empty:
        return "empty input";
    case DecodeError::Truncated:
        return "truncated input";
    case DecodeError::UnexpectedByte:
        return "unexpected byte";
    case DecodeError::InvalidInteger:
        return "invalid integer";
    case DecodeError::LeadingZero:
        return "leading zero";
    case DecodeError::NegativeZero:
        return "negative zero";
    case DecodeError::IntegerOverflow:
        return "integer overflow";
    case DecodeError::InvalidStringLength:
        return "invalid string length";
    case DecodeError::StringPastEnd:
        return "string runs past the end of the input";
    case DecodeError::NonStringKey:
        return "dictionary key is not a string";
    case DecodeError::UnsortedKeys:
        return "dictionary keys not sorted";
    case DecodeError::DuplicateKey:
        return "duplicate dictionary key";
    case DecodeError::TooDeep:
        return "nested too deeply";
    case DecodeError::InputTooLarge:
        return "input too large";
    case DecodeError::TooManyElements:
        return "too many elements";
    case DecodeError::TrailingData:
        return "trailing data after the value";
    }
    return "unknown error";
}

namespace {

bool isDigit(char c)
{
    return c >= '0' && c <= '9';
}

// One open list or dictionary. Children are collected in plain containers and wrapped in a
// Value when the 'e' arrives, so nothing is copied.
struct Frame
{
    bool isDict = false;
    bool haveKey = false; // a dictionary key has been read and waits for its value
    Value::List list;
    Value::Dict dict;
    QByteArray key;
};

// An explicit stack instead of recursion: hostile input cannot exhaust the thread's stack, and
// the depth limit is a plain comparison.
class Decoder
{
public:
    Decoder(QByteArrayView input, const DecodeLimits &limits) : m_in(input), m_limits(limits) {}

    DecodeResult run()
    {
        if (m_in.isEmpty())
            return fail(DecodeError::Empty, 0);
        if (m_in.size() > m_limits.maxInputSize)
            return fail(DecodeError::InputTooLarge, 0);

        std::optional<Value> root;
        while (!root) {
            if (m_pos >= m_in.size())
                return fail(DecodeError::Truncated, m_in.size());
            const char c = m_in[m_pos];

            if (!m_stack.empty()) {
                Frame &top = m_stack.back();
                if (c == 'e' && !top.haveKey) {
                    ++m_pos;
                    Value done =
                        top.isDict ? Value(std::move(top.dict)) : Value(std::move(top.list));
                    m_stack.pop_back();
                    attach(std::move(done), root);
                    continue;
                }
                if (top.isDict && !top.haveKey) {
                    if (!readKey(top))
                        return failure();
                    continue;
                }
            }

            // A value starts at m_pos.
            const bool container = c == 'l' || c == 'd';
            if (!container && c != 'i' && !isDigit(c))
                return fail(DecodeError::UnexpectedByte, m_pos);
            if (!countElement())
                return failure();
            if (container) {
                if (m_stack.size() >= static_cast<std::size_t>(qMax(m_limits.maxDepth, 0)))
                    return fail(DecodeError::TooDeep, m_pos);
                m_stack.emplace_back();
                m_stack.back().isDict = c == 'd';
                ++m_pos;
            } else if (c == 'i') {
                const std::optional<qint64> i = readInteger();
                if (!i)
                    return failure();
                attach(Value(*i), root);
            } else {
                std::optional<QByteArray> s = readString();
                if (!s)
                    return failure();
                attach(Value(std::move(*s)), root);
            }
        }
        if (m_pos != m_in.size())
            return fail(DecodeError::TrailingData, m_pos);
        return DecodeResult{std::move(root), DecodeError::None, m_pos};
    }

private:
    DecodeResult fail(DecodeError e, qsizetype at)
    {
        setError(e, at);
        return failure();
    }
    DecodeResult failure() const { return DecodeResult{std::nullopt, m_error, m_errorOffset}; }
    void setError(DecodeError e, qsizetype at)
    {
        m_error = e;
        m_errorOffset = at;
    }

    bool countElement()
    {
        if (++m_elements > m_limits.maxElements) {
            setError(DecodeError::TooManyElements, m_pos);
            return false;
        }
        return true;
    }

    void attach(Value &&v, std::optional<Value> &root)
    {
        if (m_stack.empty()) {
            root = std::move(v);
            return;
        }
        Frame &top = m_stack.back();
        if (top.isDict) {
            // Keys arrive in ascending order (readKey checked), so the end is the right hint
            // and insertion is amortised O(1).
            top.dict.emplace_hint(top.dict.end(), std::move(top.key), std::move(v));
            top.key = QByteArray();
            top.haveKey = false;
        } else {
            top.list.push_back(std::move(v));
        }
    }

    bool readKey(Frame &top)
    {
        const char c = m_in[m_pos];
        if (!isDigit(c)) {
            const bool otherValue = c == 'i' || c == 'l' || c == 'd';
            setError(otherValue ? DecodeError::NonStringKey : DecodeError::UnexpectedByte, m_pos);
            return false;
        }
        const qsizetype at = m_pos;
        if (!countElement())
            return false;
        std::optional<QByteArray> key = readString();
        if (!key)
            return false;
        // BEP 3: keys sorted as raw strings. Comparing with the last key only is enough,
        // because every earlier key passed the same check.
        if (!top.dict.empty()) {
            const QByteArray &previous = top.dict.rbegin()->first;
            if (!KeyLess()(previous, *key)) {
                setError(KeyLess()(*key, previous) ? DecodeError::UnsortedKeys
                                                   : DecodeError::DuplicateKey,
                         at);
                return false;
            }
        }
        top.key = std::move(*key);
        top.haveKey = true;
        return true;
    }

    // BEP 3: "i<base ten ASCII>e", an optional '-', no leading zeros, no "-0".
    std::optional<qint64> readInteger()
    {
        const qsizetype size = m_in.size();
        qsizetype p = m_pos + 1; // past 'i'
        const bool negative = p < size && m_in[p] == '-';
        if (negative)
            ++p;
        const qsizetype digits = p;
        // The magnitude is accumulated unsigned so that the minimum, whose magnitude is one
        // more than the maximum, still fits.
        const quint64 limit = negative ? quint64(std::numeric_limits<qint64>::max()) + 1
                                       : quint64(std::numeric_limits<qint64>::max());
        quint64 magnitude = 0;
        for (; p < size && isDigit(m_in[p]); ++p) {
            if (p == digits + 1 && m_in[digits] == '0') {
                setError(DecodeError::LeadingZero, digits);
                return std::nullopt;
            }
            const unsigned d = static_cast<unsigned>(m_in[p] - '0');
            if (magnitude > (limit - d) / 10) {
                setError(DecodeError::IntegerOverflow, digits);
                return std::nullopt;
            }
            magnitude = magnitude * 10 + d;
        }
        if (p >= size) {
            setError(DecodeError::Truncated, size);
            return std::nullopt;
        }
        if (p == digits || m_in[p] != 'e') {
            setError(DecodeError::InvalidInteger, p);
            return std::nullopt;
        }
        if (negative && magnitude == 0) {
            setError(DecodeError::NegativeZero, digits - 1);
            return std::nullopt;
        }
        m_pos = p + 1;
        // magnitude >= 1 when negative, so neither expression overflows.
        return negative ? -static_cast<qint64>(magnitude - 1) - 1 : static_cast<qint64>(magnitude);
    }

    // BEP 3: "<length>:<bytes>". The length is checked against the bytes that remain before
    // anything is allocated, so a declared "99999999999:" costs nothing.
    std::optional<QByteArray> readString()
    {
        const qsizetype size = m_in.size();
        const qsizetype start = m_pos;
        const quint64 cap = quint64(size); // no string can be longer than the input
        quint64 length = 0;
        bool tooLong = false;
        qsizetype p = start;
        for (; p < size && isDigit(m_in[p]); ++p) {
            if (p == start + 1 && m_in[start] == '0') {
                setError(DecodeError::LeadingZero, start);
                return std::nullopt;
            }
            // Stop accumulating once past the cap, but keep scanning so that the error says
            // whether a ':' follows. length <= cap / 10 keeps length * 10 + 9 from wrapping.
            if (tooLong)
                continue;
            if (length > cap / 10) {
                tooLong = true;
                continue;
            }
            length = length * 10 + static_cast<unsigned>(m_in[p] - '0');
            tooLong = length > cap;
        }
        if (p >= size) {
            setError(DecodeError::Truncated, size);
            return std::nullopt;
        }
        if (m_in[p] != ':') {
            setError(DecodeError::InvalidStringLength, p);
            return std::nullopt;
        }
        const qsizetype body = p + 1;
        if (tooLong || length > quint64(size - body)) {
            setError(DecodeError::StringPastEnd, start);
            return std::nullopt;
        }
        m_pos = body + static_cast<qsizetype>(length);
        return m_in.sliced(body, static_cast<qsizetype>(length)).toByteArray();
    }

    const QByteArrayView m_in;
    const DecodeLimits m_limits;
    qsizetype m_pos = 0;
    qsizetype m_elements = 0;
    std::vector<Frame> m_stack;
    DecodeError m_error = DecodeError::None;
    qsizetype m_errorOffset = 0;
};

void appendDecimal(QByteArray &out, qint64 i)
{
    char buffer[24]; // 19 digits and a sign
    char *const end = buffer + sizeof buffer;
    char *p = end;
    // Unsigned magnitude, so that the minimum qint64 needs no special case.
    quint64 magnitude = i < 0 ? 0 - quint64(i) : quint64(i);
    do {
        *--p = static_cast<char>('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (i < 0)
        *--p = '-';
    out.append(p, end - p);
}

void encodeTo(Writer &w, const Value &v)
{
    switch (v.type()) {
    case Value::Type::Integer:
        w.integer(v.toInt());
        return;
    case Value::Type::String:
        w.string(v.toBytes());
        return;
    case Value::Type::List:
        w.beginList();
        for (const Value &item : v.list())
            encodeTo(w, item);
        w.end();
        return;
    case Value::Type::Dict:
        // std::map iterates in KeyLess order, which is the order BEP 3 requires.
        w.beginDict();
        for (const auto &[key, item] : v.dict()) {
            w.string(key);
            encodeTo(w, item);
        }
        w.end();
        return;
    }
}

} // namespace

DecodeResult decode(QByteArrayView input, const DecodeLimits &limits)
{
    return Decoder(input, limits).run();
}

QByteArray encode(const Value &v)
{
    QByteArray out;
    Writer w(out);
    encodeTo(w, v);
    return out;
}

void Writer::integer(qint64 i)
{
    m_out.append('i');
    appendDecimal(m_out, i);
    m_out.append('e');
}

void Writer::string(QByteArrayView bytes)
{
    appendDecimal(m_out, bytes.size());
    m_out.append(':');
    m_out.append(bytes);
}

void Writer::beginDict()
{
    ++m_depth;
    m_out.append('d');
}

void Writer::beginList()
{
    ++m_depth;
    m_out.append('l');
}

void Writer::end()
{
    Q_ASSERT_X(m_depth > 0, "bencode::Writer::end", "end() without beginDict()/beginList()");
    --m_depth;
    m_out.append('e');
}

} // namespace sk::proto::bencode
