"""Create the search index: FTS5 tables and triggers on SQLite, GIN expression indexes on PostgreSQL."""

from django.db import migrations

from rapport.search import postgres_index, sqlite_index


def install(apps, schema_editor) -> None:
    sqlite_index.install(schema_editor.connection)
    postgres_index.install(schema_editor.connection)


def uninstall(apps, schema_editor) -> None:
    sqlite_index.uninstall(schema_editor.connection)
    postgres_index.uninstall(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("records", "0002_attachment_savedfilter_activity_external_id_and_more"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
