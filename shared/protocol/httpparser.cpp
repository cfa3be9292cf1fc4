#include "httpparser.h"

#include "bytescan.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstring>

namespace sk::proto::http {

namespace {

using bytescan::find;
using bytescan::is;

// RFC 9110 §5.6.2: tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" /
// "_" / "`" / "|" / "~" / DIGIT / ALPHA. A table keeps the per-byte test to one load.
constexpr std::array<bool, 256> makeTcharTable()
{
    std::array<bool, 256> t{};
    for (int c = '0'; c <= '9'; ++c)
        t[static_cast<std::size_t>(c)] = true;
    for (int c = 'a'; c <= 'z'; ++c)
        t[static_cast<std::size_t>(c)] = true;
    for (int c = 'A'; c <= 'Z'; ++c)
        t[static_cast<std::size_t>(c)] = true;
    for (unsigned char c :
         {'!', '#', '$', '%', '&', '\'', '*', '+', '-', '.', '^', '_', '`', '|', '~'})
        t[c] = true;
    return t;
}
constexpr std::array<bool, 256> tcharTable = makeTcharTable();

bool isTchar(char c)
{
    return tcharTable[static_cast<unsigned char>(c)];
}

// The request line is ASCII text: printable bytes and SP only. Control bytes and bytes >= 0x80
// never occur in a real client's request line (clients percent-encode binary info_hashes), so
// they are treated as hostile rather than passed on to the query decoder.
bool isRequestLineByte(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
}

// isRequestLineByte over a whole range, 8 bytes per step: the request line is most of a
// tracker request and this check was the parser's hottest loop. Per byte lane (SWAR, "Bit
// Twiddling Hacks" hasless/hasmore): (x - 0x20) & ~x sets the high bit of a lane below 0x20,
// (x + 0x01) | x sets it for a lane above 0x7e. Both are exact as to whether any lane matches.
bool allRequestLineBytes(const char *p, qsizetype n)
{
    constexpr std::uint64_t ones = 0x0101010101010101ull;
    constexpr std::uint64_t high = 0x8080808080808080ull;
    qsizetype i = 0;
    for (; i + 8 <= n; i += 8) {
        std::uint64_t x;
        std::memcpy(&x, p + i, 8);
        if ((((x - ones * 0x20) & ~x) | ((x + ones) | x)) & high)
            return false;
    }
    for (; i < n; ++i) {
        if (!isRequestLineByte(p[i]))
            return false;
    }
    return true;
}

// RFC 9110 §5.5: field-value bytes are VCHAR, SP, HTAB and obs-text (>= 0x80). NUL, a bare CR
// and the other controls are rejected (RFC 9110 §5.5 says a recipient MUST reject or replace).
bool isFieldValueByte(char c)
{
    const auto u = static_cast<unsigned char>(c);
    return u == '\t' || (u >= 0x20 && u != 0x7f);
}

bool isOws(char c)
{
    return c == ' ' || c == '\t';
}

char asciiLower(char c)
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + ('a' - 'A')) : c;
}

// `lower` must be lowercase ASCII.
bool equalsIgnoringCase(QByteArrayView text, QByteArrayView lower)
{
    if (text.size() != lower.size())
        return false;
    for (qsizetype i = 0; i < text.size(); ++i) {
        if (asciiLower(text[i]) != lower[i])
            return false;
    }
    return true;
}

QByteArrayView trimOws(QByteArrayView v)
{
    qsizetype b = 0;
    qsizetype e = v.size();
    while (b < e && isOws(v[b]))
        ++b;
    while (e > b && isOws(v[e - 1]))
        --e;
    return v.sliced(b, e - b);
}

// Finds '\n' in data[from, to); -1 if none. memchr is the fast path of the whole parser.
qsizetype findLf(const char *data, qsizetype from, qsizetype to)
{
    if (to <= from)
        return -1;
    const void *p = std::memchr(data + from, '\n', static_cast<std::size_t>(to - from));
    return p ? static_cast<const char *>(p) - data : -1;
}

// The length of the line ending at the '\n' at index lf, without its optional '\r'.
qsizetype lineEnd(const char *data, qsizetype from, qsizetype lf)
{
    return (lf > from && data[lf - 1] == '\r') ? lf - 1 : lf;
}

Result fail(Result r, Error e)
{
    r.status = Status::Failed;
    r.error = e;
    r.consumed = 0;
    return r;
}

// Connection: a comma-separated token list (RFC 9110 §7.6.1), tokens case-insensitive.
void applyConnection(QByteArrayView value, bool &sawClose, bool &sawKeepAlive)
{
    qsizetype start = 0;
    while (start <= value.size()) {
        qsizetype comma = find(value, ',', start);
        if (comma < 0)
            comma = value.size();
        const QByteArrayView token = trimOws(value.sliced(start, comma - start));
        if (equalsIgnoringCase(token, "close"))
            sawClose = true;
        else if (equalsIgnoringCase(token, "keep-alive"))
            sawKeepAlive = true;
        start = comma + 1;
    }
}

// The request line without its line ending. Fills head, target, version and the default
// keep-alive into req.
Error parseRequestLine(QByteArrayView line, Request &req)
{
    if (!allRequestLineBytes(line.data(), line.size()))
        return Error::BadRequestLine;
    const qsizetype sp1 = find(line, ' ');
    if (sp1 <= 0)
        return Error::BadRequestLine;
    const qsizetype sp2 = find(line, ' ', sp1 + 1);
    if (sp2 < 0)
        return Error::BadRequestLine; // HTTP/0.9 `GET /path` has no version: not supported
    const QByteArrayView method = line.first(sp1);
    const QByteArrayView target = line.sliced(sp1 + 1, sp2 - sp1 - 1);
    const QByteArrayView version = line.sliced(sp2 + 1);

    // RFC 9112 §2.3: HTTP-version = "HTTP/" DIGIT "." DIGIT. Anything else is not HTTP/1.x
    // syntax at all (400); a well-formed other version gets 505.
    if (version.size() != 8 || std::memcmp(version.data(), "HTTP/", 5) != 0 || version[6] != '.' ||
        version[5] < '0' || version[5] > '9' || version[7] < '0' || version[7] > '9')
        return Error::BadRequestLine;
    if (version[5] != '1' || version[7] > '1')
        return Error::UnsupportedVersion;
    req.minorVersion = version[7] - '0';
    req.keepAlive = req.minorVersion == 1;

    // Tracker requests are bodyless reads; HEAD is cheap to allow and some monitors use it.
    if (is(method, "GET"))
        req.head = false;
    else if (is(method, "HEAD"))
        req.head = true;
    else
        return Error::BadMethod;

    // Origin-form only (RFC 9112 §3.2.1): no absolute-form, authority-form or asterisk-form.
    if (target.isEmpty() || target[0] != '/')
        return Error::BadRequestLine;
    req.target = target;
    return Error::None;
}

} // namespace

int statusFor(Error error)
{
    switch (error) {
    case Error::None:
        return 200;
    case Error::BadRequestLine:
    case Error::BadHeader:
        return 400;
    case Error::BadMethod:
        return 405;
    case Error::UnsupportedVersion:
        return 505;
    case Error::RequestLineTooLong:
        return 414;
    case Error::TooManyHeaders:
    case Error::HeadersTooLarge:
        return 431;
    case Error::BodyNotAllowed:
        // The tracker accepts no content at all, so any announced body is "larger than the
        // server is willing to process" (RFC 9110 §15.5.14); one status keeps the mapping 1:1.
        return 413;
    }
    return 400;
}

const char *reasonPhrase(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    }
    return "";
}

Result parse(QByteArrayView buffer, const Limits &limits)
{
    Result r;
    const qsizetype size = buffer.size();
    if (size == 0)
        return r;
    const char *data = buffer.data();

    // Request line. An accepted line has at most maxRequestLine bytes plus "\r\n", so the
    // search never needs to look further than that.
    const qsizetype maxLine = limits.maxRequestLine;
    const qsizetype lf = findLf(data, 0, std::min(size, maxLine + 2));
    if (lf < 0) {
        if (size > maxLine + 1 || (size == maxLine + 1 && data[maxLine] != '\r'))
            return fail(r, Error::RequestLineTooLong);
        // Fail fast on bytes no request line can hold (a TLS ClientHello, binary junk) instead
        // of waiting for a line ending that may never come. A trailing '\r' may be the start of
        // the line ending.
        const qsizetype check = data[size - 1] == '\r' ? size - 1 : size;
        if (!allRequestLineBytes(data, check))
            return fail(r, Error::BadRequestLine);
        return r;
    }
    const qsizetype lineLen = lineEnd(data, 0, lf);
    if (lineLen > maxLine)
        return fail(r, Error::RequestLineTooLong);
    if (const Error e = parseRequestLine(QByteArrayView(data, lineLen), r.request);
        e != Error::None)
        return fail(r, e);

    // Header section: lines up to the first empty one.
    const qsizetype headerStart = lf + 1;
    const qsizetype headerEnd = headerStart + limits.maxHeaderBytes; // exclusive bound
    bool sawClose = false;
    bool sawKeepAlive = false;
    int headerCount = 0;
    qsizetype pos = headerStart;
    for (;;) {
        const qsizetype hlf = findLf(data, pos, std::min(size, headerEnd));
        if (hlf < 0) {
            if (size >= headerEnd)
                return fail(r, Error::HeadersTooLarge);
            return Result(); // NeedMore: nothing of a half-read request is reported
        }
        const qsizetype end = lineEnd(data, pos, hlf);
        if (end == pos) {
            pos = hlf + 1;
            break; // the empty line
        }
        if (++headerCount > limits.maxHeaders)
            return fail(r, Error::TooManyHeaders);

        const QByteArrayView line(data + pos, end - pos);
        pos = hlf + 1;
        // RFC 9112 §5.2: obs-fold (a line starting with whitespace) is obsolete; a server may
        // reject it with 400, which also blocks header-smuggling through folded lines.
        if (isOws(line[0]))
            return fail(r, Error::BadHeader);
        const qsizetype colon = find(line, ':');
        if (colon <= 0)
            return fail(r, Error::BadHeader);
        const QByteArrayView name = line.first(colon);
        // RFC 9112 §5.1: no whitespace between name and colon (a smuggling vector): the
        // token check rejects it together with any other non-token byte.
        for (char c : name) {
            if (!isTchar(c))
                return fail(r, Error::BadHeader);
        }
        const QByteArrayView value = trimOws(line.sliced(colon + 1));
        for (char c : value) {
            if (!isFieldValueByte(c))
                return fail(r, Error::BadHeader);
        }

        // Only the headers that change how the request is read are looked at.
        switch (name.size()) {
        case 10:
            if (equalsIgnoringCase(name, "connection"))
                applyConnection(value, sawClose, sawKeepAlive);
            break;
        case 14:
            if (equalsIgnoringCase(name, "content-length")) {
                // RFC 9110 §8.6: 1*DIGIT. A bodyless request may still say 0.
                if (value.isEmpty())
                    return fail(r, Error::BadHeader);
                bool zero = true;
                for (char c : value) {
                    if (c < '0' || c > '9')
                        return fail(r, Error::BadHeader);
                    zero = zero && c == '0';
                }
                if (!zero)
                    return fail(r, Error::BodyNotAllowed);
            }
            break;
        case 15:
            if (equalsIgnoringCase(name, "x-forwarded-for"))
                r.request.forwardedFor = value;
            break;
        case 17:
            // Any transfer coding means a body follows; we would have to decode it only to
            // throw it away, and mixing it with Content-Length is the classic smuggling setup.
            if (equalsIgnoringCase(name, "transfer-encoding"))
                return fail(r, Error::BodyNotAllowed);
            break;
        default:
            break;
        }
    }

    if (sawClose)
        r.request.keepAlive = false;
    else if (sawKeepAlive)
        r.request.keepAlive = true;
    r.status = Status::Complete;
    r.consumed = pos;
    return r;
}

void appendResponse(QByteArray &out, int status, QByteArrayView contentType, QByteArrayView body,
                    bool keepAlive, bool head)
{
    const QByteArrayView reason(reasonPhrase(status));
    const QByteArrayView connection = keepAlive ? QByteArrayView("Connection: keep-alive\r\n\r\n")
                                                : QByteArrayView("Connection: close\r\n\r\n");
    const QByteArrayView allow =
        status == 405 ? QByteArrayView("Allow: GET, HEAD\r\n") : QByteArrayView();
    char statusText[16];
    const auto statusEnd = std::to_chars(statusText, statusText + sizeof statusText, status).ptr;
    char lengthText[24];
    const auto lengthEnd =
        std::to_chars(lengthText, lengthText + sizeof lengthText, body.size()).ptr;
    const QByteArrayView parts[] = {
        "HTTP/1.1 ",
        QByteArrayView(statusText, statusEnd - statusText),
        " ",
        reason,
        "\r\nContent-Type: ",
        contentType,
        "\r\nContent-Length: ",
        QByteArrayView(lengthText, lengthEnd - lengthText),
        "\r\n",
        allow,
        connection,
        head ? QByteArrayView() : body,
    };

    // One resize and plain copies: QByteArray::append is an out-of-line insert per call, and
    // this runs once per request.
    qsizetype total = 0;
    for (const QByteArrayView &p : parts)
        total += p.size();
    qsizetype at = out.size();
    out.resize(at + total);
    char *dst = out.data();
    for (const QByteArrayView &p : parts) {
        if (!p.isEmpty())
            std::memcpy(dst + at, p.data(), static_cast<std::size_t>(p.size()));
        at += p.size();
    }
}

} // namespace sk::proto::http
