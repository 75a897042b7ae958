//! Whitespace-separated tables with one header line, the format of every
//! MDRP instance and solution file, read with errors naming file, line and
//! column.

use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A file that could not be used, or a value in it that is wrong.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}:{line}: {field}: {message}", file.display())]
pub struct TableError {
    /// The file.
    pub file: PathBuf,
    /// The line, 1-based (0 when the file itself could not be read).
    pub line: usize,
    /// The column (or `(file)`, `(header)`, `(row)`).
    pub field: String,
    /// What is wrong.
    pub message: String,
}

impl TableError {
    /// An error at `line` of `file` about `field`.
    pub fn new(file: &Path, line: usize, field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            file: file.to_path_buf(),
            line,
            field: field.into(),
            message: message.into(),
        }
    }
}

/// A table read whole: its header and its rows with their line numbers.
#[derive(Debug, Clone)]
pub struct Table {
    file: PathBuf,
    header: Vec<String>,
    rows: Vec<(usize, Vec<String>)>,
}

/// One row of a [`Table`], typed access by column name.
#[derive(Debug, Clone, Copy)]
pub struct Row<'a> {
    table: &'a Table,
    line: usize,
    cells: &'a [String],
}

impl Table {
    /// Reads `file`, checking that its header has every one of `columns`.
    ///
    /// # Errors
    /// The file cannot be read, is empty, lacks a column, or a row has a
    /// different number of cells than the header.
    pub fn read(file: &Path, columns: &[&str]) -> Result<Table, TableError> {
        Table::parse(&read_text(file)?, file, columns, false)
    }

    /// Like [`Table::read`], but a row may have more cells than the header
    /// (its last column is a list, as in the assignments file).
    ///
    /// # Errors
    /// As [`Table::read`], a row with fewer cells than the header.
    pub fn read_ragged(file: &Path, columns: &[&str]) -> Result<Table, TableError> {
        Table::parse(&read_text(file)?, file, columns, true)
    }

    /// Parses `text` as the contents of `file`; `ragged` lets rows run past
    /// the header.
    ///
    /// # Errors
    /// As [`Table::read`].
    pub fn parse(text: &str, file: &Path, columns: &[&str], ragged: bool) -> Result<Table, TableError> {
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let Some((_, head)) = lines.next() else {
            return Err(TableError::new(file, 1, "(header)", "the file is empty"));
        };
        let header: Vec<String> = head.split_whitespace().map(str::to_owned).collect();
        for column in columns {
            if !header.iter().any(|h| h == column) {
                return Err(TableError::new(file, 1, *column, "missing from the header"));
            }
        }
        let mut rows = Vec::new();
        for (i, line) in lines {
            let cells: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
            if cells.len() < header.len() || (!ragged && cells.len() > header.len()) {
                return Err(TableError::new(
                    file,
                    i + 1,
                    "(row)",
                    format!("{} cells where the header has {}", cells.len(), header.len()),
                ));
            }
            rows.push((i + 1, cells));
        }
        Ok(Table {
            file: file.to_path_buf(),
            header,
            rows,
        })
    }

    /// The rows in file order.
    pub fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        self.rows.iter().map(|(line, cells)| Row {
            table: self,
            line: *line,
            cells,
        })
    }

    /// Rows in the table.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// No rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

impl<'a> Row<'a> {
    /// The 1-based line of the row.
    pub fn line(&self) -> usize {
        self.line
    }

    /// The raw text of `column`.
    ///
    /// # Errors
    /// The table has no such column.
    pub fn text(&self, column: &str) -> Result<&'a str, TableError> {
        self.table
            .header
            .iter()
            .position(|h| h == column)
            .and_then(|i| self.cells.get(i))
            .map(String::as_str)
            .ok_or_else(|| self.error(column, "no such column"))
    }

    /// `column` parsed as `T`.
    ///
    /// # Errors
    /// The column is missing or its text is not a `T`.
    pub fn get<T: FromStr>(&self, column: &str) -> Result<T, TableError> {
        let text = self.text(column)?;
        text.parse()
            .map_err(|_| self.error(column, format!("{text:?} is not a valid {}", short_type_name::<T>())))
    }

    /// `column` as an optional number, `NaN` meaning absent.
    ///
    /// # Errors
    /// The text is neither `NaN` nor a `T`.
    pub fn get_or_nan<T: FromStr>(&self, column: &str) -> Result<Option<T>, TableError> {
        if self.text(column)?.eq_ignore_ascii_case("nan") {
            Ok(None)
        } else {
            self.get(column).map(Some)
        }
    }

    /// The cells from index `from` on (for rows ending in a list).
    pub fn rest(&self, from: usize) -> &'a [String] {
        self.cells.get(from..).unwrap_or_default()
    }

    /// An error about `field` on this row.
    pub fn error(&self, field: &str, message: impl Into<String>) -> TableError {
        TableError::new(&self.table.file, self.line, field, message)
    }
}

/// A file's text, or an error naming it.
pub(crate) fn read_text(file: &Path) -> Result<String, TableError> {
    std::fs::read_to_string(file).map_err(|e| TableError::new(file, 0, "(file)", e.to_string()))
}

fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::Table;

    #[test]
    fn reads_rows_by_column_and_names_bad_cells() {
        let t = Table::parse("a\tb\n1\tx\n\n2\t3\n", Path::new("t.txt"), &["a", "b"], false).unwrap();
        assert_eq!(t.len(), 2);
        let rows: Vec<_> = t.rows().collect();
        assert_eq!(rows[0].get::<i64>("a").unwrap(), 1);
        assert_eq!(rows[1].line(), 4);
        let e = rows[0].get::<i64>("b").unwrap_err();
        assert_eq!(e.to_string(), "t.txt:2: b: \"x\" is not a valid i64");
    }

    #[test]
    fn a_missing_column_or_a_short_row_is_an_error() {
        let e = Table::parse("a b\n1 2\n", Path::new("t.txt"), &["a", "c"], false).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (1, "c"));
        let e = Table::parse("a b\n1 2\n3\n", Path::new("t.txt"), &["a"], true).unwrap_err();
        assert_eq!((e.line, e.field.as_str()), (3, "(row)"));
        let e = Table::parse("", Path::new("t.txt"), &["a"], false).unwrap_err();
        assert_eq!(e.field, "(header)");
    }
}
