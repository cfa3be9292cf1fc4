// TrackerProcess: runs the real swarmkeeperd on loopback port 0 and talks to it byte-exactly.
#pragma once

#include "shared/bencode/bencode.h"
#include "shared/types/fixedbytes.h"

#include <QByteArray>
#include <QHostAddress>
#include <QJsonObject>
#include <QList>
#include <QProcess>
#include <QProcessEnvironment>
#include <QString>
#include <QStringList>
#include <QTcpSocket>
#include <QTemporaryDir>
#include <QUdpSocket>

#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

namespace sk::itest {

// The token the fixture hands the server through SWARMKEEPER_ADMIN_TOKEN unless a test asks
// for the first-start token instead.
inline const QByteArray defaultAdminToken = "integration-admin-token-0123456789";

// Every wait in these tests is bounded by one of these instead of a sleep. They are generous
// because the machine may be shared with other builds; a passing run never waits them out.
inline constexpr int kStartTimeoutMs = 20000;
inline constexpr int kReplyTimeoutMs = 5000;
// How long a UDP test listens to conclude that the server stays silent. Silence can only be
// observed by waiting; each silent case is followed by a fresh exchange whose transaction id
// is checked, so a late reply to the silent case would still be caught there.
inline constexpr int kSilenceMs = 400;

// One parsed HTTP/1.x response.
struct HttpReply
{
    int status = 0; // 0: no complete response arrived
    QByteArray statusLine;
    QList<std::pair<QByteArray, QByteArray>> headers; // names lowercased, values trimmed
    QByteArray body;

    // The value of the first header with this lowercase name, or a null QByteArray.
    QByteArray header(QByteArrayView lowercaseName) const;
};

// An admin API response: the HTTP status and, when the body is a JSON object, that object.
struct AdminReply
{
    int status = 0;
    QByteArray body;
    QJsonObject json;

    // json["error"]["code"], empty when the reply is not an error object.
    QString errorCode() const;
};

// How a finished process ended, for runs that are expected to exit by themselves.
struct RunResult
{
    bool finished = false; // false: it did not exit within the timeout and was killed
    QProcess::ExitStatus exitStatus = QProcess::CrashExit;
    int exitCode = -1;
    QByteArray standardOutput;
    QByteArray standardError;
};

enum class TokenHeader
{
    Bearer,      // Authorization: Bearer <token>
    XAdminToken, // X-Admin-Token: <token>
};

// A blocking client connection over a raw QTcpSocket, so a test controls every byte it sends
// (pipelining, malformed requests) and sees exactly when the server closes.
class RawHttpConnection
{
public:
    bool connectTo(const QHostAddress &address, quint16 port, int timeoutMs = kReplyTimeoutMs);
    bool send(QByteArrayView bytes);
    // The next complete response. `headRequest`: the response to a HEAD has no body whatever
    // its Content-Length says.
    std::optional<HttpReply> readReply(int timeoutMs = kReplyTimeoutMs, bool headRequest = false);
    // True once the server has closed the connection (bytes that arrive first are kept).
    bool waitForClosed(int timeoutMs = kReplyTimeoutMs);
    bool isConnected() const;
    // Bytes received but not consumed by readReply().
    QByteArray pending() const { return m_buffer; }

private:
    // Reads whatever arrives within the deadline; false on timeout or close.
    bool fill(qint64 remainingMs);

    QTcpSocket m_socket;
    QByteArray m_buffer;
};

class TrackerProcess
{
public:
    TrackerProcess();
    ~TrackerProcess();
    TrackerProcess(const TrackerProcess &) = delete;
    TrackerProcess &operator=(const TrackerProcess &) = delete;

    // The data directory; a private temporary one unless set. Restarting the same object (or
    // giving a second object the same directory) keeps users, torrents and tokens.
    void setDataDir(const QString &dir) { m_dataDir = dir; }
    QString dataDir() const { return m_dataDir; }
    // Where the tracker ports listen (--bind); 127.0.0.1 unless set. Tests connect to it.
    void setTrackerBind(const QString &address) { m_bind = address; }

    // The test's environment without any SWARMKEEPER_* variable, plus the admin token (none
    // when `adminToken` is empty, so the server generates its first-start token).
    static QProcessEnvironment environment(const QByteArray &adminToken = defaultAdminToken);
    // The path of the built server binary.
    static QString binaryPath();
    // Runs swarmkeeperd with exactly `args` until it exits by itself (killed after the timeout).
    static RunResult run(const QStringList &args, const QProcessEnvironment &env = environment(),
                         int timeoutMs = kStartTimeoutMs);

    // Starts the server on port 0 for HTTP, UDP and admin with 2 workers, then `extraArgs`
    // (later flags win, so they may override the defaults), and waits for the listening line.
    // False if the process exits first or does not report in time.
    bool start(const QStringList &extraArgs = {}, const QProcessEnvironment &env = environment());
    // SIGTERM, then waits for the exit. True when it exited normally with code 0.
    bool stop(int timeoutMs = kStartTimeoutMs);
    bool isRunning() const { return m_process.state() != QProcess::NotRunning; }
    qint64 processId() const { return m_process.processId(); }
    // Waits for the process to exit by itself (after a signal the test sent).
    bool waitForExit(int timeoutMs = kStartTimeoutMs)
    {
        return m_process.waitForFinished(timeoutMs);
    }
    int exitCode() const { return m_process.exitCode(); }
    QProcess::ExitStatus exitStatus() const { return m_process.exitStatus(); }
    // Everything the current (or last) run printed so far.
    QByteArray standardOutput();
    QByteArray standardError();

    quint16 httpPort() const { return m_httpPort; }
    quint16 udpPort() const { return m_udpPort; }
    quint16 adminPort() const { return m_adminPort; }
    QHostAddress trackerAddress() const;
    // The token of this run: SWARMKEEPER_ADMIN_TOKEN or the one printed at first start.
    QByteArray adminToken() const { return m_adminToken; }
    // The first-start token printed by this run; empty if none was printed.
    QByteArray generatedToken() const { return m_generatedToken; }

    // --- admin API
    // A JSON request with this run's token. An empty `body` sends no body at all.
    AdminReply adminRequest(const QByteArray &method, const QString &path,
                            const QJsonObject &body = {}, const QByteArray &token = {},
                            TokenHeader header = TokenHeader::Bearer);
    // Exactly these headers (besides Host, Connection and Content-Length) and body bytes.
    AdminReply adminRaw(const QByteArray &method, const QString &path, const QByteArray &body,
                        const QList<std::pair<QByteArray, QByteArray>> &headers);
    // `body` as given (malformed on purpose, say) as JSON, with this run's token or none.
    AdminReply adminJson(const QByteArray &method, const QString &path, const QByteArray &body,
                         bool withToken = true);
    // POST /admin/users; an empty object if the server did not answer 201.
    QJsonObject createUser(const QString &name = QStringLiteral("user"));
    // POST /admin/torrents; an empty object if the server did not answer 201.
    QJsonObject createTorrent(const proto::InfoHash &infoHash,
                              const QString &name = QStringLiteral("torrent"));

    // --- HTTP tracker
    // One `GET rawTarget HTTP/1.1` with Connection: close; status 0 if no reply arrived. A null
    // `address` means trackerAddress() (a dual-stack server can also be reached over ::1).
    HttpReply httpGet(const QByteArray &rawTarget, const QHostAddress &address = {});
    // A connection to the tracker's HTTP port, or nullptr.
    std::unique_ptr<RawHttpConnection> connectHttp(const QHostAddress &address = {});
    // GET /<passkey>/announce?<query> (or scrape), bencode-decoded; nothing if the reply was
    // not 200 or not valid bencode.
    std::optional<proto::bencode::Value> announce(const QString &passkey, const QByteArray &query);
    std::optional<proto::bencode::Value> scrape(const QString &passkey, const QByteArray &query);

    // --- UDP tracker, from one client socket bound at start() (connection ids are tied to the
    // client's address and port, BEP 15).
    bool sendDatagram(const QByteArray &datagram);
    std::optional<QByteArray> receiveDatagram(int timeoutMs = kReplyTimeoutMs);
    std::optional<QByteArray> udpExchange(const QByteArray &datagram,
                                          int timeoutMs = kReplyTimeoutMs);
    // A BEP 15 connect; the connection id, or nothing.
    std::optional<std::uint64_t> udpConnect();
    quint16 udpClientPort() const { return m_udp.localPort(); }

private:
    bool readListeningLine();

    QTemporaryDir m_tempDir;
    QString m_dataDir;
    QString m_bind = QStringLiteral("127.0.0.1");
    QProcess m_process;
    QByteArray m_stdout;
    QByteArray m_stderr;
    quint16 m_httpPort = 0;
    quint16 m_udpPort = 0;
    quint16 m_adminPort = 0;
    QByteArray m_adminToken;
    QByteArray m_generatedToken;
    QUdpSocket m_udp;
    std::uint32_t m_nextTransactionId = 0x5a000000;
};

// Every byte as %XX: what a client must do for binary info_hashes and peer_ids (BEP 3).
QByteArray percentEncode(QByteArrayView bytes);
// A fresh random info_hash, so tests never share a swarm by accident.
proto::InfoHash randomInfoHash();
// A 20-byte peer_id: "-IT0001-" plus `tag` padded with '.'.
proto::PeerId makePeerId(QByteArrayView tag);
// A complete announce query with the required parameters, then `extra` ("&"-joined, raw).
QByteArray announceQuery(const proto::InfoHash &infoHash, const proto::PeerId &peerId, quint16 port,
                         quint64 left, QByteArrayView extra = {});
// An announce of peer_id `peer` (padded with '.' to 20 bytes) on port 6881, compact, with
// these counters (downloaded 0) and optionally an event.
QByteArray counterQuery(const proto::InfoHash &infoHash, QByteArrayView peer, quint64 uploaded,
                        quint64 left, const char *event = nullptr);
// A JSON object from {"key", value} pairs.
QJsonObject jsonObject(std::initializer_list<std::pair<const char *, QJsonValue>> fields);
// "info_hash=..&info_hash=..": a scrape query for these hashes.
QByteArray scrapeQuery(const QList<proto::InfoHash> &infoHashes);
// BEP 23 / BEP 7 compact peer: 4 or 16 address bytes and the port, big-endian.
QByteArray compactPeer(const QHostAddress &address, quint16 port);
// The bencoded value, or nothing if the bytes are not one canonical value.
std::optional<proto::bencode::Value> decodeBencode(const QByteArray &bytes);
// A dictionary entry as bytes / integer; a null QByteArray / -1 when missing or mistyped.
QByteArray dictBytes(const proto::bencode::Value &dict, QByteArrayView key);
qint64 dictInt(const proto::bencode::Value &dict, QByteArrayView key);

} // namespace sk::itest
