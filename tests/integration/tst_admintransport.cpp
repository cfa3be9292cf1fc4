// How the admin listener meets browsers and networks, through the real swarmkeeperd: CORS
// (off by default; listed origins, or "*", get Access-Control-Allow-Origin on every answer and
// a preflight answered without a token) and TLS (admin.tls_cert/admin.tls_key: HTTPS and WSS
// verified against the certificate; plain HTTP refused; a half or broken configuration stops
// the start with a clear message).
#include "trackerprocess.h"

#include <QDeadlineTimer>
#include <QDir>
#include <QProcess>
#include <QSslCertificate>
#include <QSslConfiguration>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QWebSocket>

using namespace sk;
using itest::TrackerProcess;

class TestAdminTransport : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cors_data();
    void cors();
    void tlsServes();
    void tlsRefusedConfigurations_data();
    void tlsRefusedConfigurations();

private:
    QTemporaryDir m_dir;
    QString m_cert, m_key;
};

void TestAdminTransport::initTestCase()
{
    QVERIFY(m_dir.isValid());
    m_cert = m_dir.filePath(QStringLiteral("cert.pem"));
    m_key = m_dir.filePath(QStringLiteral("key.pem"));
    const QString openssl = QStandardPaths::findExecutable(QStringLiteral("openssl"));
    QVERIFY2(!openssl.isEmpty(), "openssl not found (Debian's openssl package)");
    QProcess p;
    p.start(openssl, {QStringLiteral("req"), QStringLiteral("-x509"), QStringLiteral("-newkey"),
                      QStringLiteral("ec"), QStringLiteral("-pkeyopt"),
                      QStringLiteral("ec_paramgen_curve:prime256v1"), QStringLiteral("-nodes"),
                      QStringLiteral("-keyout"), m_key, QStringLiteral("-out"), m_cert,
                      QStringLiteral("-days"), QStringLiteral("2"), QStringLiteral("-subj"),
                      QStringLiteral("/CN=127.0.0.1"), QStringLiteral("-addext"),
                      QStringLiteral("subjectAltName=IP:127.0.0.1")});
    QVERIFY(p.waitForFinished(30000));
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
}

void TestAdminTransport::cors_data()
{
    QTest::addColumn<QByteArray>("origins"); // admin.cors_origins
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QByteArray>("origin"); // the request's Origin; empty: none
    QTest::addColumn<bool>("token");
    QTest::addColumn<bool>("preflight"); // with Access-Control-Request-Method
    QTest::addColumn<int>("status");
    QTest::addColumn<QByteArray>("allowed"); // Access-Control-Allow-Origin; empty: absent
    const QByteArray console = "https://console.example.org";
    const QByteArray two = "https://console.example.org, http://localhost:5173";
    QTest::newRow("off: no header")
        << QByteArray() << QByteArray("GET") << console << true << false << 200 << QByteArray();
    QTest::newRow("off: preflight needs a token")
        << QByteArray() << QByteArray("OPTIONS") << console << false << true << 401 << QByteArray();
    QTest::newRow("listed origin")
        << two << QByteArray("GET") << console << true << false << 200 << console;
    QTest::newRow("second listed origin")
        << two << QByteArray("GET") << QByteArray("http://localhost:5173") << true << false << 200
        << QByteArray("http://localhost:5173");
    QTest::newRow("listed origin, error answer too")
        << two << QByteArray("GET") << console << false << false << 401 << console;
    QTest::newRow("unlisted origin")
        << two << QByteArray("GET") << QByteArray("https://evil.example") << true << false << 200
        << QByteArray();
    QTest::newRow("no origin header")
        << two << QByteArray("GET") << QByteArray() << true << false << 200 << QByteArray();
    QTest::newRow("preflight without a token")
        << two << QByteArray("OPTIONS") << console << false << true << 204 << console;
    QTest::newRow("preflight, unlisted origin")
        << two << QByteArray("OPTIONS") << QByteArray("https://evil.example") << false << true
        << 401 << QByteArray();
    QTest::newRow("any origin") << QByteArray("*") << QByteArray("GET")
                                << QByteArray("https://anywhere.example") << true << false << 200
                                << QByteArray("*");
}

void TestAdminTransport::cors()
{
    QFETCH(QByteArray, origins);
    QFETCH(QByteArray, method);
    QFETCH(QByteArray, origin);
    QFETCH(bool, token);
    QFETCH(bool, preflight);
    QFETCH(int, status);
    QFETCH(QByteArray, allowed);
    TrackerProcess server;
    QStringList args;
    if (!origins.isEmpty())
        args << QStringLiteral("--set")
             << QStringLiteral("admin.cors_origins=") + QString::fromLatin1(origins);
    QVERIFY(server.start(args));
    QList<std::pair<QByteArray, QByteArray>> headers;
    if (!origin.isEmpty())
        headers.append({QByteArray("Origin"), origin});
    if (token)
        headers.append({QByteArray("Authorization"), "Bearer " + server.adminToken()});
    if (preflight) {
        headers.append({QByteArray("Access-Control-Request-Method"), QByteArray("DELETE")});
        headers.append({QByteArray("Access-Control-Request-Headers"), QByteArray("authorization")});
    }
    itest::RawHttpConnection c;
    QVERIFY(c.connectTo(QHostAddress(QHostAddress::LocalHost), server.adminPort()));
    QByteArray request = method + " /admin/users HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    for (const auto &[k, v] : headers)
        request += k + ": " + v + "\r\n";
    QVERIFY(c.send(QByteArray(request + "Content-Length: 0\r\n\r\n")));
    const auto reply = c.readReply();
    QVERIFY(reply.has_value());
    QCOMPARE(reply->status, status);
    QCOMPARE(reply->header("access-control-allow-origin"), allowed);
    if (status == 204) {
        QVERIFY(reply->header("access-control-allow-methods").contains("DELETE"));
        QVERIFY(reply->header("access-control-allow-headers").toLower().contains("authorization"));
    }
    if (!allowed.isEmpty() && allowed != "*")
        QCOMPARE(reply->header("vary"), QByteArray("Origin"));
    QVERIFY(server.stop());
}

void TestAdminTransport::tlsServes()
{
    TrackerProcess server;
    QVERIFY(server.start({QStringLiteral("--set"), QStringLiteral("admin.tls_cert=") + m_cert,
                          QStringLiteral("--set"), QStringLiteral("admin.tls_key=") + m_key}));
    const QString url =
        QStringLiteral("https://127.0.0.1:%1/admin/version").arg(server.adminPort());
    // curl verifies the certificate against the one we made (name: IP 127.0.0.1).
    QProcess curl;
    curl.start(QStringLiteral("curl"),
               {QStringLiteral("-s"), QStringLiteral("--cacert"), m_cert, QStringLiteral("-H"),
                QStringLiteral("Authorization: Bearer ") + QString::fromLatin1(server.adminToken()),
                QStringLiteral("-w"), QStringLiteral("\n%{http_code}"), url});
    QVERIFY(curl.waitForFinished(30000));
    const QByteArray out = curl.readAllStandardOutput();
    QVERIFY2(out.endsWith("\n200"), out.constData());
    QVERIFY(out.contains("\"api_version\""));
    // Plain HTTP on the TLS port gets no HTTP answer.
    const auto plain = server.adminRequest("GET", QStringLiteral("/admin/version"));
    QVERIFY(plain.status != 200);
    // WSS, verified against the certificate.
    QWebSocket ws;
    QSslConfiguration tls = QSslConfiguration::defaultConfiguration();
    tls.setCaCertificates(QSslCertificate::fromPath(m_cert));
    ws.setSslConfiguration(tls);
    QString hello;
    QObject::connect(&ws, &QWebSocket::textMessageReceived,
                     [&](const QString &m) { hello = hello.isEmpty() ? m : hello; });
    ws.open(QUrl(QStringLiteral("wss://127.0.0.1:%1/ws?types=ban&token=%2")
                     .arg(server.adminPort())
                     .arg(QString::fromLatin1(server.adminToken()))));
    QDeadlineTimer d(itest::kReplyTimeoutMs);
    while (hello.isEmpty() && !d.hasExpired())
        QTest::qWait(20);
    QVERIFY2(hello.contains(QStringLiteral("\"hello\"")), qPrintable(ws.errorString()));
    ws.close();
    QVERIFY(server.stop());
}

void TestAdminTransport::tlsRefusedConfigurations_data()
{
    QTest::addColumn<QByteArray>("cert"); // "{cert}", "{key}" or a path
    QTest::addColumn<QByteArray>("key");
    QTest::addColumn<QByteArray>("message");
    QTest::newRow("cert without key")
        << QByteArray("{cert}") << QByteArray() << QByteArray("go together");
    QTest::newRow("key without cert")
        << QByteArray() << QByteArray("{key}") << QByteArray("go together");
    QTest::newRow("missing file") << QByteArray("/nonexistent/cert.pem") << QByteArray("{key}")
                                  << QByteArray("cannot read");
    QTest::newRow("key as cert") << QByteArray("{key}") << QByteArray("{key}")
                                 << QByteArray("no PEM certificate");
    QTest::newRow("cert as key") << QByteArray("{cert}") << QByteArray("{cert}")
                                 << QByteArray("no RSA or EC PEM key");
}

void TestAdminTransport::tlsRefusedConfigurations()
{
    QFETCH(QByteArray, cert);
    QFETCH(QByteArray, key);
    QFETCH(QByteArray, message);
    const auto path = [&](const QByteArray &v) {
        return v == "{cert}" ? m_cert : v == "{key}" ? m_key : QString::fromLatin1(v);
    };
    QTemporaryDir data;
    const auto r = TrackerProcess::run(
        {QStringLiteral("--data-dir"), data.path(), QStringLiteral("--http-port"),
         QStringLiteral("0"), QStringLiteral("--udp-port"), QStringLiteral("0"),
         QStringLiteral("--admin-port"), QStringLiteral("0"), QStringLiteral("--set"),
         QStringLiteral("admin.tls_cert=") + path(cert), QStringLiteral("--set"),
         QStringLiteral("admin.tls_key=") + path(key)});
    QVERIFY(r.finished);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(r.standardError.contains(message), r.standardError.constData());
}

QTEST_GUILESS_MAIN(TestAdminTransport)
#include "tst_admintransport.moc"
