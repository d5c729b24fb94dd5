//! Which column feeds which field: the suggestion, its validation, and applying it to a row.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Record;

/// A field an import can fill, as the entity-specific code describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    pub key: &'static str,
    pub label: &'static str,
    pub required: bool,
    /// Other names the column may have in the wild ("Firma", "Organization", "URL"); matched
    /// like the key and the label, ignoring case, accents, spaces and punctuation.
    pub aliases: &'static [&'static str],
}

/// Per column, the field it feeds (`None`: not imported). An empty key counts as `None`,
/// which is what an unselected `<select>` sends.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Mapping {
    pub columns: Vec<Option<String>>,
}

impl Mapping {
    pub fn from_suggestion(suggestion: &[Option<&str>]) -> Self {
        Mapping {
            columns: suggestion
                .iter()
                .map(|key| key.map(str::to_owned))
                .collect(),
        }
    }

    fn key(&self, column: usize) -> Option<&str> {
        self.columns
            .get(column)
            .and_then(|key| key.as_deref())
            .filter(|key| !key.is_empty())
    }

    /// Checks the mapping against the fields and the file; on failure, one message per
    /// problem, naming the columns (1-based, as the preview shows them) and fields.
    pub fn validate(&self, fields: &[FieldSpec], column_count: usize) -> Result<(), Vec<String>> {
        let mut problems = Vec::new();
        if self.columns.len() != column_count {
            problems.push(format!(
                "The mapping is for {} columns but the file has {column_count}. Reload the \
                 preview and map the columns again.",
                self.columns.len()
            ));
        }
        let mut used: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
        for column in 0..self.columns.len() {
            let Some(key) = self.key(column) else {
                continue;
            };
            match fields.iter().position(|field| field.key == key) {
                Some(index) => used.entry(index).or_default().push(column + 1),
                None => problems.push(format!(
                    "Column {} is mapped to \"{key}\", which is not a field that can be \
                     imported. Choose another field or leave the column out.",
                    column + 1
                )),
            }
        }
        for (&index, columns) in &used {
            if columns.len() > 1 {
                let listed: Vec<String> = columns.iter().map(usize::to_string).collect();
                problems.push(format!(
                    "\"{}\" is chosen for more than one column (columns {}). Choose it for one \
                     column only.",
                    fields[index].label,
                    listed.join(", ")
                ));
            }
        }
        for (index, field) in fields.iter().enumerate() {
            if field.required && !used.contains_key(&index) {
                problems.push(format!(
                    "\"{}\" is required: choose the column that holds it.",
                    field.label
                ));
            }
        }
        if used.is_empty() && !fields.iter().any(|field| field.required) {
            problems.push("No column is mapped to a field: choose at least one.".to_owned());
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }
}

/// The record's non-empty cells by field key. Cells of unmapped columns, and cells the row
/// lacks, are left out.
pub fn mapped<'r, 'm>(record: &'r Record, mapping: &'m Mapping) -> BTreeMap<&'m str, &'r str> {
    let mut cells = BTreeMap::new();
    for (column, cell) in record.fields.iter().enumerate() {
        if cell.is_empty() {
            continue;
        }
        if let Some(key) = mapping.key(column) {
            cells.insert(key, cell.as_str());
        }
    }
    cells
}

/// A suggested field for each column (`None`: no good match). First every column whose
/// normalized name (lower case, accents folded, only letters and digits) equals a field's
/// key, label or alias gets that field; then the remaining columns and fields are paired
/// by the closest fuzzy match: a small edit distance (1 from 5 characters, 2 from 8), or one
/// name starting or ending with the other (at least 4 characters). A field is never
/// suggested for two columns; the leftmost column wins.
pub fn suggest_mapping(headers: &[String], fields: &[FieldSpec]) -> Vec<Option<&'static str>> {
    let columns: Vec<String> = headers.iter().map(|h| normalize(h)).collect();
    let names: Vec<Vec<String>> = fields
        .iter()
        .map(|field| {
            let mut names = vec![normalize(field.key), normalize(field.label)];
            names.extend(field.aliases.iter().map(|alias| normalize(alias)));
            names.retain(|name| !name.is_empty());
            names
        })
        .collect();

    let mut suggestion: Vec<Option<usize>> = vec![None; headers.len()];
    let mut taken = vec![false; fields.len()];
    for (column, name) in columns.iter().enumerate() {
        if name.is_empty() {
            continue;
        }
        let exact = (0..fields.len()).find(|&f| !taken[f] && names[f].contains(name));
        if let Some(field) = exact {
            suggestion[column] = Some(field);
            taken[field] = true;
        }
    }

    let mut candidates: Vec<((usize, usize), usize, usize)> = Vec::new();
    for (column, name) in columns.iter().enumerate() {
        if name.is_empty() || suggestion[column].is_some() {
            continue;
        }
        for (field, field_names) in names.iter().enumerate() {
            if taken[field] {
                continue;
            }
            if let Some(score) = field_names.iter().filter_map(|n| closeness(name, n)).min() {
                candidates.push((score, column, field));
            }
        }
    }
    candidates.sort_unstable();
    for (_, column, field) in candidates {
        if suggestion[column].is_none() && !taken[field] {
            suggestion[column] = Some(field);
            taken[field] = true;
        }
    }
    suggestion
        .into_iter()
        .map(|field| field.map(|f| fields[f].key))
        .collect()
}

/// Lower is closer: (1 or 2, 0) for edits, (3, length difference) for a prefix or suffix.
fn closeness(a: &str, b: &str) -> Option<(usize, usize)> {
    let (a_len, b_len) = (a.chars().count(), b.chars().count());
    let (shorter, longer) = if a_len <= b_len { (a, b) } else { (b, a) };
    let shorter_len = a_len.min(b_len);
    let allowed = match shorter_len {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    };
    if allowed > 0 && a_len.abs_diff(b_len) <= allowed {
        let distance = edit_distance(a, b);
        if distance <= allowed {
            return Some((distance, 0));
        }
    }
    if shorter_len >= 4 && (longer.starts_with(shorter) || longer.ends_with(shorter)) {
        return Some((3, a_len.abs_diff(b_len)));
    }
    None
}

/// Optimal string alignment distance: Levenshtein plus swaps of neighbours, the commonest
/// typo in a header ("Emial").
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let width = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * width];
    for i in 0..=a.len() {
        d[i * width] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(width) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[(i - 1) * width + j] + 1)
                .min(d[i * width + j - 1] + 1)
                .min(d[(i - 1) * width + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[(i - 2) * width + j - 2] + 1);
            }
            d[i * width + j] = best;
        }
    }
    d[a.len() * width + b.len()]
}

/// Lower case, accents folded, letters and digits only: "Company Name", "company_name" and
/// "COMPANY-NAME" all become "companyname".
fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars().flat_map(char::to_lowercase) {
        if let Some(folded) = fold(c) {
            out.push_str(folded);
        } else if c.is_alphanumeric() {
            out.push(c);
        }
    }
    out
}

fn fold(c: char) -> Option<&'static str> {
    Some(match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => "a",
        'æ' => "ae",
        'ç' => "c",
        'è' | 'é' | 'ê' | 'ë' => "e",
        'ì' | 'í' | 'î' | 'ï' => "i",
        'ñ' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' => "o",
        'œ' => "oe",
        'ù' | 'ú' | 'û' | 'ü' => "u",
        'ý' | 'ÿ' => "y",
        'ß' => "ss",
        _ => return None,
    })
}
