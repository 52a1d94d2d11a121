//! Column and key shorthands for the migrations written from here on (the landed ones keep
//! their own copies: a landed migration is never edited).

use sea_orm_migration::prelude::*;

pub fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .integer()
        .not_null()
        .auto_increment()
        .primary_key()
        .to_owned()
}

pub fn int<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).integer().not_null().to_owned()
}

pub fn int_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).integer().null().to_owned()
}

pub fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .big_integer()
        .not_null()
        .default(0)
        .to_owned()
}

pub fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().not_null().to_owned()
}

pub fn long<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().default("").to_owned()
}

pub fn flag<T: IntoIden>(col: T, default: bool) -> ColumnDef {
    ColumnDef::new(col)
        .boolean()
        .not_null()
        .default(default)
        .to_owned()
}

pub fn at<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}

pub fn optional_at<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col)
        .timestamp_with_time_zone()
        .null()
        .to_owned()
}

pub fn fk(
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
    cascade: bool,
) -> ForeignKeyCreateStatement {
    let mut key = ForeignKey::create();
    key.from(from.0, from.1).to(to.0, to.1);
    if cascade {
        key.on_delete(ForeignKeyAction::Cascade);
    }
    key.to_owned()
}

pub fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(col);
    }
    index.to_owned()
}
