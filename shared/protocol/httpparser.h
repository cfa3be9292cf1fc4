// Bounded HTTP/1.1 request parser and response writer for the tracker port: bytes in, views out.
#pragma once

#include <QByteArray>
#include <QByteArrayView>

namespace sk::proto::http {

// Every bound is checked before the bytes it covers are complete, so a client that trickles an
// endless request line or header section (slow-loris) is cut off at the limit, not at memory
// exhaustion. The caller may keep at most maxRequestLine + maxHeaderBytes + 2 bytes buffered
// for an unfinished request.
struct Limits
{
    // Without the line ending. A BEP 48 scrape for 74 info_hashes (the BEP 15 UDP bound), each
    // `info_hash=` plus 20 fully percent-encoded bytes and a `&`, is 74 * 71 = 5254 bytes plus
    // the path: 8 KiB holds it with room to spare (nginx's large_client_header_buffers too).
    qsizetype maxRequestLine = 8192;
    // Real clients send fewer than 10 headers (Host, User-Agent, Accept-Encoding, Connection,
    // and a reverse proxy adds 2-4); 32 leaves room without letting a client make us walk
    // thousands of tiny lines.
    int maxHeaders = 32;
    // All header lines after the request line, line endings and the final empty line included.
    // Tracker requests carry no cookies or auth headers, so 8 KiB is generous.
    qsizetype maxHeaderBytes = 8192;
};

// Why a request was refused. After any error the caller answers statusFor(error) with
// `Connection: close` and closes: the stream position of the next request is unknown.
enum class Error
{
    None,
    BadRequestLine,     // 400: not `METHOD SP /target SP HTTP/x.y`, control or non-ASCII bytes
    BadMethod,          // 405: not GET or HEAD (methods are case-sensitive, RFC 9110 §9.1)
    UnsupportedVersion, // 505: well-formed HTTP/x.y that is not 1.0 or 1.1
    RequestLineTooLong, // 414: longer than Limits::maxRequestLine
    TooManyHeaders,     // 431: more than Limits::maxHeaders header lines
    HeadersTooLarge,    // 431: header section longer than Limits::maxHeaderBytes
    BadHeader,          // 400: no colon, bad name, obs-fold, control bytes, bad Content-Length
    BodyNotAllowed,     // 413: Content-Length other than 0 or any Transfer-Encoding
};

// The HTTP status to answer an error with (200 for None).
int statusFor(Error error);
// The reason phrase for the statuses the tracker sends; "" for others (RFC 9112 §4 allows an
// empty reason phrase).
const char *reasonPhrase(int status);

struct Request
{
    bool head = false;     // HEAD: answer with the headers of the GET reply and no body
    QByteArrayView target; // raw bytes of the request-target, pointing into the caller's buffer
    int minorVersion = 1;  // HTTP/1.<minorVersion>, 0 or 1
    // RFC 9112 §9.3: HTTP/1.1 persists unless `Connection: close`; HTTP/1.0 closes unless
    // `Connection: keep-alive`. `close` wins if both are listed.
    bool keepAlive = false;
    // The value of the last X-Forwarded-For header (OWS trimmed), empty if none; only for a
    // trusted reverse proxy. The last header and the rightmost entry in it are the ones the
    // proxy wrote: anything to the left came from the client and may be forged.
    QByteArrayView forwardedFor;
};

enum class Status
{
    NeedMore,
    Complete,
    Failed
};

struct Result
{
    Status status = Status::NeedMore;
    // Complete: the request. Failed: the fields parsed before the error (head and minorVersion
    // once the request line was read), so the error reply can honour HEAD.
    Request request;
    // Complete: the size of exactly this one request, line endings included; the caller drops
    // these bytes and parses again for a pipelined next request. Otherwise 0.
    qsizetype consumed = 0;
    Error error = Error::None;
};

// Parses the first request in `buffer`. Never reads outside the view and never allocates; the
// views in the result point into `buffer`. Bare LF is accepted as a line ending (RFC 9112 §2.2
// allows it). The Host header is not required (RFC 9112 §3.2 asks for a 400): the tracker
// serves one site and some minimal clients omit it.
Result parse(QByteArrayView buffer, const Limits &limits = Limits());

// Appends a complete response: status line, Content-Type, Content-Length, `Allow: GET, HEAD`
// for a 405 (RFC 9110 §15.5.6 requires it), then `Connection: keep-alive` when keepAlive
// (needed by HTTP/1.0 clients, harmless for 1.1, so it is always written rather than asking
// for the version) or `Connection: close` otherwise, the empty line and the body. For HEAD the
// body is left out but Content-Length still gives its size (RFC 9110 §9.3.2).
void appendResponse(QByteArray &out, int status, QByteArrayView contentType, QByteArrayView body,
                    bool keepAlive, bool head);

} // namespace sk::proto::http
