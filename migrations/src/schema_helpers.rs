//! Building blocks the migrations share (each migration's schema stays in its own file).

use sea_orm_migration::prelude::*;

/// A plain (or unique) index over `cols`, created only if missing.
pub(crate) async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table).if_not_exists();
    for c in cols {
        stmt.col(Alias::new(*c));
    }
    if unique {
        stmt.unique();
    }
    manager.create_index(stmt.to_owned()).await
}

/// A named foreign key `from` → `to`.
pub(crate) fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(on_delete)
        .to_owned()
}

/// Changes what SQLite cannot alter in place (a check, a column's type) the way its manual
/// prescribes: a new table from the old one's definition as `edit` rewrites it (None: the
/// definition is not what was expected), the rows copied, the old table dropped, the new one
/// renamed and the indexes made again.
pub(crate) async fn sqlite_rebuild(
    manager: &SchemaManager<'_>,
    table: &str,
    edit: impl Fn(&str) -> Option<String>,
) -> Result<(), DbErr> {
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    // One transaction on one connection: atomic, and no pooled connection reading the
    // schema as it was before the drop.
    let db = manager.get_connection().begin().await?;
    let backend = manager.get_database_backend();
    let definitions = db
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            "SELECT type, sql FROM sqlite_master WHERE tbl_name = ? AND sql IS NOT NULL",
            [table.into()],
        ))
        .await?;
    let mut create = None;
    let mut indexes = Vec::new();
    for row in definitions {
        let kind: String = row.try_get("", "type")?;
        let sql: String = row.try_get("", "sql")?;
        if kind == "table" {
            create = Some(sql);
        } else if kind == "index" {
            indexes.push(sql);
        }
    }
    let create = create.ok_or_else(|| DbErr::Migration(format!("no table {table}")))?;
    let edited = edit(&create)
        .ok_or_else(|| DbErr::Migration(format!("{table} is not as expected: {create}")))?;
    let next = format!("{table}_next");
    let renamed = edited.replacen(&format!("\"{table}\""), &format!("\"{next}\""), 1);
    if renamed == edited {
        return Err(DbErr::Migration(format!(
            "{table}'s definition names it unquoted"
        )));
    }
    db.execute_unprepared(&renamed).await?;
    db.execute_unprepared(&format!("INSERT INTO \"{next}\" SELECT * FROM \"{table}\""))
        .await?;
    db.execute_unprepared(&format!("DROP TABLE \"{table}\""))
        .await?;
    db.execute_unprepared(&format!("ALTER TABLE \"{next}\" RENAME TO \"{table}\""))
        .await?;
    for sql in indexes {
        db.execute_unprepared(&sql).await?;
    }
    db.commit().await
}
