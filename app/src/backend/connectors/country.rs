//! Countries as other systems write them, as the workspace keeps them (ISO codes).

/// Other systems keep countries as free text (HubSpot, Apollo); the workspace keeps ISO codes. Two-letter codes
/// pass; the names of for the commonest markets map; any other
/// name is left out (and shown as not set) rather than guessed.
pub fn country_code(raw: &str) -> Option<String> {
    let s = raw.trim();
    if s.len() == 2 && s.chars().all(|c| c.is_ascii_alphabetic()) {
        return Some(s.to_uppercase());
    }
    const NAMES: &[(&str, &str)] = &[
        ("united states", "US"),
        ("united states of america", "US"),
        ("usa", "US"),
        ("canada", "CA"),
        ("mexico", "MX"),
        ("brazil", "BR"),
        ("argentina", "AR"),
        ("united kingdom", "GB"),
        ("uk", "GB"),
        ("ireland", "IE"),
        ("germany", "DE"),
        ("france", "FR"),
        ("spain", "ES"),
        ("portugal", "PT"),
        ("italy", "IT"),
        ("netherlands", "NL"),
        ("belgium", "BE"),
        ("switzerland", "CH"),
        ("austria", "AT"),
        ("sweden", "SE"),
        ("norway", "NO"),
        ("denmark", "DK"),
        ("finland", "FI"),
        ("poland", "PL"),
        ("czech republic", "CZ"),
        ("czechia", "CZ"),
        ("israel", "IL"),
        ("india", "IN"),
        ("china", "CN"),
        ("japan", "JP"),
        ("south korea", "KR"),
        ("singapore", "SG"),
        ("australia", "AU"),
        ("new zealand", "NZ"),
        ("south africa", "ZA"),
        ("united arab emirates", "AE"),
    ];
    let lower = s.to_lowercase();
    NAMES
        .iter()
        .find(|(name, _)| *name == lower)
        .map(|(_, code)| (*code).to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn country_names_become_codes() {
        assert_eq!(country_code("Germany").as_deref(), Some("DE"));
        assert_eq!(country_code("de").as_deref(), Some("DE"));
        assert_eq!(country_code("United States").as_deref(), Some("US"));
        assert_eq!(country_code("Atlantis"), None);
    }
}
