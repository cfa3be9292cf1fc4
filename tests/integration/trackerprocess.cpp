#include "trackerprocess.h"

#include "shared/protocol/udpprotocol.h"

#include <QDeadlineTimer>
#include <QJsonDocument>
#include <QNetworkDatagram>
#include <QRandomGenerator>
#include <QRegularExpression>
#include <QTest>

namespace sk::itest {

// ---- HttpReply / AdminReply

QByteArray HttpReply::header(QByteArrayView lowercaseName) const
{
    for (const auto &[name, value] : headers)
        if (name == lowercaseName)
            return value;
    return {};
}

QString AdminReply::errorCode() const
{
    return json.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
}

// ---- RawHttpConnection

bool RawHttpConnection::connectTo(const QHostAddress &address, quint16 port, int timeoutMs)
{
    m_buffer.clear();
    m_socket.connectToHost(address, port);
    return m_socket.waitForConnected(timeoutMs);
}

bool RawHttpConnection::send(QByteArrayView bytes)
{
    if (m_socket.write(bytes.data(), bytes.size()) != bytes.size())
        return false;
    while (m_socket.bytesToWrite() > 0) {
        if (!m_socket.waitForBytesWritten(kReplyTimeoutMs))
            return false;
    }
    return true;
}

bool RawHttpConnection::isConnected() const
{
    return m_socket.state() == QAbstractSocket::ConnectedState;
}

bool RawHttpConnection::fill(qint64 remainingMs)
{
    if (m_socket.bytesAvailable() > 0) {
        m_buffer += m_socket.readAll();
        return true;
    }
    if (m_socket.state() != QAbstractSocket::ConnectedState || remainingMs <= 0)
        return false;
    const bool ready = m_socket.waitForReadyRead(static_cast<int>(remainingMs));
    m_buffer += m_socket.readAll();
    return ready;
}

std::optional<HttpReply> RawHttpConnection::readReply(int timeoutMs, bool headRequest)
{
    const QDeadlineTimer deadline(timeoutMs);
    qsizetype headerEnd = -1;
    while ((headerEnd = m_buffer.indexOf("\r\n\r\n")) < 0) {
        if (!fill(deadline.remainingTime()))
            return std::nullopt;
    }

    HttpReply reply;
    const QList<QByteArray> lines = m_buffer.first(headerEnd).split('\n');
    reply.statusLine = lines.value(0).trimmed();
    // "HTTP/1.1 200 OK": the status is the second word.
    const QList<QByteArray> words = reply.statusLine.split(' ');
    if (words.size() < 2 || !words[0].startsWith("HTTP/1."))
        return std::nullopt;
    bool ok = false;
    const int status = words[1].toInt(&ok);
    if (!ok)
        return std::nullopt;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        const QByteArray line = lines[i].trimmed();
        const qsizetype colon = line.indexOf(':');
        if (colon <= 0)
            return std::nullopt;
        reply.headers.emplaceBack(line.first(colon).trimmed().toLower(),
                                  line.sliced(colon + 1).trimmed());
    }
    qsizetype bodyStart = headerEnd + 4;

    if (headRequest) {
        m_buffer.remove(0, bodyStart);
    } else if (const QByteArray length = reply.header("content-length"); !length.isNull()) {
        const qsizetype n = length.toLongLong(&ok);
        if (!ok || n < 0)
            return std::nullopt;
        while (m_buffer.size() - bodyStart < n) {
            if (!fill(deadline.remainingTime()))
                return std::nullopt;
        }
        reply.body = m_buffer.sliced(bodyStart, n);
        m_buffer.remove(0, bodyStart + n);
    } else if (reply.header("transfer-encoding").toLower() == "chunked") {
        // RFC 9112 §7.1: hex size line, data, CRLF; a zero size ends the body.
        qsizetype pos = bodyStart;
        for (;;) {
            qsizetype eol = -1;
            while ((eol = m_buffer.indexOf("\r\n", pos)) < 0) {
                if (!fill(deadline.remainingTime()))
                    return std::nullopt;
            }
            const qsizetype size =
                m_buffer.sliced(pos, eol - pos).split(';').value(0).trimmed().toLongLong(&ok, 16);
            if (!ok || size < 0)
                return std::nullopt;
            pos = eol + 2;
            while (m_buffer.size() < pos + size + 2) {
                if (!fill(deadline.remainingTime()))
                    return std::nullopt;
            }
            reply.body += m_buffer.sliced(pos, size);
            pos += size + 2;
            if (size == 0)
                break;
        }
        m_buffer.remove(0, pos);
    } else {
        // No framing: the body ends when the server closes.
        while (fill(deadline.remainingTime())) {
        }
        if (isConnected())
            return std::nullopt;
        reply.body = m_buffer.sliced(bodyStart);
        m_buffer.clear();
    }
    reply.status = status;
    return reply;
}

bool RawHttpConnection::waitForClosed(int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (isConnected()) {
        if (!fill(deadline.remainingTime()) && isConnected())
            return false;
    }
    return true;
}

// ---- TrackerProcess

TrackerProcess::TrackerProcess() : m_dataDir(m_tempDir.path()) {}

TrackerProcess::~TrackerProcess()
{
    if (isRunning()) {
        m_process.terminate();
        if (!m_process.waitForFinished(kStartTimeoutMs)) {
            m_process.kill();
            m_process.waitForFinished(kStartTimeoutMs);
        }
    }
}

QProcessEnvironment TrackerProcess::environment(const QByteArray &adminToken)
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    // The server rejects unknown SWARMKEEPER_* variables and honours known ones: none of the
    // caller's may leak into a test.
    for (const QString &key : env.keys())
        if (key.startsWith(QLatin1String("SWARMKEEPER_")))
            env.remove(key);
    if (!adminToken.isEmpty())
        env.insert(QStringLiteral("SWARMKEEPER_ADMIN_TOKEN"), QString::fromLatin1(adminToken));
    return env;
}

QString TrackerProcess::binaryPath()
{
    return QStringLiteral(SWARMKEEPERD_PATH);
}

RunResult TrackerProcess::run(const QStringList &args, const QProcessEnvironment &env,
                              int timeoutMs)
{
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(binaryPath(), args);
    RunResult r;
    if (!p.waitForStarted(timeoutMs))
        return r;
    r.finished = p.waitForFinished(timeoutMs);
    if (!r.finished) {
        p.kill();
        p.waitForFinished(timeoutMs);
    }
    r.exitStatus = p.exitStatus();
    r.exitCode = p.exitCode();
    r.standardOutput = p.readAllStandardOutput();
    r.standardError = p.readAllStandardError();
    return r;
}

bool TrackerProcess::start(const QStringList &extraArgs, const QProcessEnvironment &env)
{
    if (isRunning())
        return false;
    m_stdout.clear();
    m_stderr.clear();
    m_httpPort = m_udpPort = m_adminPort = 0;
    m_generatedToken.clear();
    m_adminToken = env.value(QStringLiteral("SWARMKEEPER_ADMIN_TOKEN")).toLatin1();

    const QStringList args = QStringList{QStringLiteral("--data-dir"),   m_dataDir,
                                         QStringLiteral("--http-port"),  QStringLiteral("0"),
                                         QStringLiteral("--udp-port"),   QStringLiteral("0"),
                                         QStringLiteral("--admin-port"), QStringLiteral("0"),
                                         QStringLiteral("--workers"),    QStringLiteral("2"),
                                         QStringLiteral("--bind"),       m_bind} +
                             extraArgs;
    m_process.setProcessEnvironment(env);
    m_process.start(binaryPath(), args);
    if (!m_process.waitForStarted(kStartTimeoutMs))
        return false;
    if (!readListeningLine())
        return false;

    m_udp.close();
    return m_udp.bind(trackerAddress(), 0);
}

bool TrackerProcess::readListeningLine()
{
    // Bounded wait for the one machine-readable line; the event loop feeds QProcess meanwhile.
    static const QRegularExpression listening(QStringLiteral(
        R"(swarmkeeperd: listening http=(\d+) udp=(\d+) admin=\S+:(\d+) data=.+\n)"));
    QRegularExpressionMatch match;
    const bool reported = QTest::qWaitFor(
        [&] {
            m_stdout += m_process.readAllStandardOutput();
            match = listening.match(QString::fromUtf8(m_stdout));
            return match.hasMatch() || m_process.state() == QProcess::NotRunning;
        },
        kStartTimeoutMs);
    if (!reported || !match.hasMatch())
        return false;
    m_httpPort = match.captured(1).toUShort();
    m_udpPort = match.captured(2).toUShort();
    m_adminPort = match.captured(3).toUShort();

    // First start: the token is on the line after the announcement, indented by 4 spaces.
    static const QRegularExpression generated(
        QStringLiteral(R"(first start: admin token \(shown once, stored hashed\):\n    (\S+)\n)"));
    const QRegularExpressionMatch g = generated.match(QString::fromUtf8(m_stdout));
    if (g.hasMatch()) {
        m_generatedToken = g.captured(1).toLatin1();
        if (m_adminToken.isEmpty())
            m_adminToken = m_generatedToken;
    }
    return true;
}

bool TrackerProcess::stop(int timeoutMs)
{
    if (!isRunning())
        return false;
    m_process.terminate(); // SIGTERM on Unix
    if (!m_process.waitForFinished(timeoutMs)) {
        m_process.kill();
        m_process.waitForFinished(timeoutMs);
        standardOutput();
        return false;
    }
    standardOutput();
    standardError();
    m_udp.close();
    return m_process.exitStatus() == QProcess::NormalExit && m_process.exitCode() == 0;
}

QByteArray TrackerProcess::standardOutput()
{
    m_stdout += m_process.readAllStandardOutput();
    return m_stdout;
}

QByteArray TrackerProcess::standardError()
{
    m_stderr += m_process.readAllStandardError();
    return m_stderr;
}

QHostAddress TrackerProcess::trackerAddress() const
{
    const QHostAddress bind(m_bind);
    if (bind.protocol() == QAbstractSocket::IPv6Protocol)
        return bind == QHostAddress(QHostAddress::AnyIPv6) ? QHostAddress(QHostAddress::LocalHost)
                                                           : bind;
    return bind == QHostAddress(QHostAddress::AnyIPv4) ? QHostAddress(QHostAddress::LocalHost)
                                                       : bind;
}

// ---- admin API

AdminReply TrackerProcess::adminJson(const QByteArray &method, const QString &path,
                                     const QByteArray &body, bool withToken)
{
    QList<std::pair<QByteArray, QByteArray>> headers{{"Content-Type", "application/json"}};
    if (withToken)
        headers.append({"Authorization", "Bearer " + m_adminToken});
    return adminRaw(method, path, body, headers);
}

AdminReply TrackerProcess::adminRaw(const QByteArray &method, const QString &path,
                                    const QByteArray &body,
                                    const QList<std::pair<QByteArray, QByteArray>> &headers)
{
    AdminReply result;
    RawHttpConnection c;
    if (!c.connectTo(QHostAddress(QHostAddress::LocalHost), m_adminPort))
        return result;
    QByteArray request =
        method + ' ' + path.toUtf8() + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
    for (const auto &[name, value] : headers)
        request += name + ": " + value + "\r\n";
    if (!body.isEmpty() || method == "POST")
        request += "Content-Length: " + QByteArray::number(body.size()) + "\r\n";
    request += "\r\n" + body;
    if (!c.send(request))
        return result;
    const auto reply = c.readReply();
    if (!reply)
        return result;
    result.status = reply->status;
    result.body = reply->body;
    const QJsonDocument doc = QJsonDocument::fromJson(reply->body);
    if (doc.isObject())
        result.json = doc.object();
    return result;
}

AdminReply TrackerProcess::adminRequest(const QByteArray &method, const QString &path,
                                        const QJsonObject &body, const QByteArray &token,
                                        TokenHeader header)
{
    const QByteArray t = token.isEmpty() ? m_adminToken : token;
    QList<std::pair<QByteArray, QByteArray>> headers;
    if (header == TokenHeader::Bearer)
        headers.emplaceBack("Authorization", "Bearer " + t);
    else
        headers.emplaceBack("X-Admin-Token", t);
    QByteArray bytes;
    if (!body.isEmpty()) {
        headers.emplaceBack("Content-Type", "application/json");
        bytes = QJsonDocument(body).toJson(QJsonDocument::Compact);
    }
    return adminRaw(method, path, bytes, headers);
}

QJsonObject TrackerProcess::createUser(const QString &name)
{
    const AdminReply r =
        adminRequest("POST", QStringLiteral("/admin/users"), {{QStringLiteral("name"), name}});
    return r.status == 201 ? r.json : QJsonObject();
}

QJsonObject TrackerProcess::createTorrent(const proto::InfoHash &infoHash, const QString &name)
{
    const AdminReply r = adminRequest(
        "POST", QStringLiteral("/admin/torrents"),
        {{QStringLiteral("info_hash"), infoHash.toHexString()}, {QStringLiteral("name"), name}});
    return r.status == 201 ? r.json : QJsonObject();
}

// ---- HTTP tracker

std::unique_ptr<RawHttpConnection> TrackerProcess::connectHttp(const QHostAddress &address)
{
    auto c = std::make_unique<RawHttpConnection>();
    if (!c->connectTo(address.isNull() ? trackerAddress() : address, m_httpPort))
        return nullptr;
    return c;
}

HttpReply TrackerProcess::httpGet(const QByteArray &rawTarget, const QHostAddress &address)
{
    const auto c = connectHttp(address);
    const QByteArray request =
        "GET " + rawTarget + " HTTP/1.1\r\nHost: tracker\r\nConnection: close\r\n\r\n";
    if (!c || !c->send(request))
        return {};
    return c->readReply().value_or(HttpReply());
}

std::optional<proto::bencode::Value> TrackerProcess::announce(const QString &passkey,
                                                              const QByteArray &query)
{
    const HttpReply r = httpGet('/' + passkey.toLatin1() + "/announce?" + query);
    if (r.status != 200)
        return std::nullopt;
    return decodeBencode(r.body);
}

std::optional<proto::bencode::Value> TrackerProcess::scrape(const QString &passkey,
                                                            const QByteArray &query)
{
    const HttpReply r = httpGet('/' + passkey.toLatin1() + "/scrape?" + query);
    if (r.status != 200)
        return std::nullopt;
    return decodeBencode(r.body);
}

// ---- UDP tracker

bool TrackerProcess::sendDatagram(const QByteArray &datagram)
{
    return m_udp.writeDatagram(datagram, trackerAddress(), m_udpPort) == datagram.size();
}

std::optional<QByteArray> TrackerProcess::receiveDatagram(int timeoutMs)
{
    const QDeadlineTimer deadline(timeoutMs);
    while (!m_udp.hasPendingDatagrams()) {
        const qint64 left = deadline.remainingTime();
        if (left <= 0 || !m_udp.waitForReadyRead(static_cast<int>(left)))
            return std::nullopt;
    }
    return m_udp.receiveDatagram().data();
}

std::optional<QByteArray> TrackerProcess::udpExchange(const QByteArray &datagram, int timeoutMs)
{
    if (!sendDatagram(datagram))
        return std::nullopt;
    return receiveDatagram(timeoutMs);
}

std::optional<std::uint64_t> TrackerProcess::udpConnect()
{
    const std::uint32_t txid = ++m_nextTransactionId;
    const auto reply = udpExchange(proto::udp::buildConnectRequest(txid));
    if (!reply)
        return std::nullopt;
    const auto parsed =
        proto::udp::parseConnectReply(reply->constData(), static_cast<std::size_t>(reply->size()));
    if (!parsed || parsed->transactionId != txid)
        return std::nullopt;
    return parsed->connectionId;
}

// ---- free helpers

QByteArray percentEncode(QByteArrayView bytes)
{
    static constexpr char hex[] = "0123456789ABCDEF";
    QByteArray out;
    out.reserve(bytes.size() * 3);
    for (char c : bytes) {
        const auto u = static_cast<unsigned char>(c);
        out += '%';
        out += hex[u >> 4];
        out += hex[u & 0xf];
    }
    return out;
}

proto::InfoHash randomInfoHash()
{
    proto::InfoHash ih;
    for (unsigned char &b : ih.bytes)
        b = static_cast<unsigned char>(QRandomGenerator::global()->bounded(256));
    return ih;
}

proto::PeerId makePeerId(QByteArrayView tag)
{
    QByteArray text = "-IT0001-" + tag.toByteArray();
    text = text.leftJustified(proto::PeerId::size, '.', true);
    return *proto::PeerId::fromBytes(text);
}

QByteArray announceQuery(const proto::InfoHash &infoHash, const proto::PeerId &peerId, quint16 port,
                         quint64 left, QByteArrayView extra)
{
    QByteArray q = "info_hash=" + percentEncode(infoHash.view()) +
                   "&peer_id=" + percentEncode(peerId.view()) +
                   "&port=" + QByteArray::number(port) +
                   "&uploaded=0&downloaded=0&left=" + QByteArray::number(left);
    if (!extra.isEmpty())
        q += '&' + extra.toByteArray();
    return q;
}

QByteArray counterQuery(const proto::InfoHash &infoHash, QByteArrayView peer, quint64 uploaded,
                        quint64 left, const char *event)
{
    QByteArray q = "info_hash=" + percentEncode(infoHash.view()) +
                   "&peer_id=" + peer.toByteArray().leftJustified(20, '.') +
                   "&port=6881&compact=1&uploaded=" + QByteArray::number(uploaded) +
                   "&downloaded=0&left=" + QByteArray::number(left);
    if (event)
        q += QByteArray("&event=") + event;
    return q;
}

QJsonObject jsonObject(std::initializer_list<std::pair<const char *, QJsonValue>> fields)
{
    QJsonObject o;
    for (const auto &[k, v] : fields)
        o.insert(QLatin1String(k), v);
    return o;
}

QByteArray scrapeQuery(const QList<proto::InfoHash> &infoHashes)
{
    QByteArray q;
    for (const proto::InfoHash &ih : infoHashes) {
        if (!q.isEmpty())
            q += '&';
        q += "info_hash=" + percentEncode(ih.view());
    }
    return q;
}

QByteArray compactPeer(const QHostAddress &address, quint16 port)
{
    QByteArray out;
    if (address.protocol() == QAbstractSocket::IPv6Protocol) {
        const Q_IPV6ADDR a = address.toIPv6Address();
        out = QByteArray(reinterpret_cast<const char *>(a.c), 16);
    } else {
        const quint32 v4 = address.toIPv4Address();
        out += static_cast<char>(v4 >> 24);
        out += static_cast<char>(v4 >> 16);
        out += static_cast<char>(v4 >> 8);
        out += static_cast<char>(v4);
    }
    out += static_cast<char>(port >> 8);
    out += static_cast<char>(port);
    return out;
}

std::optional<proto::bencode::Value> decodeBencode(const QByteArray &bytes)
{
    return proto::bencode::decode(bytes).value;
}

QByteArray dictBytes(const proto::bencode::Value &dict, QByteArrayView key)
{
    const proto::bencode::Value *v = dict.find(key);
    return v && v->isString() ? v->toBytes() : QByteArray();
}

qint64 dictInt(const proto::bencode::Value &dict, QByteArrayView key)
{
    const proto::bencode::Value *v = dict.find(key);
    return v && v->isInt() ? v->toInt() : -1;
}

} // namespace sk::itest
