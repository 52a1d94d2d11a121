//! The one error type that crosses the wire, between server functions, the REST API and the UI.

use std::collections::BTreeMap;

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Field name → message, shown next to the field.
pub type FieldErrors = BTreeMap<String, String>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please log in.")]
    Unauthorized,
    #[error("Wrong email or password.")]
    InvalidCredentials,
    #[error("You are not allowed to do this.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("Please correct the highlighted fields.")]
    Validation(FieldErrors),
    #[error("{0}")]
    Conflict(String),
    #[error("{message}")]
    TooManyRequests {
        message: String,
        retry_after_secs: u64,
    },
    /// A request body over the size the server reads.
    #[error("{0}")]
    TooLarge(String),
    /// The cause is logged on the server; the user sees a generic message.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
}

impl AppError {
    pub fn field(name: &str, message: impl Into<String>) -> Self {
        AppError::Validation(BTreeMap::from([(name.to_string(), message.into())]))
    }

    /// The message for one field, if this error carries one.
    pub fn field_message(&self, name: &str) -> Option<String> {
        match self {
            AppError::Validation(fields) => fields.get(name).cloned(),
            _ => None,
        }
    }

    /// One line for places that show no fields: the field messages, or the error itself.
    pub fn summary(&self) -> String {
        match self {
            AppError::Validation(fields) => fields.values().cloned().collect::<Vec<_>>().join(" "),
            other => other.to_string(),
        }
    }

    /// A machine-readable code, used in the REST API's error body.
    pub fn code(&self) -> &'static str {
        match self {
            AppError::Unauthorized => "unauthorized",
            AppError::InvalidCredentials => "invalid_credentials",
            AppError::Forbidden => "forbidden",
            AppError::NotFound => "not_found",
            AppError::Validation(_) => "validation",
            AppError::Conflict(_) => "conflict",
            AppError::TooManyRequests { .. } => "too_many_requests",
            AppError::TooLarge(_) => "too_large",
            AppError::Internal => "internal",
        }
    }

    pub fn status(&self) -> u16 {
        match self {
            AppError::Unauthorized | AppError::InvalidCredentials => 401,
            AppError::Forbidden => 403,
            AppError::NotFound => 404,
            AppError::Validation(_) => 422,
            AppError::Conflict(_) => 409,
            AppError::TooManyRequests { .. } => 429,
            AppError::TooLarge(_) => 413,
            AppError::Internal => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::field("request", format!("The request could not be read: {msg}"))
            }
            _ => AppError::Internal,
        }
    }
}

/// Collects field errors while validating a form, then turns them into one error.
#[derive(Default)]
pub struct Check {
    fields: FieldErrors,
}

impl Check {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the error of `result` under `field`, and passes its value on.
    pub fn take<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.fields.entry(field.to_string()).or_insert(message);
                None
            }
        }
    }

    pub fn fail(&mut self, field: &str, message: impl Into<String>) {
        self.fields
            .entry(field.to_string())
            .or_insert(message.into());
    }

    pub fn finish(self) -> Result<(), AppError> {
        if self.fields.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.fields))
        }
    }
}
