//! Input problems: a file, document or field that could not be read. Reported, never fatal.

use std::fmt;

use serde::Serialize;

/// A problem with the input, located as precisely as known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Problem {
    /// File name as reported.
    pub file: String,
    /// 0-based document index in the file, when the problem is inside one.
    pub document: Option<usize>,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
    /// JSON pointer of the field, when the problem is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// What is wrong.
    pub message: String,
}

impl Problem {
    /// A problem with a whole file.
    pub fn file(file: &str, message: impl Into<String>) -> Self {
        Problem {
            file: file.to_string(),
            document: None,
            line: None,
            column: None,
            path: None,
            message: message.into(),
        }
    }

    /// A problem at a place in a document.
    pub fn at(
        file: &str,
        document: usize,
        line: u32,
        column: u32,
        message: impl Into<String>,
    ) -> Self {
        Problem {
            file: file.to_string(),
            document: Some(document),
            line: Some(line),
            column: Some(column),
            path: None,
            message: message.into(),
        }
    }

    /// Attach the JSON pointer of the field concerned.
    pub fn with_path(mut self, path: impl Into<String>) -> Self {
        self.path = Some(path.into());
        self
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
            if let Some(c) = self.column {
                write!(f, ":{c}")?;
            }
        }
        if let Some(d) = self.document {
            write!(f, " (document {d})")?;
        }
        if let Some(p) = &self.path {
            write!(f, " at {p}")?;
        }
        write!(f, ": {}", self.message)
    }
}
