#include "migrations.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QSqlError>
#include <QSqlQuery>

#include <map>

namespace sk::storage {

namespace {

// NNNN_name.sql -> NNNN
std::map<int, QString> migrationFiles(const QString &directory)
{
    static const QRegularExpression re(QStringLiteral("^(\\d{4})_[a-z0-9_]+\\.sql$"));
    std::map<int, QString> files;
    const QStringList names = QDir(directory).entryList(QDir::Files, QDir::Name);
    for (const QString &name : names) {
        const auto m = re.match(name);
        if (m.hasMatch())
            files[m.captured(1).toInt()] = directory + QLatin1Char('/') + name;
    }
    return files;
}

// Statements are separated by ';' at the end of a line; migrations hold no procedural code.
QStringList statements(const QString &sql)
{
    QStringList out;
    QString current;
    const QStringList lines = sql.split(QLatin1Char('\n'));
    for (const QString &line : lines) {
        const QString trimmed = line.trimmed();
        if (trimmed.startsWith(QLatin1String("--")))
            continue;
        current += line + QLatin1Char('\n');
        if (trimmed.endsWith(QLatin1Char(';'))) {
            out << current.trimmed();
            current.clear();
        }
    }
    if (!current.trimmed().isEmpty())
        out << current.trimmed();
    return out;
}

} // namespace

int latestMigration(const QString &directory)
{
    const auto files = migrationFiles(directory);
    return files.empty() ? 0 : files.rbegin()->first;
}

bool migrate(QSqlDatabase &db, QString *error, const QString &directory)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("CREATE TABLE IF NOT EXISTS schema_migrations ("
                               "version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)"))) {
        *error = q.lastError().text();
        return false;
    }
    int current = 0;
    if (!q.exec(QStringLiteral("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")) ||
        !q.next()) {
        *error = q.lastError().text();
        return false;
    }
    current = q.value(0).toInt();
    q.finish(); // an unfinished read would lock the schema against DROP statements

    const auto files = migrationFiles(directory);
    if (!files.empty() && current > files.rbegin()->first) {
        *error = QStringLiteral("database schema version %1 is newer than this server (%2)")
                     .arg(current)
                     .arg(files.rbegin()->first);
        return false;
    }
    for (const auto &[version, path] : files) {
        if (version <= current)
            continue;
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            *error = QStringLiteral("cannot read migration %1").arg(path);
            return false;
        }
        const QString sql = QString::fromUtf8(f.readAll());
        if (!db.transaction()) {
            *error = db.lastError().text();
            return false;
        }
        for (const QString &stmt : statements(sql)) {
            QSqlQuery s(db);
            if (!s.exec(stmt)) {
                *error = QStringLiteral("migration %1 failed: %2")
                             .arg(version)
                             .arg(s.lastError().text());
                db.rollback();
                return false;
            }
        }
        QSqlQuery v(db);
        v.prepare(
            QStringLiteral("INSERT INTO schema_migrations (version, applied_at) VALUES (:v, :t)"));
        v.bindValue(QStringLiteral(":v"), version);
        v.bindValue(QStringLiteral(":t"), QDateTime::currentSecsSinceEpoch());
        if (!v.exec() || !db.commit()) {
            *error = v.lastError().text();
            db.rollback();
            return false;
        }
    }
    return true;
}

} // namespace sk::storage
