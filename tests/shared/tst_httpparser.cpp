// Tests for the bounded HTTP/1.1 request parser and response writer of the tracker port.
#include "shared/protocol/httpparser.h"

#include <QTest>

using namespace sk::proto::http;

Q_DECLARE_METATYPE(sk::proto::http::Error)
Q_DECLARE_METATYPE(sk::proto::http::Status)

namespace {

QByteArray repeat(char c, qsizetype n)
{
    return QByteArray(n, c);
}

// n distinct header lines "X-Hn: v\r\n".
QByteArray headerLines(int n)
{
    QByteArray out;
    for (int i = 0; i < n; ++i)
        out += "X-H" + QByteArray::number(i) + ": v\r\n";
    return out;
}

} // namespace

class TestHttpParser : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void goodRequest_data();
    void goodRequest();
    void needMoreForEveryPrefix_data();
    void needMoreForEveryPrefix();
    void pipelined();
    void malformed_data();
    void malformed();
    void failedKeepsHead();
    void everyByteInRequestLine();
    void limitBoundaries_data();
    void limitBoundaries();
    void statusAndReason_data();
    void statusAndReason();
    void appendResponse_data();
    void appendResponse();
};

void TestHttpParser::goodRequest_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<bool>("head");
    QTest::addColumn<QByteArray>("target");
    QTest::addColumn<int>("minor");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<QByteArray>("forwardedFor");

    const QByteArray ann = "/0123456789abcdefABCDEF0123456789/announce?info_hash=%00%ff&port=1";
    QTest::newRow("GET 1.1 default keep-alive")
        << QByteArray("GET " + ann + " HTTP/1.1\r\nHost: t\r\n\r\n") << false << ann << 1 << true
        << QByteArray();
    QTest::newRow("HEAD 1.1") << QByteArray("HEAD /scrape HTTP/1.1\r\nHost: t\r\n\r\n") << true
                              << QByteArray("/scrape") << 1 << true << QByteArray();
    QTest::newRow("GET 1.0 default close") << QByteArray("GET /announce HTTP/1.0\r\n\r\n") << false
                                           << QByteArray("/announce") << 0 << false << QByteArray();
    QTest::newRow("HEAD 1.0") << QByteArray("HEAD / HTTP/1.0\r\n\r\n") << true << QByteArray("/")
                              << 0 << false << QByteArray();
    QTest::newRow("1.0 keep-alive")
        << QByteArray("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n") << false
        << QByteArray("/") << 0 << true << QByteArray();
    QTest::newRow("1.0 Keep-Alive mixed case")
        << QByteArray("GET / HTTP/1.0\r\nCONNECTION: Keep-Alive\r\n\r\n") << false
        << QByteArray("/") << 0 << true << QByteArray();
    QTest::newRow("1.0 token list keep-alive")
        << QByteArray("GET / HTTP/1.0\r\nConnection: TE ,\tkeep-alive\r\n\r\n") << false
        << QByteArray("/") << 0 << true << QByteArray();
    QTest::newRow("1.1 close") << QByteArray("GET / HTTP/1.1\r\nConnection: close\r\n\r\n") << false
                               << QByteArray("/") << 1 << false << QByteArray();
    QTest::newRow("1.1 CLOSE lowercase name")
        << QByteArray("GET / HTTP/1.1\r\nconnection: CLOSE\r\n\r\n") << false << QByteArray("/")
        << 1 << false << QByteArray();
    QTest::newRow("1.1 token list close")
        << QByteArray("GET / HTTP/1.1\r\nConnection: Upgrade, close\r\n\r\n") << false
        << QByteArray("/") << 1 << false << QByteArray();
    QTest::newRow("close wins over keep-alive")
        << QByteArray("GET / HTTP/1.0\r\nConnection: keep-alive\r\nConnection: close\r\n\r\n")
        << false << QByteArray("/") << 0 << false << QByteArray();
    QTest::newRow("1.1 explicit keep-alive")
        << QByteArray("GET / HTTP/1.1\r\nConnection: keep-alive\r\n\r\n") << false
        << QByteArray("/") << 1 << true << QByteArray();
    QTest::newRow("close-ish token is not close")
        << QByteArray("GET / HTTP/1.1\r\nConnection: closed\r\n\r\n") << false << QByteArray("/")
        << 1 << true << QByteArray();
    QTest::newRow("X-Forwarded-For upper case, OWS trimmed")
        << QByteArray("GET / HTTP/1.1\r\nHOST: t\r\nX-FORWARDED-FOR:  \t203.0.113.7 \t\r\n\r\n")
        << false << QByteArray("/") << 1 << true << QByteArray("203.0.113.7");
    QTest::newRow("last X-Forwarded-For wins")
        << QByteArray("GET / HTTP/1.1\r\nx-forwarded-for: 1.1.1.1\r\n"
                      "X-Forwarded-For: 1.1.1.1, 198.51.100.2\r\n\r\n")
        << false << QByteArray("/") << 1 << true << QByteArray("1.1.1.1, 198.51.100.2");
    QTest::newRow("LF only") << QByteArray("GET /announce HTTP/1.1\nHost: t\nConnection: close\n\n")
                             << false << QByteArray("/announce") << 1 << false << QByteArray();
    QTest::newRow("mixed line endings") << QByteArray("GET /a HTTP/1.1\nHost: t\r\n\n") << false
                                        << QByteArray("/a") << 1 << true << QByteArray();
    QTest::newRow("no headers") << QByteArray("GET / HTTP/1.1\r\n\r\n") << false << QByteArray("/")
                                << 1 << true << QByteArray();
    QTest::newRow("Content-Length 0") << QByteArray("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")
                                      << false << QByteArray("/") << 1 << true << QByteArray();
    QTest::newRow("Content-Length 000")
        << QByteArray("GET / HTTP/1.1\r\nContent-length:000\r\n\r\n") << false << QByteArray("/")
        << 1 << true << QByteArray();
    QTest::newRow("empty header value") << QByteArray("GET / HTTP/1.1\r\nX-Empty:\r\n\r\n") << false
                                        << QByteArray("/") << 1 << true << QByteArray();
    QTest::newRow("obs-text in header value")
        << QByteArray("GET / HTTP/1.1\r\nUser-Agent: caf\xc3\xa9/1.0\r\n\r\n") << false
        << QByteArray("/") << 1 << true << QByteArray();
    QTest::newRow("tchar header name")
        << QByteArray("GET / HTTP/1.1\r\nX!#$%&'*+-.^_`|~9: v\r\n\r\n") << false << QByteArray("/")
        << 1 << true << QByteArray();
    QTest::newRow("printable target bytes")
        << QByteArray("GET /a?b=c&d=%2B+~!$'()*,;:@[]{}|\\^`\" HTTP/1.1\r\n\r\n") << false
        << QByteArray("/a?b=c&d=%2B+~!$'()*,;:@[]{}|\\^`\"") << 1 << true << QByteArray();
}

void TestHttpParser::goodRequest()
{
    QFETCH(QByteArray, input);
    QFETCH(bool, head);
    QFETCH(QByteArray, target);
    QFETCH(int, minor);
    QFETCH(bool, keepAlive);
    QFETCH(QByteArray, forwardedFor);

    const Result r = parse(input, Limits());
    QCOMPARE(r.status, Status::Complete);
    QCOMPARE(r.error, Error::None);
    QCOMPARE(r.consumed, input.size());
    QCOMPARE(r.request.head, head);
    QCOMPARE(r.request.target.toByteArray(), target);
    QCOMPARE(r.request.minorVersion, minor);
    QCOMPARE(r.request.keepAlive, keepAlive);
    QCOMPARE(r.request.forwardedFor.toByteArray(), forwardedFor);
    // The views point into the caller's buffer, not into a copy.
    QVERIFY(r.request.target.data() >= input.constData());
    QVERIFY(r.request.target.data() + r.request.target.size() <= input.constEnd());

    // Bytes after the request (the next pipelined one) are not consumed.
    const Result more = parse(QByteArray(input + "GET / HTTP/1.1\r\n"), Limits());
    QCOMPARE(more.status, Status::Complete);
    QCOMPARE(more.consumed, input.size());
}

void TestHttpParser::needMoreForEveryPrefix_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::newRow("typical announce")
        << QByteArray("GET /0123456789abcdefABCDEF0123456789/announce?info_hash=%00%FF%2B"
                      "&peer_id=-qB4520-abcdefghijkl&port=6881&uploaded=0&downloaded=0&left=0"
                      "&compact=1 HTTP/1.1\r\nHost: tracker.example:6969\r\nUser-Agent: "
                      "qBittorrent/4.5.2\r\nAccept-Encoding: gzip\r\nConnection: close\r\n\r\n");
    QTest::newRow("HEAD 1.0 LF only")
        << QByteArray("HEAD /scrape HTTP/1.0\nConnection: keep-alive\nX-Forwarded-For: ::1\n\n");
    QTest::newRow("no headers") << QByteArray("GET / HTTP/1.1\r\n\r\n");
}

void TestHttpParser::needMoreForEveryPrefix()
{
    QFETCH(QByteArray, input);
    for (qsizetype n = 0; n < input.size(); ++n) {
        const Result r = parse(QByteArrayView(input).first(n), Limits());
        if (r.status != Status::NeedMore)
            QFAIL(qPrintable(QStringLiteral("prefix of %1 bytes: not NeedMore").arg(n)));
        QCOMPARE(r.consumed, 0);
        QCOMPARE(r.error, Error::None);
    }
    const Result r = parse(input, Limits());
    QCOMPARE(r.status, Status::Complete);
    QCOMPARE(r.consumed, input.size());
}

void TestHttpParser::pipelined()
{
    const QByteArray first = "GET /a/announce?x=1 HTTP/1.1\r\nHost: t\r\n\r\n";
    const QByteArray second = "HEAD /scrape HTTP/1.0\nConnection: keep-alive\n\n";
    const QByteArray third = "GET /c HTTP/1.1\r\nConnection: close\r\n\r\n";
    const QByteArray buffer = first + second + third + "GET /partial HTT";

    struct Expected
    {
        qsizetype size;
        bool head;
        QByteArray target;
        int minor;
        bool keepAlive;
    };
    const Expected expected[] = {
        {first.size(), false, "/a/announce?x=1", 1, true},
        {second.size(), true, "/scrape", 0, true},
        {third.size(), false, "/c", 1, false},
    };

    QByteArrayView rest(buffer);
    for (const Expected &e : expected) {
        const Result r = parse(rest, Limits());
        QCOMPARE(r.status, Status::Complete);
        QCOMPARE(r.consumed, e.size);
        QCOMPARE(r.request.head, e.head);
        QCOMPARE(r.request.target.toByteArray(), e.target);
        QCOMPARE(r.request.minorVersion, e.minor);
        QCOMPARE(r.request.keepAlive, e.keepAlive);
        rest = rest.sliced(r.consumed);
    }
    const Result tail = parse(rest, Limits());
    QCOMPARE(tail.status, Status::NeedMore);
    QCOMPARE(tail.consumed, 0);
    QCOMPARE(rest.toByteArray(), QByteArray("GET /partial HTT"));
}

void TestHttpParser::malformed_data()
{
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<Error>("error");

    const QByteArray end = "\r\n\r\n";
    auto row = [](const char *name, const QByteArray &input, Error e) {
        QTest::newRow(name) << input << e;
    };
    // Request line
    row("POST", "POST /announce HTTP/1.1" + end, Error::BadMethod);
    row("CONNECT", "CONNECT tracker.example:443 HTTP/1.1" + end, Error::BadMethod);
    row("lowercase get", "get / HTTP/1.1" + end, Error::BadMethod);
    row("OPTIONS", "OPTIONS * HTTP/1.1" + end, Error::BadMethod);
    row("HTTP/2.0", "GET / HTTP/2.0" + end, Error::UnsupportedVersion);
    row("HTTP/0.9", "GET / HTTP/0.9" + end, Error::UnsupportedVersion);
    row("HTTP/1.2", "GET / HTTP/1.2" + end, Error::UnsupportedVersion);
    row("h2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", Error::UnsupportedVersion);
    row("missing version", "GET /announce" + end, Error::BadRequestLine);
    row("lowercase http", "GET / http/1.1" + end, Error::BadRequestLine);
    row("HTTP/1", "GET / HTTP/1" + end, Error::BadRequestLine);
    row("HTTP/1.10", "GET / HTTP/1.10" + end, Error::BadRequestLine);
    row("trailing space", "GET / HTTP/1.1 " + end, Error::BadRequestLine);
    row("double space", "GET  / HTTP/1.1" + end, Error::BadRequestLine);
    row("leading space", " GET / HTTP/1.1" + end, Error::BadRequestLine);
    row("empty line first", "\r\nGET / HTTP/1.1" + end, Error::BadRequestLine);
    row("target without slash", "GET announce HTTP/1.1" + end, Error::BadRequestLine);
    row("absolute-form", "GET http://t/announce HTTP/1.1" + end, Error::BadRequestLine);
    row("0x00 in target", QByteArray("GET /a\0b HTTP/1.1\r\n\r\n", 21), Error::BadRequestLine);
    row("0x7f in target", "GET /a\x7f HTTP/1.1" + end, Error::BadRequestLine);
    row("0xff in target", "GET /a\xff HTTP/1.1" + end, Error::BadRequestLine);
    row("tab separator", "GET\t/ HTTP/1.1" + end, Error::BadRequestLine);
    row("CR inside line", "GET /\r HTTP/1.1" + end, Error::BadRequestLine);
    row("0xff incomplete", "GET /announce?info_hash=\xff", Error::BadRequestLine);
    row("TLS ClientHello", QByteArray("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11),
        Error::BadRequestLine);
    row("line too long, complete", "GET /" + repeat('a', 8200) + " HTTP/1.1" + end,
        Error::RequestLineTooLong);
    row("line too long, incomplete", "GET /" + repeat('a', 9000), Error::RequestLineTooLong);
    // Headers
    row("header without colon", "GET / HTTP/1.1\r\nHost t" + end, Error::BadHeader);
    row("empty header name", "GET / HTTP/1.1\r\n: v" + end, Error::BadHeader);
    row("space before colon", "GET / HTTP/1.1\r\nHost : t" + end, Error::BadHeader);
    row("obs-fold", "GET / HTTP/1.1\r\nX-A: 1\r\n  continued" + end, Error::BadHeader);
    row("first header starts with space", "GET / HTTP/1.1\r\n Host: t" + end, Error::BadHeader);
    row("tab-folded line", "GET / HTTP/1.1\r\nX-A: 1\r\n\tmore" + end, Error::BadHeader);
    row("NUL in value", "GET / HTTP/1.1\r\nX: a" + QByteArray(1, '\0') + "b" + end,
        Error::BadHeader);
    row("bare CR in value", "GET / HTTP/1.1\r\nX: a\rb" + end, Error::BadHeader);
    row("DEL in value", "GET / HTTP/1.1\r\nX: a\x7f" + end, Error::BadHeader);
    row("0xff in name", "GET / HTTP/1.1\r\nX\xff: a" + end, Error::BadHeader);
    row("Content-Length abc", "GET / HTTP/1.1\r\nContent-Length: abc" + end, Error::BadHeader);
    row("Content-Length empty", "GET / HTTP/1.1\r\nContent-Length:" + end, Error::BadHeader);
    row("Content-Length -1", "GET / HTTP/1.1\r\nContent-Length: -1" + end, Error::BadHeader);
    row("Content-Length list", "GET / HTTP/1.1\r\nContent-Length: 0, 0" + end, Error::BadHeader);
    row("Content-Length 5", "GET / HTTP/1.1\r\nContent-Length: 5" + end + "hello",
        Error::BodyNotAllowed);
    row("Content-Length 5, incomplete", "GET / HTTP/1.1\r\ncontent-length: 5\r\n",
        Error::BodyNotAllowed);
    row("Transfer-Encoding chunked", "GET / HTTP/1.1\r\nTransfer-Encoding: chunked" + end,
        Error::BodyNotAllowed);
    row("transfer-encoding identity", "GET / HTTP/1.1\r\ntransfer-encoding: identity" + end,
        Error::BodyNotAllowed);
    row("33 headers, complete", "GET / HTTP/1.1\r\n" + headerLines(33) + "\r\n",
        Error::TooManyHeaders);
    row("33 headers, incomplete", "GET / HTTP/1.1\r\n" + headerLines(33), Error::TooManyHeaders);
    row("headers too large, complete", "GET / HTTP/1.1\r\nX-Big: " + repeat('a', 8200) + end,
        Error::HeadersTooLarge);
    row("headers too large, incomplete", "GET / HTTP/1.1\r\nX-Big: " + repeat('a', 8200),
        Error::HeadersTooLarge);
    row("slow-loris 1 MB header", "GET / HTTP/1.1\r\nX: " + repeat('a', 1 << 20),
        Error::HeadersTooLarge);
}

void TestHttpParser::malformed()
{
    QFETCH(QByteArray, input);
    QFETCH(Error, error);

    const Result r = parse(input, Limits());
    QCOMPARE(r.status, Status::Failed);
    QCOMPARE(r.error, error);
    QCOMPARE(r.consumed, 0);
}

void TestHttpParser::failedKeepsHead()
{
    // A HEAD request that is refused still gets a bodyless error reply.
    const Result r = parse("HEAD / HTTP/1.0\r\nContent-Length: 5\r\n\r\nhello", Limits());
    QCOMPARE(r.status, Status::Failed);
    QCOMPARE(r.error, Error::BodyNotAllowed);
    QVERIFY(r.request.head);
    QCOMPARE(r.request.minorVersion, 0);
}

void TestHttpParser::everyByteInRequestLine()
{
    // Each byte value at each offset of an 8-byte block (the parser checks 8 bytes at a time):
    // only printable ASCII other than space may stand in a target; anything else fails, whether
    // the line is complete or still arriving.
    for (int b = 0; b < 256; ++b) {
        const bool allowed = b > 0x20 && b < 0x7f;
        for (int offset = 0; offset < 12; ++offset) {
            const QByteArray target =
                "/" + repeat('a', offset) + QByteArray(1, char(b)) + repeat('a', 12 - offset);
            const QByteArray complete = "GET " + target + " HTTP/1.1\r\n\r\n";
            const Result r = parse(complete, Limits());
            if ((r.status == Status::Complete) != allowed ||
                (!allowed && r.error != Error::BadRequestLine))
                QFAIL(qPrintable(QStringLiteral("byte 0x%1 at %2").arg(b, 2, 16).arg(offset)));
            if (b == '\r' || b == '\n')
                continue; // a line ending, not a byte inside an incomplete line
            const Result partial = parse(QByteArray("GET " + target), Limits());
            if ((partial.status == Status::NeedMore) != (allowed || b == ' ') ||
                (!allowed && b != ' ' && partial.error != Error::BadRequestLine))
                QFAIL(qPrintable(
                    QStringLiteral("incomplete, byte 0x%1 at %2").arg(b, 2, 16).arg(offset)));
        }
    }
}

void TestHttpParser::limitBoundaries_data()
{
    QTest::addColumn<int>("maxLine");
    QTest::addColumn<int>("maxHeaders");
    QTest::addColumn<int>("maxHeaderBytes");
    QTest::addColumn<QByteArray>("input");
    QTest::addColumn<Status>("status");
    QTest::addColumn<Error>("error");

    // "GET /aaaaaa HTTP/1.1" is 20 bytes.
    const QByteArray line20 = "GET /aaaaaa HTTP/1.1";
    QTest::newRow("line at limit")
        << 20 << 8 << 100 << QByteArray(line20 + "\r\n\r\n") << Status::Complete << Error::None;
    QTest::newRow("line at limit, CR pending")
        << 20 << 8 << 100 << QByteArray(line20 + "\r") << Status::NeedMore << Error::None;
    QTest::newRow("line at limit, no CR yet")
        << 20 << 8 << 100 << line20 << Status::NeedMore << Error::None;
    QTest::newRow("line one over, complete")
        << 20 << 8 << 100 << QByteArray("GET /aaaaaaa HTTP/1.1\r\n\r\n") << Status::Failed
        << Error::RequestLineTooLong;
    QTest::newRow("line one over, LF only")
        << 20 << 8 << 100 << QByteArray("GET /aaaaaaa HTTP/1.1\n\n") << Status::Failed
        << Error::RequestLineTooLong;
    QTest::newRow("line one over, incomplete")
        << 20 << 8 << 100 << QByteArray("GET /aaaaaaa HTTP/1.") << Status::NeedMore << Error::None;
    QTest::newRow("line one over, incomplete at 21")
        << 20 << 8 << 100 << QByteArray("GET /aaaaaaa HTTP/1.1") << Status::Failed
        << Error::RequestLineTooLong;
    // Header section "A: 1\r\nB: 2\r\n\r\n" is 14 bytes.
    QTest::newRow("header bytes at limit")
        << 100 << 8 << 14 << QByteArray("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n")
        << Status::Complete << Error::None;
    QTest::newRow("header bytes one over")
        << 100 << 8 << 13 << QByteArray("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n") << Status::Failed
        << Error::HeadersTooLarge;
    QTest::newRow("header bytes at limit, incomplete")
        << 100 << 8 << 14 << QByteArray("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r") << Status::NeedMore
        << Error::None;
    QTest::newRow("header count at limit")
        << 100 << 2 << 100 << QByteArray("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\n\r\n")
        << Status::Complete << Error::None;
    QTest::newRow("header count one over")
        << 100 << 2 << 100 << QByteArray("GET / HTTP/1.1\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n")
        << Status::Failed << Error::TooManyHeaders;
}

void TestHttpParser::limitBoundaries()
{
    QFETCH(int, maxLine);
    QFETCH(int, maxHeaders);
    QFETCH(int, maxHeaderBytes);
    QFETCH(QByteArray, input);
    QFETCH(Status, status);
    QFETCH(Error, error);

    Limits limits;
    limits.maxRequestLine = maxLine;
    limits.maxHeaders = maxHeaders;
    limits.maxHeaderBytes = maxHeaderBytes;
    const Result r = parse(input, limits);
    QCOMPARE(r.status, status);
    QCOMPARE(r.error, error);
    QCOMPARE(r.consumed, status == Status::Complete ? input.size() : 0);
}

void TestHttpParser::statusAndReason_data()
{
    QTest::addColumn<Error>("error");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("reason");

    QTest::newRow("None") << Error::None << 200 << QByteArray("OK");
    QTest::newRow("BadRequestLine") << Error::BadRequestLine << 400 << QByteArray("Bad Request");
    QTest::newRow("BadMethod") << Error::BadMethod << 405 << QByteArray("Method Not Allowed");
    QTest::newRow("UnsupportedVersion")
        << Error::UnsupportedVersion << 505 << QByteArray("HTTP Version Not Supported");
    QTest::newRow("RequestLineTooLong")
        << Error::RequestLineTooLong << 414 << QByteArray("URI Too Long");
    QTest::newRow("TooManyHeaders")
        << Error::TooManyHeaders << 431 << QByteArray("Request Header Fields Too Large");
    QTest::newRow("HeadersTooLarge")
        << Error::HeadersTooLarge << 431 << QByteArray("Request Header Fields Too Large");
    QTest::newRow("BadHeader") << Error::BadHeader << 400 << QByteArray("Bad Request");
    QTest::newRow("BodyNotAllowed")
        << Error::BodyNotAllowed << 413 << QByteArray("Content Too Large");
}

void TestHttpParser::statusAndReason()
{
    QFETCH(Error, error);
    QFETCH(int, status);
    QFETCH(QByteArray, reason);
    QCOMPARE(statusFor(error), status);
    QCOMPARE(QByteArray(reasonPhrase(status)), reason);
    QCOMPARE(QByteArray(reasonPhrase(404)), QByteArray("Not Found"));
    QCOMPARE(QByteArray(reasonPhrase(599)), QByteArray());
}

void TestHttpParser::appendResponse_data()
{
    QTest::addColumn<QByteArray>("prefix");
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("contentType");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<bool>("keepAlive");
    QTest::addColumn<bool>("head");
    QTest::addColumn<QByteArray>("expected");

    const QByteArray body = "d8:intervali1800ee";
    const QByteArray binary("\0\xff\r\n", 4);
    QTest::newRow("200 keep-alive")
        << QByteArray() << 200 << QByteArray("text/plain") << body << true << false
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n"
                      "Connection: keep-alive\r\n\r\nd8:intervali1800ee");
    QTest::newRow("200 close")
        << QByteArray() << 200 << QByteArray("text/plain") << body << false << false
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n"
                      "Connection: close\r\n\r\nd8:intervali1800ee");
    QTest::newRow("HEAD keeps Content-Length, drops body")
        << QByteArray() << 200 << QByteArray("text/plain") << body << true << true
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n"
                      "Connection: keep-alive\r\n\r\n");
    QTest::newRow("405 adds Allow")
        << QByteArray() << 405 << QByteArray("text/plain") << QByteArray("no") << false << false
        << QByteArray("HTTP/1.1 405 Method Not Allowed\r\nContent-Type: text/plain\r\n"
                      "Content-Length: 2\r\nAllow: GET, HEAD\r\nConnection: close\r\n\r\nno");
    QTest::newRow("empty body")
        << QByteArray() << 404 << QByteArray("text/plain") << QByteArray() << true << false
        << QByteArray("HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 0\r\n"
                      "Connection: keep-alive\r\n\r\n");
    QTest::newRow("unknown status, empty reason")
        << QByteArray() << 599 << QByteArray("application/octet-stream") << QByteArray("x") << false
        << false
        << QByteArray("HTTP/1.1 599 \r\nContent-Type: application/octet-stream\r\n"
                      "Content-Length: 1\r\nConnection: close\r\n\r\nx");
    QTest::newRow("appends after pipelined reply")
        << QByteArray("previous") << 431 << QByteArray("text/plain") << QByteArray("big") << false
        << false
        << QByteArray("previousHTTP/1.1 431 Request Header Fields Too Large\r\n"
                      "Content-Type: text/plain\r\nContent-Length: 3\r\nConnection: close\r\n\r\n"
                      "big");
    QTest::newRow("binary body")
        << QByteArray() << 200 << QByteArray("text/plain") << binary << true << false
        << QByteArray("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n"
                      "Connection: keep-alive\r\n\r\n" +
                      binary);
}

void TestHttpParser::appendResponse()
{
    QFETCH(QByteArray, prefix);
    QFETCH(int, status);
    QFETCH(QByteArray, contentType);
    QFETCH(QByteArray, body);
    QFETCH(bool, keepAlive);
    QFETCH(bool, head);
    QFETCH(QByteArray, expected);

    QByteArray out = prefix;
    sk::proto::http::appendResponse(out, status, contentType, body, keepAlive, head);
    QCOMPARE(out, expected);
}

QTEST_APPLESS_MAIN(TestHttpParser)
#include "tst_httpparser.moc"
