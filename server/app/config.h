// Config: swarmkeeperd's one typed configuration, loaded from defaults, TOML, environment and
// flags.
#pragma once

#include "server/admin/eventhub.h"
#include "server/core/bonus.h"
#include "server/core/hitandrun.h"
#include "server/core/ratelimiter.h"
#include "server/core/reachability.h"
#include "server/core/trackersettings.h"
#include "server/net/httplistener.h"
#include "server/net/udplistener.h"

#include <QString>
#include <QStringList>

#include <optional>

namespace sk::app {

struct Config
{
    QString dataDir = QStringLiteral("data");
    int workers = 0; // 0: one per CPU core

    QString trackerBind = QStringLiteral("::");
    int httpPort = 8080; // 0: let the kernel pick (tests); -1: disabled
    int udpPort = 8081;
    int reapInterval = 60;
    int statsFlushInterval = 3;     // seconds between accounting commits
    int statsFlushRecords = 500000; // pending announces that trigger a commit at once
    int statsSnapshotLogMib = 64;   // peer journal: log size that may trigger a snapshot
    int statsSnapshotLogRatio = 4;  // ... once it is also this many times the snapshot
    core::TrackerSettings tracker;
    core::HitAndRunSettings hnr;
    core::BonusSettings bonus;
    core::RateLimitSettings rateLimit;
    core::VerificationSettings verification;
    net::HttpSettings http;
    net::UdpSettings udp;

    QString adminBind = QStringLiteral("127.0.0.1");
    int adminPort = 8082;
    int adminMaxBodyBytes = 64 * 1024;
    int auditKeepDays = 365;         // audit entries older than this are deleted
    bool metricsRequireToken = true; // /metrics on the admin listener asks for a token
    QString corsOrigins;             // empty: no CORS headers
    QString adminTlsCert;            // PEM paths; both set: the admin listener speaks TLS
    QString adminTlsKey;
    admin::FeedSettings feed; // the /ws live feed

    QString databaseDriver = QStringLiteral("sqlite");
    QString databasePath = QStringLiteral("swarmkeeper.db"); // relative to data_dir

    QString databaseFile() const; // databasePath resolved against dataDir
};

struct CommandLine
{
    Config config;
    bool printDefaultConfig = false;
    bool help = false;
    bool version = false;
};

// Parses argv (argv[0] excluded) with `env` (KEY=VALUE entries) on top of the defaults, a
// TOML file given with --config, the environment, then flags. Returns nothing with `error`
// set for unknown keys, bad values and bad flags.
std::optional<CommandLine> parseCommandLine(const QStringList &args, const QStringList &env,
                                            QString *error);

QString defaultConfigToml(); // documented defaults, as --print-default-config prints them
QString helpText();

} // namespace sk::app
