// Named admin tokens, roles and the audit log through the real swarmkeeperd: tokens made,
// listed and revoked with /admin/tokens and with `swarmkeeperd token` on the data directory
// (the running server follows within seconds); each role may do exactly what it should (401
// for a missing or unknown token, 403 for a role that may not); every mutating call, allowed
// or not, is in /admin/audit with who, what, target, status and address, secrets left out;
// and no token secret is in the database files.
#include "trackerprocess.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QTemporaryDir>
#include <QTest>

using namespace sk;
using itest::TrackerProcess;

class TestAdminTokens : public QObject
{
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void tokenRequests_data();
    void tokenRequests();
    void roles_data();
    void roles();
    void readonlySeesNoPasskeys();
    void auditLog();
    void commandLine();
    void secretsNotStored();
    void cleanupTestCase();

private:
    QByteArray secretOf(const QString &name) const { return m_secrets.value(name); }
    QJsonArray audit(const QString &query)
    {
        return m_server.adminRequest("GET", QStringLiteral("/admin/audit") + query)
            .json.value(QStringLiteral("entries"))
            .toArray();
    }
    // Waits until `token` gets `status` from GET /admin/users (the server re-reads tokens
    // every 5 s).
    bool waitForStatus(const QByteArray &token, int status)
    {
        QDeadlineTimer deadline(15000);
        while (!deadline.hasExpired()) {
            if (m_server.adminRequest("GET", QStringLiteral("/admin/users"), {}, token).status ==
                status)
                return true;
            QTest::qWait(200);
        }
        return false;
    }

    TrackerProcess m_server;
    QHash<QString, QByteArray> m_secrets; // token name -> secret
    QHash<QString, qint64> m_ids;
    qint64 m_user = 0;
};

void TestAdminTokens::initTestCase()
{
    QVERIFY(m_server.start());
    m_user = m_server.createUser(QStringLiteral("target")).value(QStringLiteral("id")).toInteger();
    QVERIFY(m_user > 0);
    for (const char *role : {"moderator", "readonly", "admin"}) {
        const QString name = QStringLiteral("t-") + QLatin1String(role);
        const auto r =
            m_server.adminRequest("POST", QStringLiteral("/admin/tokens"),
                                  QJsonObject{{QStringLiteral("name"), name},
                                              {QStringLiteral("role"), QLatin1String(role)}});
        QCOMPARE(r.status, 201);
        QCOMPARE(r.json.value(QStringLiteral("role")).toString(), QLatin1String(role));
        QVERIFY(r.json.value(QStringLiteral("token")).toString().startsWith(QStringLiteral("sk_")));
        m_secrets.insert(name, r.json.value(QStringLiteral("token")).toString().toLatin1());
        m_ids.insert(name, r.json.value(QStringLiteral("id")).toInteger());
    }
}

void TestAdminTokens::tokenRequests_data()
{
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    QTest::addColumn<QString>("code");
    QTest::newRow("no name") << QByteArray("POST") << "/admin/tokens"
                             << QByteArray(R"({"role":"readonly"})") << 422 << "missing_field";
    QTest::newRow("no role") << QByteArray("POST") << "/admin/tokens"
                             << QByteArray(R"({"name":"nobody"})") << 422 << "missing_field";
    QTest::newRow("all digits") << QByteArray("POST") << "/admin/tokens"
                                << QByteArray(R"({"name":"123","role":"readonly"})") << 422
                                << "invalid_field";
    QTest::newRow("bad name") << QByteArray("POST") << "/admin/tokens"
                              << QByteArray(R"({"name":"a b","role":"readonly"})") << 422
                              << "invalid_field";
    QTest::newRow("bad role") << QByteArray("POST") << "/admin/tokens"
                              << QByteArray(R"({"name":"x","role":"root"})") << 422
                              << "invalid_field";
    QTest::newRow("unknown field")
        << QByteArray("POST") << "/admin/tokens"
        << QByteArray(R"({"name":"x","role":"admin","secret":"s"})") << 422 << "unknown_field";
    QTest::newRow("not json") << QByteArray("POST") << "/admin/tokens" << QByteArray("{") << 400
                              << "invalid_json";
    QTest::newRow("taken name") << QByteArray("POST") << "/admin/tokens"
                                << QByteArray(R"({"name":"t-readonly","role":"readonly"})") << 409
                                << "conflict";
    QTest::newRow("revoke unknown")
        << QByteArray("DELETE") << "/admin/tokens/999999" << QByteArray() << 404 << "not_found";
    QTest::newRow("revoke bad id") << QByteArray("DELETE") << "/admin/tokens/abc" << QByteArray()
                                   << 400 << "invalid_parameter";
    QTest::newRow("put") << QByteArray("PUT") << "/admin/tokens" << QByteArray("{}") << 405
                         << "method_not_allowed";
}

void TestAdminTokens::tokenRequests()
{
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QFETCH(QString, code);
    const auto r = m_server.adminJson(method, path, body);
    QCOMPARE(r.status, status);
    QCOMPARE(r.errorCode(), code);
    QCOMPARE(m_server.adminJson(method, path, body, false).status, 401);
}

void TestAdminTokens::roles_data()
{
    QTest::addColumn<QString>("token"); // a name made in initTestCase, or "unknown" / "none"
    QTest::addColumn<QByteArray>("method");
    QTest::addColumn<QString>("path");
    QTest::addColumn<QByteArray>("body");
    QTest::addColumn<int>("status");
    const QByteArray get = "GET", post = "POST", put = "PUT", del = "DELETE";
    const QByteArray leech = R"({"can_leech":true})";
    const QByteArray ban = R"({"ip":"198.51.100.7","reason":"roles test"})";
    QTest::newRow("readonly reads users")
        << "t-readonly" << get << "/admin/users" << QByteArray() << 200;
    QTest::newRow("readonly reads bans")
        << "t-readonly" << get << "/admin/bans" << QByteArray() << 200;
    QTest::newRow("readonly may not change a user")
        << "t-readonly" << put << "/admin/users/%1/leech" << leech << 403;
    QTest::newRow("readonly may not ban") << "t-readonly" << post << "/admin/bans" << ban << 403;
    QTest::newRow("readonly may not list tokens")
        << "t-readonly" << get << "/admin/tokens" << QByteArray() << 403;
    QTest::newRow("readonly may not read the audit")
        << "t-readonly" << get << "/admin/audit" << QByteArray() << 403;
    QTest::newRow("moderator changes a user")
        << "t-moderator" << put << "/admin/users/%1/leech" << leech << 200;
    QTest::newRow("moderator bans") << "t-moderator" << post << "/admin/bans" << ban << 201;
    QTest::newRow("moderator unbans")
        << "t-moderator" << del << "/admin/bans/198.51.100.7" << QByteArray() << 200;
    QTest::newRow("moderator reads the audit")
        << "t-moderator" << get << "/admin/audit" << QByteArray() << 200;
    QTest::newRow("moderator may not list tokens")
        << "t-moderator" << get << "/admin/tokens" << QByteArray() << 403;
    QTest::newRow("moderator may not make tokens")
        << "t-moderator" << post << "/admin/tokens"
        << QByteArray(R"({"name":"sneaky","role":"admin"})") << 403;
    QTest::newRow("moderator may not flush")
        << "t-moderator" << post << "/admin/stats/flush" << QByteArray() << 403;
    QTest::newRow("moderator may not reset rate limits")
        << "t-moderator" << del << "/admin/ratelimits/127.0.0.1" << QByteArray() << 403;
    QTest::newRow("moderator may not clear the verification cache")
        << "t-moderator" << del << "/admin/verification/cache" << QByteArray() << 403;
    QTest::newRow("admin lists tokens")
        << "t-admin" << get << "/admin/tokens" << QByteArray() << 200;
    QTest::newRow("admin flushes")
        << "t-admin" << post << "/admin/stats/flush" << QByteArray() << 200;
    QTest::newRow("unknown token") << "unknown" << get << "/admin/users" << QByteArray() << 401;
    QTest::newRow("no token") << "none" << get << "/admin/users" << QByteArray() << 401;
}

void TestAdminTokens::roles()
{
    QFETCH(QString, token);
    QFETCH(QByteArray, method);
    QFETCH(QString, path);
    QFETCH(QByteArray, body);
    QFETCH(int, status);
    QByteArray secret =
        token == QLatin1String("unknown") ? QByteArray("sk_not-a-token") : secretOf(token);
    QList<std::pair<QByteArray, QByteArray>> headers{{"Content-Type", "application/json"}};
    if (token != QLatin1String("none"))
        headers.append({"Authorization", "Bearer " + secret});
    if (path.contains(QStringLiteral("%1")))
        path = path.arg(m_user);
    const auto r = m_server.adminRaw(method, path, body, headers);
    QCOMPARE(r.status, status);
    if (status == 403) {
        QCOMPARE(r.errorCode(), QStringLiteral("forbidden"));
        QVERIFY(r.json.value(QStringLiteral("error"))
                    .toObject()
                    .value(QStringLiteral("message"))
                    .toString()
                    .contains(token));
    }
}

// A passkey is an announce credential: readonly tokens never see one.
void TestAdminTokens::readonlySeesNoPasskeys()
{
    const QString path = QStringLiteral("/admin/users/%1").arg(m_user);
    const auto ro = m_server.adminRequest("GET", path, {}, secretOf(QStringLiteral("t-readonly")));
    QCOMPARE(ro.status, 200);
    QCOMPARE(ro.json.value(QStringLiteral("name")).toString(), QStringLiteral("target"));
    QVERIFY(!ro.json.contains(QStringLiteral("passkey")));
    const auto list = m_server.adminRequest("GET", QStringLiteral("/admin/users"), {},
                                            secretOf(QStringLiteral("t-readonly")));
    QVERIFY(!list.json.value(QStringLiteral("users")).toArray().isEmpty());
    for (const auto &v : list.json.value(QStringLiteral("users")).toArray())
        QVERIFY(!v.toObject().contains(QStringLiteral("passkey")));
    const auto mod =
        m_server.adminRequest("GET", path, {}, secretOf(QStringLiteral("t-moderator")));
    QCOMPARE(mod.json.value(QStringLiteral("passkey")).toString().size(), 32);
}

void TestAdminTokens::auditLog()
{
    const qint64 before = QDateTime::currentSecsSinceEpoch();
    // A user made with a passkey: the passkey must not reach the log.
    const QByteArray passkey = "AuditAuditAuditAuditAuditAudit01";
    const auto made =
        m_server.adminRaw("POST", QStringLiteral("/admin/users"),
                          R"({"name":"audited","passkey":")" + passkey + R"("})",
                          {{"Authorization", "Bearer " + secretOf(QStringLiteral("t-moderator"))},
                           {"Content-Type", "application/json"}});
    QCOMPARE(made.status, 201);
    const QString id = QString::number(made.json.value(QStringLiteral("id")).toInteger());
    QCOMPARE(m_server
                 .adminRaw("DELETE", QStringLiteral("/admin/users/") + id, {},
                           {{"Authorization", "Bearer " + secretOf(QStringLiteral("t-readonly"))}})
                 .status,
             403);

    // Newest first; the moderator's creation names the new user and hides the passkey.
    const QJsonArray mine = audit(QStringLiteral("?token=t-moderator&target=") + id);
    QCOMPARE(mine.size(), 1);
    const QJsonObject e = mine.first().toObject();
    QCOMPARE(e.value(QStringLiteral("method")).toString(), QStringLiteral("POST"));
    QCOMPARE(e.value(QStringLiteral("path")).toString(), QStringLiteral("/admin/users"));
    QCOMPARE(e.value(QStringLiteral("role")).toString(), QStringLiteral("moderator"));
    QCOMPARE(e.value(QStringLiteral("status")).toInt(), 201);
    QCOMPARE(e.value(QStringLiteral("ip")).toString(), QStringLiteral("127.0.0.1"));
    const QString summary = e.value(QStringLiteral("summary")).toString();
    QVERIFY2(summary.contains(QStringLiteral("audited")), qPrintable(summary));
    QVERIFY2(!summary.contains(QLatin1String(passkey)), qPrintable(summary));
    QVERIFY(QDateTime::fromString(e.value(QStringLiteral("at")).toString(), Qt::ISODate)
                .toSecsSinceEpoch() >= before);

    // The refused delete is there too, with its 403; reads are not logged.
    const QJsonArray refused = audit(QStringLiteral("?token=t-readonly"));
    bool sawRefusal = false;
    for (const auto &v : refused) {
        const QJsonObject o = v.toObject();
        QVERIFY(o.value(QStringLiteral("method")).toString() != QLatin1String("GET"));
        if (o.value(QStringLiteral("target")).toString() == id)
            sawRefusal = o.value(QStringLiteral("status")).toInt() == 403;
    }
    QVERIFY(sawRefusal);
    // Secrets in a request body are replaced, also when the call fails.
    QCOMPARE(m_server
                 .adminJson("POST", QStringLiteral("/admin/tokens"),
                            R"({"name":"x","role":"admin","secret":"hunter2-secret"})")
                 .status,
             422);
    const QJsonObject failed = audit(QStringLiteral("?token=env")).first().toObject();
    QCOMPARE(failed.value(QStringLiteral("status")).toInt(), 422);
    QCOMPARE(failed.value(QStringLiteral("path")).toString(), QStringLiteral("/admin/tokens"));
    const QString hidden = failed.value(QStringLiteral("summary")).toString();
    QVERIFY2(hidden.contains(QStringLiteral("\"secret\":\"***\"")), qPrintable(hidden));
    QVERIFY2(!hidden.contains(QStringLiteral("hunter2")), qPrintable(hidden));

    // Time filters and paging.
    const QString since = QDateTime::fromSecsSinceEpoch(before, Qt::UTC).toString(Qt::ISODate);
    const auto page =
        m_server.adminRequest("GET", QStringLiteral("/admin/audit?limit=1&since=") + since);
    QCOMPARE(page.status, 200);
    QCOMPARE(page.json.value(QStringLiteral("entries")).toArray().size(), 1);
    QVERIFY(page.json.value(QStringLiteral("total")).toInteger() >= 2);
    QCOMPARE(audit(QStringLiteral("?until=2000-01-01T00:00:00Z")).size(), 0);
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/audit?since=yesterday")).status,
             400);
    QCOMPARE(m_server.adminRequest("GET", QStringLiteral("/admin/audit?limit=0")).status, 400);
}

void TestAdminTokens::commandLine()
{
    const QStringList dataDir{QStringLiteral("--data-dir"), m_server.dataDir()};
    const auto env = TrackerProcess::environment({});
    const auto made = TrackerProcess::run(
        QStringList{QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("cli-bot"),
                    QStringLiteral("--role"), QStringLiteral("readonly")} +
            dataDir,
        env);
    QCOMPARE(made.exitCode, 0);
    const QList<QByteArray> lines = made.standardOutput.trimmed().split('\n');
    const QByteArray secret = lines.last().trimmed();
    QVERIFY2(secret.startsWith("sk_"), made.standardOutput.constData());
    QVERIFY(waitForStatus(secret, 200)); // the running server picks it up
    QCOMPARE(m_server
                 .adminRaw("POST", QStringLiteral("/admin/users"), "{}",
                           {{"Authorization", "Bearer " + secret}})
                 .status,
             403);

    const auto listed = TrackerProcess::run(
        QStringList{QStringLiteral("token"), QStringLiteral("list")} + dataDir, env);
    QCOMPARE(listed.exitCode, 0);
    QVERIFY(listed.standardOutput.contains("cli-bot"));
    QVERIFY(listed.standardOutput.contains("readonly"));
    QVERIFY(!listed.standardOutput.contains("sk_"));

    // Usage errors exit 2 and change nothing.
    for (const QStringList &bad :
         {QStringList{QStringLiteral("token")},
          QStringList{QStringLiteral("token"), QStringLiteral("create")},
          QStringList{QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("x y")},
          QStringList{QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("x"),
                      QStringLiteral("--role"), QStringLiteral("root")},
          QStringList{QStringLiteral("token"), QStringLiteral("frobnicate")},
          QStringList{QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("norole")},
          QStringList{QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("123"),
                      QStringLiteral("--role"), QStringLiteral("readonly")},
          QStringList{QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("h"),
                      QStringLiteral("--role"), QStringLiteral("admin"), QStringLiteral("--help")}})
        QCOMPARE(TrackerProcess::run(bad + dataDir, env).exitCode, 2);
    // A data directory without a database: nothing to list or revoke, and none is made.
    QTemporaryDir empty;
    const QStringList elsewhere{QStringLiteral("--data-dir"), empty.path()};
    const auto none = TrackerProcess::run(
        QStringList{QStringLiteral("token"), QStringLiteral("list")} + elsewhere, env);
    QCOMPARE(none.exitCode, 1);
    QVERIFY(none.standardError.contains("no database"));
    QVERIFY(QDir(empty.path()).isEmpty());
    const auto taken = TrackerProcess::run(
        QStringList{QStringLiteral("token"), QStringLiteral("create"), QStringLiteral("cli-bot"),
                    QStringLiteral("--role"), QStringLiteral("admin")} +
            dataDir,
        env);
    QCOMPARE(taken.exitCode, 1);
    QVERIFY(taken.standardError.contains("exists already"));

    const auto revoked = TrackerProcess::run(
        QStringList{QStringLiteral("token"), QStringLiteral("revoke"), QStringLiteral("cli-bot")} +
            dataDir,
        env);
    QCOMPARE(revoked.exitCode, 0);
    QVERIFY(waitForStatus(secret, 401)); // and drops it
    QCOMPARE(TrackerProcess::run(QStringList{QStringLiteral("token"), QStringLiteral("revoke"),
                                             QStringLiteral("cli-bot")} +
                                     dataDir,
                                 env)
                 .exitCode,
             1);

    // Revoking through the API works at once; the last stored admin token stays.
    const QString modId = QString::number(m_ids.value(QStringLiteral("t-moderator")));
    QCOMPARE(m_server.adminRequest("DELETE", QStringLiteral("/admin/tokens/") + modId).status, 200);
    QCOMPARE(m_server
                 .adminRequest("GET", QStringLiteral("/admin/users"), {},
                               secretOf(QStringLiteral("t-moderator")))
                 .status,
             401);
    const QString adminId = QString::number(m_ids.value(QStringLiteral("t-admin")));
    const auto last = m_server.adminRequest("DELETE", QStringLiteral("/admin/tokens/") + adminId);
    QCOMPARE(last.status, 409);
    const auto list = m_server.adminRequest("GET", QStringLiteral("/admin/tokens"));
    QCOMPARE(list.status, 200);
    QStringList names;
    for (const auto &v : list.json.value(QStringLiteral("tokens")).toArray()) {
        names << v.toObject().value(QStringLiteral("name")).toString();
        QVERIFY(!v.toObject().contains(QStringLiteral("token"))); // never the secret again
    }
    names.sort();
    QCOMPARE(names, (QStringList{QStringLiteral("t-admin"), QStringLiteral("t-readonly")}));
}

void TestAdminTokens::secretsNotStored()
{
    QVERIFY(m_server.stop());
    QDir dir(m_server.dataDir());
    const QStringList files = dir.entryList({QStringLiteral("*.db*")}, QDir::Files);
    QVERIFY(!files.isEmpty());
    for (const QString &name : files) {
        QFile f(dir.filePath(name));
        QVERIFY(f.open(QIODevice::ReadOnly));
        const QByteArray bytes = f.readAll();
        for (auto it = m_secrets.cbegin(); it != m_secrets.cend(); ++it)
            QVERIFY2(!bytes.contains(it.value()), qPrintable(name + QLatin1Char(' ') + it.key()));
        QVERIFY(!bytes.contains(itest::defaultAdminToken));
    }
}

void TestAdminTokens::cleanupTestCase()
{
    if (m_server.isRunning())
        m_server.stop();
}

QTEST_GUILESS_MAIN(TestAdminTokens)
#include "tst_admintokens.moc"
