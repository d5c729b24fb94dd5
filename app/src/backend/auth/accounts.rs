//! Accounts: creating users (by password or from a provider identity), checking passwords,
//! and the first workspace every new account gets.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, TransactionSession, TransactionTrait,
};

use super::password;
use crate::backend::audit::{self, actions, Entry};
use crate::backend::entity::users;
use crate::backend::{workspaces, Error, Result};
use crate::types::{parse_name, Email, FieldError};

pub struct PasswordSignUp {
    pub email: String,
    pub name: String,
    pub password: String,
}

/// Whether no account exists yet (the sign-in page then offers to create the first one).
pub async fn is_first_run(db: &impl ConnectionTrait) -> Result<bool> {
    Ok(users::Entity::find().count(db).await? == 0)
}

pub async fn find_by_email(
    db: &impl ConnectionTrait,
    email: &Email,
) -> Result<Option<users::Model>> {
    Ok(users::Entity::find()
        .filter(users::Column::Email.eq(email.as_str()))
        .one(db)
        .await?)
}

/// Creates a user with a password and their first workspace (as owner), in one transaction.
/// With `join_invitation`, the new user joins that workspace instead of getting their own.
pub async fn sign_up<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    input: PasswordSignUp,
    ip: Option<String>,
    create_workspace: bool,
) -> Result<users::Model> {
    let mut errors = Vec::new();
    let email = Email::parse(&input.email).map_err(|m| errors.push(field("email", m)));
    let name = parse_name(&input.name, 200).map_err(|m| errors.push(field("name", &m)));
    if let Some(m) = password::check_new(&input.password) {
        errors.push(field("password", &m));
    }
    let (Ok(email), Ok(name)) = (email, name) else {
        return Err(Error::Validation(errors));
    };
    if !errors.is_empty() {
        return Err(Error::Validation(errors));
    }
    if find_by_email(db, &email).await?.is_some() {
        return Err(Error::field(
            "email",
            "an account with this e-mail already exists; sign in instead",
        ));
    }
    let hash = password::hash(input.password).await?;

    let txn = crate::backend::db::begin_write(db).await?;
    let user = insert_user(&txn, &email, &name, None, Some(hash)).await?;
    audit::record(
        &txn,
        Entry {
            actor_user_id: Some(user.id),
            actor_label: user.email.clone(),
            action: actions::SIGN_UP,
            ip: ip.clone(),
            ..Default::default()
        },
    )
    .await?;
    if create_workspace {
        workspaces::create_first(&txn, &user, ip).await?;
    }
    txn.commit().await?;
    Ok(user)
}

pub(crate) async fn insert_user(
    db: &impl ConnectionTrait,
    email: &Email,
    name: &str,
    avatar_url: Option<String>,
    password_hash: Option<String>,
) -> Result<users::Model> {
    let now = Utc::now();
    let user = users::ActiveModel {
        email: Set(email.as_str().to_owned()),
        name: Set(name.to_owned()),
        avatar_url: Set(avatar_url),
        password_hash: Set(password_hash),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .map_err(|e| match e.sql_err() {
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_)) => Error::field(
            "email",
            "an account with this e-mail already exists; sign in instead",
        ),
        _ => Error::Db(e),
    })?;
    Ok(user)
}

/// The user for an e-mail and password, or None. Always spends the same effort whether or not
/// the account exists (see `password::verify`).
pub async fn check_password(
    db: &impl ConnectionTrait,
    email: &str,
    candidate: &str,
) -> Result<Option<users::Model>> {
    let user = match Email::parse(email) {
        Ok(e) => find_by_email(db, &e).await?,
        Err(_) => None,
    };
    let stored = user.as_ref().and_then(|u| u.password_hash.clone());
    let ok = password::verify(candidate.to_owned(), stored).await;
    Ok(user.filter(|_| ok))
}

fn field(name: &str, message: &str) -> FieldError {
    FieldError {
        field: name.to_owned(),
        message: message.to_owned(),
    }
}
