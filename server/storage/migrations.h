// Migrations: applies the numbered SQL files from resources/migrations in order, once each.
#pragma once

#include <QSqlDatabase>
#include <QString>

namespace sk::storage {

// Applies every migration newer than the schema's recorded version, each in its own
// transaction with its version row. Returns false with `error` set on the first failure.
bool migrate(QSqlDatabase &db, QString *error,
             const QString &directory = QStringLiteral(":/migrations"));

// The highest migration number available in `directory`.
int latestMigration(const QString &directory = QStringLiteral(":/migrations"));

} // namespace sk::storage
