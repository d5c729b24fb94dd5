//! Identity linking: which user a provider identity belongs to — known, the person signed
//! in, a vouched-for account with the e-mail, or a new account — and its stored tokens.

use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter,
    TransactionSession, TransactionTrait,
};

use super::{Caller, OAuthError, ProviderProfile};
use crate::backend::audit::{self, actions, Entry};
use crate::backend::auth::accounts;
use crate::backend::entity::{identities, users};
use crate::backend::workspaces;
use crate::types::Email;

/// The provider's tokens as the identity keeps them (encrypted).
pub(super) struct StoredTokens {
    pub(super) access: Option<String>,
    pub(super) refresh: Option<String>,
    pub(super) expires_at: Option<chrono::DateTime<Utc>>,
}

/// Which user a provider identity belongs to:
/// 1. the identity is known → its user;
/// 2. someone is signed in (connecting a provider) → them;
/// 3. the provider vouches for the e-mail AND the existing account with that e-mail has
///    itself been vouched for by a provider → that account (a password account's e-mail
///    was never verified, so linking to it would let whoever created it take over);
/// 4. no account has the e-mail → a new account with its first workspace (if sign-up is open).
pub(super) async fn link<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    provider: &str,
    profile: &ProviderProfile,
    tokens: StoredTokens,
    caller: Caller<'_>,
) -> Result<(users::Model, bool), OAuthError> {
    let Caller {
        current_user,
        signup_allowed,
        ip,
    } = caller;
    let txn = crate::backend::db::begin_write(db).await?;
    let now = Utc::now();
    let existing = identities::Entity::find()
        .filter(identities::Column::Provider.eq(provider))
        .filter(identities::Column::Subject.eq(&profile.subject))
        .one(&txn)
        .await?;
    let email = profile.email.as_deref().and_then(|e| Email::parse(e).ok());

    let (user, created) = if let Some(identity) = existing {
        let user = users::Entity::find_by_id(identity.user_id)
            .one(&txn)
            .await?
            .ok_or(OAuthError::InvalidState)?;
        if current_user.is_some_and(|u| u.id != user.id) {
            return Err(OAuthError::Denied(
                "that provider account is already connected to another user".into(),
            ));
        }
        let mut active: identities::ActiveModel = identity.into();
        active.email = Set(email.as_ref().map(|e| e.as_str().to_owned()));
        active.email_verified = Set(profile.email_verified);
        active.access_token_enc = Set(tokens.access);
        active.refresh_token_enc = Set(tokens.refresh);
        active.token_expires_at = Set(tokens.expires_at);
        active.updated_at = Set(now);
        active.update(&txn).await?;
        (user, false)
    } else {
        let (user, created) = if let Some(current) = current_user {
            (current.clone(), false)
        } else {
            let email = email.clone().ok_or(OAuthError::NoEmail)?;
            account_for(&txn, provider, profile, &email, signup_allowed, &ip).await?
        };
        identities::ActiveModel {
            user_id: Set(user.id),
            provider: Set(provider.to_owned()),
            subject: Set(profile.subject.clone()),
            email: Set(email.as_ref().map(|e| e.as_str().to_owned())),
            email_verified: Set(profile.email_verified),
            access_token_enc: Set(tokens.access),
            refresh_token_enc: Set(tokens.refresh),
            token_expires_at: Set(tokens.expires_at),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        (user, created)
    };
    txn.commit().await?;
    Ok((user, created))
}

/// The account a new identity with `email` joins (cases 3 and 4 of `link`), and whether it
/// was made now.
async fn account_for(
    txn: &impl ConnectionTrait,
    provider: &str,
    profile: &ProviderProfile,
    email: &Email,
    signup_allowed: bool,
    ip: &Option<String>,
) -> Result<(users::Model, bool), OAuthError> {
    match accounts::find_by_email(txn, email).await? {
        Some(user) => {
            let vouched = identities::Entity::find()
                .filter(identities::Column::UserId.eq(user.id))
                .filter(identities::Column::Email.eq(email.as_str()))
                .filter(identities::Column::EmailVerified.eq(true))
                .one(txn)
                .await?
                .is_some();
            if !(profile.email_verified && vouched) {
                return Err(OAuthError::EmailTaken(email.to_string()));
            }
            Ok((user, false))
        }
        None => {
            if !signup_allowed {
                return Err(OAuthError::SignupClosed);
            }
            Ok((sign_up(txn, provider, profile, email, ip).await?, true))
        }
    }
}

/// A new account for `email`, named as the provider names the person, with its first
/// workspace.
async fn sign_up(
    txn: &impl ConnectionTrait,
    provider: &str,
    profile: &ProviderProfile,
    email: &Email,
    ip: &Option<String>,
) -> Result<users::Model, OAuthError> {
    let name = profile
        .name
        .clone()
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| {
            email
                .as_str()
                .split('@')
                .next()
                .unwrap_or("New user")
                .to_owned()
        });
    let name: String = name.chars().filter(|c| !c.is_control()).take(200).collect();
    let user = accounts::insert_user(txn, email, &name, profile.avatar_url.clone(), None).await?;
    audit::record(
        txn,
        Entry {
            actor_user_id: Some(user.id),
            actor_label: user.email.clone(),
            action: actions::SIGN_UP,
            detail: Some(format!("via {provider}")),
            ip: ip.clone(),
            ..Default::default()
        },
    )
    .await?;
    workspaces::create_first(txn, &user, ip.clone()).await?;
    Ok(user)
}
