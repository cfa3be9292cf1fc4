// Integration tests for swarmkeeperd's process lifecycle: clean stop on signals, restart with the
// same data, configuration errors, --help, --version and --print-default-config.
#include "trackerprocess.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QTcpServer>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

using namespace sk;
using namespace sk::itest;
using namespace Qt::Literals::StringLiterals;

namespace {

bool writeFile(const QString &path, const QByteArray &bytes)
{
    QFile f(path);
    return f.open(QIODevice::WriteOnly | QIODevice::Truncate) && f.write(bytes) == bytes.size();
}

// Flags that make any accidental start harmless: a private data dir and kernel-chosen ports.
QStringList safeArgs(const QString &dataDir)
{
    return {u"--data-dir"_s, dataDir,           u"--http-port"_s, u"0"_s,      u"--udp-port"_s,
            u"0"_s,          u"--admin-port"_s, u"0"_s,           u"--bind"_s, u"127.0.0.1"_s};
}

// Waiting for a config error must not take the full start timeout when it goes wrong.
constexpr int kRunTimeoutMs = 10000;

} // namespace

class TestLifecycle : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void signalStopsCleanly_data();
    void signalStopsCleanly();
    void restartKeepsState();
    void configErrors_data();
    void configErrors();
    void cannotStart_data();
    void cannotStart();
    void precedence_data();
    void precedence();
    void help_data();
    void help();
    void version();
    void printDefaultConfig_data();
    void printDefaultConfig();
};

void TestLifecycle::signalStopsCleanly_data()
{
    QTest::addColumn<int>("signal");
    QTest::newRow("SIGTERM") << int(SIGTERM);
    QTest::newRow("SIGINT") << int(SIGINT);
}

void TestLifecycle::signalStopsCleanly()
{
    QFETCH(int, signal);
    TrackerProcess p;
    QVERIFY2(p.start(), p.standardError().constData());
    const quint16 admin = p.adminPort();
    const quint16 http = p.httpPort();
    // Working before the signal, with a keep-alive connection left open across it.
    QCOMPARE(p.adminRequest("GET", u"/admin/version"_s).status, 200);
    const auto open = p.connectHttp();
    QVERIFY(open);

    QCOMPARE(::kill(static_cast<pid_t>(p.processId()), signal), 0);
    QVERIFY(p.waitForExit());
    QCOMPARE(p.exitStatus(), QProcess::NormalExit);
    QCOMPARE(p.exitCode(), 0);
    const QByteArray out = p.standardOutput();
    const QByteArray shuttingDown =
        "swarmkeeperd: signal " + QByteArray::number(signal) + ", shutting down\n";
    QVERIFY2(out.contains(shuttingDown), out.constData());
    QVERIFY2(out.endsWith("swarmkeeperd: stopped\n"), out.constData());
    QVERIFY2(p.standardError().isEmpty(), p.standardError().constData());

    // Every port is released.
    QVERIFY(open->waitForClosed());
    QTcpServer adminAgain;
    QVERIFY(adminAgain.listen(QHostAddress::LocalHost, admin));
    QTcpServer httpAgain;
    QVERIFY(httpAgain.listen(QHostAddress::LocalHost, http));
}

void TestLifecycle::restartKeepsState()
{
    TrackerProcess p;
    const QProcessEnvironment noToken = TrackerProcess::environment({});
    QVERIFY2(p.start({}, noToken), p.standardError().constData());
    const QByteArray token = p.generatedToken();
    QVERIFY(!token.isEmpty());
    QVERIFY(p.standardOutput().contains("first start: admin token"));
    const QJsonObject user = p.createUser(u"survivor"_s);
    QVERIFY(!user.isEmpty());
    const proto::InfoHash ih = randomInfoHash();
    const QJsonObject torrent = p.createTorrent(ih, u"kept"_s);
    QVERIFY(!torrent.isEmpty());
    QVERIFY(p.stop());

    // Second start, same data directory, no token in the environment: no new token is made,
    // the first one still works, and users and torrents are back.
    QVERIFY2(p.start({}, noToken), p.standardError().constData());
    QVERIFY(p.generatedToken().isEmpty());
    QVERIFY2(!p.standardOutput().contains("first start"), p.standardOutput().constData());
    for (TokenHeader h : {TokenHeader::Bearer, TokenHeader::XAdminToken}) {
        QCOMPARE(p.adminRequest("GET", u"/admin/version"_s, {}, token, h).status, 200);
        QCOMPARE(p.adminRequest("GET", u"/admin/version"_s, {}, "not-the-token", h).status, 401);
    }
    const QString userPath = u"/admin/users/%1"_s.arg(user.value(u"id"_s).toInteger());
    QCOMPARE(p.adminRequest("GET", userPath, {}, token).json, user);
    QCOMPARE(p.adminRequest("GET", u"/admin/torrents/"_s + ih.toHexString(), {}, token).json,
             torrent);
    const auto reply = p.announce(user.value(u"passkey"_s).toString(),
                                  announceQuery(ih, makePeerId("restart"), 6881, 1));
    QVERIFY(reply);
    QVERIFY2(!reply->find("failure reason"), dictBytes(*reply, "failure reason").constData());
    QVERIFY(p.stop());

    // Third start with SWARMKEEPER_ADMIN_TOKEN: that token works, and so does the stored one.
    QVERIFY(p.start({}, TrackerProcess::environment("env-token-for-restart")));
    QVERIFY(p.generatedToken().isEmpty());
    QCOMPARE(p.adminRequest("GET", u"/admin/version"_s, {}, "env-token-for-restart").status, 200);
    QCOMPARE(p.adminRequest("GET", u"/admin/version"_s, {}, token).status, 200);
    QVERIFY(p.stop());
}

void TestLifecycle::configErrors_data()
{
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QStringList>("env");     // KEY=VALUE
    QTest::addColumn<QByteArray>("toml");     // non-empty: written to a file passed with --config
    QTest::addColumn<QStringList>("message"); // each must appear in stderr

    const QStringList none;
    const QByteArray noToml;
    QTest::newRow("http port 70000")
        << QStringList{u"--http-port"_s, u"70000"_s} << none << noToml
        << QStringList{u"tracker.http_port"_s, u"70000"_s, u"out of range -1..65535"_s};
    QTest::newRow("http port -2") << QStringList{u"--http-port=-2"_s} << none << noToml
                                  << QStringList{u"tracker.http_port"_s, u"out of range"_s};
    QTest::newRow("udp port not a number")
        << QStringList{u"--udp-port"_s, u"abc"_s} << none << noToml
        << QStringList{u"tracker.udp_port"_s, u"expected an integer"_s};
    QTest::newRow("admin port 65536") << QStringList{u"--admin-port"_s, u"65536"_s} << none
                                      << noToml << QStringList{u"admin.port"_s, u"out of range"_s};
    QTest::newRow("workers 257") << QStringList{u"--workers"_s, u"257"_s} << none << noToml
                                 << QStringList{u"workers"_s, u"out of range 0..256"_s};
    QTest::newRow("unknown flag") << QStringList{u"--frobnicate"_s} << none << noToml
                                  << QStringList{u"unknown option --frobnicate"_s};
    QTest::newRow("flag without value") << QStringList{u"--http-port"_s} << none << noToml
                                        << QStringList{u"--http-port needs a value"_s};
    QTest::newRow("--set unknown key")
        << QStringList{u"--set"_s, u"tracker.nope=1"_s} << none << noToml
        << QStringList{u"tracker.nope"_s, u"unknown key"_s};
    QTest::newRow("--set bad bool")
        << QStringList{u"--set"_s, u"udp.anonymous_scrape=maybe"_s} << none << noToml
        << QStringList{u"udp.anonymous_scrape"_s, u"expected true or false"_s};
    QTest::newRow("bad bind address") << QStringList{u"--bind"_s, u"999.1.1.1"_s} << none << noToml
                                      << QStringList{u"tracker.bind"_s, u"not an IP address"_s};
    QTest::newRow("min interval above interval")
        << QStringList{u"--set"_s, u"tracker.min_announce_interval=2000"_s} << none << noToml
        << QStringList{u"tracker.min_announce_interval"_s};
    QTest::newRow("both tracker ports disabled")
        << QStringList{u"--http-port"_s, u"-1"_s, u"--udp-port"_s, u"-1"_s} << none << noToml
        << QStringList{u"both tracker ports are disabled"_s};

    QTest::newRow("unknown environment variable")
        << none << QStringList{u"SWARMKEEPER_FOO=1"_s} << noToml
        << QStringList{u"SWARMKEEPER_FOO"_s, u"not a setting"_s};
    QTest::newRow("environment variable with a bad value")
        << none << QStringList{u"SWARMKEEPER_TRACKER_ANNOUNCE_INTERVAL=soon"_s} << noToml
        << QStringList{u"SWARMKEEPER_TRACKER_ANNOUNCE_INTERVAL"_s, u"expected an integer"_s};

    QTest::newRow("TOML unknown key")
        << none << none << QByteArray("[tracker]\nannounce_interval = 1800\nbogus = 1\n")
        << QStringList{u"config.toml:3:"_s, u"tracker.bogus"_s, u"unknown key"_s};
    QTest::newRow("TOML unknown top-level key")
        << none << none << QByteArray("# comment\ncolour = \"blue\"\n")
        << QStringList{u"config.toml:2:"_s, u"colour"_s, u"unknown key"_s};
    QTest::newRow("TOML key outside its section")
        << none << none << QByteArray("http_port = 8080\n")
        << QStringList{u"config.toml:1:"_s, u"http_port"_s, u"unknown key"_s};
    QTest::newRow("TOML misspelt section")
        << none << none << QByteArray("\n[trakcer]\nhttp_port = 1\n")
        << QStringList{u"config.toml:2:"_s, u"trakcer"_s, u"unknown section"_s};
    QTest::newRow("TOML empty unknown section")
        << none << none << QByteArray("[tracker]\nhttp_port = 0\n\n[bogus]\n")
        << QStringList{u"config.toml:4:"_s, u"bogus"_s};
    QTest::newRow("TOML string for an integer")
        << none << none << QByteArray("[tracker]\n\nhttp_port = \"eighty\"\n")
        << QStringList{u"config.toml:3:"_s, u"tracker.http_port"_s, u"expected an integer"_s};
    QTest::newRow("TOML float for an integer")
        << none << none << QByteArray("[tracker]\nhttp_port = 80.5\n")
        << QStringList{u"config.toml:2:"_s, u"tracker.http_port"_s, u"expected an integer"_s};
    QTest::newRow("TOML string for a bool")
        << none << none << QByteArray("[udp]\nanonymous_scrape = \"yes\"\n")
        << QStringList{u"config.toml:2:"_s, u"udp.anonymous_scrape"_s, u"expected true or false"_s};
    QTest::newRow("TOML integer for a string")
        << none << none << QByteArray("data_dir = 5\n")
        << QStringList{u"config.toml:1:"_s, u"data_dir"_s, u"expected a string"_s};
    QTest::newRow("TOML out of range")
        << none << none << QByteArray("[http]\nidle_timeout = 0\n")
        << QStringList{u"config.toml:2:"_s, u"http.idle_timeout"_s, u"out of range"_s};
    QTest::newRow("TOML syntax error") << none << none << QByteArray("[tracker\nhttp_port = 1\n")
                                       << QStringList{u"config.toml:1:"_s};
    QTest::newRow("config file missing")
        << QStringList{u"--config"_s, u"/nonexistent/swarmkeeper.toml"_s} << none << noToml
        << QStringList{u"/nonexistent/swarmkeeper.toml"_s, u"cannot read"_s};
}

void TestLifecycle::configErrors()
{
    QFETCH(QStringList, args);
    QFETCH(QStringList, env);
    QFETCH(QByteArray, toml);
    QFETCH(QStringList, message);

    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    QStringList all = safeArgs(dir.path());
    if (!toml.isEmpty()) {
        const QString path = dir.filePath(u"config.toml"_s);
        QVERIFY(writeFile(path, toml));
        all << u"--config"_s << path;
    }
    all << args;
    QProcessEnvironment e = TrackerProcess::environment();
    for (const QString &kv : env)
        e.insert(kv.section(QLatin1Char('='), 0, 0), kv.section(QLatin1Char('='), 1));

    const RunResult r = TrackerProcess::run(all, e, kRunTimeoutMs);
    QVERIFY2(r.finished, "still running: the configuration was accepted");
    QCOMPARE(r.exitStatus, QProcess::NormalExit);
    QCOMPARE(r.exitCode, 2);
    QVERIFY2(!r.standardOutput.contains("listening"), r.standardOutput.constData());
    const QString err = QString::fromUtf8(r.standardError);
    QVERIFY2(err.startsWith(u"swarmkeeperd: "_s), qPrintable(err));
    QVERIFY2(err.endsWith(QLatin1Char('\n')) && err.count(QLatin1Char('\n')) == 1, qPrintable(err));
    for (const QString &m : message)
        QVERIFY2(err.contains(m), qPrintable(u"expected \""_s + m + u"\" in: "_s + err));
}

void TestLifecycle::cannotStart_data()
{
    QTest::addColumn<bool>("takeAdminPort");
    QTest::addColumn<QStringList>("args");
    QTest::addColumn<QString>("message");

    // Another process holds the admin port ("@" is replaced by it).
    QTest::newRow("admin port taken")
        << true << QStringList{u"--admin-port"_s, u"@"_s} << u"cannot listen on 127.0.0.1 port @"_s;
    QTest::newRow("data dir cannot be created")
        << false << QStringList{u"--data-dir"_s, u"/proc/swarmkeeper-itest/data"_s}
        << u"cannot create data directory /proc/swarmkeeper-itest/data"_s;
}

void TestLifecycle::cannotStart()
{
    QFETCH(bool, takeAdminPort);
    QFETCH(QStringList, args);
    QFETCH(QString, message);

    // The configuration is valid but the server cannot run: exit 1, not 2 and not 0.
    QTcpServer holder;
    if (takeAdminPort) {
        QVERIFY(holder.listen(QHostAddress::LocalHost, 0));
        const QString port = QString::number(holder.serverPort());
        args.replaceInStrings(u"@"_s, port);
        message.replace(u"@"_s, port);
    }
    QTemporaryDir dir;
    const RunResult r = TrackerProcess::run(safeArgs(dir.path()) + args,
                                            TrackerProcess::environment(), kRunTimeoutMs);
    QVERIFY(r.finished);
    QCOMPARE(r.exitStatus, QProcess::NormalExit);
    QCOMPARE(r.exitCode, 1);
    QVERIFY2(!r.standardOutput.contains("listening"), r.standardOutput.constData());
    const QString err = QString::fromUtf8(r.standardError);
    // Qt may log its own line first; ours names the cause.
    QVERIFY2(err.contains(u"swarmkeeperd: cannot start: "_s + message + QLatin1Char('\n')),
             qPrintable(err));
}

void TestLifecycle::precedence_data()
{
    // tracker.announce_interval, observable as the announce reply's interval once jitter is
    // off: defaults < TOML < environment < flags.
    QTest::addColumn<QByteArray>("toml");
    QTest::addColumn<QString>("env");
    QTest::addColumn<QString>("flag");
    QTest::addColumn<qint64>("interval");

    QTest::newRow("default") << QByteArray() << QString() << QString() << qint64(1800);
    QTest::newRow("TOML") << QByteArray("[tracker]\nannounce_interval = 1000\n") << QString()
                          << QString() << qint64(1000);
    QTest::newRow("environment over TOML") << QByteArray("[tracker]\nannounce_interval = 1000\n")
                                           << u"1100"_s << QString() << qint64(1100);
    QTest::newRow("flag over environment and TOML")
        << QByteArray("[tracker]\nannounce_interval = 1000\n") << u"1100"_s << u"1200"_s
        << qint64(1200);
}

void TestLifecycle::precedence()
{
    QFETCH(QByteArray, toml);
    QFETCH(QString, env);
    QFETCH(QString, flag);
    QFETCH(qint64, interval);

    QTemporaryDir dir;
    QStringList args{u"--set"_s, u"tracker.interval_jitter_percent=0"_s};
    if (!toml.isEmpty()) {
        QVERIFY(writeFile(dir.filePath(u"c.toml"_s), toml));
        args << u"--config"_s << dir.filePath(u"c.toml"_s);
    }
    if (!flag.isEmpty())
        args << u"--set"_s << u"tracker.announce_interval="_s + flag;
    QProcessEnvironment e = TrackerProcess::environment();
    if (!env.isEmpty())
        e.insert(u"SWARMKEEPER_TRACKER_ANNOUNCE_INTERVAL"_s, env);

    TrackerProcess p;
    QVERIFY2(p.start(args, e), p.standardError().constData());
    const QString pk = p.createUser().value(u"passkey"_s).toString();
    const proto::InfoHash ih = randomInfoHash();
    QVERIFY(!p.createTorrent(ih).isEmpty());
    const auto reply = p.announce(pk, announceQuery(ih, makePeerId("prec"), 6881, 1));
    QVERIFY(reply);
    QCOMPARE(dictInt(*reply, "interval"), interval);
    QVERIFY(p.stop());
}

void TestLifecycle::help_data()
{
    QTest::addColumn<QString>("flag");
    for (const char *flag :
         {"--config", "--data-dir", "--http-port", "--udp-port", "--admin-port", "--workers",
          "--print-default-config", "--bind", "--set", "--help", "--version"})
        QTest::newRow(flag) << QString::fromLatin1(flag);
}

void TestLifecycle::help()
{
    QFETCH(QString, flag);
    const RunResult r = TrackerProcess::run({u"--help"_s});
    QVERIFY(r.finished);
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.standardError.isEmpty());
    // Each flag starts a line of the option list: "  --flag ...".
    const QRegularExpression line(u"^  "_s + QRegularExpression::escape(flag) + u"[ ,=]"_s,
                                  QRegularExpression::MultilineOption);
    QVERIFY2(line.match(QString::fromUtf8(r.standardOutput)).hasMatch(),
             r.standardOutput.constData());

    const RunResult shortForm = TrackerProcess::run({u"-h"_s});
    QCOMPARE(shortForm.exitCode, 0);
    QCOMPARE(shortForm.standardOutput, r.standardOutput);
}

void TestLifecycle::version()
{
    const RunResult r = TrackerProcess::run({u"--version"_s});
    QVERIFY(r.finished);
    QCOMPARE(r.exitCode, 0);
    QVERIFY2(QRegularExpression(u"^swarmkeeperd \\d+\\.\\d+\\.\\d+\\n$"_s)
                 .match(QString::fromUtf8(r.standardOutput))
                 .hasMatch(),
             r.standardOutput.constData());
}

void TestLifecycle::printDefaultConfig_data()
{
    QTest::addColumn<bool>("viaEnvironment"); // SWARMKEEPER_CONFIG instead of --config
    QTest::newRow("--config") << false;
    QTest::newRow("SWARMKEEPER_CONFIG") << true;
}

void TestLifecycle::printDefaultConfig()
{
    QFETCH(bool, viaEnvironment);

    const RunResult r = TrackerProcess::run({u"--print-default-config"_s});
    QVERIFY(r.finished);
    QCOMPARE(r.exitCode, 0);
    QVERIFY(r.standardError.isEmpty());
    const QByteArray text = r.standardOutput;
    for (const char *expected :
         {"\n[tracker]\n", "\nhttp_port = 8080\n", "\nudp_port = 8081\n", "\n[http]\n", "\n[udp]\n",
          "\n[admin]\n", "\nport = 8082\n", "\n[database]\n", "\nannounce_interval = 1800\n"})
        QVERIFY2(text.contains(expected), expected);
    // Every setting is documented: each `key = value` line follows a comment.
    const QByteArrayList lines = text.split('\n');
    int settings = 0;
    for (qsizetype i = 1; i < lines.size(); ++i) {
        if (lines[i].isEmpty() || lines[i].startsWith('#') || lines[i].startsWith('['))
            continue;
        QVERIFY2(lines[i].contains(" = "), lines[i].constData());
        QVERIFY2(lines[i - 1].startsWith("# "), lines[i].constData());
        ++settings;
    }
    QVERIFY(settings >= 20);

    // Written to a file and read back, it starts the server; one edited value shows the file
    // is really read (flags still override the ports, data dir and bind address).
    QTemporaryDir dir;
    const QString path = dir.filePath(u"default.toml"_s);
    QByteArray edited = text;
    edited.replace("\nannounce_interval = 1800\n", "\nannounce_interval = 1500\n");
    edited.replace("\ninterval_jitter_percent = 10\n", "\ninterval_jitter_percent = 0\n");
    QVERIFY(edited != text);
    QVERIFY(writeFile(path, edited));

    QProcessEnvironment env = TrackerProcess::environment();
    QStringList args;
    if (viaEnvironment)
        env.insert(u"SWARMKEEPER_CONFIG"_s, path);
    else
        args << u"--config"_s << path;
    TrackerProcess p;
    QVERIFY2(p.start(args, env), p.standardError().constData());
    QCOMPARE(p.adminRequest("GET", u"/admin/version"_s).status, 200);
    const QString pk = p.createUser().value(u"passkey"_s).toString();
    const proto::InfoHash ih = randomInfoHash();
    QVERIFY(!p.createTorrent(ih).isEmpty());
    const auto reply = p.announce(pk, announceQuery(ih, makePeerId("default"), 6881, 1));
    QVERIFY(reply);
    QCOMPARE(dictInt(*reply, "interval"), 1500);
    QVERIFY(p.stop());
    // The data went where --data-dir said, not to the file's relative "data".
    QVERIFY(QFile::exists(QDir(p.dataDir()).filePath(u"swarmkeeper.db"_s)));
}

QTEST_GUILESS_MAIN(TestLifecycle)
#include "tst_lifecycle.moc"
